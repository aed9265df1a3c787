// The pause-noise cut, the one figure every denoising test checks: how much less energy a
// signal's speech pauses hold denoised than passed through, in dB. Here is how it is measured at
// any sample rate, and the floor each kind of test holds the engine to, each derived from the
// same two anchors, so the reasons live in one place:
//
// - A pass-through scores 0 dB: its pauses are its input's. (Bypass delays the input by the
//   processor's latency and nothing else, so comparing against it at that lag is exact.)
// - The engine's worst item on the bench corpus for the stationary noises the tests use (white,
//   pink and brown, at 0, 5 and 10 dB SNR, five clips each: 45 items of 15 s, the first second
//   left out) is 27.1 dB (pink at 0 dB SNR); per-noise means are 36–41 dB. The Node DSP core and
//   the worklet in Chromium agree within 0.2 dB. Source: tools/bench/results.json quality.items
//   (BENCHMARKS.md, Quality, "Noise cut in speech pauses").
//
// A floor sits below that worst item by a margin for what the test's path adds, and far enough
// above 0 dB that a pass-through, or an engine whose output is thrown away, fails by a wide gap.

/** What a pass-through scores. */
export const PASS_THROUGH_PAUSE_CUT_DB = 0;

/** The engine's worst stationary-noise item on the bench corpus, rounded down (see above). */
export const BENCH_WORST_PAUSE_CUT_DB = 27;

/** dB below the bench's worst item that each path may lose, and why. */
const PATH_MARGIN_DB = {
  // The bench's own path and metric (48 kHz, pauses from the clean speech, first second left
  // out) on one seeded 6–12 s item: fewer pause frames than a 15 s corpus item, and word gaps
  // count as pauses in items with one long pause or none. 7 dB of room for that.
  offline: 7,
  // Through the worklet's resamplers at 8–96 kHz. The engine still runs at 48 kHz, but at 8 and
  // 16 kHz its input holds nothing above 4 or 8 kHz: the upper half of its 22 bands are empty,
  // a condition the bench (48 kHz only) never measured. 17 dB of room: a floor of 10 dB still
  // tells the engine's work from a pass-through's 0.
  resampled: 17,
  // A real room: Opus at 48 kHz and a jitter buffer between the fixture and the processor, and
  // the pauses found by energy rank in the received signal (its timeline is stretched), so the
  // quietest tenth of frames may hold speech tails. 9 s of audio: 7 dB, as offline.
  room: 7,
  // The same room measured over a 3.6 s window (a credential state lasts only so long): it
  // holds one half-second pause of the fixture, whose edges weigh more. 5 dB more than `room`.
  roomShortWindow: 12,
} as const;

export type PauseCutPath = keyof typeof PATH_MARGIN_DB;

/** The pause-cut floor, in dB, for a test of the engine along `path` (see PATH_MARGIN_DB). */
export function pauseCutFloorDb(path: PauseCutPath): number {
  return BENCH_WORST_PAUSE_CUT_DB - PATH_MARGIN_DB[path];
}

export interface PauseCutOptions {
  /** The sample rate of both signals. Default 48 kHz. */
  sampleRate?: number;
  /** Samples both outputs lag the flags' timeline by (the processor's latency). */
  lag: number;
  /** 10 ms frames left out at the start (while the engine learns the noise). */
  skipFrames: number;
}

/**
 * The pause cut of `denoised` against `bypassed` (the same input passed through the same path),
 * over the interior pause frames of `speechActive` (one flag per 10 ms; frames next to speech
 * are left out). Frames are 10 ms at any rate, so 22.05 kHz frames are 220.5 samples long.
 */
export function pauseCutDb(
  bypassed: Float32Array,
  denoised: Float32Array,
  speechActive: readonly boolean[],
  options: PauseCutOptions,
): number {
  const perFrame = (options.sampleRate ?? 48_000) / 100;
  let eb = 0;
  let ed = 0;
  let frames = 0;
  for (let f = Math.max(1, options.skipFrames); f + 1 < speechActive.length; f++) {
    if (speechActive[f] || speechActive[f - 1] || speechActive[f + 1]) continue;
    const start = Math.round(f * perFrame) + options.lag;
    const end = Math.round((f + 1) * perFrame) + options.lag;
    if (end > bypassed.length || end > denoised.length) break;
    for (let i = start; i < end; i++) {
      eb += (bypassed[i] as number) ** 2;
      ed += (denoised[i] as number) ** 2;
    }
    frames++;
  }
  if (frames === 0) throw new RangeError(`pauseCutDb: no interior pause frames after frame ${options.skipFrames}`);
  if (eb === 0) throw new RangeError('pauseCutDb: the bypassed signal is silent in the pauses');
  return 10 * Math.log10(eb / Math.max(ed, Number.MIN_VALUE));
}
