import type { StrengthResults } from './strength';
import type { ResamplerResults } from './resampler';
import type { EngineQualityResults } from './engine-quality';
import type { EngineCostResults } from './engine-cost';
import type { GtcrnBandResults } from './gtcrn-band';
import type { GraphFloorResults, LiveRoomResults } from './live-room';
// The shape of bench/results.json: what one `npm run bench` measured. BENCHMARKS.md and the
// charts are generated from it alone (bench/report.ts), so a report can be regenerated from an
// old results file.
import type { MedianCi, Spread } from './stats';
import type { NodeCostResult, NodeCyclesResult, NodeLongResult } from './node-bench';
import type { CyclesResult, LiveResult, LongRenderKind, LongRenderResult, StartupResult } from './pages/bench';
import type { ItemScore, QualitySummary } from './quality';

export interface Meta {
  date: string;
  command: string;
  quick: boolean;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  chromium: string | null;
  packages: Record<string, string>;
  /** 1-minute load average when the run started and ended (the machine is shared). */
  loadAverage: { start: number; end: number };
  corpus: { source: 'librivox' | 'excerpt'; clips: string[]; note: string };
  phasesSeconds: Record<string, number>;
  totalSeconds: number;
}

/**
 * How a render's cost is counted: CPU time of the audio render thread (the real-time budget),
 * CPU time of every renderer thread (adds one-off JIT and wasm compilation in the background),
 * or wall-clock time (inflated whenever other processes take the cores).
 */
export type CostBasis = 'audioThread' | 'rendererCpu' | 'wall';
export const COST_BASES: readonly CostBasis[] = ['audioThread', 'rendererCpu', 'wall'];

export interface BrowserCost {
  reps: number;
  timedSeconds: number;
  framesPerRender: number;
  /** µs per 10 ms frame, per engine and basis. */
  usPerFrame: Record<string, Record<CostBasis, Spread>>;
  /** Per repetition ratios: ours/raw, ours/anchor-rnnoise, anchor-rnnoise/raw, … */
  ratios: Record<string, Record<CostBasis, Spread>>;
  /** The anchor compiles its wasm asynchronously per node: first non-silent output sample per rep. */
  anchorFirstOutput: number[];
  anchorLoadedInTime: boolean;
}

export interface DelayResult {
  /** Added delay (samples at 48 kHz) by cross-correlation against the input. */
  measured: Record<string, number>;
  /** What our processor reports in 'ready'. */
  oursReported: number | null;
}

export interface CapacityRow {
  n: number;
  /** Audio seconds rendered per wall second (one OfflineAudioContext, N of our nodes). */
  rtf: Spread;
  /** Audio seconds per second of the audio thread's CPU time: what one uncontended core gives. */
  rtfCpu: Spread;
  /** Audio-thread CPU µs per 10 ms frame per track. */
  usPerFramePerTrack: Spread;
  /** Distribution-free 95 % confidence intervals of the medians above. */
  rtfCpuCi: MedianCi;
  usPerFramePerTrackCi: MedianCi;
  setupMs: number;
}

export interface LiveRow extends LiveResult {
  capped: boolean;
}

/** Per engine kind: the same long render, for telling Chromium's growth from ours. */
export type LongRenders = Record<LongRenderKind, LongRenderResult>;

/** The lag scoring used (refineLag), checked per item against lags found independently of it. */
export interface LagCheck {
  /** Per engine: the lag its design fixes (e.g. 448 reframing + 480 RNNoise for ours). */
  designLags: Record<string, number>;
  /** Per engine: items scored, items whose refined lag differs from the design lag, largest |difference|. */
  vsDesign: Record<string, { items: number; differing: number; maxAbsDiff: number }>;
  /** Items (one per clip) also aligned by metrics.alignByXcorr over the whole item (FFT, ±4800). */
  vsFullXcorr: { pairs: number; differing: number; maxAbsDiff: number; examples: string[] };
}

export interface Results {
  meta: Meta;
  /** Pause cut and speech level per strength setting (tools/bench/strength.ts); absent in older runs. */
  strength?: StrengthResults;
  /** The resampler against its previous design (tools/bench/resampler.ts); absent in older runs. */
  resampler?: ResamplerResults;
  /** Quality per engine, Node (tools/bench/engine-quality.ts); absent in older runs. */
  engineQuality?: EngineQualityResults;
  /** Cost, delay, capacity, start-up and wasm size per engine, Chromium (tools/bench/engine-cost.ts); absent in older runs. */
  engineCost?: EngineCostResults;
  /** GTCRN above 8 kHz on a full-band item, Node (tools/bench/gtcrn-band.ts); absent in older runs. */
  gtcrnBand?: GtcrnBandResults;
  /** The large-room live benchmark (tools/bench/live-room.ts); absent in older runs. */
  liveRoom?: LiveRoomResults;
  graphFloor?: GraphFloorResults;
  p1: { node: NodeCostResult; browser: BrowserCost };
  p2: DelayResult;
  p3: {
    offline: CapacityRow[];
    offlineSeconds: number;
    reps: number;
    live: LiveRow[];
    liveSeconds: number;
    /** maxProcessorsPerContext's default, as the capped live run's bypass message stated it (null: not seen). */
    defaultCap: number | null;
  };
  p4: { nodeCycles: NodeCyclesResult; nodeLong: NodeLongResult; browserCycles: CyclesResult; browserLong: LongRenders };
  startup: { cold: StartupResult[]; warmNewContext: StartupResult[]; warmSameContext: StartupResult[] };
  quality: {
    summary: QualitySummary;
    items: ItemScore[];
    /** Per engine: the lag found by metrics.alignByXcorr on the first item. */
    nominalLags: Record<string, number>;
    lagCheck: LagCheck;
    skipFrames: number;
    seconds: number;
    /** Items in the corpus; fewer were scored when the run hit its time budget. */
    plannedItems: number;
    stoppedEarly: boolean;
  };
}
