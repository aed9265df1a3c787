import { describe, expect, it } from 'vitest';
import { ENGINE_SAMPLE_RATE, FRAME_SIZE, IdentityEngine, type FrameEngine } from './engine';
import { engineMayTake, InputSanitiser } from './sanitise';
import { approach, StrengthRamp } from './strength';
import { Reframer, reframerDelay } from './reframer';
import { DenoisePipeline } from './pipeline';
import { RnnoiseEngine } from './rnnoise';
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { INT16_SCALE } from './scale';
import { mulberry32 } from '../../tools/testing/signals';

function noise(n: number, seed: number, amp = 0.5): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (r() * 2 - 1) * amp;
  return x;
}

function runBlocks(p: { process(i: Float32Array, o: Float32Array): void }, x: Float32Array, block = 128): Float32Array {
  const out = new Float32Array(x.length);
  for (let off = 0; off + block <= x.length; off += block) {
    const o = new Float32Array(block);
    p.process(x.subarray(off, off + block), o);
    out.set(o, off);
  }
  return out;
}

describe('reframer', () => {
  it('needs exactly 448 samples of buffering for 128-sample render quanta, the minimum', () => {
    expect(reframerDelay(128)).toBe(448);
    // The bound is tight: some block ends 448 samples past the last full frame.
    const residues = new Set<number>();
    for (let k = 1; k <= 15; k++) residues.add((k * 128) % FRAME_SIZE);
    expect(Math.max(...residues)).toBe(448);
    expect(reframerDelay(480)).toBe(0);
    expect(reframerDelay(160)).toBe(320);
  });

  it('with an identity engine outputs the input delayed by exactly 448 samples', () => {
    const x = noise(128 * 200, 1);
    const r = new Reframer(128, (i, o) => o.set(i));
    const y = runBlocks(r, x);
    for (let i = 0; i < 448; i++) expect(y[i]).toBe(0);
    for (let i = 448; i < x.length; i++) if (y[i] !== x[i - 448]) throw new Error(`sample ${i}: ${y[i]} != ${x[i - 448]}`);
  });

  it('refuses a block larger than it was sized for, naming the size', () => {
    const r = new Reframer(128, (i, o) => o.set(i));
    expect(() => r.process(new Float32Array(256), new Float32Array(256))).toThrow(/256 samples \(max 128\)/);
  });

  it('keeps a constant delay with blocks of varying length', () => {
    const x = noise(48_000, 2);
    const r = new Reframer('variable', (i, o) => o.set(i), 300);
    const y = new Float32Array(x.length);
    const rand = mulberry32(3);
    let off = 0;
    while (off < x.length) {
      const n = Math.min(x.length - off, 1 + Math.floor(rand() * 300));
      r.process(x.subarray(off, off + n), y.subarray(off, off + n), n);
      off += n;
    }
    for (let i = r.delay; i < x.length; i++) if (y[i] !== x[i - r.delay]) throw new Error(`sample ${i} differs`);
  });
});

