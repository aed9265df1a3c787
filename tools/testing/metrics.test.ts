import { describe, expect, it } from 'vitest';
import { alignByXcorr, deltaSiSdr, evaluate, fft, noiseAttenuationDb, segmentalSnr, siSdr, speechLevelChangeDb, xcorr } from './metrics';
import { makeNoisySpeech, mulberry32, whiteNoise } from './signals';

function scaled(x: Float32Array, g: number): Float32Array {
  return x.map((v) => v * g);
}

function add(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => v + (b[i] as number));
}

function delayed(x: Float32Array, d: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = i - d >= 0 && i - d < x.length ? (x[i - d] as number) : 0;
  return y;
}

describe('metrics', () => {
  const noisy = makeNoisySpeech({ seed: 7, noise: 'white', snrDb: 5, seconds: 4 });
  const speech = noisy.speech;

  it('computes an FFT that matches a direct DFT', () => {
    const n = 64;
    const rng = mulberry32(3);
    const re = new Float64Array(n).map(() => rng() - 0.5);
    const im = new Float64Array(n).map(() => rng() - 0.5);
    const r0 = re.slice();
    const i0 = im.slice();
    fft(re, im);
    for (const k of [0, 1, 17, 63]) {
      let sr = 0,
        si = 0;
      for (let t = 0; t < n; t++) {
        const w = (-2 * Math.PI * k * t) / n;
        sr += (r0[t] as number) * Math.cos(w) - (i0[t] as number) * Math.sin(w);
        si += (r0[t] as number) * Math.sin(w) + (i0[t] as number) * Math.cos(w);
      }
      expect(re[k]).toBeCloseTo(sr, 10);
      expect(im[k]).toBeCloseTo(si, 10);
    }
  });

  it('computes the same cross-correlation by FFT as by direct summation', () => {
    const rng = mulberry32(5);
    const a = new Float32Array(300).map(() => rng() - 0.5);
    const b = new Float32Array(250).map(() => rng() - 0.5);
    const c = xcorr(a, b, 20);
    for (const k of [-20, -3, 0, 4, 20]) {
      let s = 0;
      for (let n = 0; n < a.length; n++) if (n + k >= 0 && n + k < b.length) s += (a[n] as number) * (b[n + k] as number);
      expect(c[k + 20]).toBeCloseTo(s, 9);
    }
  });

  it('finds the exact lag of a delayed copy, in either direction', () => {
    for (const d of [0, 1, 37, 928, -250]) {
      const { lag, x, peak } = alignByXcorr(speech, delayed(speech, d), 2000);
      expect(lag).toBe(d);
      expect(peak).toBeGreaterThan(0.99);
      // Aligned: x matches the reference except where samples were shifted in from outside.
      expect(x.length).toBe(speech.length);
      expect(x[20000]).toBe(speech[20000]);
    }
  });

  it('gives SI-SDR equal to the SNR for speech plus independent noise at a known SNR', () => {
    const noise = whiteNoise(speech.length, mulberry32(11));
    let ps = 0,
      pn = 0;
    for (let i = 0; i < speech.length; i++) {
      ps += (speech[i] as number) ** 2;
      pn += (noise[i] as number) ** 2;
    }
    for (const snr of [0, 10, 20]) {
      const g = Math.sqrt(ps / pn / 10 ** (snr / 10));
      const x = add(speech, scaled(noise, g));
      // Independent noise: the projection picks up only a tiny part of it.
      expect(siSdr(speech, x)).toBeCloseTo(snr, 1);
    }
  });

  it('gives a very large SI-SDR for a scaled copy, whatever the scale', () => {
    expect(siSdr(speech, scaled(speech, 0.25))).toBeGreaterThan(100);
    expect(siSdr(speech, scaled(speech, 3))).toBeGreaterThan(100);
    expect(siSdr(speech, speech)).toBe(Infinity);
  });

  it('reports ΔSI-SDR as the gain of the estimate over the mixture', () => {
    const half = add(speech, scaled(noisy.noise, 0.5)); // noise 6.02 dB lower
    expect(deltaSiSdr(speech, noisy.mixture, half)).toBeCloseTo(6.02, 1);
  });

  it('clamps segmental SNR to [−10, 35] dB per frame', () => {
    expect(segmentalSnr(speech, speech)).toBe(35);
    expect(segmentalSnr(speech, scaled(speech, -3), { frames: noisy.speechActive })).toBe(-10);
    const x = add(speech, scaled(noisy.noise, 1));
    const seg = segmentalSnr(speech, x, { frames: noisy.speechActive });
    expect(seg).toBeGreaterThan(-10);
    expect(seg).toBeLessThan(35);
  });

  it('measures noise attenuation in pauses and speech level change in active frames', () => {
    // Noise alone 20 dB down: exactly 20 dB whichever frames are pauses.
    expect(noiseAttenuationDb(noisy.noise, scaled(noisy.noise, 0.1), noisy.speechActive)).toBeCloseTo(20, 4);
    // With the speech kept, quiet speech in pause frames holds the figure a little below 20 dB.
    const out = add(speech, scaled(noisy.noise, 0.1));
    expect(noiseAttenuationDb(noisy.mixture, out, noisy.speechActive)).toBeGreaterThan(19);
    expect(speechLevelChangeDb(speech, scaled(speech, 0.5), noisy.speechActive)).toBeCloseTo(-6.02, 2);
  });

  it('evaluates a delayed, partly denoised output after aligning it', () => {
    const out = delayed(add(speech, scaled(noisy.noise, 0.1)), 928);
    const e = evaluate({ speech, mixture: noisy.mixture, output: out, speechActive: noisy.speechActive });
    expect(e.lag).toBe(928);
    expect(e.noiseAttenuationDb).toBeCloseTo(20, 0);
    expect(e.deltaSiSdr).toBeGreaterThan(15);
    expect(Math.abs(e.speechLevelChangeDb)).toBeLessThan(0.5);
    expect(e.segSnr).toBeGreaterThan(e.segSnrMixture);
  });

  it('refuses to measure pauses when there are none, saying so', () => {
    expect(() => noiseAttenuationDb(speech, speech, new Array<boolean>(400).fill(true))).toThrow('no pause frames among 400');
  });
});
