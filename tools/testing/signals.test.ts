import { describe, expect, it } from 'vitest';
import { buildCorpusItem, corpus, corpusClips, corpusSpecs } from '../bench/corpus';
import { gaussian, loadExcerpt, makeNoise, makeNoisySpeech, mixAtSnr, mulberry32, NOISE_KINDS, rms, speechActivity } from './signals';

function bytes(x: Float32Array): Buffer {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

function lag1(x: Float32Array): number {
  let ab = 0,
    aa = 0;
  for (let i = 1; i < x.length; i++) {
    ab += (x[i] as number) * (x[i - 1] as number);
    aa += (x[i] as number) ** 2;
  }
  return ab / aa;
}

function powerDb(x: Float32Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += (x[i] as number) ** 2;
  return 10 * Math.log10(e / x.length);
}

describe('test signals', () => {
  it('mulberry32 gives the same stream for the same seed and a different one otherwise', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(sa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
    expect(sa.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('gaussian samples have zero mean and unit variance', () => {
    const g = gaussian(mulberry32(1));
    let s = 0,
      s2 = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const v = g();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(s2 / n).toBeCloseTo(1, 1);
  });

  it.each(NOISE_KINDS)('makes %s noise that is finite, RMS 1, identical for a seed and different across seeds', (kind) => {
    const a = makeNoise(kind, 48_000, 48_000, 1);
    const b = makeNoise(kind, 48_000, 48_000, 1);
    const c = makeNoise(kind, 48_000, 48_000, 2);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(rms(a)).toBeCloseTo(1, 4);
    expect(bytes(a).equals(bytes(b))).toBe(true);
    expect(bytes(a).equals(bytes(c))).toBe(false);
  });

  it('colours the noises as named: white is uncorrelated, pink and brown increasingly low-pass', () => {
    const white = lag1(makeNoise('white', 48_000, 48_000, 3));
    const pink = lag1(makeNoise('pink', 48_000, 48_000, 3));
    const brown = lag1(makeNoise('brown', 48_000, 48_000, 3));
    expect(Math.abs(white)).toBeLessThan(0.02);
    expect(pink).toBeGreaterThan(0.5);
    expect(brown).toBeGreaterThan(pink);
    expect(brown).toBeGreaterThan(0.99);
  });

  it('puts hum at the mains frequency: it repeats every 20 ms', () => {
    const hum = makeNoise('hum', 48_000, 48_000, 4);
    let e = 0,
      d = 0;
    for (let i = 960; i < hum.length; i++) {
      e += (hum[i] as number) ** 2;
      d += ((hum[i] as number) - (hum[i - 960] as number)) ** 2;
    }
    // Only the faint hiss differs between periods.
    expect(10 * Math.log10(d / e)).toBeLessThan(-30);
  });

  it('mixes at exactly the requested SNR', () => {
    const speech = loadExcerpt(16_000);
    const noise = makeNoise('pink', speech.length, 16_000, 5);
    for (const snr of [0, 5, 10]) {
      const { mixture, noise: scaled } = mixAtSnr(speech, noise, snr);
      expect(powerDb(speech) - powerDb(scaled)).toBeCloseTo(snr, 4);
      expect(mixture[1000]).toBeCloseTo((speech[1000] as number) + (scaled[1000] as number), 6);
    }
  });

  it('resamples the committed excerpt to 48 kHz at three times its 16 kHz length', () => {
    expect(loadExcerpt(16_000).length).toBe(84_800);
    expect(loadExcerpt(48_000).length).toBe(254_400);
  });

  it('makes noisy speech that is identical for the same seed and different for another', () => {
    const a = makeNoisySpeech({ seed: 9, noise: 'babble', snrDb: 5, seconds: 3 });
    const b = makeNoisySpeech({ seed: 9, noise: 'babble', snrDb: 5, seconds: 3 });
    const c = makeNoisySpeech({ seed: 10, noise: 'babble', snrDb: 5, seconds: 3 });
    expect(bytes(a.mixture).equals(bytes(b.mixture))).toBe(true);
    expect(bytes(a.noise).equals(bytes(b.noise))).toBe(true);
    expect(a.speechActive).toEqual(b.speechActive);
    expect(bytes(a.mixture).equals(bytes(c.mixture))).toBe(false);
    // Same speech (up to the common peak gain), different noise.
    const i = a.speech.findIndex((v) => Math.abs(v) > 0.1);
    const g = (a.speech[i] as number) / (c.speech[i] as number);
    expect((a.speech[i + 5000] as number) / (c.speech[i + 5000] as number)).toBeCloseTo(g, 4);
  });

  it('lays out noisy speech with silent gaps that are flagged inactive, at the active-speech SNR', () => {
    const item = makeNoisySpeech({ seed: 1, noise: 'white', snrDb: 10, seconds: 8, gapSeconds: 1 });
    expect(item.mixture.length).toBe(8 * 48_000);
    expect(item.speechActive.length).toBe(800);
    // The first second is silence, then speech starts.
    expect(item.speechActive.slice(0, 95).some(Boolean)).toBe(false);
    expect(item.speechActive.slice(110, 500).filter(Boolean).length).toBeGreaterThan(300);
    const peak = item.mixture.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeCloseTo(0.9, 5);
    // SNR over the speech-active frames, as promised.
    let es = 0,
      en = 0;
    item.speechActive.forEach((on, f) => {
      if (!on) return;
      for (let i = f * 480; i < (f + 1) * 480; i++) {
        es += (item.speech[i] as number) ** 2;
        en += (item.noise[i] as number) ** 2;
      }
    });
    expect(10 * Math.log10(es / en)).toBeCloseTo(10, 0);
  });

  it('flags speech activity from frame energy relative to the loudest frame', () => {
    const x = new Float32Array(48_000);
    for (let i = 24_000; i < 36_000; i++) x[i] = 0.5 * Math.sin(i * 0.05);
    const active = speechActivity(x, 48_000, 35, 0);
    expect(active.length).toBe(100);
    expect(active.slice(0, 50).some(Boolean)).toBe(false);
    expect(active.slice(50, 75).every(Boolean)).toBe(true);
    expect(active.slice(75).some(Boolean)).toBe(false);
  });
});

describe('benchmark corpus', () => {
  it('lists clips × noises × SNRs with unique ids, and builds the same item twice bit for bit', () => {
    const clips = corpusClips();
    const specs = corpusSpecs();
    expect(specs.length).toBe(clips.length * NOISE_KINDS.length * 3);
    expect(new Set(specs.map((s) => s.id)).size).toBe(specs.length);
    // Falls back to the committed excerpt where Debian's clips are not installed.
    expect(corpusClips('/nonexistent').map((c) => c.name)).toEqual(['excerpt']);
    const spec = specs.find((s) => s.noise === 'babble' && s.snrDb === 5);
    expect(spec).toBeDefined();
    const a = buildCorpusItem(spec!, clips);
    const b = buildCorpusItem(spec!, clips);
    expect(bytes(a.mixture).equals(bytes(b.mixture))).toBe(true);
    expect(a.sampleRate).toBe(48_000);
    expect(a.speechActive.length).toBe(Math.floor(a.mixture.length / 480));
    const first = corpus({ noises: ['white'], snrs: [0] }).next();
    expect(first.done).toBe(false);
    expect(first.value?.id).toBe(specs[0]?.id);
  });
});