describe('pipeline with the RNNoise engine', () => {
  const module = loadRnnoiseModule('simd');

  it('is bit-identical to calling the raw engine directly on the same 480-sample frames', () => {
    const x = noise(480 * 100, 4, 0.3);
    const pipeline = new DenoisePipeline(new RnnoiseEngine(module));
    expect(pipeline.latency).toBe(448 + 480);
    const y = runBlocks(pipeline, x.subarray(0, 128 * Math.floor(x.length / 128)));

    // The raw engine: its exports called by hand, with no glue of ours in between.
    let mem: WebAssembly.Memory | undefined;
    const inst = new WebAssembly.Instance(module, {
      env: {
        emscripten_memcpy_big: (d: number, s: number, n: number) => {
          new Uint8Array(mem!.buffer).copyWithin(d, s, s + n);
        },
        emscripten_resize_heap: (want: number) => {
          mem!.grow(Math.ceil((want - mem!.buffer.byteLength) / 65536));
          return 1;
        },
        __assert_fail: () => {},
      },
    });
    const ex = inst.exports as unknown as {
      memory: WebAssembly.Memory;
      __wasm_call_ctors(): void;
      rnnoise_create(m: number): number;
      rnnoise_process_frame(s: number, o: number, i: number): number;
      malloc(n: number): number;
    };
    mem = ex.memory;
    ex.__wasm_call_ctors();
    const st = ex.rnnoise_create(0);
    const ip = ex.malloc(480 * 4);
    const op = ex.malloc(480 * 4);
    const ref = new Float32Array(x.length);
    for (let f = 0; f * 480 < x.length; f++) {
      const heap = new Float32Array(ex.memory.buffer);
      for (let i = 0; i < 480; i++) heap[(ip >> 2) + i] = (x[f * 480 + i] as number) * INT16_SCALE;
      ex.rnnoise_process_frame(st, op, ip);
      const heap2 = new Float32Array(ex.memory.buffer);
      for (let i = 0; i < 480; i++) ref[f * 480 + i] = (heap2[(op >> 2) + i] as number) / INT16_SCALE;
    }
    let compared = 0;
    for (let i = 448; i < y.length; i++) {
      if (y[i] !== ref[i - 448]) throw new Error(`sample ${i}: pipeline ${y[i]} != engine ${ref[i - 448]}`);
      compared++;
    }
    expect(compared).toBeGreaterThan(40_000);
    pipeline.destroy();
  });

  it('replaces NaN and infinite input with silence, counts them, and never emits NaN', () => {
    const x = noise(128 * 100, 5, 0.2);
    x[1000] = NaN;
    x[2000] = Infinity;
    x[3000] = -Infinity;
    const pipeline = new DenoisePipeline(new RnnoiseEngine(module));
    const y = runBlocks(pipeline, x);
    expect(pipeline.stats.nonFiniteInputs).toBe(3);
    expect(y.every(Number.isFinite)).toBe(true);
    pipeline.destroy();
  });

  for (const bad of [NaN, Infinity, -Infinity]) {
    it(`resets an engine that produced ${bad} in its output and passes that frame dry`, () => {
      let poisoned = true;
      let resets = 0;
      const engine = {
        delay: 0,
        processFrame(i: Float32Array, o: Float32Array) {
          o.set(i);
          if (poisoned) o[7] = bad;
          return 0.5;
        },
        reset() {
          resets++;
          poisoned = false;
        },
        destroy() {},
      };
      const pipeline = new DenoisePipeline(engine);
      const x = noise(128 * 30, 6);
      const y = runBlocks(pipeline, x);
      expect(resets).toBe(1);
      expect(pipeline.stats.engineResets).toBe(1);
      expect(y.every(Number.isFinite)).toBe(true);
      for (let i = 448; i < y.length; i++) expect(y[i]).toBe(x[i - 448]);
    });
  }

  it('crossfades to the time-aligned dry signal when disabled and skips the engine once bypassed', () => {
    const x = noise(128 * 400, 7, 0.3);
    const pipeline = new DenoisePipeline(new IdentityEngine(), { crossfadeSamples: 480 });
    let framesBefore = 0;
    const out = new Float32Array(x.length);
    for (let b = 0; b < 400; b++) {
      if (b === 100) pipeline.setEnabled(false);
      if (b === 110) framesBefore = pipeline.stats.frames;
      const o = out.subarray(b * 128, (b + 1) * 128);
      pipeline.process(x.subarray(b * 128, (b + 1) * 128), o);
    }
    // Identity engine and dry line share the latency, so the output is the delayed input
    // throughout, with no step at the switch.
    for (let i = 448; i < x.length; i++) expect(Math.abs((out[i] as number) - (x[i - 448] as number))).toBeLessThan(1e-6);
    expect(pipeline.bypassed).toBe(true);
    expect(pipeline.stats.frames).toBe(framesBefore);
  });
});

/**
 * A test double engine whose output (WET) differs from its input: silent input in, constant
 * WET out. The pipeline's output is then gain·WET + (1 − gain)·0, so it reads out the crossfade
 * gain sample by sample, which an identity engine (wet = dry) hides.
 */
const WET = 0.5;
const constantEngine = {
  delay: 0,
  processFrame(_input: Float32Array, output: Float32Array): number {
    output.fill(WET);
    return 1;
  },
  reset() {},
  destroy() {},
};

