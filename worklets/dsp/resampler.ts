// Polyphase resampler for any pair of rates, with a Kaiser-windowed sinc and a table of bounded
// size. Pure and streaming: no DOM, Node or worklet globals, and `process` allocates nothing, so
// it runs in an AudioWorkletGlobalScope as well as in Node.
//
// Design: the lowpass passes up to `passband` × the lower Nyquist and stops from the lower
// Nyquist itself, so nothing aliases into the output. Time is tracked exactly as a fraction
// with denominator L = outRate / gcd (integers, no drift). The prototype is tabulated at
// `phases` points per input sample: exactly L when L is small (every common rate pair, so
// those outputs are the exact rational polyphase filter), otherwise a fixed grid between whose
// neighbouring phases the coefficients are interpolated linearly. So memory and time per sample
// depend on the ratio of the rates, never on their common factors (96,001 Hz once needed a
// 48,000-phase table). The filter centre sits at a whole number of OUTPUT samples, which makes
// the group delay an exact integer in output samples that callers compensate by dropping samples.

export interface ResamplerOptions {
  /** Largest input chunk handled in one inner pass; longer calls are split. Default 1024. */
  maxBlock?: number;
  /** Stopband attenuation the filter is designed for, in dB. Default 90. */
  stopbandDb?: number;
  /** Passband edge as a fraction of the lower rate's Nyquist frequency. Default 0.9. */
  passband?: number;
}

/**
 * The rates the resampler (and so the worklet and the CLI) accepts: the AudioContext range that
 * Chromium and Firefox allow (the Web Audio spec asks for at least 8,000–96,000 Hz). Below it the
 * engine's 48 kHz would be a 16× or larger upsampling of almost nothing; above it no device records.
 */
export const MIN_SAMPLE_RATE = 3000;
export const MAX_SAMPLE_RATE = 768_000;

/** Why `rate` is not a supported sample rate, naming it; undefined when it is supported. */
export function sampleRateProblem(rate: number): string | undefined {
  if (Number.isInteger(rate) && rate >= MIN_SAMPLE_RATE && rate <= MAX_SAMPLE_RATE) return undefined;
  return `sample rate ${rate} Hz is not supported (an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz)`;
}

// Table phases per sample of the LOWER rate. Linear interpolation between phases spaced 1/512 of
// that period errs by about (π·0.5/512)²/8 ≈ 1e-6 of a coefficient (−120 dB), well under the 90 dB
// design. The grid is scaled to the lower rate because the lowpass is that much smoother when
// downsampling, which keeps the table at about 512 × the taps of a 1:1 filter for any ratio.
const PHASES_PER_LOW_SAMPLE = 512;

