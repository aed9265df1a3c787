// Quality scoring for the corpus: every engine's output aligned to the mixture, then the metrics of
// tools/testing/metrics.ts. metrics.evaluate() finds the lag with a full-length FFT
// cross-correlation (~0.5 s per item here); with 105 items × 5 engines that alone would take
// minutes, so each engine's lag is found once on a window (coarseLag) and then only refined per
// item (refineLag: ±16 samples, direct correlation on 1-5 s). The run checks the refined lag of
// every item against the engine's design lag, and on one item per clip against a full-length
// FFT cross-correlation.
import { alignByXcorr, evaluateAligned, type Evaluation } from '../testing/metrics';
import { mean } from './stats';

export const QUALITY_ENGINES = ['passthrough', 'ours-cli', 'ours-worklet', 'anchor-rnnoise', 'anchor-speex'] as const;
export type QualityEngine = (typeof QUALITY_ENGINES)[number];

export const ENGINE_LABELS: Record<QualityEngine, string> = {
  passthrough: 'passthrough',
  'ours-cli': 'ours (CLI / Node DSP core)',
  'ours-worklet': 'ours (worklet, Chromium)',
  'anchor-rnnoise': 'anchor RNNoise node',
  'anchor-speex': 'anchor Speex node',
};

/**
 * The lag each engine's design fixes, in 48 kHz samples, known without any correlation: the CLI
 * removes the pipeline latency; ours buffers 448 samples to reframe 128-sample quanta into
 * 480-sample frames, and RNNoise adds one frame (480); the anchor RNNoise node buffers 512 and
 * adds 480; the anchor Speex node works in 128-sample quanta. Scoring's lag is checked against it.
 */
export const DESIGN_LAGS: Record<QualityEngine, number> = {
  passthrough: 0,
  'ours-cli': 0,
  'ours-worklet': 448 + 480,
  'anchor-rnnoise': 512 + 480,
  'anchor-speex': 128,
};

/** Metrics skip the first second: RNNoise learns the noise floor meanwhile. */
export const SKIP_FRAMES = 100;
const FRAME = 480;

export interface ScoreInput {
  speech: Float32Array;
  mixture: Float32Array;
  output: Float32Array;
  speechActive: readonly boolean[];
}

/** `x` moved earlier by `lag` samples onto ref's time base (zeros where it has no samples). */
export function shiftBy(x: Float32Array, lag: number, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let n = 0; n < length; n++) {
    const j = n + lag;
    if (j >= 0 && j < x.length) out[n] = x[j] as number;
  }
  return out;
}

/** What metrics.evaluate() returns, for a lag already known. */
export function evaluateAtLag(input: ScoreInput, lag: number, skipFrames = SKIP_FRAMES): Evaluation {
  const aligned = shiftBy(input.output, lag, input.mixture.length);
  return evaluateAligned({ ...input, frameLength: FRAME, skipFrames }, lag, aligned);
}

/** The lag by metrics.alignByXcorr over a window (from 1 s, up to 4 s long). */
export function coarseLag(mixture: Float32Array, output: Float32Array, maxLag = 4800): number {
  const from = Math.min(48_000, Math.floor(mixture.length / 4));
  const to = Math.min(mixture.length - maxLag, from + 4 * 48_000);
  if (to <= from) return alignByXcorr(mixture, output, maxLag).lag;
  return alignByXcorr(mixture.subarray(from, to), output.subarray(from, Math.min(output.length, to + maxLag)), maxLag).lag;
}

/** The lag within `around` ± `radius` with the highest normalised correlation (1 s to 5 s). */
export function refineLag(mixture: Float32Array, output: Float32Array, around: number, radius = 16): { lag: number; corr: number } {
  const from = Math.min(48_000, Math.floor(mixture.length / 4));
  const to = Math.min(mixture.length, from + 4 * 48_000);
  let best = { lag: around, corr: -Infinity };
  for (let lag = around - radius; lag <= around + radius; lag++) {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let n = from; n < to; n++) {
      const j = n + lag;
      if (j < 0 || j >= output.length) continue;
      const a = mixture[n] as number;
      const b = output[j] as number;
      xy += a * b;
      xx += a * a;
      yy += b * b;
    }
    const corr = xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
    if (corr > best.corr) best = { lag, corr };
  }
  return best;
}

export interface ItemScore {
  id: string;
  clip: string;
  noise: string;
  snrDb: number;
  engine: QualityEngine;
  lag: number;
  deltaSiSdr: number;
  deltaSegSnr: number;
  noiseAttenuationDb: number;
  speechLevelChangeDb: number;
}

export function toScore(meta: { id: string; clip: string; noise: string; snrDb: number }, engine: QualityEngine, e: Evaluation): ItemScore {
  return {
    id: meta.id,
    clip: meta.clip,
    noise: meta.noise,
    snrDb: meta.snrDb,
    engine,
    lag: e.lag,
    deltaSiSdr: e.deltaSiSdr,
    deltaSegSnr: e.segSnr - e.segSnrMixture,
    noiseAttenuationDb: e.noiseAttenuationDb,
    speechLevelChangeDb: e.speechLevelChangeDb,
  };
}

export const METRICS = ['deltaSiSdr', 'deltaSegSnr', 'noiseAttenuationDb', 'speechLevelChangeDb'] as const;
export type MetricName = (typeof METRICS)[number];

export interface MetricMeans {
  n: number;
  deltaSiSdr: number;
  deltaSegSnr: number;
  noiseAttenuationDb: number;
  speechLevelChangeDb: number;
}

function means(scores: readonly ItemScore[]): MetricMeans {
  return {
    n: scores.length,
    deltaSiSdr: mean(scores.map((s) => s.deltaSiSdr)),
    deltaSegSnr: mean(scores.map((s) => s.deltaSegSnr)),
    noiseAttenuationDb: mean(scores.map((s) => s.noiseAttenuationDb)),
    speechLevelChangeDb: mean(scores.map((s) => s.speechLevelChangeDb)),
  };
}

export interface QualitySummary {
  engines: QualityEngine[];
  noises: string[];
  snrs: number[];
  /** engine → means over every item. */
  overall: Record<string, MetricMeans>;
  /** engine → noise → means over clips and SNRs. */
  byNoise: Record<string, Record<string, MetricMeans>>;
  /** engine → SNR → means over clips and noises. */
  bySnr: Record<string, Record<string, MetricMeans>>;
}

/** Means per engine overall, per noise type and per SNR. */
export function summarize(scores: readonly ItemScore[], engines: readonly QualityEngine[]): QualitySummary {
  const noises = [...new Set(scores.map((s) => s.noise))];
  const snrs = [...new Set(scores.map((s) => s.snrDb))].sort((a, b) => a - b);
  const overall: Record<string, MetricMeans> = {};
  const byNoise: Record<string, Record<string, MetricMeans>> = {};
  const bySnr: Record<string, Record<string, MetricMeans>> = {};
  for (const engine of engines) {
    const mine = scores.filter((s) => s.engine === engine);
    overall[engine] = means(mine);
    byNoise[engine] = Object.fromEntries(noises.map((n) => [n, means(mine.filter((s) => s.noise === n))]));
    bySnr[engine] = Object.fromEntries(snrs.map((v) => [String(v), means(mine.filter((s) => s.snrDb === v))]));
  }
  return { engines: [...engines], noises, snrs, overall, byNoise, bySnr };
}
