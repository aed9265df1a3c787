// Rational polyphase resampler (L/M from the gcd of the rates) with a Kaiser-windowed sinc.
// Pure and streaming: no DOM, Node or worklet globals, and `process` allocates nothing, so it
// runs in an AudioWorkletGlobalScope as well as in Node.
//
// Design: the lowpass runs at the virtual rate L·inRate. It passes up to `passband` × the lower
// Nyquist and stops from the lower Nyquist itself, so nothing aliases into the output. The
// filter centre is placed at a whole number of OUTPUT samples (c = M·delay), which makes the
// group delay an exact integer in output samples and lets callers compensate by dropping samples.

export interface ResamplerOptions {
  /** Largest input chunk handled in one inner pass; longer calls are split. Default 1024. */
  maxBlock?: number;
  /** Stopband attenuation the filter is designed for, in dB. Default 90. */
  stopbandDb?: number;
  /** Passband edge as a fraction of the lower rate's Nyquist frequency. Default 0.9. */
  passband?: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (power series). */
function besselI0(x: number): number {
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
  /** Interpolation factor L. */
  readonly up: number;
  /** Decimation factor M. */
  readonly down: number;
  /** Taps applied per output sample (one polyphase branch). */
  readonly tapsPerPhase: number;
  /** Group delay in output samples: an integer. Output n + delayOut lines up with input time n/outRate. */
  readonly delayOut: number;
  /** The same delay in input samples (delayOut · inRate / outRate, may be fractional). */
  readonly delayIn: number;
  /** Passband edge and stopband start in Hz. */
  readonly passbandHz: number;
  readonly stopbandHz: number;
  /** Prototype lowpass at the rate L·inRate, symmetric about index M·delayOut, DC gain L. */
  readonly kernel: Float64Array;

  private readonly maxBlock: number;
  // Branch p, tap r lives at phases[p·K + r], stored time-reversed so the dot product runs forward.
  private readonly phases: Float64Array;
  // The last K−1 inputs followed by the current chunk.
  private readonly hist: Float32Array;
  private readonly stepInt: number;
  private readonly stepFrac: number;
  // Next output's input index (relative to the chunk start) and polyphase branch.
  private idx = 0;
  private phase = 0;

  constructor(inRate: number, outRate: number, options: ResamplerOptions = {}) {
    for (const [name, rate] of [
      ['input', inRate],
      ['output', outRate],
    ] as const) {
      if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`resampler ${name} rate must be a positive integer (was ${rate})`);
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
      this.delayOut = 0;
      this.delayIn = 0;
      this.kernel = new Float64Array([1]);
      this.phases = new Float64Array([1]);
      this.hist = new Float32Array(maxBlock);
      return;
    }

    // Kaiser's estimates for the window shape and the length needed for the transition band.
    const virtualRate = L * inRate;
    const transition = (2 * Math.PI * (this.stopbandHz - this.passbandHz)) / virtualRate;
    const beta = stopbandDb > 50 ? 0.1102 * (stopbandDb - 8.7) : 0.5842 * (stopbandDb - 21) ** 0.4 + 0.07886 * (stopbandDb - 21);
    const minLength = Math.ceil((stopbandDb - 7.95) / (2.285 * transition)) + 1;
    this.delayOut = Math.ceil((minLength - 1) / 2 / M);
    this.delayIn = (this.delayOut * inRate) / outRate;
    const centre = this.delayOut * M;
    const length = 2 * centre + 1;
    const K = Math.ceil(length / L);
    this.tapsPerPhase = K;

    const cutoff = (this.passbandHz + this.stopbandHz) / 2 / virtualRate; // cycles per virtual sample
    const kernel = new Float64Array(length);
    const i0Beta = besselI0(beta);
    let sum = 0;
    for (let j = 0; j < length; j++) {
      const t = j - centre;
      const x = 2 * Math.PI * cutoff * t;
      const sinc = t === 0 ? 2 * cutoff : Math.sin(x) / (Math.PI * t);
      const r = t / centre;
      const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
      kernel[j] = sinc * w;
      sum += kernel[j] as number;
    }
    // DC gain L: each branch then sums to ~1, so a constant input comes out unchanged.
    for (let j = 0; j < length; j++) kernel[j] = ((kernel[j] as number) * L) / sum;
    this.kernel = kernel;

    const phases = new Float64Array(L * K);
    for (let p = 0; p < L; p++) {
      for (let q = 0; q < K; q++) {
        const j = p + q * L;
        phases[p * K + (K - 1 - q)] = j < length ? (kernel[j] as number) : 0;
      }
    }
    this.phases = phases;
    this.hist = new Float32Array(K - 1 + maxBlock);
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
    const hist = this.hist;
    const phases = this.phases;
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
        const base = phase * K;
        let acc = 0;
        for (let r = 0; r < K; r++) acc += (phases[base + r] as number) * (hist[idx + r] as number);
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

  /** |H(f)| of the prototype lowpass relative to its DC gain, with f in Hz (for tests and docs). */
  response(freqHz: number): number {
    const kernel = this.kernel;
    const w = (2 * Math.PI * freqHz) / (this.up * this.inRate);
    let re = 0;
    let im = 0;
    for (let j = 0; j < kernel.length; j++) {
      const h = kernel[j] as number;
      re += h * Math.cos(w * j);
      im -= h * Math.sin(w * j);
    }
    return Math.hypot(re, im) / this.up;
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
