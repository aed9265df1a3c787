// Every error says what went wrong and the value that made it go wrong, never a token.

export type DenoiserErrorReason =
  | 'worklet-load'
  | 'wasm-load'
  | 'context-closed'
  | 'processor-closed'
  | 'processor-busy'
  | 'binding-closed'
  | 'track-kind'
  | 'invalid-option'
  | 'protocol-mismatch'
  | 'room-internals';

export class DenoiserError extends Error {
  constructor(
    readonly reason: DenoiserErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DenoiserError';
  }

  static workletLoad(url: string, cause: unknown): DenoiserError {
    return new DenoiserError('worklet-load', `the worklet module did not load from ${url}: ${describe(cause)}`, { cause });
  }

  static wasmLoad(url: string, cause: unknown): DenoiserError {
    return new DenoiserError('wasm-load', `the RNNoise wasm did not load from ${url}: ${describe(cause)}`, { cause });
  }

  static contextClosed(state: string): DenoiserError {
    return new DenoiserError('context-closed', `the AudioContext is not usable (state was ${state})`);
  }

  static processorClosed(): DenoiserError {
    return new DenoiserError('processor-closed', 'the processor is closed; create a new one');
  }

  static processorBusy(trackSid: string): DenoiserError {
    return new DenoiserError(
      'processor-busy',
      `the processor is already bound to a live track (${trackSid}); close that binding or use another processor`,
    );
  }

  static bindingClosed(): DenoiserError {
    return new DenoiserError('binding-closed', 'the binding is closed');
  }

  static trackKind(kind: string): DenoiserError {
    return new DenoiserError('track-kind', `noise cancellation needs an audio track (was ${kind})`);
  }

  static invalidOption(name: string, value: unknown, expected: string): DenoiserError {
    return new DenoiserError('invalid-option', `option ${name} must be ${expected} (was ${JSON.stringify(value)})`);
  }

  static roomInternals(detail: string): DenoiserError {
    return new DenoiserError(
      'room-internals',
      `livekit-client internals changed: ${detail}. lk-denoise supports livekit-client ~2.23; see src/room-adapter.ts`,
    );
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
