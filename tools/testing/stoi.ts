// Short-Time Objective Intelligibility, implemented from the papers:
//   C. H. Taal, R. C. Hendriks, R. Heusdens, J. Jensen, "An Algorithm for Intelligibility
//   Prediction of Time-Frequency Weighted Noisy Speech", IEEE TASLP 19(7), 2011 (STOI), and
//   J. Jensen, C. H. Taal, "An Algorithm for Predicting the Intelligibility of Speech Masked by
//   Modulated Noise Maskers", IEEE TASLP 24(11), 2016 (extended STOI).
// Steps (section II of the 2011 paper): both signals at 10 kHz; 256-sample Hann frames, 50 %
// overlap, zero-padded to a 512-point DFT; frames more than 40 dB below the clean signal's loudest
// frame removed from both; 15 one-third-octave bands from 150 Hz; 30-frame (384 ms) segments; the
// processed envelope normalised to the clean one's energy and clipped at a −15 dB SDR floor; the
// per-band correlations averaged. Where the paper leaves a convention open (frame count, Hann
// endpoints, band edges snapped to DFT bins, resampling filter) this follows the authors'
// published reference implementation, so values agree with it (see stoi.test.ts).
// Pure and synchronous: Node and tests only.
import { fft } from './metrics';
import { besselI0, gcd } from '../../worklets/dsp/resampler';

export const STOI_RATE = 10_000;
export const STOI_FRAME = 256;
export const STOI_HOP = 128;
export const STOI_FFT = 512;
export const STOI_BANDS = 15;
export const STOI_MIN_FREQ = 150;
/** Frames per intermediate-intelligibility segment (N = 30: 384 ms at a 128-sample hop). */
export const STOI_SEGMENT = 30;
/** Lower signal-to-distortion bound β, dB. */
export const STOI_BETA_DB = -15;
/** Frames this far below the loudest clean frame count as silent. */
export const STOI_DYNAMIC_RANGE_DB = 40;

// Guards 0/0 in the norms (a silent band in a segment), as the reference code does.
const EPS = 2.220446049250313e-16;

// ---- resampling to 10 kHz ----

/**
 * The anti-aliasing FIR of a p/q rate change: a Kaiser-windowed sinc with its stop band at
 * 1/(2·max(p, q)) of the upsampled rate, a transition 10 % of that wide, 60 dB rejection (Kaiser's
 * design formulas for length and β), normalised to unit DC gain and then scaled by p for the
 * zero-stuffing. It is the filter of Octave's resample(), which the reference implementation uses.
 */
function resampleFilter(p: number, q: number): { taps: Float64Array; half: number } {
  const cutoff = 1 / (2 * Math.max(p, q));
  const rejectionDb = 60;
  const half = Math.ceil((rejectionDb - 8) / (28.714 * (cutoff / 10)));
  const beta = 0.1102 * (rejectionDb - 8.7);
  const taps = new Float64Array(2 * half + 1);
  const i0beta = besselI0(beta);
  let sum = 0;
  for (let k = 0; k < taps.length; k++) {
    const t = k - half;
    const arg = 2 * cutoff * t;
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
    const r = t / half;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0beta;
    taps[k] = w * 2 * p * cutoff * sinc;
    sum += taps[k] as number;
  }
  for (let k = 0; k < taps.length; k++) taps[k] = ((taps[k] as number) / sum) * p;
  return { taps, half };
}

/** `x` at `fromRate` resampled to `toRate` (rational, zero-phase polyphase FIR; ceil(n·p/q) samples). */
export function resampleRational(x: ArrayLike<number>, fromRate: number, toRate: number): Float64Array {
  if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
    throw new RangeError(`STOI resampling needs positive integer rates (was ${fromRate} → ${toRate})`);
  }
  const g = gcd(fromRate, toRate);
  const p = toRate / g;
  const q = fromRate / g;
  if (p === 1 && q === 1) return Float64Array.from(x);
  const { taps, half } = resampleFilter(p, q);
  const out = new Float64Array(Math.ceil((x.length * p) / q));
  for (let n = 0; n < out.length; n++) {
    // Output n sits at n·q on the upsampled grid; input j at j·p; tap index n·q + half − j·p.
    const centre = n * q + half;
    const jFrom = Math.max(0, Math.ceil((centre - 2 * half) / p));
    const jTo = Math.min(x.length - 1, Math.floor(centre / p));
    let acc = 0;
    for (let j = jFrom; j <= jTo; j++) acc += (x[j] as number) * (taps[centre - j * p] as number);
    out[n] = acc;
  }
  return out;
}