/** Crossfade samples for `crossfadeMs` at the engine rate, as the processor computes them. */
const fadeSamples = (crossfadeMs: number) => Math.round((crossfadeMs / 1000) * ENGINE_SAMPLE_RATE);

/** Runs `blocks` blocks of silence, calling `before(b)` ahead of each; returns the gain per sample. */
function gainTrace(pipeline: DenoisePipeline, blocks: number, before: (block: number) => void): Float64Array {
  const silence = new Float32Array(128);
  const out = new Float32Array(128);
  const gain = new Float64Array(blocks * 128);
  for (let b = 0; b < blocks; b++) {
    before(b);
    pipeline.process(silence, out);
    for (let i = 0; i < 128; i++) gain[b * 128 + i] = (out[i] as number) / WET;
  }
  return gain;
}

describe('crossfade, seen through a test double engine whose output differs from its input', () => {
  for (const crossfadeMs of [10, 1]) {
    it(`ramps from wet to dry over exactly crossfadeMs = ${crossfadeMs} ms of samples, linearly`, () => {
      const n = fadeSamples(crossfadeMs);
      const pipeline = new DenoisePipeline(constantEngine, { crossfadeSamples: n });
      // Past the reframer's 448 start-up zeros the output is all wet; then disable at block 100.
      const g = gainTrace(pipeline, 120, (b) => b === 100 && pipeline.setEnabled(false));
      const toggle = 100 * 128;
      expect(Array.from(g.subarray(1000, toggle)).every((v) => v === 1)).toBe(true);
      // The ramp: the first sample after the toggle already moved, and it is all dry n samples
      // on (n + 1 at most: n float steps of 1/n may leave a last crumb above 0).
      let lastWet = g.length - 1;
      while (lastWet > 0 && g[lastWet] !== 1) lastWet--;
      const firstDry = g.findIndex((v, i) => i > toggle && v === 0);
      expect(lastWet).toBe(toggle - 1);
      expect(firstDry - lastWet).toBeGreaterThanOrEqual(n);
      expect(firstDry - lastWet).toBeLessThanOrEqual(n + 1);
      // Linear: every step but that crumb is 1/n.
      for (let i = toggle; i < toggle + n; i++) expect(Math.abs((g[i - 1] as number) - (g[i] as number) - 1 / n)).toBeLessThan(1e-6);
    });
  }

  it('takes 1,000 toggles within one second of audio with no step faster than the 10 ms crossfade, and settles on the last', () => {
    const n = fadeSamples(10);
    const pipeline = new DenoisePipeline(constantEngine, { crossfadeSamples: n });
    // Toggle k at 1 s + k ms (off, on, off, …): 1,000 setEnabled calls between 1 s and 2 s. Each
    // lands before the 128-sample block holding its time, as messages reach the worklet.
    const times = Array.from({ length: 1000 }, (_, k) => ENGINE_SAMPLE_RATE + (k * ENGINE_SAMPLE_RATE) / 1000);
    expect((times.at(-1)! - times[0]!) / ENGINE_SAMPLE_RATE).toBeLessThan(1);
    let next = 0;
    let calls = 0;
    const g = gainTrace(pipeline, 3 * 375, (b) => {
      for (; next < times.length && (times[next] as number) < (b + 1) * 128; next++, calls++) pipeline.setEnabled(next % 2 === 1);
    });
    expect(calls).toBe(1000);
    let fastest = 0;
    let moved = 0;
    // From past the reframer's 448 start-up zeros to the end.
    const storm = g.subarray(1000);
    for (let i = 1001; i < g.length; i++) {
      const step = Math.abs((g[i] as number) - (g[i - 1] as number));
      fastest = Math.max(fastest, step);
      if (step > 0) moved++;
    }
    // At most 1/n per sample: the promised 10 ms from one end to the other.
    expect(fastest).toBeLessThanOrEqual(1 / n + 1e-6); // 1e-6: the output is float32
    expect(storm.every((v) => v >= 0 && v <= 1)).toBe(true);
    // The storm was seen (the gain moved for a good part of that second), and ended enabled.
    expect(moved).toBeGreaterThan(ENGINE_SAMPLE_RATE / 4);
    expect(g.subarray(g.length - 128).every((v) => v === 1)).toBe(true);
    expect(pipeline.enabled).toBe(true);
  });
});

