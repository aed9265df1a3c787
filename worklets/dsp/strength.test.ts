// Strength in the pure DSP: the real RNNoise engine for the pause-cut curve, and two test-double
// engines (named as such) where exact arithmetic on known wet and dry signals is the point.
import { describe, expect, it } from 'vitest';
import { FRAME_SIZE, type FrameEngine } from './engine';
import { DenoisePipeline } from './pipeline';
import { ChannelDenoiser } from './channel';
import { RnnoiseEngine } from './rnnoise';
import { STRENGTH_PRESETS, STRENGTH_RAMP_SECONDS, StrengthRamp, strengthFloorDb } from './strength';
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { denoise48k } from '../../cli/denoise-file';
import { makeNoisySpeech } from '../../tools/testing/signals';
import { noiseAttenuationDb, speechLevelChangeDb } from '../../tools/testing/metrics';

/** Test double: outputs silence, so the pipeline's output is exactly (1 − w)·dry. */
class SilencingEngine implements FrameEngine {
  readonly delay = 0;
  processFrame(_input: Float32Array, output: Float32Array): number {
    output.fill(0);
    return 0;
  }
  reset(): void {}
  destroy(): void {}
}

/** Test double: halves each frame and gives it back one frame late, like RNNoise's own delay. */
class HalvingDelayEngine implements FrameEngine {
  readonly delay = FRAME_SIZE;
  private readonly held = new Float32Array(FRAME_SIZE);
  processFrame(input: Float32Array, output: Float32Array): number {
    for (let i = 0; i < FRAME_SIZE; i++) {
      const x = input[i] as number;
      output[i] = (this.held[i] as number) * 0.5;
      this.held[i] = x;
    }
    return 0;
  }
  reset(): void {
    this.held.fill(0);
  }
  destroy(): void {}
}

function run(p: { process(i: Float32Array, o: Float32Array, n?: number): void }, x: Float32Array, block = 128): Float32Array {
  const y = new Float32Array(x.length);
  for (let off = 0; off + block <= x.length; off += block) p.process(x.subarray(off, off + block), y.subarray(off, off + block), block);
  return y;
}

describe('strength ramp', () => {
  it('clamps to [0, 1] and ignores NaN instead of poisoning the mix', () => {
    const r = new StrengthRamp(0.5, 1);
    r.set(NaN);
    expect(r.target).toBe(0.5);
    r.set(7);
    expect(r.target).toBe(1);
    r.set(-3);
    expect(r.target).toBe(0);
  });

  it('names presets by their attenuation floor: gentle 10 dB, balanced 20 dB, strong full', () => {
    expect(strengthFloorDb(STRENGTH_PRESETS.gentle)).toBeCloseTo(10, 9);
    expect(strengthFloorDb(STRENGTH_PRESETS.balanced)).toBeCloseTo(20, 9);
    expect(strengthFloorDb(STRENGTH_PRESETS.strong)).toBe(Infinity);
  });
});

