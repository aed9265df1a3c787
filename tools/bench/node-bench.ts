// Node measurements of the pure DSP core (the offline CLI's path): per-frame cost against the raw
// engine, and memory over create/destroy churn and over an hour of audio through one pipeline.
// Run with --expose-gc so memory samples follow a full collection.
import { FRAME_SIZE } from '../../worklets/dsp/engine';
import { DenoisePipeline } from '../../worklets/dsp/pipeline';
import { RnnoiseEngine } from '../../worklets/dsp/rnnoise';
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { pairedRatios, spread, type Spread } from './stats';
import { rawEngine } from './raw-engine';

const BLOCK = 128;

/** Per-frame cost of one timed pass: wall clock and process CPU time (user + system), µs. */
export interface FrameCost {
  wallUs: number;
  cpuUs: number;
}

function timed(frames: () => number, body: () => void): FrameCost {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  body();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const n = frames();
  return { wallUs: (wallMs * 1000) / n, cpuUs: (c.user + c.system) / n };
}

/** µs per frame: raw exports with int16 scaling in and out, frame by frame (no reframing). */
function timeRaw(module: WebAssembly.Module, x: Float32Array): FrameCost {
  const { ex, state, inPtr, outPtr } = rawEngine(module);
  const out = new Float32Array(FRAME_SIZE);
  const frames = Math.floor(x.length / FRAME_SIZE);
  let heap = new Float32Array(ex.memory.buffer);
  const ii = inPtr >> 2;
  const oi = outPtr >> 2;
  const cost = timed(
    () => frames,
    () => {
      for (let f = 0; f < frames; f++) {
        if (heap.buffer !== ex.memory.buffer) heap = new Float32Array(ex.memory.buffer);
        const off = f * FRAME_SIZE;
        for (let i = 0; i < FRAME_SIZE; i++) heap[ii + i] = (x[off + i] as number) * 32_768;
        ex.rnnoise_process_frame(state, outPtr, inPtr);
        for (let i = 0; i < FRAME_SIZE; i++) out[i] = (heap[oi + i] as number) / 32_768;
      }
    },
  );
  ex.rnnoise_destroy(state);
  return cost;
}

/** µs per frame: our engine adapter (RnnoiseEngine.processFrame), frame by frame. */
function timeAdapter(module: WebAssembly.Module, x: Float32Array): FrameCost {
  const engine = new RnnoiseEngine(module);
  const frame = new Float32Array(FRAME_SIZE);
  const frames = Math.floor(x.length / FRAME_SIZE);
  const cost = timed(
    () => frames,
    () => {
      for (let f = 0; f < frames; f++) {
        frame.set(x.subarray(f * FRAME_SIZE, (f + 1) * FRAME_SIZE));
        engine.processFrame(frame, frame);
      }
    },
  );
  engine.destroy();
  return cost;
}

/** µs per frame: the whole DSP core (DenoisePipeline) in 128-sample blocks, as the worklet runs it. */
function timePipeline(module: WebAssembly.Module, x: Float32Array): FrameCost {
  const { pipeline } = newPipeline(module);
  const out = new Float32Array(BLOCK);
  const blocks = Math.floor(x.length / BLOCK);
  const cost = timed(
    () => pipeline.stats.frames,
    () => {
      for (let b = 0; b < blocks; b++) runBlock(pipeline, x, b, out);
    },
  );
  pipeline.destroy();
  return cost;
}

export interface CostPair {
  /** Process CPU time (user + system). */
  cpu: Spread;
  wall: Spread;
}

export interface NodeCostResult {
  reps: number;
  frames: number;
  /** µs per frame. */
  rawUs: CostPair;
  adapterUs: CostPair;
  pipelineUs: CostPair;
  /** Per repetition pipeline / raw, summarised. */
  pipelineOverRaw: CostPair;
  adapterOverRaw: CostPair;
}

function pair(xs: readonly FrameCost[]): CostPair {
  return { cpu: spread(xs.map((x) => x.cpuUs)), wall: spread(xs.map((x) => x.wallUs)) };
}

function ratioPair(a: readonly FrameCost[], b: readonly FrameCost[]): CostPair {
  return {
    cpu: spread(
      pairedRatios(
        a.map((x) => x.cpuUs),
        b.map((x) => x.cpuUs),
      ),
    ),
    wall: spread(
      pairedRatios(
        a.map((x) => x.wallUs),
        b.map((x) => x.wallUs),
      ),
    ),
  };
}

