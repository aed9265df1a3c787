// The one message protocol between the main thread and the AudioWorkletProcessor. Imported by
// both threads, so it must stay free of DOM, Node and worklet globals.

export const PROCESSOR_NAME = 'lk-denoise-rnnoise';
/** Bumped on any incompatible change to the messages or processorOptions below. */
export const PROTOCOL_VERSION = 1;

export interface StreamInfo {
  roomName: string;
  participantIdentity: string;
  publicationSid: string;
}

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

/** What the AudioWorkletNode passes as processorOptions. */
export interface ProcessorOptions {
  protocolVersion: number;
  /** Compiled once per page on the main thread; null means the wasm failed to load. */
  wasmModule: WebAssembly.Module | null;
  engine: EngineFlavour;
  enabled: boolean;
  requireCredentials: boolean;
  channelMode: ChannelMode;
  statsIntervalMs: number;
  crossfadeMs: number;
  /** Past the per-context processor cap: pass audio through and never start an engine. */
  overloaded: boolean;
  /** Shed engines (newest first) while the audio thread falls behind real time. */
  overloadProtection: boolean;
}

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

export type ErrorReason =
  | 'protocol-mismatch'
  | 'engine-unavailable'
  | 'engine-failed'
  | 'unknown-message'
  | 'credentials-malformed'
  | 'overload';

export type ToProcessor =
  | { type: 'stream-info'; info: StreamInfo }
  | { type: 'stream-info-cleared' }
  | { type: 'credentials'; credentials: Credentials }
  | { type: 'credentials-cleared' }
  | { type: 'set-enabled'; enabled: boolean }
  | { type: 'close' };

export type FromProcessor =
  | { type: 'ready'; engine: EngineFlavour | null; latencySamples: number; sampleRate: number }
  | { type: 'error'; reason: ErrorReason; message: string }
  | { type: 'stats'; stats: ProcessorStats; cause: 'interval' | 'change' }
  | { type: 'closed' };

export function assertNever(value: never, what: string): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

const TO_PROCESSOR_TYPES: ReadonlySet<string> = new Set<ToProcessor['type']>([
  'stream-info',
  'stream-info-cleared',
  'credentials',
  'credentials-cleared',
  'set-enabled',
  'close',
]);

/** Structural check for messages arriving on the worklet side. */
export function isToProcessor(value: unknown): value is ToProcessor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    TO_PROCESSOR_TYPES.has((value as { type: string }).type)
  );
}
