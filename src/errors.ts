// The one error type of lk-denoise: thrown, and carried by every 'error' event, worklet errors
// included. Each says what went wrong and, where there is one, carries the value that made it
// go wrong (never a token).
import type { DenoiserErrorReason, WorkletErrorReason } from './types';

export type { DenoiserErrorReason };

/** The values of a failed createMediaStreamSource: the two rates, the track's settings, what it said. */
export interface SourceNodeFailure {
  contextRate: number;
  trackRate: number | null;
  trackSettings: MediaTrackSettings;
  message: string;
}

export class DenoiserError extends Error {
  /** The value that made it go wrong (a URL, a state, an option's value), when there is one. */
  readonly value: unknown;

  constructor(
    readonly reason: DenoiserErrorReason,
    message: string,
    options?: { cause?: unknown; value?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DenoiserError';
    this.value = options?.value;
  }

  static workletLoad(url: string, cause: unknown): DenoiserError {
    return new DenoiserError('worklet-load', `the worklet module did not load from ${url}: ${describe(cause)}`, { cause, value: url });
  }

  static wasmLoad(url: string, cause: unknown): DenoiserError {
    return new DenoiserError('wasm-load', `the RNNoise wasm did not load from ${url}: ${describe(cause)}`, { cause, value: url });
  }

  /** Engine 'auto' lost a tier to `error` and runs on the others. */
  static tierDropped(engine: string, error: DenoiserError): DenoiserError {
    return new DenoiserError(error.reason, `${error.message}; engine 'auto' goes on without its ${engine} tier`, {
      cause: error,
      value: error.value,
    });
  }

  /** The same failure, once the processor has gone on without its engine. */
  static passThrough(error: DenoiserError): DenoiserError {
    return new DenoiserError(error.reason, `${error.message}; audio passes through`, { cause: error, value: error.value });
  }

  static contextClosed(state: string): DenoiserError {
    return new DenoiserError('context-closed', `the AudioContext is not usable (state was ${state})`, { value: state });
  }

  /** The live context closed under a running processor. */
  static contextClosedUnder(): DenoiserError {
    return new DenoiserError('context-closed', 'the AudioContext was closed; the processor is gone', { value: 'closed' });
  }

  /** Changing the capture track's noiseSuppression/voiceIsolation failed (`what` says which way). */
  static browserConstraints(what: string, cause?: unknown): DenoiserError {
    return new DenoiserError('browser-constraints', cause === undefined ? what : `${what}: ${describe(cause)}`, { cause, value: what });
  }

  static contextKind(kind: string, purpose: string): DenoiserError {
    return new DenoiserError('context-kind', `${purpose} needs an AudioContext (was ${kind})`, { value: kind });
  }

  static processorClosed(): DenoiserError {
    return new DenoiserError('processor-closed', 'the processor is closed; create a new one');
  }

  static processorCrashed(): DenoiserError {
    return new DenoiserError('processor-crashed', 'the audio worklet processor crashed');
  }

  static processorBusy(trackSid: string): DenoiserError {
    return new DenoiserError(
      'processor-busy',
      `the processor is already bound to a live track (${trackSid}); close that binding or use another processor`,
      { value: trackSid },
    );
  }

  static bindingClosed(): DenoiserError {
    return new DenoiserError('binding-closed', 'the binding is closed');
  }

  static trackKind(kind: string): DenoiserError {
    return new DenoiserError('track-kind', `noise cancellation needs an audio track (was ${kind})`, { value: kind });
  }

  static noOutputTrack(audioTracks: number): DenoiserError {
    return new DenoiserError('no-output-track', `the output stream has no audio track (it has ${audioTracks})`, { value: audioTracks });
  }

  /** createMediaStreamSource threw (Firefox did for years when the context's rate differs from the track's). */
  static sourceNode(value: SourceNodeFailure, cause: unknown): DenoiserError {
    const rate = value.trackRate === null ? 'track rate unknown' : `track ${value.trackRate} Hz`;
    return new DenoiserError(
      'source-node',
      `the AudioContext (${value.contextRate} Hz, ${rate}) could not take the track: ${value.message}`,
      {
        cause,
        value,
      },
    );
  }

  static invalidOption(name: string, value: unknown, expected: string): DenoiserError {
    return new DenoiserError('invalid-option', `option ${name} must be ${expected} (was ${JSON.stringify(value)})`, { value });
  }

  static overload(running: number, limit: number): DenoiserError {
    return new DenoiserError(
      'overload',
      `${running} processors already run in this AudioContext (maxProcessorsPerContext ${limit}); this one passes audio through`,
      { value: running },
    );
  }

  static roomInternals(detail: string): DenoiserError {
    return new DenoiserError(
      'room-internals',
      `livekit-client internals changed: ${detail}. lk-denoise supports livekit-client ~2.23; see src/room-adapter.ts`,
      { value: detail },
    );
  }

  /** An error the worklet posted: its reason is one of ours, its message already names the values. */
  static fromWorklet(reason: WorkletErrorReason, message: string): DenoiserError {
    return new DenoiserError(reason, message);
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