// ---- framing ----

/** The periodic-free Hann window of the reference code: no zero end points, w[n] = ½(1 − cos(2π(n+1)/(N+1))). */
function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 * (1 - Math.cos((2 * Math.PI * (i + 1)) / (n + 1)));
  return w;
}

const WINDOW = hann(STOI_FRAME);

/** Frame start offsets: every hop while a whole frame fits strictly before the end (the reference's count). */
function frameStarts(length: number): number[] {
  const starts: number[] = [];
  for (let i = 0; i < length - STOI_FRAME; i += STOI_HOP) starts.push(i);
  return starts;
}

/**
 * Drops the frames whose clean energy is more than 40 dB below the loudest clean frame, from both
 * signals, and overlap-adds the windowed frames that remain (section II-A of the 2011 paper).
 */
export function removeSilentFrames(x: Float64Array, y: Float64Array): { x: Float64Array; y: Float64Array; kept: number; frames: number } {
  const starts = frameStarts(x.length);
  const energies = starts.map((s) => {
    let e = 0;
    for (let i = 0; i < STOI_FRAME; i++) e += ((WINDOW[i] as number) * (x[s + i] as number)) ** 2;
    return 20 * Math.log10(Math.sqrt(e) + EPS);
  });
  const max = Math.max(...energies);
  const kept = starts.filter((_, k) => (energies[k] as number) > max - STOI_DYNAMIC_RANGE_DB);
  const length = kept.length > 0 ? (kept.length - 1) * STOI_HOP + STOI_FRAME : 0;
  const xs = new Float64Array(length);
  const ys = new Float64Array(length);
  kept.forEach((s, k) => {
    const at = k * STOI_HOP;
    for (let i = 0; i < STOI_FRAME; i++) {
      const w = WINDOW[i] as number;
      xs[at + i] = (xs[at + i] as number) + w * (x[s + i] as number);
      ys[at + i] = (ys[at + i] as number) + w * (y[s + i] as number);
    }
  });
  return { x: xs, y: ys, kept: kept.length, frames: starts.length };
}

// ---- one-third-octave bands ----

export interface ThirdOctaveBands {
  /** Nominal centre frequencies, Hz: 150·2^(j/3). */
  centres: number[];
  /** First DFT bin of each band (the bin nearest the lower edge centre·2^(−1/6)). */
  firstBin: number[];
  /** One past the last bin (the bin nearest the upper edge centre·2^(1/6)). */
  endBin: number[];
}

/** The 15 bands of the paper on the 512-point DFT at 10 kHz, edges snapped to the nearest bin. */
export function thirdOctaveBands(): ThirdOctaveBands {
  const binHz = STOI_RATE / STOI_FFT;
  const bins = STOI_FFT / 2 + 1;
  const nearest = (hz: number): number => Math.min(bins - 1, Math.max(0, Math.round(hz / binHz)));
  const centres: number[] = [];
  const firstBin: number[] = [];
  const endBin: number[] = [];
  for (let j = 0; j < STOI_BANDS; j++) {
    const centre = STOI_MIN_FREQ * 2 ** (j / 3);
    centres.push(centre);
    firstBin.push(nearest(centre * 2 ** (-1 / 6)));
    endBin.push(nearest(centre * 2 ** (1 / 6)));
  }
  return { centres, firstBin, endBin };
}

const BANDS = thirdOctaveBands();

/**
 * Band envelopes X_j(m) = sqrt(Σ_k |x̂(k, m)|²) over each band's bins (eq. 1), as one row per band.
 */
export function bandEnvelopes(x: Float64Array): Float64Array[] {
  const starts = frameStarts(x.length);
  const rows = BANDS.centres.map(() => new Float64Array(starts.length));
  const re = new Float64Array(STOI_FFT);
  const im = new Float64Array(STOI_FFT);
  starts.forEach((s, m) => {
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < STOI_FRAME; i++) re[i] = (WINDOW[i] as number) * (x[s + i] as number);
    fft(re, im);
    for (let j = 0; j < STOI_BANDS; j++) {
      let e = 0;
      for (let k = BANDS.firstBin[j] as number; k < (BANDS.endBin[j] as number); k++) e += (re[k] as number) ** 2 + (im[k] as number) ** 2;
      (rows[j] as Float64Array)[m] = Math.sqrt(e);
    }
  });
  return rows;
}

