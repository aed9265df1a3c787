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

/** Whether a processor's engine runs now (worklets/dsp/governor.ts ranks them per AudioContext). */
export type EngineActivityState = 'active' | 'gated' | 'stepped-down' | 'shed' | 'bypassed';

export type EngineActivityReason =
  | 'within-budget' // active: the audio thread keeps real time, every engine may run
  | 'priority' // active: engines are being shed, and this track ranks within the limit
  | 'digital-silence' // gated: the input is exactly zero (muted, unsubscribed, an empty room)
  | 'below-threshold' // gated: the input is far below speech level (DTX comfort noise, a silent room)
  | 'overload' // shed or stepped-down: the audio thread fell behind, and this track ranks last by activity
  | 'bypassed'; // bypassed: for the reason in ProcessorStats.bypass (disabled, credentials, no engine)

export interface EngineActivity {
  state: EngineActivityState;
  reason: EngineActivityReason;
  /** The activity level the governor ranks by (dBFS, peak of 10 ms frames decaying 20 dB/s). */
  levelDb: number;
}

export type ProcessorState = 'loading' | 'running' | 'closed';

/**
 * The denoising model (the `engine` option): 'rnnoise' classic RNNoise (2017; the default, the
 * cheapest), 'rnnoise-0.2' RNNoise 0.2 (2024 model: more noise cut, about 4× the CPU), 'gtcrn'
 * GTCRN (a 16 kHz network: the most noise cut, about 9× the CPU, nothing above 8 kHz kept, and
 * more delay). See worklets/dsp/ for each one's frame size and delay.
 */
export type EngineName = 'rnnoise' | 'rnnoise-0.2' | 'gtcrn';

/**
 * The `engine` option: one model, or 'auto': every model loaded as a tier (gtcrn, rnnoise-0.2,
 * rnnoise, best first), started on the best one the measured headroom allows, stepped down when
 * the audio thread falls behind and back up when it keeps up (worklets/dsp/tiers.ts, governor.ts).
 */
export type EngineChoice = EngineName | 'auto';

/**
 * Why an 'auto' track runs the tier it runs: 'headroom' the one the start-up measurement chose
 * (the best whose measured cost fits the audio thread's budget, given the tracks already there),
 * 'stepped-down' a cheaper one because the audio thread fell behind.
 */
export type TierReason = 'headroom' | 'stepped-down';

/** Where an 'auto' track stands among its engine tiers. */
export interface EngineTier {
  /** The tier the start-up measurement chose. */
  chosen: EngineName;
  /** The tier heard now (the outgoing one until a switch's crossfade ends). */
  running: EngineName;
  /** Where it is headed: differs from `running` while a switch warms up and crossfades. */
  target: EngineName;
  reason: TierReason;
  /** The loaded tiers, best first, with their measured cost in µs of audio-thread time per 10 ms of audio. */
  tiers: { engine: EngineName; costUs: number }[];
}

/** The wasm build a processor runs: the engine, and for classic RNNoise whether it is the SIMD build. */
export type EngineFlavour = 'rnnoise-simd' | 'rnnoise' | 'rnnoise-0.2' | 'gtcrn';

export interface TokenSummary {
  /** A short hash of the token: identifies it without revealing it. */
  id: string;
  issuedAt: number | null;
  expiresAt: number | null;
  identity: string | null;
  room: string | null;
}

/** BaseAudioContext.state ('interrupted' exists in Safari). Audio flows only while 'running'. */
export type ContextState = 'suspended' | 'running' | 'closed' | 'interrupted';

/** What the worklet reports about itself; the main thread adds what only it can see. */
export interface WorkletStats {
  state: ProcessorState;
  /** The build running (with 'auto', the tier heard now), or null when no engine runs (it failed to load or start). */
  engine: EngineFlavour | null;
  /** With engine 'auto': which tier runs and why; null for a fixed engine. */
  tier: EngineTier | null;
  enabled: boolean;
  bypass: BypassReason | null;
  /** The strength asked for last (the applied one ramps toward it over ≤ 20 ms). */
  strength: number;
  framesProcessed: number;
  /** Frames the engine ran (denoised, plus warm-up replays on wake): stops growing while gated. */
  engineFrames: number;
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
  /** Finite input samples beyond ±4 (+12 dBFS), clamped; their 10 ms frames skip the engine. */
  outOfRangeInputs: number;
  engineResets: number;
  /** Linear memory of the wasm instance this processor's engines share with the others in the context. */
  wasmMemoryBytes: number;
  /** Whether the engine runs now, is gated (quiet input) or shed (overload), and why. */
  activity: EngineActivity;
}

export interface ProcessorStats extends WorkletStats {
  /**
   * The AudioContext's state, read on the main thread. Not 'running' (an autoplay policy keeps a
   * context 'suspended' until a user gesture) means the output is silence: call resume().
   */
  contextState: ContextState;
}
/** The reasons the worklet reports itself; the main thread turns each into a DenoiserError. */
export type WorkletErrorReason =
  | 'protocol-mismatch' // the worklet and the main thread speak different protocol versions
  | 'engine-unavailable' // no compiled wasm module reached the worklet
  | 'engine-failed' // the engine did not start
  | 'unknown-message' // a port message the worklet does not know
  | 'credentials-malformed' // the pushed credentials cannot be read
  | 'overload'; // past maxProcessorsPerContext, or shed while the audio thread fell behind

/** Every reason a DenoiserError carries, thrown or in an 'error' event. The one list. */
export type DenoiserErrorReason =
  | WorkletErrorReason
  | 'worklet-load' // the worklet module did not load
  | 'wasm-load' // the engine's wasm did not load or compile
  | 'context-closed' // the AudioContext is closed, or closed under the processor
  | 'browser-constraints' // the browser's own noise suppression could not be turned off or back on
  | 'context-kind' // the operation needs a live AudioContext, not an OfflineAudioContext
  | 'processor-closed' // the processor was closed
  | 'processor-crashed' // the AudioWorkletProcessor threw (onprocessorerror)
  | 'processor-busy' // the processor already serves another live track
  | 'binding-closed' // the binding has ended
  | 'track-kind' // not an audio track
  | 'no-output-track' // the output stream has no audio track
  | 'source-node' // the AudioContext could not take the track (createMediaStreamSource threw)
  | 'invalid-option' // an option is out of range or of the wrong type
  | 'room-internals'; // livekit-client internals moved (see src/room-adapter.ts)
