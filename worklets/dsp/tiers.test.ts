// The tiered channel behind engine 'auto': a live switch between engines of different delays
// stays time-aligned, keeps one latency, and makes no click. Identity engines (test doubles that
// pass frames through, with the real reframer) check alignment to the sample; the real engines
// check the audible part: steps and short-window energy around each switch.
import { describe, expect, it } from 'vitest';
import type { EngineFlavour } from '../protocol';
import { IdentityEngine, type FrameEngine } from './engine';
import { createEngine } from './engines';
import { DenoisePipeline } from './pipeline';
import { chooseStartTier, DEFAULT_WARMUP_SAMPLES, measureCostUs, TieredChannel, type TierOptions } from './tiers';
import { loadEngineModule } from '../../cli/wasm-node';
import { makeNoisySpeech } from '../../tools/testing/signals';
import { alignByXcorr } from '../../tools/testing/metrics';

const BLOCK = 128;
const FADE = 480;

/** An identity engine that delays by `delay` samples (whole frames): a test double with the real engines' frame sizes and delays. */
class DelayEngine implements FrameEngine {
  private readonly history: Float32Array;
  constructor(
    readonly frameSize: number,
    readonly delay: number,
  ) {
    this.history = new Float32Array(delay + frameSize);
  }
  processFrame(input: Float32Array, output: Float32Array): number {
    const h = this.history;
    h.copyWithin(0, this.frameSize);
    h.set(input, this.delay);
    output.set(h.subarray(0, this.frameSize));
    return 0;
  }
  reset(): void {
    this.history.fill(0);
  }
  destroy(): void {}
}

/** Runs `x` through `ch`, calling `at(sampleIndex)` before each block (for switches). */
function run(ch: { process(i: Float32Array, o: Float32Array, n?: number): void }, x: Float32Array, at?: (n: number) => void): Float32Array {
  const out = new Float32Array(x.length);
  const o = new Float32Array(BLOCK);
  for (let i = 0; i + BLOCK <= x.length; i += BLOCK) {
    at?.(i);
    ch.process(x.subarray(i, i + BLOCK), o, BLOCK);
    out.set(o, i);
  }
  return out;
}

const FLAVOURS: readonly EngineFlavour[] = ['gtcrn', 'rnnoise-0.2', 'rnnoise-simd'];
function realEngines(): FrameEngine[] {
  return FLAVOURS.map((f) => createEngine(f, loadEngineModule(f)));
}

describe('TieredChannel with identity engines of different delays (test doubles)', () => {
  // The real engines' frames and delays: GTCRN 768/890, RNNoise 0.2 480/960, RNNoise 480/480.
  const doubles = (): FrameEngine[] => [new DelayEngine(768, 890), new DelayEngine(480, 960), new IdentityEngine(480)];
  const x = new Float32Array(48_000).map((_, n) => Math.sin(n * 0.013) * 0.5 + Math.sin(n * 0.31) * 0.2);

  it('reports the largest tier latency, and the output is the input delayed by exactly that through every switch', () => {
    const latencies = doubles().map((e) => new DenoisePipeline(e).latency);
    const ch = new TieredChannel(doubles(), { warmupSamples: 2_000, fadeSamples: FADE });
    expect(ch.latency).toBe(Math.max(...latencies));
    expect(new Set(latencies).size).toBe(3);
    const plan = new Map([
      [4_992, 2],
      [14_976, 1],
      [24_960, 0],
      [34_944, 2],
    ]);
    const y = run(ch, x, (n) => {
      const t = plan.get(n);
      if (t !== undefined) ch.request(t);
    });
    expect(ch.switches).toBe(4);
    expect(ch.latency).toBe(Math.max(...latencies));
    const L = ch.latency;
    let worst = 0;
    for (let n = L; n < x.length - BLOCK; n++) worst = Math.max(worst, Math.abs((y[n] as number) - (x[n - L] as number)));
    // Identity paths, so every tier's output is the same delayed input: only float rounding differs.
    expect(worst).toBeLessThan(1e-6);
  });

  it('runs one engine while steady and two only during a switch', () => {
    const ch = new TieredChannel([new IdentityEngine(480), new IdentityEngine(480)], { warmupSamples: 4_800, fadeSamples: FADE });
    run(ch, new Float32Array(48_000).fill(0.1));
    const steady = ch.stats.frames;
    // 1 s of 480-sample frames, less the reframer's delay.
    expect(steady).toBeGreaterThanOrEqual(99);
    expect(steady).toBeLessThanOrEqual(100);
    ch.request(1);
    run(ch, new Float32Array(48_000).fill(0.1));
    // The second engine ran through the warm-up and the fade only: 10 + 1 frames more, give or take the block edges.
    expect(ch.stats.frames - steady - 100).toBeGreaterThanOrEqual(10);
    expect(ch.stats.frames - steady - 100).toBeLessThanOrEqual(13);
    expect(ch.running).toBe(1);
  });

  it('cancels a switch asked back to the running tier while still warming, and queues one asked during the fade', () => {
    const ch = new TieredChannel(doubles(), { warmupSamples: 1_280, fadeSamples: FADE });
    const hold = new Float32Array(BLOCK);
    const o = new Float32Array(BLOCK);
    ch.request(1);
    expect(ch.switchPhase).toBe('warming');
    ch.request(0);
    expect(ch.switchPhase).toBe('steady');
    ch.request(1);
    for (let k = 0; k < 10; k++) ch.process(hold, o, BLOCK);
    expect(ch.switchPhase).toBe('fading');
    ch.request(2);
    while (ch.running !== 2) ch.process(hold, o, BLOCK);
    expect(ch.switches).toBe(2);
  });
});

