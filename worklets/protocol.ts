// The one message protocol between the main thread and the AudioWorkletProcessor. Imported by
// both threads, so it must stay free of DOM, Node and worklet globals. The public types it
// carries live in src/types.ts; `import type` is erased, so the worklet bundle gains no code.
import type {
  ChannelMode,
  Credentials,
  EngineChoice,
  EngineFlavour,
  EngineName,
  StreamInfo,
  WorkletErrorReason,
  WorkletStats,
} from '../src/types';

// The worklet side (processor.ts, dsp/) takes its types from this file alone.
export type {
  BypassReason,
  CredentialState,
  Credentials,
  EngineActivity,
  EngineActivityReason,
  EngineActivityState,
  EngineChoice,
  EngineFlavour,
  EngineName,
  EngineTier,
  ProcessorState,
  ProcessorStats,
  StreamInfo,
  TokenSummary,
  WorkletStats,
} from '../src/types';

export const PROCESSOR_NAME = 'lk-denoise-rnnoise';
/** Bumped on any incompatible change to the messages or processorOptions below (3: `tiers` for engine 'auto'). */
export const PROTOCOL_VERSION = 3;

// A Record, so a name added to EngineName and not here fails to compile.
const ENGINE_SET: Record<EngineName, true> = { rnnoise: true, 'rnnoise-0.2': true, gtcrn: true };

/** Every value of the `engine` option, for the checks of the main thread and the CLI. */
export const ENGINE_NAMES = Object.keys(ENGINE_SET) as readonly EngineName[];

export function isEngineName(value: unknown): value is EngineName {
  return typeof value === 'string' && Object.hasOwn(ENGINE_SET, value);
}

/** Every value of the `engine` option, 'auto' included. */
export const ENGINE_CHOICES: readonly EngineChoice[] = [...ENGINE_NAMES, 'auto'];

export function isEngineChoice(value: unknown): value is EngineChoice {
  return value === 'auto' || isEngineName(value);
}

/** The tiers of engine 'auto', best first (BENCHMARKS.md, "Quality per engine": ΔSI-SDR 10.1/8.9/7.4, 8.6/6.9/4.5, 7.4/6.2/4.1). */
export const TIER_ORDER: readonly EngineName[] = ['gtcrn', 'rnnoise-0.2', 'rnnoise'];

/** The engine a build belongs to. */
export function engineOf(flavour: EngineFlavour): EngineName {
  return flavour === 'rnnoise-simd' ? 'rnnoise' : flavour;
}

/** One tier of engine 'auto': its build, compiled on the main thread. */
export interface TierModule {
  engine: EngineFlavour;
  wasmModule: WebAssembly.Module;
}

/** What the AudioWorkletNode passes as processorOptions. */
export interface ProcessorOptions {
  protocolVersion: number;
  /** Compiled once per page on the main thread; null means the wasm failed to load. */
  wasmModule: WebAssembly.Module | null;
  /** Which build `wasmModule` is, so the worklet binds it with the right glue. */
  engine: EngineFlavour;
  /**
   * Engine 'auto': the tiers that loaded, best first (TIER_ORDER), or null for a fixed engine
   * (then `wasmModule` and `engine` say which). Each compiled once per page.
   */
  tiers: TierModule[] | null;
  enabled: boolean;
  requireCredentials: boolean;
  channelMode: ChannelMode;
  statsIntervalMs: number;
  crossfadeMs: number;
  /** Share of the denoised signal in the output, 0 to 1 (worklets/dsp/strength.ts). */
  strength: number;
  /** Past the per-context processor cap: pass audio through and never start an engine. */
  overloaded: boolean;
  /** Shed engines (quietest first, dsp/governor.ts) while the audio thread falls behind real time. */
  overloadProtection: boolean;
  /** Stop the engine while the input is quiet (dsp/activity.ts). */
  gating: boolean;
}

/** What the worklet reports; the one list of reasons is DenoiserErrorReason (src/types.ts). */
export type ErrorReason = WorkletErrorReason;

export type ToProcessor =
  | { type: 'stream-info'; info: StreamInfo }
  | { type: 'stream-info-cleared' }
  | { type: 'credentials'; credentials: Credentials }
  | { type: 'credentials-cleared' }
  | { type: 'set-enabled'; enabled: boolean }
  | { type: 'set-strength'; strength: number }
  | { type: 'close' };

export type FromProcessor =
  | { type: 'ready'; engine: EngineFlavour | null; latencySamples: number; sampleRate: number }
  | { type: 'error'; reason: ErrorReason; message: string }
  | { type: 'stats'; stats: WorkletStats; cause: 'interval' | 'change' }
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
  'set-strength',
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
