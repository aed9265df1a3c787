// What the engine may see. Input samples are made safe before the pipeline uses them (for the
// engine and the dry path alike), and a frame holding garbage is kept from the engine.
//
// - NaN and ±Infinity become 0; denormals become 0 (slow and inaudible).
// - Finite samples beyond ±SAMPLE_LIMIT are clamped to it. Capture devices deliver at most full
//   scale (1.0); Web Audio's own gain, mixing and resampling overshoot can push a real signal a
//   little past it, so a margin of four full-scale sources (+12 dBFS) is kept untouched. Beyond
//   that the signal is garbage or a broken upstream gain, and the encoder would clip it anyway.
// - An engine frame holding a clamped sample does not reach the engine: it passes dry, and the
//   engine goes on from the state it had before the burst, which no garbage reached. It is NOT
//   reset: a fresh RNNoise state hardly cuts noise until it has heard speech, and that is what
//   a ±1e20 burst did before (its output went NaN, so the pipeline reset the engine, and the rest
//   of the pause was cut by 4–10 dB instead of 38–44; see sanitise.test.ts). The pipeline still
//   resets an engine whose OUTPUT went non-finite: that state is poisoned for good.
// Counts only; nothing is logged per sample. Allocation-free.

export const SAMPLE_LIMIT = 4;

// Below this magnitude samples are flushed to zero.
const DENORMAL = 1e-30;

export class InputSanitiser {
  /** Input samples replaced by 0 because they were NaN or ±Infinity. */
  nonFinite = 0;
  /** Finite input samples clamped to ±SAMPLE_LIMIT. */
  outOfRange = 0;

  /**
   * Copies `length` samples of `input` from `inOffset` on to `output` from `outOffset` on,
   * sanitised. Returns the index (into `input`) of the last sample at or beyond ±SAMPLE_LIMIT,
   * which engineMayTake refuses, or -1: the pipeline scans only frames that may hold one.
   */
  process(input: Float32Array, output: Float32Array, length: number, outOffset = 0, inOffset = 0): number {
    let nonFinite = 0;
    let outOfRange = 0;
    let atLimit = -1;
    for (let i = 0; i < length; i++) {
      const x = input[inOffset + i] as number;
      const a = Math.abs(x);
      // The usual sample first: one test that NaN, ±Infinity, the limit, zero and denormals fail.
      if (a < SAMPLE_LIMIT && a >= DENORMAL) {
        output[outOffset + i] = x;
      } else if (x - x !== 0) {
        // x − x is NaN exactly when x is NaN or ±Infinity.
        output[outOffset + i] = 0;
        nonFinite++;
      } else if (a >= SAMPLE_LIMIT) {
        // Exactly ±SAMPLE_LIMIT passes as it is (the clamped value), only beyond it is counted.
        output[outOffset + i] = x > 0 ? SAMPLE_LIMIT : -SAMPLE_LIMIT;
        if (a > SAMPLE_LIMIT) outOfRange++;
        atLimit = inOffset + i;
      } else {
        output[outOffset + i] = 0;
      }
    }
    this.nonFinite += nonFinite;
    this.outOfRange += outOfRange;
    return atLimit;
  }
}

/** False when a sanitised engine frame holds a clamped sample (exactly ±SAMPLE_LIMIT): pass it dry. */
export function engineMayTake(frame: Float32Array): boolean {
  for (let i = 0; i < frame.length; i++) {
    const x = frame[i] as number;
    if (x >= SAMPLE_LIMIT || x <= -SAMPLE_LIMIT) return false;
  }
  return true;
}