describe('TieredChannel with the real engines', () => {
  const item = makeNoisySpeech({ seed: 7, noise: 'pink', snrDb: 5, seconds: 8 });
  const x = item.mixture;
  // Switches land on block edges, in speech and in pauses alike: 1 s apart.
  const plan: [number, number][] = [
    [48_000, 2],
    [96_000, 1],
    [144_000, 0],
    [192_000, 1],
    [240_000, 2],
    [288_000, 0],
  ].map(([t, tier]) => [Math.round((t as number) / BLOCK) * BLOCK, tier as number]);

  function switching(options: TierOptions = {}): { y: Float32Array; ch: TieredChannel } {
    const ch = new TieredChannel(realEngines(), options);
    const at = new Map(plan);
    const y = run(ch, x, (n) => {
      const t = at.get(n);
      if (t !== undefined) ch.request(t);
    });
    return { y, ch };
  }
  const steadyRuns = [0, 1, 2].map((tier) => run(new TieredChannel(realEngines(), { start: tier }), x));

  /** Where each switch's crossfade is, in output samples (the request, plus the warm-up). */
  const fades = (warmup: number): number[] => plan.map(([n]) => n + warmup);

  function maxStep(y: Float32Array, from: number, to: number): number {
    let m = 0;
    for (let n = from + 1; n < to; n++) m = Math.max(m, Math.abs((y[n] as number) - (y[n - 1] as number)));
    return m;
  }
  function energy(y: Float32Array, from: number, to: number): number {
    let e = 0;
    for (let n = from; n < to; n++) e += (y[n] as number) ** 2;
    return e;
  }

  function clickReport(y: Float32Array, warmup = DEFAULT_WARMUP_SAMPLES): { stepExcess: number; energyHigh: number; energyLow: number } {
    let stepExcess = 0;
    let energyHigh = -Infinity;
    let energyLow = Infinity;
    plan.forEach(([, to], k) => {
      const from = k === 0 ? 0 : (plan[k - 1] as [number, number])[1];
      const start = (fades(warmup)[k] as number) - 240;
      const end = start + FADE + 480;
      const a = steadyRuns[from] as Float32Array;
      const b = steadyRuns[to] as Float32Array;
      // A crossfade y = (1−g)a + g·b steps by at most max(|Δa|, |Δb|) + |a − b|/FADE; here a and b
      // come from always-on tiers, not the switching one's own, so allow twice the larger step.
      const bound = 2 * Math.max(maxStep(a, start, end), maxStep(b, start, end));
      stepExcess = Math.max(stepExcess, maxStep(y, start, end) / bound);
      // 5 ms windows: a fade of two signals never exceeds their summed energy; an equal-gain fade
      // of two uncorrelated ones dips at most 3 dB below the quieter.
      for (let w = start; w + 240 <= end; w += 240) {
        const ey = energy(y, w, w + 240);
        const ea = energy(a, w, w + 240);
        const eb = energy(b, w, w + 240);
        energyHigh = Math.max(energyHigh, ey / (ea + eb));
        energyLow = Math.min(energyLow, ey / (0.5 * Math.min(ea, eb)));
      }
    });
    return { stepExcess, energyHigh, energyLow };
  }

  it('reports the largest tier latency and keeps it through the switches', () => {
    const { ch } = switching();
    expect(ch.switches).toBe(plan.length);
    expect(ch.latency).toBe(Math.max(...realEngines().map((e) => new DenoisePipeline(e).latency)));
  });

  it('keeps every tier time-aligned: each steady tier and the switching output correlate best at lag 0', () => {
    const { y } = switching();
    const maxLag = 2_000;
    const ref = steadyRuns[0] as Float32Array;
    for (const other of [steadyRuns[1], steadyRuns[2]] as Float32Array[]) {
      const al = alignByXcorr(ref.subarray(48_000), other.subarray(48_000), maxLag);
      expect(al.lag).toBe(0);
    }
    // Before the first switch and after the last, against the tier then running.
    expect(alignByXcorr((steadyRuns[0] as Float32Array).subarray(4_800, 48_000), y.subarray(4_800, 48_000), maxLag).lag).toBe(0);
    const last = (plan[plan.length - 1] as [number, number])[0] + DEFAULT_WARMUP_SAMPLES + FADE;
    expect(alignByXcorr((steadyRuns[0] as Float32Array).subarray(last), y.subarray(last), maxLag).lag).toBe(0);
    expect(alignByXcorr((steadyRuns[2] as Float32Array).subarray(250_000, 288_000), y.subarray(250_000, 288_000), maxLag).lag).toBe(0);
  });

  // The references are always-on tiers, and an incoming tier's recurrent state differs from an
  // always-on one's for seconds (its output stays −10 to −25 dB of the input away from it), so a
  // 5 ms window may hold up to 4× (6 dB) the two references' summed energy, or dip 6 dB below
  // the 3 dB dip of an uncorrelated fade. Measured on this item: the default run 1.5× and 1.5×;
  // a hard cut (fadeSamples 1) steps 6.7× the bound; no warm-up 2400× and 0; a 50 ms warm-up 16×;
  // 100 ms still 9× (the engines' start-up transient), hence the 200 ms default.
  it('makes no click at a switch: steps and 5 ms energy around each crossfade stay within what the two tiers make there', () => {
    const r = clickReport(switching().y);
    expect(r.stepExcess).toBeLessThanOrEqual(1);
    expect(r.energyHigh).toBeLessThanOrEqual(4);
    expect(r.energyLow).toBeGreaterThanOrEqual(0.25);
  });
});

describe("the start-up measurement of engine 'auto'", () => {
  it('times frames on the given clock and scales to 10 ms of audio; the engine is reset after', () => {
    // A fake clock (test double) that advances 0.5 ms per frame the engine runs.
    let t = 0;
    let resets = 0;
    const engine: FrameEngine = {
      frameSize: 768,
      delay: 0,
      processFrame: () => {
        t += 0.5;
        return 0;
      },
      reset: () => void resets++,
      destroy: () => {},
    };
    // 0.5 ms per 768-sample (16 ms) frame is 312.5 µs per 10 ms.
    expect(measureCostUs(engine, () => t)).toBeCloseTo(312.5, 6);
    expect(resets).toBe(1);
  });

  it('starts on the best tier that fits the budget beside the load already running, else the cheapest', () => {
    const costs = [1_000, 420, 110];
    expect(chooseStartTier(costs, 0, 5_000)).toBe(0);
    expect(chooseStartTier(costs, 4_000, 5_000)).toBe(0);
    expect(chooseStartTier(costs, 4_001, 5_000)).toBe(1);
    expect(chooseStartTier(costs, 4_700, 5_000)).toBe(2);
    expect(chooseStartTier(costs, 9_000, 5_000)).toBe(2);
  });
});
