// Large-room signals: talkers who speak in turns and are quiet (muted: digital silence, or Opus
// DTX-like low-level noise) between them, and the onset measurement the activity gate is held to.
// Deterministic: the same options give the same samples. Shared by worklets/dsp/activity.test.ts
// and tools/bench/gating.ts.
import { siSdr } from './metrics';
import { loadExcerpt, makeNoise, mixAtSnr, type NoiseKind } from './signals';

const RATE = 48_000;
const FRAME = 480;

export type QuietKind = 'silence' | 'dtx';

export interface TurnTakingOptions {
  talkers: number;
  seconds: number;
  /** One talker's turn; talker t speaks in turns t, t + talkers, … */
  turnSeconds?: number;
  /** Speech per turn, from the start of the turn (noise and speech come back together). */
  speechSeconds?: number;
  snrDb?: number;
  /** What a talker sends between turns. */
  quiet?: QuietKind;
  /** RMS of the DTX-like noise, dBFS. Default −70: comfort noise of a muted or silent mic. */
  quietDb?: number;
  seed?: number;
}

export interface TalkerTrack {
  mixture: Float32Array;
  /** The clean speech at the mixture's gain (zero between turns). */
  speech: Float32Array;
  /** The first sample of each turn's speech (after the first turn, each follows a quiet spell). */
  onsets: number[];
  noise: NoiseKind;
}

// Active speech RMS, dBFS: a conversational level as WebRTC's AGC leaves it.
const SPEECH_DB = -25;
// The stationary noises the pause-cut floors are derived from (tools/testing/pause-cut.ts).
const TALKER_NOISES: readonly NoiseKind[] = ['pink', 'white', 'brown'];
// A 5 ms fade-in: the turns start mid-word, and a step would be a click no microphone sends.
const FADE = 240;

function scaleToDb(x: Float32Array, targetDb: number): void {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += (x[i] as number) ** 2;
  const rms = Math.sqrt(e / Math.max(1, x.length));
  const g = rms > 0 ? 10 ** (targetDb / 20) / rms : 0;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * g;
}

/** A quiet track: digital silence, or pink noise at `levelDb` RMS (DTX-like comfort noise). */
export function quietTrack(kind: QuietKind, length: number, seed: number, levelDb = -70): Float32Array {
  if (kind === 'silence') return new Float32Array(length);
  const x = makeNoise('pink', length, RATE, seed);
  scaleToDb(x, levelDb);
  return x;
}

/** `talkers` tracks at 48 kHz that speak in turns, each quiet between its turns. */
export function turnTakingTalkers(options: TurnTakingOptions): TalkerTrack[] {
  const turn = Math.round((options.turnSeconds ?? 3) * RATE);
  const speechLen = Math.round((options.speechSeconds ?? 2) * RATE);
  const length = Math.round(options.seconds * RATE);
  const seed = options.seed ?? 1;
  const excerpt = loadExcerpt(RATE);
  if (speechLen > turn || speechLen > excerpt.length)
    throw new RangeError(`speech per turn (${speechLen}) exceeds the turn or the excerpt`);
  const tracks: TalkerTrack[] = [];
  for (let t = 0; t < options.talkers; t++) {
    const kind = TALKER_NOISES[t % TALKER_NOISES.length] as NoiseKind;
    const mixture = quietTrack(options.quiet ?? 'dtx', length, seed * 1000 + t, options.quietDb ?? -70);
    const speech = new Float32Array(length);
    const onsets: number[] = [];
    for (let k = 0, start = t * turn; start + speechLen <= length; k++, start += options.talkers * turn) {
      // Each turn a different stretch of the excerpt.
      const from = Math.floor(((k * 7 + t * 3) % 10) * ((excerpt.length - speechLen) / 10));
      const chunk = excerpt.slice(from, from + speechLen);
      for (let i = 0; i < FADE; i++) chunk[i] = (chunk[i] as number) * (i / FADE);
      scaleToDb(chunk, SPEECH_DB);
      const noise = makeNoise(kind, speechLen, RATE, seed * 7919 + t * 131 + k);
      const mixed = mixAtSnr(chunk, noise, options.snrDb ?? 10);
      mixture.set(mixed.mixture, start);
      speech.set(chunk, start);
      onsets.push(start);
    }
    tracks.push({ mixture, speech, onsets, noise: kind });
  }
  return tracks;
}

export interface OnsetComparison {
  /** Per onset: SI-SDR of the output over the window, minus the always-on output's (dB). */
  deltas: number[];
  mean: number;
  worst: number;
  /** SI-SDR on minus off over all onset windows joined (loud onsets weigh more; dB). */
  pooled: number;
  /** Energy of `output` over `reference` in the onset windows joined (dB; SI-SDR ignores scale). */
  levelDb: number;
}

/**
 * The onset loss: over the first `windowMs` of each onset, the SI-SDR of `output` against the
 * clean speech minus that of `reference` (the always-on engine), both lagging the input by `lag`.
 * The first onset is left out when it starts the signal (no quiet spell before it).
 */
export function onsetLoss(
  speech: Float32Array,
  reference: Float32Array,
  output: Float32Array,
  onsets: readonly number[],
  lag: number,
  windowMs = 100,
): OnsetComparison {
  const n = Math.round((windowMs / 1000) * RATE);
  const deltas: number[] = [];
  const joined = { clean: [] as Float32Array[], out: [] as Float32Array[], ref: [] as Float32Array[] };
  for (const onset of onsets) {
    if (onset < FRAME * 50) continue;
    if (onset + lag + n > output.length || onset + lag + n > reference.length) break;
    const clean = speech.subarray(onset, onset + n);
    const out = output.subarray(onset + lag, onset + lag + n);
    const ref = reference.subarray(onset + lag, onset + lag + n);
    deltas.push(siSdr(clean, out) - siSdr(clean, ref));
    joined.clean.push(clean);
    joined.out.push(out);
    joined.ref.push(ref);
  }
  if (deltas.length === 0) throw new RangeError('onsetLoss: no onset after a quiet spell fits in the signals');
  const cat = (parts: Float32Array[]): Float32Array => {
    const x = new Float32Array(parts.length * n);
    parts.forEach((p, i) => x.set(p, i * n));
    return x;
  };
  const clean = cat(joined.clean);
  const out = cat(joined.out);
  const ref = cat(joined.ref);
  let eo = 0;
  let er = 0;
  for (let i = 0; i < out.length; i++) {
    eo += (out[i] as number) ** 2;
    er += (ref[i] as number) ** 2;
  }
  return {
    deltas,
    mean: deltas.reduce((s, d) => s + d, 0) / deltas.length,
    worst: Math.min(...deltas),
    pooled: siSdr(clean, out) - siSdr(clean, ref),
    levelDb: 10 * Math.log10(eo / er),
  };
}
