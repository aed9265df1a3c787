// Seeded noise, pure (no Node or DOM imports, so the demo page imports it too): a PRNG, Gaussian
// samples and one generator per noise kind, each normalised to RMS 1. The same seed gives the same
// samples, bit for bit (for a given V8; its Math.sin/exp/log are the same fdlibm code everywhere).

/** mulberry32: a tiny, fast 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller) from a uniform source. */
export function gaussian(rng: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - rng(); // (0, 1]: log never sees 0
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

export function rms(x: Float32Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += (x[i] as number) ** 2;
  return Math.sqrt(e / Math.max(1, x.length));
}

/** Scales `x` in place to the given RMS (silence stays silent). */
export function normalizeRms(x: Float32Array, target = 1): Float32Array {
  const r = rms(x);
  if (r > 0) for (let i = 0; i < x.length; i++) x[i] = ((x[i] as number) * target) / r;
  return x;
}

/** Removes the mean: the integrating generators drift. */
function removeDc(x: Float32Array): Float32Array {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i] as number;
  m /= Math.max(1, x.length);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) - m;
  return x;
}

export type NoiseKind = 'white' | 'pink' | 'brown' | 'hum' | 'babble' | 'clicks' | 'fan';
export const NOISE_KINDS: readonly NoiseKind[] = ['white', 'pink', 'brown', 'hum', 'babble', 'clicks', 'fan'];

/** Gaussian white noise, RMS 1. */
export function whiteNoise(length: number, rng: () => number): Float32Array {
  const g = gaussian(rng);
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) x[i] = g();
  return normalizeRms(x);
}

/**
 * Paul Kellet's refined pink filter (-3 dB/octave within 0.05 dB above 9 Hz at 44.1/48 kHz),
 * run over `out.length` samples of `white`, in place. The demo's sample and the test signals
 * both use it (each with its own white source).
 */
export function kelletPink(out: Float32Array, white: () => number): Float32Array {
  let b0 = 0,
    b1 = 0,
    b2 = 0,
    b3 = 0,
    b4 = 0,
    b5 = 0,
    b6 = 0;
  for (let i = 0; i < out.length; i++) {
    const w = white();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  return out;
}

/** 1/f noise (Kellet's filter on Gaussian white noise), RMS 1. */
export function pinkNoise(length: number, rng: () => number): Float32Array {
  return normalizeRms(removeDc(kelletPink(new Float32Array(length), gaussian(rng))));
}

/** 1/f² noise: leaky integration of white noise (corner ≈ 8 Hz at 48 kHz), RMS 1. */
export function brownNoise(length: number, rng: () => number): Float32Array {
  const g = gaussian(rng);
  const x = new Float32Array(length);
  let y = 0;
  for (let i = 0; i < length; i++) {
    y = 0.999 * y + g();
    x[i] = y;
  }
  return normalizeRms(removeDc(x));
}

/** Mains hum: a fundamental with decaying harmonics (even ones from rectifiers), random phases, a faint hiss. RMS 1. */
export function humNoise(length: number, sampleRate: number, rng: () => number, mainsHz: 50 | 60 = 50, harmonics = 10): Float32Array {
  const x = new Float32Array(length);
  const amps: number[] = [];
  const phases: number[] = [];
  for (let k = 1; k <= harmonics; k++) {
    amps.push(k === 1 ? 1 : k === 2 ? 0.7 : 0.5 / k);
    phases.push(2 * Math.PI * rng());
  }
  const g = gaussian(rng);
  for (let i = 0; i < length; i++) {
    const t = i / sampleRate;
    let s = 0;
    for (let k = 1; k <= harmonics; k++) {
      if (k * mainsHz >= sampleRate / 2) break;
      s += (amps[k - 1] as number) * Math.sin(2 * Math.PI * k * mainsHz * t + (phases[k - 1] as number));
    }
    x[i] = s + 0.01 * g();
  }
  return normalizeRms(x);
}

/** Babble: several time-shifted, differently weighted copies of speech (looped), RMS 1. */
export function babbleNoise(length: number, speech: Float32Array, rng: () => number, talkers = 6): Float32Array {
  const x = new Float32Array(length);
  const n = speech.length;
  if (n === 0) return x;
  for (let t = 0; t < talkers; t++) {
    const shift = Math.floor(rng() * n);
    const gain = 0.5 + 0.5 * rng();
    for (let i = 0; i < length; i++) x[i] = (x[i] as number) + gain * (speech[(i + shift) % n] as number);
  }
  return normalizeRms(removeDc(x));
}

/** Keyboard: Poisson key presses, each a sharp decaying noise burst plus a softer release click. RMS 1. */
export function clickNoise(length: number, sampleRate: number, rng: () => number, perSecond = 7): Float32Array {
  const g = gaussian(rng);
  const x = new Float32Array(length);
  const addBurst = (start: number, amp: number): void => {
    const tau = (0.0008 + 0.0015 * rng()) * sampleRate;
    const len = Math.min(length - start, Math.ceil(tau * 8));
    let prev = 0;
    for (let j = 0; j < len; j++) {
      const w = g();
      // First difference: keys click, they do not thump.
      x[start + j] = (x[start + j] as number) + amp * Math.exp(-j / tau) * (w - prev);
      prev = w;
    }
  };
  let t = 0;
  for (;;) {
    t += -Math.log(1 - rng()) / perSecond;
    const start = Math.floor(t * sampleRate);
    if (start >= length) break;
    const amp = 0.4 + 0.6 * rng();
    addBurst(start, amp);
    const release = start + Math.floor((0.04 + 0.08 * rng()) * sampleRate);
    if (release < length) addBurst(release, amp * 0.4);
  }
  return normalizeRms(x);
}

/** Fan: low-passed broadband noise with a blade-pass tone and its harmonics, slowly wavering. RMS 1. */
export function fanNoise(length: number, sampleRate: number, rng: () => number): Float32Array {
  const g = gaussian(rng);
  const x = new Float32Array(length);
  // Two cascaded one-pole lowpasses at ~600 Hz, plus some of the raw hiss.
  const a = Math.exp((-2 * Math.PI * 600) / sampleRate);
  let l1 = 0,
    l2 = 0;
  const blade = 90 + 60 * rng();
  const ph = [2 * Math.PI * rng(), 2 * Math.PI * rng(), 2 * Math.PI * rng()];
  const wobble = 0.2 + 0.3 * rng();
  for (let i = 0; i < length; i++) {
    const w = g();
    l1 = a * l1 + (1 - a) * w;
    l2 = a * l2 + (1 - a) * l1;
    const t = i / sampleRate;
    const am = 1 + 0.15 * Math.sin(2 * Math.PI * wobble * t);
    const tone =
      Math.sin(2 * Math.PI * blade * t + (ph[0] as number)) +
      0.5 * Math.sin(2 * Math.PI * 2 * blade * t + (ph[1] as number)) +
      0.25 * Math.sin(2 * Math.PI * 3 * blade * t + (ph[2] as number));
    x[i] = am * (8 * l2 + 0.15 * w) + 0.3 * tone;
  }
  return normalizeRms(removeDc(x));
}
