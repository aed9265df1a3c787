// Seeded noise for the built-in sample: the same seed gives the same noise on every machine, so
// two tabs (and two test runs) publish the same mixture. Each generator returns a loop of
// `seconds` that repeats without a click (the tail is crossfaded into the head), normalised to
// an RMS of 1; the sample source sets the level from the chosen SNR.

export type NoiseKind = 'pink' | 'fan' | 'hum' | 'none';

export const NOISE_KINDS: readonly { kind: NoiseKind; label: string }[] = [
  { kind: 'pink', label: 'Pink noise (rain, hiss)' },
  { kind: 'fan', label: 'Fan (rumble + blade beat)' },
  { kind: 'hum', label: 'Mains hum (50 Hz buzz)' },
  { kind: 'none', label: 'None (clean speech)' },
];

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG. Returns uniform floats in [-1, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
  };
}

function pink(out: Float32Array, rand: () => number): void {
  // Paul Kellet's refined pink filter (-3 dB/octave within 0.05 dB above 9 Hz at 44.1/48 kHz).
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < out.length; i++) {
    const w = rand();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
}

function fan(out: Float32Array, rand: () => number, sampleRate: number): void {
  // Low-passed broadband air noise, amplitude-modulated at the blade-pass rate, plus a faint
  // motor tone: what a desk fan next to a microphone sounds like.
  const blade = 21; // Hz (whole cycles per loop second, so the loop stays seamless)
  const motor = 120;
  const lp1 = Math.exp((-2 * Math.PI * 900) / sampleRate);
  const lp2 = Math.exp((-2 * Math.PI * 160) / sampleRate);
  let air = 0, rumble = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    const w = rand();
    air = lp1 * air + (1 - lp1) * w;
    rumble = lp2 * rumble + (1 - lp2) * rand();
    const beat = 1 + 0.35 * Math.sin(2 * Math.PI * blade * t);
    out[i] = beat * (air * 3 + rumble * 6) + 0.04 * w + 0.05 * Math.sin(2 * Math.PI * motor * t);
  }
}

function hum(out: Float32Array, rand: () => number, sampleRate: number): void {
  // 50 Hz mains with a buzzy series of harmonics (odd ones stronger), and a faint hiss floor.
  const f0 = 50;
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    let v = 0;
    for (let h = 1; h <= 24; h++) {
      const amp = (h % 2 === 1 ? 1 : 0.45) / h ** 0.9;
      v += amp * Math.sin(2 * Math.PI * f0 * h * t + h * 0.7);
    }
    out[i] = v + 0.03 * rand();
  }
}

function normalise(x: Float32Array): void {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
  const rms = Math.sqrt(sum / Math.max(1, x.length));
  if (rms === 0) return;
  for (let i = 0; i < x.length; i++) x[i] = x[i]! / rms;
}

/**
 * A loop of noise `seconds` long (choose whole seconds so periodic parts line up), RMS 1.
 * 'none' returns silence.
 */
export function makeNoise(kind: NoiseKind, seed: number, sampleRate: number, seconds: number): Float32Array<ArrayBuffer> {
  const n = Math.round(seconds * sampleRate);
  const fade = Math.round(0.25 * sampleRate);
  const raw = new Float32Array(n + fade);
  const rand = seededRandom(seed);
  switch (kind) {
    case 'pink':
      pink(raw, rand);
      break;
    case 'fan':
      fan(raw, rand, sampleRate);
      break;
    case 'hum':
      hum(raw, rand, sampleRate);
      break;
    case 'none':
      return new Float32Array(n);
  }
  // Equal-power crossfade of the extra tail into the head: the loop point is seamless.
  const out = raw.slice(0, n);
  for (let i = 0; i < fade; i++) {
    const g = i / fade;
    out[i] = raw[i]! * Math.sin((g * Math.PI) / 2) + raw[n + i]! * Math.cos((g * Math.PI) / 2);
  }
  normalise(out);
  return out;
}
