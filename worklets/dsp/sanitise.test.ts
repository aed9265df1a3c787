import { describe, expect, it } from 'vitest';
import { type FrameEngine } from './engine';
import { DenoisePipeline } from './pipeline';
import { createEngine } from './engines';
import { InputSanitiser, SAMPLE_LIMIT, engineMayTake } from './sanitise';
import { loadEngineModule } from '../../cli/wasm-node';
import { makeNoisySpeech, mulberry32 } from '../../tools/testing/signals';
import { pauseCutFloorDb } from '../../tools/testing/pause-cut';

function runBlocks(p: DenoisePipeline, x: Float32Array, block = 128): Float32Array {
  const out = new Float32Array(x.length);
  for (let off = 0; off + block <= x.length; off += block) p.process(x.subarray(off, off + block), out.subarray(off, off + block), block);
  return out;
}

describe('input sanitiser', () => {
  it('clamps finite samples beyond ±4 to ±4, zeroes NaN, ±Infinity and denormals, leaves the rest within ±4 as it was, and counts', () => {
    const x = Float32Array.from([0.5, -1.5, 3.999, -4, 4.001, -1e20, 1e20, NaN, Infinity, -Infinity, 1e-35, -0.25]);
    const y = new Float32Array(x.length);
    const s = new InputSanitiser();
    s.process(x, y, x.length);
    expect(Array.from(y)).toEqual([0.5, -1.5, Math.fround(3.999), -4, 4, -4, 4, 0, 0, 0, 0, -0.25]);
    expect([s.nonFinite, s.outOfRange]).toEqual([3, 3]);
    s.process(x, y, 7);
    expect([s.nonFinite, s.outOfRange]).toEqual([3, 6]);
  });

  it('keeps a frame holding a clamped sample from the engine (a counting test engine), passes it dry, and does not reset the engine', () => {
    let frames = 0;
    let resets = 0;
    const engine: FrameEngine = {
      delay: 0,
      processFrame(i, o) {
        frames++;
        o.fill(0);
        return 0.5;
      },
      reset: () => resets++,
      destroy() {},
    };
    const pipeline = new DenoisePipeline(engine);
    const x = new Float32Array(128 * 30).fill(0.1);
    // In the fourth 480-sample frame.
    x[1500] = -1e20;
    const y = runBlocks(pipeline, x);
    // 3840 samples make 8 frames (the reframer holds back 448): one of them skipped the engine.
    expect(frames).toBe(7);
    expect(resets).toBe(0);
    expect(pipeline.stats.outOfRangeInputs).toBe(1);
    // That frame comes out as its sanitised input, 448 samples (the reframer's delay) later.
    expect(y[1500 + 448]).toBe(-SAMPLE_LIMIT);
    expect(y[1440 + 448]).toBeCloseTo(0.1, 6);
    expect(y[1440 + 448 - 1]).toBe(0);
    expect(engineMayTake(Float32Array.from([3.99, -3.99]))).toBe(true);
    expect(engineMayTake(Float32Array.from([0, SAMPLE_LIMIT]))).toBe(false);
  });

  it('keeps a frame holding a sample of exactly ±4 from the engine too, without counting it out of range, and runs the frames around it', () => {
    const seen: number[] = [];
    const engine: FrameEngine = {
      delay: 0,
      processFrame(i, o) {
        seen.push(i[0] as number);
        o.fill(0);
        return 0.5;
      },
      reset() {},
      destroy() {},
    };
    const pipeline = new DenoisePipeline(engine);
    // Frame f starts with the sample f / 100, so the engine's calls name the frames it ran.
    const x = new Float32Array(128 * 30).fill(0.1);
    for (let f = 0; f < 8; f++) x[f * 480] = f / 100;
    // At the limit exactly, in the third frame and (as the block's last sample) in the sixth.
    x[1000] = -SAMPLE_LIMIT;
    x[2687] = SAMPLE_LIMIT;
    runBlocks(pipeline, x);
    expect(seen).toEqual([0, 0.01, 0.03, 0.04, 0.06, 0.07].map(Math.fround));
    expect(pipeline.stats.outOfRangeInputs).toBe(0);
  });
});

