// One info line per lifecycle transition, nothing per frame, never a token. Apps can route or
// silence it with setLogger.
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

const PREFIX = 'lk-denoise: ';
let current: Logger | null = {
  info: (m) => console.info(PREFIX + m),
  warn: (m) => console.warn(PREFIX + m),
};

export function setLogger(logger: Logger | null): void {
  current = logger;
}

export const log: Logger = {
  info: (m) => current?.info(m),
  warn: (m) => current?.warn(m),
};
