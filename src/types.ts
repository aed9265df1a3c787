// The public types of lk-denoise, in one place so that dist/types reads as the API. Types only:
// worklets/protocol.ts imports them with `import type`, which is erased, so the worklet bundle
// stays free of main-thread code.

/** Which stream a processor serves (the python-sdks #679 / @livekit/rtc-node contract). */
export interface StreamInfo {
  roomName: string;
  participantIdentity: string;
  publicationSid: string;
}

/** The credentials of the room the stream is in. Never logged, never in stats or errors. */
export interface Credentials {
  token: string;
  url: string;
}

export type CredentialState = 'none' | 'valid' | 'expired' | 'room-mismatch' | 'malformed';

export type BypassReason =
  | 'disabled' // setEnabled(false)
  | 'no-engine' // the wasm did not load; audio passes through
  | 'credentials' // requireCredentials is set and the credentials are not valid
  | 'overload'; // past maxProcessorsPerContext, or shed because the audio thread fell behind

export type ChannelMode = 'downmix' | 'per-channel';

export type ProcessorState = 'loading' | 'running' | 'closed';

export type EngineFlavour = 'rnnoise-simd' | 'rnnoise';

export interface TokenSummary {
  /** A short hash of the token: identifies it without revealing it. */
  id: string;
  issuedAt: number | null;
  expiresAt: number | null;
  identity: string | null;
  room: string | null;
}

export interface ProcessorStats {
  state: ProcessorState;
  enabled: boolean;
  bypass: BypassReason | null;
  framesProcessed: number;
  vad: number;
  credentialState: CredentialState;
  token: TokenSummary | null;
  streamInfo: StreamInfo | null;
  /** The publication the audio is labelled with (streamInfo.publicationSid, or null). */
  publicationSid: string | null;
  sampleRate: number;
  channels: number;
  /** Added delay in samples at the context's rate. */
  latencySamples: number;
  nonFiniteInputs: number;
  engineResets: number;
  /** Linear memory of the wasm instance this processor's engines share with the others in the context. */
  wasmMemoryBytes: number;
}
