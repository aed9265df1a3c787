// STOI and extended STOI (tools/testing/stoi.ts) against a reference implementation's values and
// the properties the 2011 paper builds in.
//
// Reference values: pystoi 0.4.1 (github.com/mpariente/pystoi, MIT licence, © 2018 Manuel
// Pariente), whose own test suite checks it against Cees Taal's MATLAB code (atol 1e-3,
// rtol 1e-4). They were computed by running pystoi's stoi(x, y, fs, extended) on exactly the
// signals built below (float32 samples, read as float64), and are copied here as numbers only.
import { describe, expect, it } from 'vitest';
import { readWavFile } from '../../cli/wav';
import { EXCERPT_PATH } from './signals';
import { mulberry32, whiteNoise } from './noise';
import { STOI_BANDS, STOI_RATE, STOI_FFT, stoi, thirdOctaveBands } from './stoi';

// The committed LibriVox excerpt at its own rate (16 kHz), read without any resampling of ours.
const clean = readWavFile(EXCERPT_PATH).channels[0] as Float32Array;
const noise = whiteNoise(clean.length, mulberry32(12));

/** clean + white noise at `snrDb` over the whole signal, in float32. */
function noisy(snrDb: number): Float32Array {
  let es = 0;
  let en = 0;
  for (let i = 0; i < clean.length; i++) {
    es += (clean[i] as number) ** 2;
    en += (noise[i] as number) ** 2;
  }
  const g = Math.sqrt(es / en / 10 ** (snrDb / 10));
  return clean.map((v, i) => v + g * (noise[i] as number));
}

// [rate the samples are declared at, SNR dB, extended, pystoi's value]. Declaring the 16 kHz
// samples at 10 kHz skips resampling (the core alone); at 16 and 48 kHz the resampler is in the path.
const REFERENCE: readonly [number, number, boolean, number][] = [
  [10_000, -10, false, 0.3843042743412799],
  [10_000, -5, false, 0.4607001726533529],
  [10_000, 0, false, 0.5459105439445459],
  [10_000, 5, false, 0.6355112986605563],
  [10_000, 10, false, 0.7288377979434114],
  [10_000, 0, true, 0.3097516559773289],
  [16_000, -5, false, 0.6106846197223844],
  [16_000, 0, false, 0.7046549126448677],
  [16_000, 0, true, 0.44143056035147493],
  [48_000, 0, false, 0.9117601792939413],
];

// Both sides compute the same float64 arithmetic in a different order, so they agree to ~1e-15.
// 1e-9 leaves room for a platform's Math.cos/log10 and still catches any change of the algorithm
// (a band edge moved by one bin, no clipping, another window) by orders of magnitude.
const REFERENCE_TOLERANCE = 1e-9;

describe('STOI', () => {
  it.each(REFERENCE)('matches the reference implementation at %i Hz, %i dB SNR (extended: %s)', (rate, snr, extended, expected) => {
    expect(Math.abs(stoi(clean, noisy(snr), rate, { extended }) - expected)).toBeLessThan(REFERENCE_TOLERANCE);
  });

  it('uses the 15 one-third-octave bands of the paper, from 150 Hz, snapped to the 512-point DFT as the reference does', () => {
    const bands = thirdOctaveBands();
    const binHz = STOI_RATE / STOI_FFT;
    expect(bands.centres).toHaveLength(STOI_BANDS);
    bands.centres.forEach((c, j) => {
      expect(c).toBeCloseTo(150 * 2 ** (j / 3), 9);
      // Each edge is the DFT bin nearest centre·2^(∓1/6), so within half a bin of it.
      expect(Math.abs((bands.firstBin[j] as number) * binHz - c * 2 ** (-1 / 6))).toBeLessThanOrEqual(binHz / 2);
      expect(Math.abs((bands.endBin[j] as number) * binHz - c * 2 ** (1 / 6))).toBeLessThanOrEqual(binHz / 2);
    });
    // The reference's octave-band matrix (pystoi thirdoct(10000, 512, 15, 150)): first and one-past-last bin per band.
    expect(bands.firstBin).toEqual([7, 9, 11, 14, 17, 22, 27, 34, 43, 55, 69, 87, 109, 138, 174]);
    expect(bands.endBin).toEqual([9, 11, 14, 17, 22, 27, 34, 43, 55, 69, 87, 109, 138, 174, 219]);
  });

  it('scores 1 for the clean signal itself and for any rescaled copy of it', () => {
    expect(stoi(clean, clean, 16_000)).toBeCloseTo(1, 12);
    // The per-segment normalisation (eq. 3) removes any overall gain.
    expect(
      stoi(
        clean,
        clean.map((v) => v * 0.01),
        16_000,
      ),
    ).toBeCloseTo(1, 12);
    expect(stoi(clean, clean, 16_000, { extended: true })).toBeCloseTo(1, 12);
  });

  it('ignores a tone above the top band (4.6 kHz) but not one inside the bands (1 kHz)', () => {
    let power = 0;
    for (const v of clean) power += v * v;
    // A tone three times the speech's RMS: loud enough to dominate every band it falls into.
    const amplitude = 3 * Math.sqrt((2 * power) / clean.length);
    const withTone = (hz: number): Float32Array => clean.map((v, i) => v + amplitude * Math.sin((2 * Math.PI * hz * i) / 16_000));
    // The top band ends at bin 219 (4277 Hz); a 4.6 kHz tone is 16 bins (8 of the 256-point
    // frame's) away, deep in the Hann window's side lobes, so it changes nothing that STOI sees.
    expect(stoi(clean, withTone(4_600), 16_000)).toBeGreaterThan(0.999);
    // Inside the 952 Hz band it masks the speech there in every frame. That is one band of 15, so
    // the score falls by 1/15 of that band's lost correlation: below 0.98 means at least 30 % of
    // it is gone (a pass-through, or a band table that missed 1 kHz, would stay near 1).
    expect(stoi(clean, withTone(1_000), 16_000)).toBeLessThan(0.98);
  });

  it('rises with the SNR of white noise from −10 to +10 dB, in both measures', () => {
    for (const extended of [false, true]) {
      const scores = [-10, -5, 0, 5, 10].map((snr) => stoi(clean, noisy(snr), 16_000, { extended }));
      for (let k = 1; k < scores.length; k++) expect(scores[k] as number).toBeGreaterThan(scores[k - 1] as number);
    }
  });

  it('refuses signals of different lengths, too little speech, or a fractional rate, naming the values', () => {
    expect(() => stoi(clean, clean.subarray(1), 16_000)).toThrow(/one length \(clean 84800, processed 84799/);
    expect(() => stoi(clean.subarray(0, 4_000), clean.subarray(0, 4_000), 16_000)).toThrow(
      /at least 30 non-silent frames \(\d+ remained of 4000 samples at 16000 Hz/,
    );
    expect(() => stoi(clean, clean, 44_100.5)).toThrow(/positive integer rates \(was 44100.5/);
  });
});