// The engines the pipeline can run, built as the worklet and the CLI build them (engines.ts).
// GTCRN is not here yet: on this item its pink-noise pause is cut 15.7 dB WITHOUT any burst
// (17.1 with it), below the offline floor of 20, so the floor fails for the engine, not for the
// sanitiser (white: 32.0 with and without). Its floor needs its own reason before it joins.
const ENGINES = (['rnnoise-simd', 'rnnoise-0.2'] as const).map((flavour): [string, () => FrameEngine] => {
  const module = loadEngineModule(flavour);
  return [flavour, () => createEngine(flavour, module)];
});

describe.each(ENGINES)('a ±1e20 burst with %s', (_name, buildEngine) => {
  it.each(['white', 'pink'] as const)(
    'in a %s-noise pause reaches the output at most ±4, and the rest of the pause is cut as if it had not happened',
    (noise) => {
      // 2.5 s of noise, 5.3 s of speech at 10 dB SNR, 2.5 s of noise; the burst 0.3 s into the last pause.
      const item = makeNoisySpeech({ seed: 4, noise, snrDb: 10, gapSeconds: 2.5 });
      const frames = item.speechActive.length;
      let lastSpeech = frames - 1;
      while (!item.speechActive[lastSpeech]) lastSpeech--;
      const burstStart = (lastSpeech + 30) * 480;
      const burstLength = 960; // 20 ms
      const x = item.mixture.slice();
      const sign = mulberry32(9);
      for (let i = burstStart; i < burstStart + burstLength; i++) x[i] = sign() < 0.5 ? -1e20 : 1e20;

      const run = (input: Float32Array): { y: Float32Array; pipeline: DenoisePipeline } => {
        const pipeline = new DenoisePipeline(buildEngine());
        const y = runBlocks(pipeline, input);
        pipeline.destroy();
        return { y, pipeline };
      };
      const withBurst = run(x);
      const without = run(item.mixture);
      const lag = withBurst.pipeline.latency;

      // Pause frames from 50 ms after the burst (its 20 ms, the engine's window and one frame of
      // overlap) to the end: the noise cut against the noise the input held there.
      const cut = (y: Float32Array): number => {
        let en = 0;
        let ey = 0;
        for (let f = (burstStart + burstLength) / 480 + 5; (f + 1) * 480 + lag <= y.length; f++) {
          for (let i = f * 480; i < (f + 1) * 480; i++) {
            en += (item.noise[i] as number) ** 2;
            ey += (y[i + lag] as number) ** 2;
          }
        }
        return 10 * Math.log10(en / ey);
      };

      let peak = 0;
      for (const v of withBurst.y) peak = Math.max(peak, Math.abs(v));
      expect(peak).toBeLessThanOrEqual(SAMPLE_LIMIT); // was 1e20
      expect(withBurst.pipeline.stats.outOfRangeInputs).toBe(burstLength);
      expect(withBurst.pipeline.stats.engineResets).toBe(0);
      // The offline floor every engine test holds (tools/testing/pause-cut.ts): a pass-through
      // scores 0. Resetting the engine at the burst (what happened before: 1e20 made its output
      // NaN) scores 10 dB here for both noises, the "4 dB instead of 31"; this design 44
      // (white) and 38 (pink), as without the burst.
      const after = cut(withBurst.y);
      expect(after).toBeGreaterThanOrEqual(pauseCutFloorDb('offline'));
      // And no trace of the burst: within 3 dB of the same item without it (measured: < 0.5 dB).
      expect(Math.abs(after - cut(without.y))).toBeLessThan(3);
    },
  );
});