export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (power series). */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  /** Interpolation factor L (the exact ratio is L/M). */
  readonly up: number;
  /** Decimation factor M. */
  readonly down: number;
  /** Taps applied per output sample. */
  readonly tapsPerPhase: number;
  /** Phases tabulated per input sample: L when exact, else a fixed grid (interpolated). */
  readonly phaseCount: number;
  /** True when every output uses a tabulated phase as is (phaseCount = L). */
  readonly exact: boolean;
  /** Group delay in output samples: an integer. Output n + delayOut lines up with input time n/outRate. */
  readonly delayOut: number;
  /** The same delay in input samples (delayOut · inRate / outRate, may be fractional). */
  readonly delayIn: number;
  /** Passband edge and stopband start in Hz. */
  readonly passbandHz: number;
  readonly stopbandHz: number;

  private readonly maxBlock: number;
  // Row p (0…phaseCount), tap r at table[p·K + r]: the prototype at time p/phaseCount + K−1−r
  // input samples, so the dot product with the history runs forward. Row phaseCount is the
  // interpolation's upper neighbour of the last phase.
  private readonly table: Float64Array;
  // The last K−1 inputs followed by the current chunk.
  private readonly hist: Float32Array;
  private readonly stepInt: number;
  private readonly stepFrac: number;
  // Next output's input index (relative to the chunk start) and its fractional time phase/L.
  private idx = 0;
  private phase = 0;

  constructor(inRate: number, outRate: number, options: ResamplerOptions = {}) {
    for (const [name, rate] of [
      ['input', inRate],
      ['output', outRate],
    ] as const) {
      const problem = sampleRateProblem(rate);
      if (problem) throw new RangeError(`resampler ${name}: ${problem}`);
    }
    const maxBlock = options.maxBlock ?? 1024;
    const stopbandDb = options.stopbandDb ?? 90;
    const passband = options.passband ?? 0.9;
    if (!Number.isInteger(maxBlock) || maxBlock <= 0)
      throw new RangeError(`resampler maxBlock must be a positive integer (was ${maxBlock})`);
    if (!(passband > 0 && passband < 1)) throw new RangeError(`resampler passband must be in (0, 1) (was ${passband})`);
    if (!(stopbandDb >= 21)) throw new RangeError(`resampler stopbandDb must be at least 21 (was ${stopbandDb})`);

    const g = gcd(inRate, outRate);
    this.inRate = inRate;
    this.outRate = outRate;
    this.up = outRate / g;
    this.down = inRate / g;
    this.maxBlock = maxBlock;
    const L = this.up;
    const M = this.down;
    this.stepInt = Math.floor(M / L);
    this.stepFrac = M % L;

    const nyquistLow = Math.min(inRate, outRate) / 2;
    this.passbandHz = passband * nyquistLow;
    this.stopbandHz = nyquistLow;

    if (L === 1 && M === 1) {
      this.tapsPerPhase = 1;
      this.phaseCount = 1;
      this.exact = true;
      this.delayOut = 0;
      this.delayIn = 0;
      this.table = new Float64Array([1, 0]);
      this.hist = new Float32Array(maxBlock);
      return;
    }

    // Kaiser's estimates for the window shape and the length needed for the transition band,
    // counted at the virtual rate L·inRate as the exact rational design does, so that every
    // rate pair keeps the delay it always had.
    const transition = (2 * Math.PI * (this.stopbandHz - this.passbandHz)) / (L * inRate);
    const beta = stopbandDb > 50 ? 0.1102 * (stopbandDb - 8.7) : 0.5842 * (stopbandDb - 21) ** 0.4 + 0.07886 * (stopbandDb - 21);
    const minLength = Math.ceil((stopbandDb - 7.95) / (2.285 * transition)) + 1;
    this.delayOut = Math.ceil((minLength - 1) / 2 / M);
    this.delayIn = (this.delayOut * inRate) / outRate;

    const grid = Math.ceil((PHASES_PER_LOW_SAMPLE * Math.min(inRate, outRate)) / inRate);
    const T = L <= grid ? L : grid;
    this.phaseCount = T;
    this.exact = T === L;
    // The prototype spans [0, 2·delayIn] input samples; in table units (1/T input sample) its
    // centre is delayOut·M·T/L, an integer when exact.
    const centre = (this.delayOut * M * T) / L;
    const K = Math.floor((2 * centre) / T) + 1;
    this.tapsPerPhase = K;

    const cutoff = (this.passbandHz + this.stopbandHz) / 2 / inRate / T; // cycles per table unit
    const i0Beta = besselI0(beta);
    const table = new Float64Array((T + 1) * K);
    let sum = 0;
    for (let p = 0; p <= T; p++) {
      for (let r = 0; r < K; r++) {
        const u = p + (K - 1 - r) * T - centre;
        const ratio = u / centre;
        if (ratio > 1 || ratio < -1) continue;
        const sinc = u === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * u) / (Math.PI * u);
        const h = sinc * (besselI0(beta * Math.sqrt(1 - ratio * ratio)) / i0Beta);
        table[p * K + r] = h;
        if (p < T) sum += h;
      }
    }
    // Rows sum to ~1 on average (DC gain 1), so a constant input comes out unchanged.
    for (let j = 0; j < table.length; j++) table[j] = ((table[j] as number) * T) / sum;
    this.table = table;
    this.hist = new Float32Array(K - 1 + maxBlock);
  }

  /** Bytes of the coefficient table and history this resampler holds. */
  get memoryBytes(): number {
    return this.table.byteLength + this.hist.byteLength;
  }

  /** Upper bound on the samples one `process(…, inLength, …)` call writes. */
  maxOutput(inLength: number): number {
    return Math.ceil((inLength * this.up) / this.down) + 1;
  }

  /**
   * Consumes `inLength` samples of `input` and writes the resampled samples to `output`, which
   * must hold `maxOutput(inLength)`. Returns how many were written. Allocates nothing.
   */
  process(input: Float32Array, inLength: number, output: Float32Array): number {
    if (inLength > input.length) throw new RangeError(`resampler asked for ${inLength} samples from an input of ${input.length}`);
    if (output.length < this.maxOutput(inLength)) {
      throw new RangeError(`resampler output holds ${output.length} samples, needs maxOutput(${inLength}) = ${this.maxOutput(inLength)}`);
    }
    if (this.up === 1 && this.down === 1) {
      for (let i = 0; i < inLength; i++) output[i] = input[i] as number;
      return inLength;
    }
    const K = this.tapsPerPhase;
    const L = this.up;
    const T = this.phaseCount;
    const hist = this.hist;
    const table = this.table;
    const stepInt = this.stepInt;
    const stepFrac = this.stepFrac;
    let produced = 0;
    let offset = 0;
    while (offset < inLength) {
      const n = Math.min(this.maxBlock, inLength - offset);
      for (let i = 0; i < n; i++) hist[K - 1 + i] = input[offset + i] as number;
      let idx = this.idx;
      let phase = this.phase;
      while (idx < n) {
        // Table position phase·T/L, split exactly into a row and a remainder (integers < 2^30).
        const scaled = phase * T;
        const row = Math.floor(scaled / L);
        const rest = scaled - row * L;
        const base = row * K;
        let acc = 0;
        if (rest === 0) {
          for (let r = 0; r < K; r++) acc += (table[base + r] as number) * (hist[idx + r] as number);
        } else {
          let next = 0;
          for (let r = 0; r < K; r++) {
            const x = hist[idx + r] as number;
            acc += (table[base + r] as number) * x;
            next += (table[base + K + r] as number) * x;
          }
          acc += (rest / L) * (next - acc);
        }
        output[produced++] = acc;
        idx += stepInt;
        phase += stepFrac;
        if (phase >= L) {
          phase -= L;
          idx++;
        }
      }
      this.idx = idx - n;
      this.phase = phase;
      // Keep the newest K−1 samples as history for the next chunk.
      hist.copyWithin(0, n, n + K - 1);
      offset += n;
    }
    return produced;
  }

  /** Back to the initial state: silent history, next output at time zero. */
  reset(): void {
    this.hist.fill(0);
    this.idx = 0;
    this.phase = 0;
  }

  /**
   * |H(f)| of the tabulated prototype relative to its DC gain, with f in Hz (for tests and docs).
   * When not exact, the linear interpolation between phases adds its own small error on top,
   * which only a measurement through `process` shows.
   */
  response(freqHz: number): number {
    const K = this.tapsPerPhase;
    const T = this.phaseCount;
    const w = (2 * Math.PI * freqHz) / (T * this.inRate);
    let re = 0;
    let im = 0;
    for (let p = 0; p < T; p++) {
      for (let r = 0; r < K; r++) {
        const h = this.table[p * K + r] as number;
        const u = p + (K - 1 - r) * T;
        re += h * Math.cos(w * u);
        im -= h * Math.sin(w * u);
      }
    }
    return Math.hypot(re, im) / T;
  }
}