/**
 * The pipeline written the plain way, sample by sample, for comparison with the optimised one:
 * the same steps in the same order (sanitise, reframe with a FIFO of `delay` zeros, the engine
 * with its checks, a dry queue of `latency` zeros, the crossfade and the strength), with arrays
 * for queues and no block copies. It shares only the sanitiser, the strength ramp and approach().
 */
class ReferencePipeline {
  readonly latency: number;
  private readonly sanitiser = new InputSanitiser();
  private readonly strengthRamp = new StrengthRamp(1);
  private readonly frame: number[] = [];
  private readonly fifo: number[];
  private readonly dry: number[];
  private gain = 1;
  private target = 1;
  private wetFrom = -1;
  private resetPending = false;
  private frameIndex = 0;
  private outCount = 0;
  private readonly frameSize: number;

  constructor(
    private readonly engine: FrameEngine,
    blockSize: number | 'variable',
  ) {
    this.frameSize = engine.frameSize ?? FRAME_SIZE;
    const delay = reframerDelay(blockSize, this.frameSize);
    this.latency = delay + engine.delay;
    this.fifo = new Array<number>(delay).fill(0);
    this.dry = new Array<number>(this.latency).fill(0);
  }

  setEnabled(on: boolean): void {
    if (on && this.gain === 0 && this.target === 0) {
      this.wetFrom = Infinity;
      this.resetPending = true;
    } else if (!on) this.wetFrom = -1;
    this.target = on ? 1 : 0;
  }

  setStrength(s: number): void {
    this.strengthRamp.set(s);
  }

  private runFrame(input: Float32Array): Float32Array {
    const k = this.frameIndex++;
    if ((this.gain === 0 && this.target === 0) || !engineMayTake(input)) return input.slice();
    if (this.resetPending) {
      this.resetPending = false;
      this.engine.reset();
    }
    if (this.wetFrom === Infinity) this.wetFrom = (k + 1) * this.frameSize + this.latency;
    const out = new Float32Array(this.frameSize);
    this.engine.processFrame(input, out);
    if (out.some((v) => !Number.isFinite(v))) {
      this.engine.reset();
      return input.slice();
    }
    return out;
  }

  process(input: Float32Array, output: Float32Array, length = input.length): void {
    const clean = new Float32Array(length);
    this.sanitiser.process(input, clean, length);
    for (const x of clean) {
      this.frame.push(x);
      if (this.frame.length === this.frameSize) this.fifo.push(...this.runFrame(Float32Array.from(this.frame.splice(0))));
    }
    for (let i = 0; i < length; i++) {
      const wet = this.fifo.shift() as number;
      this.dry.push(clean[i] as number);
      const dry = this.dry.shift() as number;
      if (this.gain !== this.target && (this.wetFrom < 0 || this.outCount >= this.wetFrom)) {
        this.wetFrom = -1;
        this.gain = approach(this.gain, this.target, 1 / FRAME_SIZE);
      }
      const w = this.gain * this.strengthRamp.next();
      output[i] = w === 1 ? wet : w === 0 ? dry : w * wet + (1 - w) * dry;
      this.outCount++;
    }
  }
}

/** Delays by exactly one frame, times `gain`: wet = gain × dry when the two are time-aligned. */
class FrameDelayEngine implements FrameEngine {
  readonly delay = FRAME_SIZE;
  resets = 0;
  private prev = new Float32Array(FRAME_SIZE);
  constructor(private readonly gain = 1) {}
  processFrame(input: Float32Array, output: Float32Array): number {
    for (let i = 0; i < FRAME_SIZE; i++) output[i] = (this.prev[i] as number) * this.gain;
    this.prev.set(input);
    return 1;
  }
  reset(): void {
    this.resets++;
    this.prev.fill(0);
  }
  destroy(): void {}
}

