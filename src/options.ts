// The options of NoiseCancellation.create, their defaults, and the checks that refuse a bad
// value before anything is built (a DenoiserError naming the option and the value).
import type { ChannelMode, EngineChoice } from './types';
import { DenoiserError } from './errors';
import { ENGINE_CHOICES, isEngineChoice } from '../worklets/protocol';
import { resolveStrength, type Strength } from './strength';

export interface NoiseCancellationOptions {
  /** Start denoising (true) or bypassed (false). Default true. */
  enabled?: boolean;
  /** Pass audio through unprocessed while credentials are not valid. Default false. */
  requireCredentials?: boolean;
  /** 'downmix' (default) denoises a mono mix; 'per-channel' denoises up to two channels. */
  channelMode?: ChannelMode;
  /** How often the worklet reports stats. Default 1000 ms. */
  statsIntervalMs?: number;
  /** On/off crossfade length. Default 10 ms. */
  crossfadeMs?: number;
  /**
   * How much of the denoised signal replaces the input: 1 (default) full suppression, 0 the
   * input unchanged (equally delayed), or 'gentle' | 'balanced' | 'strong'. Live: setStrength().
   */
  strength?: Strength;
  /**
   * The denoising model: 'rnnoise' (default; classic RNNoise, 480-sample frames, 928 samples of
   * added delay at 48 kHz), 'rnnoise-0.2' (RNNoise 0.2: more noise cut, about 3× the CPU, 1408
   * samples) or 'gtcrn' (GTCRN: a 16 kHz model, so nothing above 8 kHz is kept; about 10× the
   * CPU, 1530 samples). The `ready` event and stats name the build that runs. 'auto' loads all
   * three as tiers, starts on the best the measured headroom allows and steps down and up with the
   * load, click-free, at a constant 1530-sample delay (stats `tier` says which runs and why).
   */
  engine?: EngineChoice;
  /** For engine 'rnnoise': use the SIMD build, 'auto' (default) when the browser validates SIMD. */
  simd?: boolean | 'auto';
  /** Where to load the chosen engine's wasm from (default: the file Vite emitted for it). */
  wasmUrl?: string;
  /** Where to load the worklet module from (default: the file Vite emitted). */
  workletUrl?: string;
  /**
   * At most this many processors run an engine in one AudioContext (default 48, from the
   * capacity benchmark). Past it a new processor passes audio through, with bypass reason
   * 'overload' and an 'error' event, instead of making the whole context miss real time.
   */
  maxProcessorsPerContext?: number;
  /**
   * When the context's audio thread falls behind real time, processors shed their engines,
   * the quietest and longest-silent first (bypass reason 'overload', an 'error' event; stats
   * `activity` says which run, are gated or shed, and why), and take them back one at a time
   * once it keeps up again. Default true (never for an OfflineAudioContext).
   */
  overloadProtection?: boolean;
  /**
   * Stop the engine while the track's input stays far below speech level (muted, Opus DTX
   * comfort noise, an empty room) and wake it on the first loud 10 ms frame, warmed on what it
   * skipped (stats `activity` reports 'gated'). Default true; false runs the engine on every
   * frame, as an always-on reference for comparisons and benchmarks.
   */
  gating?: boolean;
  /**
   * Chrome may deliver silence from a remote WebRTC track into Web Audio unless the track also
   * plays in a media element. Default true: a muted <audio> element is attached for remote tracks.
   */
  remoteTrackWorkaround?: boolean;
}

/**
 * From the capacity benchmark (BENCHMARKS.md, P3, 9 repetitions): 48 is the largest track count
 * whose whole confidence interval stays faster than real time; 64 reaches about 92 % of one
 * audio thread and its interval dips below real time.
 */
export const DEFAULT_MAX_PROCESSORS = 48;

export function validateOptions(options: NoiseCancellationOptions): void {
  if (options.strength !== undefined) resolveStrength(options.strength);
  const { statsIntervalMs, crossfadeMs, channelMode, maxProcessorsPerContext, engine, gating } = options;
  if (gating !== undefined && typeof gating !== 'boolean') throw DenoiserError.invalidOption('gating', gating, 'true or false');
  if (engine !== undefined && !isEngineChoice(engine)) {
    throw DenoiserError.invalidOption('engine', engine, `one of ${ENGINE_CHOICES.map((e) => `'${e}'`).join(', ')}`);
  }
  if (maxProcessorsPerContext !== undefined && !(Number.isInteger(maxProcessorsPerContext) && maxProcessorsPerContext >= 0)) {
    throw DenoiserError.invalidOption('maxProcessorsPerContext', maxProcessorsPerContext, 'a whole number ≥ 0');
  }
  if (statsIntervalMs !== undefined && !(Number.isFinite(statsIntervalMs) && statsIntervalMs >= 50)) {
    throw DenoiserError.invalidOption('statsIntervalMs', statsIntervalMs, 'a number ≥ 50');
  }
  if (crossfadeMs !== undefined && !(Number.isFinite(crossfadeMs) && crossfadeMs >= 0 && crossfadeMs <= 1000)) {
    throw DenoiserError.invalidOption('crossfadeMs', crossfadeMs, 'a number from 0 to 1000');
  }
  if (channelMode !== undefined && channelMode !== 'downmix' && channelMode !== 'per-channel') {
    throw DenoiserError.invalidOption('channelMode', channelMode, "'downmix' or 'per-channel'");
  }
}
