// Resampler quality, measured through the streaming path (what the worklet runs), for the
// resampler's tests and its benchmark. Works on anything shaped like worklets/dsp/resampler.ts's
// Resampler, so the benchmark can measure the previous design with the same code.

export interface StreamingResampler {
  readonly inRate: number;
  readonly outRate: number;
  readonly delayOut: number;
  maxOutput(inLength: number): number;
  process(input: Float32Array, inLength: number, output: Float32Array): number;
  reset(): void;
}

/** `amp`·sin(2π·freq·(i − delaySamples)/rate) for i in [0, length). */
export function sine(length: number, rate: number, freq: number, amp = 0.5, delaySamples = 0): Float32Array {
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * (i - delaySamples)) / rate);
  return x;
}

/** Streams `x` through `rs` in blocks (sizes cycled) and returns everything it produced. */
export function streamThrough(rs: StreamingResampler, x: Float32Array, block: number | readonly number[] = 128): Float32Array {
  const sizes = typeof block === 'number' ? [block] : block;
  const out = new Float32Array(rs.maxOutput(x.length) + 16);
  const tmp = new Float32Array(rs.maxOutput(Math.max(...sizes, 1)));
  let written = 0;
  for (let pos = 0, k = 0; pos < x.length; k++) {
    const n = Math.min(sizes[k % sizes.length] as number, x.length - pos);
    const got = rs.process(x.subarray(pos, pos + n), n, tmp);
    if (got > rs.maxOutput(n)) throw new RangeError(`resampler wrote ${got} samples, more than maxOutput(${n}) = ${rs.maxOutput(n)}`);
    out.set(tmp.subarray(0, got), written);
    written += got;
    pos += n;
  }
  return out.subarray(0, written);
}

/** Least-squares fit of a·cos + b·sin at `freq`: the amplitude and everything else's power, in dB below the fit. */
export function fitSine(y: Float32Array, rate: number, freq: number): { amp: number; residualDb: number } {
  let cc = 0,
    ss = 0,
    cs = 0,
    yc = 0,
    ys = 0,
    yy = 0;
  for (let i = 0; i < y.length; i++) {
    const w = (2 * Math.PI * freq * i) / rate;
    const c = Math.cos(w);
    const s = Math.sin(w);
    const v = y[i] as number;
    cc += c * c;
    ss += s * s;
    cs += c * s;
    yc += v * c;
    ys += v * s;
    yy += v * v;
  }
  const det = cc * ss - cs * cs;
  const a = (yc * ss - ys * cs) / det;
  const b = (ys * cc - yc * cs) / det;
  const fitted = a * yc + b * ys; // energy of the fit
  return { amp: Math.hypot(a, b), residualDb: 10 * Math.log10(Math.max(yy - fitted, 1e-30) / fitted) };
}

export interface ToneResult {
  freq: number;
  /** Level of the fitted sine against the input's, dB (0 = flat). */
  gainDb: number;
  /** The output, shifted by the REPORTED delay, against the analytic sine at the output rate, dB. */
  snrDb: number;
}

const AMP = 0.5;

/**
 * A sine at `freq` through a fresh (reset) `rs`, 0.25 s of it, compared with the analytic sine:
 * output n + delayOut against AMP·sin(2π·freq·n/outRate). A wrong reported delay, a gain error,
 * images, aliases and interpolation error all count against the SNR.
 */
export function measureTone(rs: StreamingResampler, freq: number, seconds = 0.25): ToneResult {
  rs.reset();
  const y = streamThrough(rs, sine(Math.round(seconds * rs.inRate), rs.inRate, freq, AMP));
  const d = rs.delayOut;
  // Leave out the filter's start-up (its full length, 2·delayOut) and the unflushed end.
  const from = 2 * d + 8;
  const to = y.length - d - 8;
  let sig = 0;
  let err = 0;
  for (let n = from; n < to; n++) {
    const ref = AMP * Math.sin((2 * Math.PI * freq * n) / rs.outRate);
    sig += ref * ref;
    err += ((y[n + d] as number) - ref) ** 2;
  }
  const fit = fitSine(y.subarray(from + d, to + d), rs.outRate, freq);
  return { freq, gainDb: 20 * Math.log10(fit.amp / AMP), snrDb: 10 * Math.log10(sig / Math.max(err, 1e-300)) };
}

export interface ResamplerQuality {
  /** Largest |gain| over tones across the passband (0.9 × the lower Nyquist), dB. */
  rippleDb: number;
  /** Smallest tone SNR across the passband, dB (see measureTone). */
  worstSnrDb: number;
  /** The SNR of a 1 kHz tone, dB. */
  snr1kDb: number;
  /** Downsampling only: the loudest output of a tone above the output's Nyquist, dB re the input tone (alias rejection). */
  worstAliasDb: number | null;
}

/** Ripple, SNR and alias rejection of `rs`, each over `tones` tones. */
export function measureQuality(rs: StreamingResampler, tones = 12): ResamplerQuality {
  const low = Math.min(rs.inRate, rs.outRate) / 2;
  let rippleDb = 0;
  let worstSnrDb = Infinity;
  for (let k = 0; k < tones; k++) {
    // From 100 Hz to the passband edge, 0.9 × the lower Nyquist.
    const t = measureTone(rs, 100 + ((0.9 * low - 100) * k) / (tones - 1));
    rippleDb = Math.max(rippleDb, Math.abs(t.gainDb));
    worstSnrDb = Math.min(worstSnrDb, t.snrDb);
  }
  let worstAliasDb: number | null = null;
  if (rs.outRate < rs.inRate) {
    worstAliasDb = -Infinity;
    for (let k = 0; k < tones; k++) {
      // From the output's Nyquist (where the stopband starts) to just below the input's.
      const f = rs.outRate / 2 + ((0.98 * (rs.inRate / 2) - rs.outRate / 2) * k) / (tones - 1);
      rs.reset();
      const y = streamThrough(rs, sine(Math.round(0.25 * rs.inRate), rs.inRate, f, AMP));
      const tail = y.subarray(2 * rs.delayOut + 8);
      let e = 0;
      for (let i = 0; i < tail.length; i++) e += (tail[i] as number) ** 2;
      worstAliasDb = Math.max(worstAliasDb, 10 * Math.log10(Math.max(e / tail.length, 1e-300) / ((AMP * AMP) / 2)));
    }
  }
  return { rippleDb, worstSnrDb, snr1kDb: measureTone(rs, 1000).snrDb, worstAliasDb };
}
