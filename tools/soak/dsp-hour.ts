// One hour of 48 kHz audio through ONE long-lived DSP pipeline in Node, exactly as the worklet
// runs it (ChannelDenoiser → DenoisePipeline → RnnoiseEngine from the npm wasm), in 128-sample
// blocks. Memory after a forced GC at 0, 15, 30, 45 and 60 minutes of audio. Run with
// `node --expose-gc --import tsx soak/dsp-hour.ts [minutes]`; prints one JSON line.
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { ChannelDenoiser } from '../../worklets/dsp/channel';
import { RnnoiseEngine } from '../../worklets/dsp/rnnoise';
import { makeNoisySpeech } from '../testing/signals';

const minutes = Number(process.argv[2] ?? 60);
const RATE = 48_000;
const BLOCK = 128;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const clip = makeNoisySpeech({ seed: 606, noise: 'pink', snrDb: 5, seconds: 12 }).mixture;
const engine = new RnnoiseEngine(loadRnnoiseModule('simd'));
const channel = new ChannelDenoiser(engine, { sampleRate: RATE, blockSize: BLOCK });
const inBlock = new Float32Array(BLOCK);
const outBlock = new Float32Array(BLOCK);

interface Checkpoint {
  minute: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  wasmMemory: number;
  frames: number;
  wallSeconds: number;
}

const checkpoints: Checkpoint[] = [];
const started = performance.now();
function checkpoint(minute: number): void {
  gc!();
  gc!();
  const m = process.memoryUsage();
  checkpoints.push({
    minute,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rss: m.rss,
    wasmMemory: engine.memoryBytes,
    frames: channel.stats.frames,
    wallSeconds: (performance.now() - started) / 1000,
  });
}

const blocksPerQuarter = Math.round((15 * 60 * RATE) / BLOCK);
const quarters = Math.round(minutes / 15);
let pos = 0;
let nonFiniteOut = 0;
let sumSq = 0;
let samples = 0;
checkpoint(0);
for (let q = 1; q <= quarters; q++) {
  for (let b = 0; b < blocksPerQuarter; b++) {
    for (let i = 0; i < BLOCK; i++) {
      inBlock[i] = clip[pos] as number;
      pos = pos + 1 === clip.length ? 0 : pos + 1;
    }
    channel.process(inBlock, outBlock, BLOCK);
    for (let i = 0; i < BLOCK; i++) {
      const v = outBlock[i] as number;
      if (!Number.isFinite(v)) nonFiniteOut++;
      else sumSq += v * v;
    }
    samples += BLOCK;
  }
  checkpoint(q * 15);
}
const result = {
  audioMinutes: (samples / RATE / 60),
  blocks: samples / BLOCK,
  expectedFrames: Math.floor(samples / 480),
  frames: channel.stats.frames,
  engineResets: channel.stats.engineResets,
  nonFiniteInputs: channel.stats.nonFiniteInputs,
  nonFiniteOutputs: nonFiniteOut,
  outputRms: Math.sqrt(sumSq / samples),
  inputRms: Math.sqrt(clip.reduce((s, v) => s + v * v, 0) / clip.length),
  wallSeconds: (performance.now() - started) / 1000,
  checkpoints,
};
channel.destroy();
console.log(JSON.stringify(result));
