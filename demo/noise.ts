// Seeded noise for the built-in sample: the same seed gives the same noise on every machine, so
// two tabs (and two test runs) publish the same mixture. Each generator returns a loop of
// `seconds` that repeats without a click (the tail is crossfaded into the head), normalised to
// an RMS of 1; the sample source sets the level from the chosen SNR.

import { kelletPink, mulberry32, normalizeRms } from '../tools/testing/noise';

export type NoiseKind = 'pink' | 'fan' | 'hum' | 'none';

export const NOISE_KINDS: readonly { kind: NoiseKind; label: string }[] = [
  { kind: 'pink', label: 'Pink noise (rain, hiss)' },
  { kind: 'fan', label: 'Fan (rumble + blade beat)' },
  { kind: 'hum', label: 'Mains hum (50 Hz buzz)' },
  { kind: 'none', label: 'None (clean speech)' },
];

/** Uniform floats in [-1, 1) from the seeded mulberry32 stream the test signals use. */
function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => 2 * next() - 1;
}

function fan(out: Float32Array, rand: () => number, sampleRate: number): void {
  // Low-passed broadband air noise, amplitude-modulated at the blade-pass rate, plus a faint
  // motor tone: what a desk fan next to a microphone sounds like.
  const blade = 21; // Hz (whole cycles per loop second, so the loop stays seamless)
  const motor = 120;
  const lp1 = Math.exp((-2 * Math.PI * 900) / sampleRate);
  const lp2 = Math.exp((-2 * Math.PI * 160) / sampleRate);
  let air = 0,
    rumble = 0;
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
      kelletPink(raw, rand);
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
  normalizeRms(out);
  return out;
}