describe('the optimised pipeline against a plain per-sample reference', () => {
  const module = loadRnnoiseModule('simd');

  /** Noise with NaN, a +1e20 burst, on/off toggles (through full bypass and back) and strength moves. */
  function drive(
    p: { process(i: Float32Array, o: Float32Array, n?: number): void; setEnabled(on: boolean): void; setStrength(s: number): void },
    block: number | 'variable',
  ) {
    const x = noise(48_000 * 4, 11, 0.3);
    x[5000] = NaN;
    x.fill(1e20, 60_000, 60_100);
    const y = new Float32Array(x.length);
    const rand = mulberry32(12);
    const events: [number, () => void][] = [
      [20_000, () => p.setEnabled(false)], // fades out, then fully bypassed
      [40_000, () => p.setEnabled(true)], // re-enabled after full bypass
      [50_000, () => p.setStrength(0.3)],
      [70_000, () => p.setEnabled(false)],
      [70_200, () => p.setEnabled(true)], // mid-fade: back up without a bypass
      [100_000, () => p.setStrength(1)],
      [130_000, () => p.setEnabled(false)],
      [150_000, () => p.setEnabled(true)],
    ];
    let off = 0;
    let next = 0;
    while (off < x.length) {
      const n = Math.min(x.length - off, block === 'variable' ? 1 + Math.floor(rand() * 300) : block);
      for (; next < events.length && (events[next]?.[0] as number) <= off; next++) events[next]?.[1]();
      p.process(x.subarray(off, off + n), y.subarray(off, off + n), n);
      off += n;
    }
    return y;
  }

  for (const block of [128, 'variable'] as const) {
    it(`gives the reference's output sample for sample with classic RNNoise in ${block} blocks, through toggles, bypass, strength and bad input`, () => {
      const opts = block === 'variable' ? { blockSize: 'variable' as const, maxBlock: 300 } : { blockSize: block };
      const fast = new DenoisePipeline(new RnnoiseEngine(module), opts);
      const ref = new ReferencePipeline(new RnnoiseEngine(module), block);
      expect(fast.latency).toBe(ref.latency);
      const a = drive(fast, block);
      const b = drive(ref, block);
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`sample ${i}: optimised ${a[i]} != reference ${b[i]}`);
      // The run went through every path: bypassed frames were skipped and the engine ran again after.
      expect(fast.stats.frames).toBeGreaterThan(0);
      expect(fast.stats.frames).toBeLessThan(a.length / FRAME_SIZE - 20);
      fast.destroy();
    });
  }

  it('re-enabled after full bypass, fades in only once the denoised path is time-aligned with the dry one, on a fresh engine state', () => {
    // wet = ½ × dry when aligned, so every output sample is c × (input delayed by the latency)
    // with c between ½ (all wet) and 1 (all dry). A fade-in over frames that passed the reframer
    // while bypassed (448 samples late, not 928) breaks that proportionality.
    const engine = new FrameDelayEngine(0.5);
    const pipeline = new DenoisePipeline(engine);
    const x = noise(128 * 400, 13, 0.3);
    const y = new Float32Array(x.length);
    for (let b = 0; b < 400; b++) {
      if (b === 100) pipeline.setEnabled(false);
      if (b === 150) {
        expect(pipeline.bypassed).toBe(true);
        pipeline.setEnabled(true);
      }
      pipeline.process(x.subarray(b * 128, (b + 1) * 128), y.subarray(b * 128, (b + 1) * 128));
    }
    const n = pipeline.latency;
    expect(n).toBe(448 + 480);
    let worst = 0;
    for (let i = 2 * n; i < x.length; i++) {
      const d = x[i - n] as number;
      if (Math.abs(d) < 0.01) continue;
      const c = (y[i] as number) / d;
      worst = Math.max(worst, c < 0.5 ? 0.5 - c : c > 1 ? c - 1 : 0);
    }
    expect(worst).toBeLessThan(1e-5); // float32 rounding of the mix
    // And it did come back: the end is all wet (½ × the delayed input), on an engine started over.
    for (let i = x.length - 1000; i < x.length; i++) expect(Math.abs((y[i] as number) - 0.5 * (x[i - n] as number))).toBeLessThan(1e-6);
    expect(engine.resets).toBe(1);
  });
});
