// One hour of 48 kHz audio through ONE long-lived DSP pipeline in Node, exactly as the worklet
// runs it (ChannelDenoiser → DenoisePipeline → RnnoiseEngine from the npm wasm), in 128-sample
// blocks. The hour is distinct audio, not a loop: every minute is built afresh from the corpus
// speech clips (taken in turn) with its own seeded noise, the kind cycling through all seven and
// the SNR through 0/5/10 dB. Memory after a forced GC at 0, 15, 30, 45 and 60 minutes of audio.
// Run with `node --expose-gc --import tsx tools/soak/dsp-hour.ts [minutes]`; prints one JSON line.
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { ChannelDenoiser } from '../../worklets/dsp/channel';
import { RnnoiseEngine } from '../../worklets/dsp/rnnoise';
import { makeNoisySpeech, NOISE_KINDS } from '../testing/signals';
import { CORPUS_SNRS, corpusClips, loadClip48k } from '../bench/corpus';

const minutes = Number(process.argv[2] ?? 60);
const RATE = 48_000;
const BLOCK = 128;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const clips = corpusClips();
// Loaded (and cached) before the first checkpoint, so the readings compare like with like.
for (const clip of clips) loadClip48k(clip.path);
/** Minute `m` of the input: clip m mod clips, noise kind m mod 7, SNR m mod 3, seed 606 + m. */
function minuteOfAudio(m: number): { mixture: Float32Array; clip: string; noise: string; snrDb: number } {
  const clip = clips[m % clips.length]!;
  const noise = NOISE_KINDS[m % NOISE_KINDS.length]!;
  const snrDb = CORPUS_SNRS[m % CORPUS_SNRS.length]!;
  const mixture = makeNoisySpeech({ seed: 606 + m, noise, snrDb, seconds: 60, speech: loadClip48k(clip.path) }).mixture;
  return { mixture, clip: clip.name, noise, snrDb };
}
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

const blocksPerMinute = (60 * RATE) / BLOCK;
let nonFiniteOut = 0;
let sumSq = 0;
let inSumSq = 0;
let samples = 0;
let generatingMs = 0;
const seen = new Set<string>();
/** Builds minute `m` and runs it through the pipeline; nothing of it outlives the call. */
function runMinute(m: number): void {
  const g0 = performance.now();
  const minute = minuteOfAudio(m);
  generatingMs += performance.now() - g0;
  seen.add(`${minute.clip} ${minute.noise} ${minute.snrDb} dB`);
  const x = minute.mixture;
  for (let b = 0; b < blocksPerMinute; b++) {
    inBlock.set(x.subarray(b * BLOCK, (b + 1) * BLOCK));
    channel.process(inBlock, outBlock, BLOCK);
    for (let i = 0; i < BLOCK; i++) {
      const v = outBlock[i] as number;
      if (!Number.isFinite(v)) nonFiniteOut++;
      else sumSq += v * v;
      inSumSq += (inBlock[i] as number) ** 2;
    }
    samples += BLOCK;
  }
}

checkpoint(0);
for (let m = 0; m < minutes; m++) {
  runMinute(m);
  if ((m + 1) % 15 === 0 || m + 1 === minutes) checkpoint(m + 1);
}
const result = {
  audioMinutes: samples / RATE / 60,
  blocks: samples / BLOCK,
  expectedFrames: Math.floor(samples / 480),
  frames: channel.stats.frames,
  engineResets: channel.stats.engineResets,
  nonFiniteInputs: channel.stats.nonFiniteInputs,
  nonFiniteOutputs: nonFiniteOut,
  outputRms: Math.sqrt(sumSq / samples),
  inputRms: Math.sqrt(inSumSq / samples),
  wallSeconds: (performance.now() - started) / 1000,
  /** Of the wall time, building the input minute by minute (not the pipeline's cost). */
  generatingSeconds: generatingMs / 1000,
  /** Distinct (clip, noise, SNR) combinations; each minute also has its own noise seed. */
  combinations: seen.size,
  clips: clips.map((c) => c.name),
  checkpoints,
};
/** What this script prints (one JSON line), read by tools/soak/summary.ts. */
export type DspHourResult = typeof result;

channel.destroy();
console.log(JSON.stringify(result));