/** Interleaved repetitions (the order rotates each time) after one warm-up pass. */
export function nodeCost(x: Float32Array, reps: number): NodeCostResult {
  const module = loadRnnoiseModule('simd');
  timeRaw(module, x);
  timeAdapter(module, x);
  timePipeline(module, x);
  const raw: FrameCost[] = [];
  const adapter: FrameCost[] = [];
  const pipeline: FrameCost[] = [];
  const runs: (() => void)[] = [
    () => raw.push(timeRaw(module, x)),
    () => adapter.push(timeAdapter(module, x)),
    () => pipeline.push(timePipeline(module, x)),
  ];
  for (let r = 0; r < reps; r++) for (let k = 0; k < runs.length; k++) (runs[(r + k) % runs.length] as () => void)();
  return {
    reps,
    frames: Math.floor(x.length / FRAME_SIZE),
    rawUs: pair(raw),
    adapterUs: pair(adapter),
    pipelineUs: pair(pipeline),
    pipelineOverRaw: ratioPair(pipeline, raw),
    adapterOverRaw: ratioPair(adapter, raw),
  };
}

export interface NodeMemorySample {
  at: number;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  /** Wasm linear memory held by live engines (RnnoiseEngine.memoryBytes). */
  wasmBytes: number;
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

function sample(at: number, wasmBytes: number): NodeMemorySample {
  collect();
  const m = process.memoryUsage();
  return { at, rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers, wasmBytes };
}

export interface NodeCyclesResult {
  cycles: number;
  gcExposed: boolean;
  msPerCycle: number;
  samples: NodeMemorySample[];
}

/** A fresh DSP core as the worklet builds it: RnnoiseEngine inside a DenoisePipeline. */
function newPipeline(module: WebAssembly.Module): { engine: RnnoiseEngine; pipeline: DenoisePipeline } {
  const engine = new RnnoiseEngine(module);
  return { engine, pipeline: new DenoisePipeline(engine, { blockSize: BLOCK }) };
}

/** Block `k` of `x` (128 samples) through `pipeline`. */
function runBlock(pipeline: DenoisePipeline, x: Float32Array, k: number, out: Float32Array): void {
  pipeline.process(x.subarray(k * BLOCK, (k + 1) * BLOCK), out, BLOCK);
}

/** RnnoiseEngine + DenoisePipeline created, run for 10 blocks, destroyed; `count` times. */
export function nodeCycles(x: Float32Array, count: number, every: number): NodeCyclesResult {
  const module = loadRnnoiseModule('simd');
  const out = new Float32Array(BLOCK);
  const samples: NodeMemorySample[] = [sample(0, 0)];
  let busy = 0;
  for (let i = 1; i <= count; i++) {
    const t0 = performance.now();
    const { pipeline } = newPipeline(module);
    for (let b = 0; b < 10; b++) runBlock(pipeline, x, b, out);
    pipeline.destroy();
    busy += performance.now() - t0;
    if (i % every === 0) samples.push(sample(i, 0));
  }
  return { cycles: count, gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function', msPerCycle: busy / count, samples };
}

export interface NodeLongResult {
  audioSeconds: number;
  /** Length of the clip that is looped to make `audioSeconds`. */
  clipSeconds: number;
  wallSeconds: number;
  realTimeFactor: number;
  frames: number;
  samples: NodeMemorySample[];
}

/** One pipeline for `seconds` of audio (the clip `x` looped), memory sampled every `everySeconds`. */
export function nodeLongRun(x: Float32Array, seconds: number, everySeconds: number): NodeLongResult {
  const { engine, pipeline } = newPipeline(loadRnnoiseModule('simd'));
  const out = new Float32Array(BLOCK);
  const blocksPerSignal = Math.floor(x.length / BLOCK);
  const totalBlocks = Math.floor((seconds * 48_000) / BLOCK);
  const blocksPerSample = Math.floor((everySeconds * 48_000) / BLOCK);
  const samples: NodeMemorySample[] = [sample(0, engine.memoryBytes)];
  let busy = 0;
  let t0 = performance.now();
  for (let b = 1; b <= totalBlocks; b++) {
    runBlock(pipeline, x, (b - 1) % blocksPerSignal, out);
    if (b % blocksPerSample === 0) {
      busy += performance.now() - t0;
      samples.push(sample((b * BLOCK) / 48_000, engine.memoryBytes));
      t0 = performance.now();
    }
  }
  busy += performance.now() - t0;
  const frames = pipeline.stats.frames;
  pipeline.destroy();
  const audioSeconds = (totalBlocks * BLOCK) / 48_000;
  return {
    audioSeconds,
    clipSeconds: x.length / 48_000,
    wallSeconds: busy / 1000,
    realTimeFactor: audioSeconds / (busy / 1000),
    frames,
    samples,
  };
}