describe('pipeline strength', () => {
  const module = loadRnnoiseModule('simd');

  it('at 0 outputs the input delayed by the pipeline latency, sample for sample, with the real engine running', () => {
    const item = makeNoisySpeech({ seed: 3, noise: 'pink', snrDb: 5, seconds: 3 });
    const x = item.mixture.subarray(0, 128 * Math.floor(item.mixture.length / 128));
    const pipeline = new DenoisePipeline(new RnnoiseEngine(module), { strength: 0 });
    const y = run(pipeline, x);
    // The engine still ran (strength is a mix, not a bypass), yet none of it reaches the output.
    expect(pipeline.stats.frames).toBeGreaterThan(250);
    const n = pipeline.latency;
    let worst = 0;
    for (let i = n; i < x.length; i++) worst = Math.max(worst, Math.abs((y[i] as number) - (x[i - n] as number)));
    // Float tolerance: one float32 rounding of a sample of magnitude ≤ 1.
    expect(worst).toBeLessThanOrEqual(1e-7);
    pipeline.destroy();
  });

  it('mixes the dry signal in time-aligned with the engine output: y = (1 − s/2)·x delayed, for an engine that halves', () => {
    const x = makeNoisySpeech({ seed: 4, noise: 'white', snrDb: 10, seconds: 1 }).mixture.subarray(0, 128 * 350);
    for (const s of [0.25, 0.6]) {
      const pipeline = new DenoisePipeline(new HalvingDelayEngine(), { strength: s });
      const y = run(pipeline, x);
      const n = pipeline.latency;
      expect(n).toBe(448 + FRAME_SIZE);
      let worst = 0;
      for (let i = n; i < x.length; i++) worst = Math.max(worst, Math.abs((y[i] as number) - (1 - s / 2) * (x[i - n] as number)));
      // A dry path off by even one sample would leave errors of the size of the signal's
      // sample-to-sample change (~0.1 here), not float rounding.
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it('cuts pauses more at every higher strength, never past the floor −20·log10(1 − s), and keeps speech level', () => {
    const item = makeNoisySpeech({ seed: 5, noise: 'white', snrDb: 5, seconds: 8, gapSeconds: 1 });
    // RNNoise learns the noise over about a second: the first 1.5 s are not pauses to measure.
    const settled = item.speechActive.map((active, f) => active || f < 150);
    const strengths = [0, 0.25, 0.5, STRENGTH_PRESETS.gentle, STRENGTH_PRESETS.balanced, 1];
    const cuts: number[] = [];
    const levels: number[] = [];
    for (const s of strengths) {
      const { output, pipeline } = denoise48k(item.mixture, new RnnoiseEngine(module), false, s);
      pipeline.destroy();
      cuts.push(noiseAttenuationDb(item.mixture, output, settled));
      levels.push(speechLevelChangeDb(item.speech, output, item.speechActive));
    }
    // 0 is the input itself.
    expect(Math.abs(cuts[0] as number)).toBeLessThan(1e-3);
    for (let k = 1; k < strengths.length; k++) {
      // Strictly more cut at each step: adjacent floors here are ≥ 2.5 dB apart, and the real
      // cut follows them while the engine's own cut (> 20 dB on white noise) is deeper still.
      expect(cuts[k]).toBeGreaterThan((cuts[k - 1] as number) + 1);
      // The engine scales bands by gains in [0, 1], so wet and dry are positively correlated and
      // the mix can never be quieter than (1 − s) of the dry: the floor bounds the cut.
      expect(cuts[k]).toBeLessThanOrEqual(strengthFloorDb(strengths[k] as number) + 0.5);
    }
    // Speech: at strength 0 the speech frames carry the noise too (+1.19 dB at 5 dB SNR:
    // 10·log10(1 + 10^−0.5)); full strength removes it and keeps the speech within 1 dB. Between
    // them the mix is a convex combination, so its level lies between the two ends.
    const bypassLevel = levels[0] as number;
    const fullLevel = levels[levels.length - 1] as number;
    expect(bypassLevel).toBeCloseTo(10 * Math.log10(1 + 10 ** -0.5), 1);
    expect(Math.abs(fullLevel)).toBeLessThan(1);
    for (const level of levels) {
      expect(level).toBeLessThanOrEqual(bypassLevel + 0.1);
      expect(level).toBeGreaterThanOrEqual(fullLevel - 0.1);
    }
  });

  it('changes live at most one ramp step per sample, and arrives within 20 ms', () => {
    // With a silencing engine the output is (1 − w)·dry: on a constant input it shows w directly.
    const ramp = Math.round(STRENGTH_RAMP_SECONDS * 48_000);
    const pipeline = new DenoisePipeline(new SilencingEngine(), { strength: 1 });
    const x = new Float32Array(128 * 60).fill(0.5);
    const y = new Float32Array(x.length);
    for (let off = 0; off < x.length; off += 128) {
      if (off === 128 * 20) pipeline.setStrength(0);
      if (off === 128 * 40) pipeline.setStrength(0.5);
      pipeline.process(x.subarray(off, off + 128), y.subarray(off, off + 128), 128);
    }
    const n = pipeline.latency;
    const step = 0.5 / ramp;
    for (let i = n + 1; i < x.length; i++) {
      const d = Math.abs((y[i] as number) - (y[i - 1] as number));
      if (d > step + 1e-7) throw new Error(`sample ${i}: output moved ${d} in one sample (the ramp allows ${step})`);
    }
    // 0 → 1 − 0 = full dry within the ramp; then 0 → 0.5 within half of it.
    expect(y[128 * 20 + ramp]).toBeCloseTo(0.5, 6);
    expect(y[128 * 40 + ramp / 2]).toBeCloseTo(0.25, 6);
    expect(y[128 * 40 - 1]).toBeCloseTo(0.5, 6);
  });

  it('reaches the engine through the resampling path too: at 44.1 kHz strength 0 equals a disabled channel', () => {
    const x = makeNoisySpeech({ seed: 6, noise: 'pink', snrDb: 5, sampleRate: 44_100, seconds: 2 }).mixture.subarray(0, 128 * 600);
    const zero = new ChannelDenoiser(new RnnoiseEngine(module), { sampleRate: 44_100, strength: 0 });
    const off = new ChannelDenoiser(new RnnoiseEngine(module), { sampleRate: 44_100, enabled: false });
    const a = run(zero, x);
    const b = run(off, x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    expect(worst).toBeLessThanOrEqual(1e-7);
    // And a live change through the channel reaches the pipeline.
    zero.setStrength(1);
    const c = run(zero, x);
    const d = run(off, x);
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff = Math.max(diff, Math.abs((c[i] as number) - (d[i] as number)));
    expect(diff).toBeGreaterThan(0.01);
    zero.destroy();
    off.destroy();
  });
});
