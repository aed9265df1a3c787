// Objective speech-enhancement metrics, computed after aligning the processed signal to the
// reference by cross-correlation (the denoiser's latency must not count as distortion).
// Frame-based metrics use 10 ms frames by default (480 samples at 48 kHz), matching the
// `speechActive` flags from tools/testing/signals.ts.

export const DEFAULT_FRAME = 480;

// ---- FFT (iterative radix-2, in place) ----

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** In-place complex FFT of length 2^k. `inverse` computes the unscaled inverse transform. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n !== im.length || (n & (n - 1)) !== 0) throw new RangeError(`fft length must be a power of two (was ${n})`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
  // One exact twiddle table per call (recurrences drift on 2^20-point transforms); blocks
  // outer, butterflies inner, so memory is walked sequentially.
  const half0 = n >> 1;
  const cosT = new Float64Array(half0);
  const sinT = new Float64Array(half0);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < half0; k++) {
    cosT[k] = Math.cos((2 * Math.PI * k) / n);
    sinT[k] = sign * Math.sin((2 * Math.PI * k) / n);
  }
  for (let size = 2; size <= n; size *= 2) {
    const half = size >> 1;
    const stride = n / size;
    for (let s = 0; s < n; s += size) {
      for (let k = 0; k < half; k++) {
        const wr = cosT[k * stride] as number;
        const wi = sinT[k * stride] as number;
        const a = s + k;
        const t = a + half;
        const xr = re[t] as number;
        const xi = im[t] as number;
        const tr = wr * xr - wi * xi;
        const ti = wr * xi + wi * xr;
        const ur = re[a] as number;
        const ui = im[a] as number;
        re[a] = ur + tr;
        im[a] = ui + ti;
        re[t] = ur - tr;
        im[t] = ui - ti;
      }
    }
  }
}

/**
 * Cross-correlation c[k] = Σ ref[n]·x[n+k] for k in [−maxLag, maxLag], via FFT.
 * Returns the values indexed by k + maxLag.
 */
export function xcorr(ref: Float32Array, x: Float32Array, maxLag: number): Float64Array {
  const n = nextPow2(ref.length + x.length);
  const ar = new Float64Array(n);
  const ai = new Float64Array(n);
  const br = new Float64Array(n);
  const bi = new Float64Array(n);
  for (let i = 0; i < ref.length; i++) ar[i] = ref[i] as number;
  for (let i = 0; i < x.length; i++) br[i] = x[i] as number;
  fft(ar, ai);
  fft(br, bi);
  // conj(A)·B, then the inverse transform.
  for (let i = 0; i < n; i++) {
    const r = (ar[i] as number) * (br[i] as number) + (ai[i] as number) * (bi[i] as number);
    const m = (ar[i] as number) * (bi[i] as number) - (ai[i] as number) * (br[i] as number);
    ar[i] = r;
    ai[i] = m;
  }
  fft(ar, ai, true);
  const out = new Float64Array(2 * maxLag + 1);
  for (let k = -maxLag; k <= maxLag; k++) out[k + maxLag] = (ar[(k + n) % n] as number) / n;
  return out;
}

export interface Alignment {
  /** x lags ref by this many samples: x[n + lag] ≈ ref[n]. */
  lag: number;
  /** Normalised correlation at that lag (1 = identical shape). */
  peak: number;
  ref: Float32Array;
  /** x shifted by `lag` to ref's time base and length; samples shifted in from outside are 0. */
  x: Float32Array;
}

/** Finds the lag in [−maxLag, maxLag] that best lines x up with ref, and applies it. */
export function alignByXcorr(ref: Float32Array, x: Float32Array, maxLag: number): Alignment {
  if (!Number.isInteger(maxLag) || maxLag < 0) throw new RangeError(`maxLag must be a non-negative integer (was ${maxLag})`);
  const c = xcorr(ref, x, maxLag);
  let best = 0;
  for (let i = 1; i < c.length; i++) if ((c[i] as number) > (c[best] as number)) best = i;
  const lag = best - maxLag;
  const shifted = new Float32Array(ref.length);
  for (let n = 0; n < ref.length; n++) {
    const j = n + lag;
    if (j >= 0 && j < x.length) shifted[n] = x[j] as number;
  }
  const norm = Math.sqrt(energy(ref) * energy(x));
  return { lag, peak: norm > 0 ? (c[best] as number) / norm : 0, ref, x: shifted };
}

function energy(x: Float32Array, from = 0, to = x.length): number {
  let e = 0;
  for (let i = from; i < to; i++) e += (x[i] as number) ** 2;
  return e;
}

function db(ratio: number): number {
  return 10 * Math.log10(ratio);
}

/**
 * Scale-invariant SDR (Le Roux et al. 2019) in dB, on zero-mean signals of the overlapping
 * length. +Infinity when `estimate` is an exact scaled copy of `reference`.
 */
export function siSdr(reference: Float32Array, estimate: Float32Array): number {
  const n = Math.min(reference.length, estimate.length);
  let mr = 0;
  let me = 0;
  for (let i = 0; i < n; i++) {
    mr += reference[i] as number;
    me += estimate[i] as number;
  }
  mr /= n;
  me /= n;
  let dot = 0;
  let rr = 0;
  for (let i = 0; i < n; i++) {
    const r = (reference[i] as number) - mr;
    dot += r * ((estimate[i] as number) - me);
    rr += r * r;
  }
  if (rr === 0) throw new RangeError('siSdr: the reference is silent');
  const alpha = dot / rr;
  let target = 0;
  let noise = 0;
  for (let i = 0; i < n; i++) {
    const t = alpha * ((reference[i] as number) - mr);
    const e = (estimate[i] as number) - me - t;
    target += t * t;
    noise += e * e;
  }
  return noise === 0 ? Infinity : db(target / noise);
}