/**
 * Resamples a whole signal with the group delay removed: output sample n is the signal at time
 * n / outRate, and the output covers the input's duration (ceil(length · out / in) samples).
 * For offline use: it allocates the result.
 */
export function resampleSignal(input: Float32Array, inRate: number, outRate: number, options: ResamplerOptions = {}): Float32Array {
  const rs = new Resampler(inRate, outRate, options);
  const outLength = Math.ceil((input.length * rs.up) / rs.down);
  const result = new Float32Array(outLength);
  if (rs.up === 1 && rs.down === 1) {
    result.set(input);
    return result;
  }
  const chunk = 4096;
  const buf = new Float32Array(rs.maxOutput(chunk));
  const zeros = new Float32Array(chunk);
  let skip = rs.delayOut;
  let written = 0;
  let fed = 0;
  while (written < outLength) {
    // Input first, then zeros to flush the filter's tail.
    let n: number;
    if (fed < input.length) {
      n = Math.min(chunk, input.length - fed);
      n = rs.process(input.subarray(fed, fed + n), n, buf);
      fed += chunk;
    } else {
      n = rs.process(zeros, chunk, buf);
    }
    let start = 0;
    if (skip > 0) {
      start = Math.min(skip, n);
      skip -= start;
    }
    const take = Math.min(n - start, outLength - written);
    result.set(buf.subarray(start, start + take), written);
    written += take;
  }
  return result;
}
