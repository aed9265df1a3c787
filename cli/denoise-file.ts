// Offline denoising with the same DSP core as the AudioWorklet: each channel is resampled to
// 48 kHz (delay removed), run through its own DenoisePipeline in 128-sample blocks, trimmed by
// the pipeline latency, and resampled back. Output: same rate, channels, format and length.
import { ENGINE_SAMPLE_RATE, type FrameEngine } from '../worklets/dsp/engine';
import { DenoisePipeline } from '../worklets/dsp/pipeline';
import { resampleSignal, sampleRateProblem } from '../worklets/dsp/resampler';
import { createEngine } from '../worklets/dsp/engines';
import type { EngineFlavour } from '../worklets/protocol';
import { loadEngineModule } from './wasm-node';
import { readWavFile, WavError, writeWavFile, type WavAudio } from './wav';

/** The worklet's render quantum: offline runs use the same block size and so the same latency. */
export const BLOCK_SIZE = 128;

export interface DenoiseOptions {
  /** The engine build: 'rnnoise-simd' (default), 'rnnoise' (--no-simd), 'rnnoise-0.2' or 'gtcrn'. */
  flavour?: EngineFlavour;
  /** Run the pipeline disabled: the output is the input, resampled and delay-compensated. */
  bypass?: boolean;
  /** Share of the denoised signal, 0 (the input) to 1 (default); see worklets/dsp/strength.ts. */
  strength?: number;
  /** Engine factory for tests; default the `flavour` build from the npm wasm. */
  createEngine?: () => FrameEngine;
}

export interface DenoiseStats {
  /** Pipeline latency removed, in 48 kHz samples. */
  latency: number;
  /** Engine frames run, summed over channels. */
  frames: number;
  /** Non-finite input samples replaced by 0, summed over channels. */
  nonFiniteInputs: number;
  /** Finite input samples beyond ±4 clamped, summed over channels. */
  outOfRangeInputs: number;
  engineResets: number;
}

/** Denoises one 48 kHz signal; the result has the same length and no delay. */
export function denoise48k(
  signal: Float32Array,
  engine: FrameEngine,
  bypass = false,
  strength = 1,
): { output: Float32Array; pipeline: DenoisePipeline } {
  const pipeline = new DenoisePipeline(engine, { blockSize: BLOCK_SIZE, enabled: !bypass, strength });
  const latency = pipeline.latency;
  const output = new Float32Array(signal.length);
  const inBlock = new Float32Array(BLOCK_SIZE);
  const outBlock = new Float32Array(BLOCK_SIZE);
  // Zeros after the end flush the last `latency` samples out of the pipeline.
  const total = signal.length + latency;
  for (let pos = 0; pos < total; pos += BLOCK_SIZE) {
    for (let i = 0; i < BLOCK_SIZE; i++) {
      const j = pos + i;
      inBlock[i] = j < signal.length ? (signal[j] as number) : 0;
    }
    pipeline.process(inBlock, outBlock, BLOCK_SIZE);
    for (let i = 0; i < BLOCK_SIZE; i++) {
      const j = pos + i - latency;
      if (j >= 0 && j < output.length) output[j] = outBlock[i] as number;
    }
  }
  return { output, pipeline };
}

/** Denoises every channel of `audio` (each with its own engine). The input is not modified. */
export function denoiseAudio(audio: WavAudio, options: DenoiseOptions = {}): { audio: WavAudio; stats: DenoiseStats } {
  const flavour = options.flavour ?? 'rnnoise-simd';
  const newEngine = options.createEngine ?? ((): FrameEngine => createEngine(flavour, loadEngineModule(flavour)));
  const rate = audio.sampleRate;
  // Refused before any work: a WAV header may say anything from 1 to 4,294,967,295 Hz.
  const problem = sampleRateProblem(rate);
  if (problem) throw new WavError('bad-sample-rate', problem);
  const stats: DenoiseStats = { latency: 0, frames: 0, nonFiniteInputs: 0, outOfRangeInputs: 0, engineResets: 0 };
  const channels = audio.channels.map((channel) => {
    const at48k = rate === ENGINE_SAMPLE_RATE ? channel : resampleSignal(channel, rate, ENGINE_SAMPLE_RATE);
    const { output, pipeline } = denoise48k(at48k, newEngine(), options.bypass, options.strength);
    stats.latency = pipeline.latency;
    stats.frames += pipeline.stats.frames;
    stats.nonFiniteInputs += pipeline.stats.nonFiniteInputs;
    stats.outOfRangeInputs += pipeline.stats.outOfRangeInputs;
    stats.engineResets += pipeline.stats.engineResets;
    pipeline.destroy();
    const back = rate === ENGINE_SAMPLE_RATE ? output : resampleSignal(output, ENGINE_SAMPLE_RATE, rate);
    if (back.length === channel.length) return back;
    // The round trip can come back a sample longer than the input; the input's length wins.
    const exact = new Float32Array(channel.length);
    exact.set(back.subarray(0, Math.min(back.length, channel.length)));
    return exact;
  });
  return { audio: { sampleRate: rate, channels, format: audio.format }, stats };
}

/** Reads `inPath`, denoises it and writes `outPath` in the input's format. */
export function denoiseFile(
  inPath: string,
  outPath: string,
  options: DenoiseOptions = {},
): { input: WavAudio; output: WavAudio; stats: DenoiseStats } {
  const input = readWavFile(inPath);
  const { audio: output, stats } = denoiseAudio(input, options);
  writeWavFile(outPath, output);
  return { input, output, stats };
}