/** SI-SDR improvement of `estimate` over the unprocessed `mixture`, in dB. */
export function deltaSiSdr(reference: Float32Array, mixture: Float32Array, estimate: Float32Array): number {
  return siSdr(reference, estimate) - siSdr(reference, mixture);
}

export interface SegmentalSnrOptions {
  frameLength?: number;
  /** Per-frame SNRs are clamped to this range (dB), as is customary. */
  minDb?: number;
  maxDb?: number;
  /** Only frames flagged true count (e.g. speechActive); default all frames. */
  frames?: readonly boolean[];
}

/** Mean per-frame SNR of `estimate` against `reference`, frame SNRs clamped to [−10, 35] dB. */
export function segmentalSnr(reference: Float32Array, estimate: Float32Array, options: SegmentalSnrOptions = {}): number {
  const frame = options.frameLength ?? DEFAULT_FRAME;
  const lo = options.minDb ?? -10;
  const hi = options.maxDb ?? 35;
  const count = Math.floor(Math.min(reference.length, estimate.length) / frame);
  let sum = 0;
  let used = 0;
  for (let f = 0; f < count; f++) {
    if (options.frames && !options.frames[f]) continue;
    let s = 0;
    let e = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) {
      const r = reference[i] as number;
      s += r * r;
      e += (r - (estimate[i] as number)) ** 2;
    }
    const snr = e === 0 ? hi : s === 0 ? lo : db(s / e);
    sum += Math.min(hi, Math.max(lo, snr));
    used++;
  }
  if (used === 0) throw new RangeError(`segmentalSnr: no frames to measure (${count} frames, none selected)`);
  return sum / used;
}

/** Energy ratio (dB) of `x` over `reference` in the frames whose flag equals `want`. */
function maskedLevelDb(
  reference: Float32Array,
  x: Float32Array,
  flags: readonly boolean[],
  want: boolean,
  frame: number,
  what: string,
): number {
  const count = Math.min(flags.length, Math.floor(Math.min(reference.length, x.length) / frame));
  let er = 0;
  let ex = 0;
  let used = 0;
  for (let f = 0; f < count; f++) {
    if (flags[f] !== want) continue;
    er += energy(reference, f * frame, (f + 1) * frame);
    ex += energy(x, f * frame, (f + 1) * frame);
    used++;
  }
  if (used === 0) throw new RangeError(`${what}: no ${want ? 'speech-active' : 'pause'} frames among ${count}`);
  if (er === 0) throw new RangeError(`${what}: the reference is silent in the ${want ? 'speech-active' : 'pause'} frames`);
  return db(ex / er);
}

/**
 * Noise attenuation in speech pauses (dB, positive = quieter): the input's energy over the
 * output's in frames where the clean speech is inactive.
 */
export function noiseAttenuationDb(
  input: Float32Array,
  output: Float32Array,
  speechActive: readonly boolean[],
  frameLength = DEFAULT_FRAME,
): number {
  return -maskedLevelDb(input, output, speechActive, false, frameLength, 'noiseAttenuationDb');
}

/**
 * Speech level change (dB, negative = quieter) in speech-active frames: the output's energy over
 * the clean speech's. Near 0 when speech is kept and the noise removed.
 */
export function speechLevelChangeDb(
  speech: Float32Array,
  output: Float32Array,
  speechActive: readonly boolean[],
  frameLength = DEFAULT_FRAME,
): number {
  return maskedLevelDb(speech, output, speechActive, true, frameLength, 'speechLevelChangeDb');
}

export interface EvaluateInput {
  speech: Float32Array;
  mixture: Float32Array;
  output: Float32Array;
  speechActive: readonly boolean[];
  frameLength?: number;
  /** Largest latency searched for (default 4800 samples = 100 ms at 48 kHz). */
  maxLag?: number;
  /**
   * Frames left out of every metric at the start (after alignment): RNNoise learns the noise
   * floor over about the first second, which would otherwise dominate the pause measurement.
   */
  skipFrames?: number;
}

export interface Evaluation {
  lag: number;
  siSdr: number;
  siSdrMixture: number;
  deltaSiSdr: number;
  segSnr: number;
  segSnrMixture: number;
  noiseAttenuationDb: number;
  speechLevelChangeDb: number;
}

/** All metrics for one processed item, after aligning the output to the mixture. */
export function evaluate(input: EvaluateInput): Evaluation {
  const { lag, x: aligned } = alignByXcorr(input.mixture, input.output, input.maxLag ?? 4800);
  return evaluateAligned(input, lag, aligned);
}

/** The metrics for an output already shifted into line with the mixture (by `lag`). */
export function evaluateAligned(input: Omit<EvaluateInput, 'output' | 'maxLag'>, lag: number, aligned: Float32Array): Evaluation {
  const frame = input.frameLength ?? DEFAULT_FRAME;
  const skip = input.skipFrames ?? 0;
  const from = skip * frame;
  const speech = input.speech.subarray(from);
  const mixture = input.mixture.subarray(from);
  const out = aligned.subarray(from);
  const active = input.speechActive.slice(skip);
  const si = siSdr(speech, out);
  const siMix = siSdr(speech, mixture);
  return {
    lag,
    siSdr: si,
    siSdrMixture: siMix,
    deltaSiSdr: si - siMix,
    segSnr: segmentalSnr(speech, out, { frameLength: frame, frames: active }),
    segSnrMixture: segmentalSnr(speech, mixture, { frameLength: frame, frames: active }),
    noiseAttenuationDb: noiseAttenuationDb(mixture, out, active, frame),
    speechLevelChangeDb: speechLevelChangeDb(speech, out, active, frame),
  };
}