// ---- intermediate intelligibility ----

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  return Math.sqrt(s);
}

/** v minus its mean, divided by its norm (+EPS), in place. */
function centreAndScale(v: Float64Array): Float64Array {
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += v[i] as number;
  mean /= v.length;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) - mean;
  const n = norm(v) + EPS;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
  return v;
}

/**
 * d_j(m) of the 2011 paper (eqs. 3-5) for one band and segment: the processed envelope `y` scaled
 * to the clean envelope's energy, clipped at x·(1 + 10^(−β/20)), then correlated with `x`.
 */
export function segmentCorrelation(x: Float64Array, y: Float64Array): number {
  const alpha = norm(x) / (norm(y) + EPS);
  const bound = 1 + 10 ** (-STOI_BETA_DB / 20);
  const yc = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) yc[i] = Math.min(alpha * (y[i] as number), bound * (x[i] as number));
  const xc = centreAndScale(Float64Array.from(x));
  centreAndScale(yc);
  let d = 0;
  for (let i = 0; i < xc.length; i++) d += (xc[i] as number) * (yc[i] as number);
  return d;
}

/**
 * The extended-STOI score of one segment (Jensen & Taal 2016, eqs. 3-6): rows (bands) and then
 * columns (frames) of both J×N matrices mean- and norm-normalised, the column inner products
 * averaged over the N frames.
 */
export function segmentExtended(x: readonly Float64Array[], y: readonly Float64Array[]): number {
  const normalise = (rows: readonly Float64Array[]): Float64Array[] => {
    const r = rows.map((row) => centreAndScale(Float64Array.from(row)));
    const cols = Array.from({ length: STOI_SEGMENT }, (_, n) => centreAndScale(Float64Array.from(r, (row) => row[n] as number)));
    return cols;
  };
  const xc = normalise(x);
  const yc = normalise(y);
  let d = 0;
  for (let n = 0; n < STOI_SEGMENT; n++) {
    const a = xc[n] as Float64Array;
    const b = yc[n] as Float64Array;
    for (let j = 0; j < a.length; j++) d += (a[j] as number) * (b[j] as number);
  }
  return d / STOI_SEGMENT;
}

export interface StoiOptions {
  /** Jensen & Taal's extended STOI instead of the 2011 measure. */
  extended?: boolean;
}

/**
 * STOI of `processed` against `clean` (same length and rate, time-aligned): about 0 for unrelated
 * signals, 1 for identical ones. Throws a RangeError when fewer than 30 non-silent frames
 * (≈ 0.4 s of speech at 10 kHz) remain, the least one segment needs.
 */
export function stoi(clean: ArrayLike<number>, processed: ArrayLike<number>, sampleRate: number, options: StoiOptions = {}): number {
  if (clean.length !== processed.length) {
    throw new RangeError(`STOI needs signals of one length (clean ${clean.length}, processed ${processed.length} samples)`);
  }
  const x10 = resampleRational(clean, sampleRate, STOI_RATE);
  const y10 = resampleRational(processed, sampleRate, STOI_RATE);
  const { x, y } = removeSilentFrames(x10, y10);
  const X = bandEnvelopes(x);
  const Y = bandEnvelopes(y);
  const frames = X[0]?.length ?? 0;
  if (frames < STOI_SEGMENT) {
    throw new RangeError(
      `STOI needs at least ${STOI_SEGMENT} non-silent frames (${frames} remained of ${clean.length} samples at ${sampleRate} Hz)`,
    );
  }
  let sum = 0;
  let count = 0;
  for (let m = STOI_SEGMENT; m <= frames; m++) {
    const xs = X.map((row) => row.subarray(m - STOI_SEGMENT, m));
    const ys = Y.map((row) => row.subarray(m - STOI_SEGMENT, m));
    if (options.extended) {
      sum += segmentExtended(xs, ys);
      count++;
    } else {
      for (let j = 0; j < STOI_BANDS; j++) sum += segmentCorrelation(xs[j] as Float64Array, ys[j] as Float64Array);
      count += STOI_BANDS;
    }
  }
  return sum / count;
}
