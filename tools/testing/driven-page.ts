// One page interface for every engine the e2e suite drives: Playwright's Page (Chromium), our
// WebDriver BiDi client (Firefox, tools/testing/firefox.ts) and our W3C WebDriver client
// (WebKitGTK, tools/testing/webkit.ts). Shared spec bodies take a DrivenPage, so one set of
// assertions runs in all three. Values cross as JSON, so functions return plain data.

export type Engine = 'chromium' | 'firefox' | 'webkit';

export interface DrivenPage {
  readonly engine: Engine;
  goto(url: string): Promise<void>;
  /** Runs `fn(arg)` in the page and resolves with its (awaited, JSON-serialisable) result. */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Resolves once `fn(arg)` is truthy in the page; rejects after `timeout` ms. */
  waitForFunction<A = undefined>(fn: (arg: A) => unknown, arg?: A, options?: { timeout?: number }): Promise<void>;
  close(): Promise<void>;
}

/** A driven browser: opens isolated pages (own cookies and storage each), then quits. */
export interface DrivenBrowser {
  readonly engine: Engine;
  readonly version: string;
  newPage(): Promise<DrivenPage>;
  close(): Promise<void>;
}

/**
 * The in-page source of a call: `fn` applied to the JSON argument, its result JSON-encoded, so
 * each driver needs to move only strings. Polling for waitForFunction runs inside the page, on
 * animation frames like Playwright's, with a timer fallback for hidden pages.
 */
export function callSource(fn: (arg: never) => unknown): string {
  return `async (argJson) => { const f = (${fn.toString()}); const r = await f(argJson == null ? undefined : JSON.parse(argJson)); return r === undefined ? undefined : JSON.stringify(r); }`;
}

export function waitSource(fn: (arg: never) => unknown): string {
  return `(argJson, timeout) => new Promise((resolve, reject) => {
    const f = (${fn.toString()});
    const arg = argJson == null ? undefined : JSON.parse(argJson);
    const t0 = performance.now();
    const tick = async () => {
      try {
        if (await f(arg)) return resolve('true');
      } catch (e) { return reject(e); }
      if (performance.now() - t0 > timeout) return reject(new Error('waitForFunction: timed out after ' + timeout + ' ms'));
      setTimeout(tick, 50);
    };
    tick();
  })`;
}

export function encodeArg(arg: unknown): string | undefined {
  return arg === undefined ? undefined : JSON.stringify(arg);
}

export function decodeResult<R>(json: string | undefined | null): R {
  return (json === undefined || json === null ? undefined : JSON.parse(json)) as R;
}
