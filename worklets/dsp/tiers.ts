// One channel of 'auto' denoising at 48 kHz: one DenoisePipeline per engine tier, switched live.
// Pure: no worklet or DOM globals, so Node tests and the worklet share it.
//
// Tiers differ in delay (classic RNNoise 928 samples through the pipeline, RNNoise 0.2 1408,
// GTCRN more), so each pipeline's output is padded by a delay line to the largest one: every tier
// answers the same input sample at the same output sample, and the reported latency is that
// largest one, whichever tier runs. A switch is never a swap:
//  1. warming: the incoming tier runs on the live input for `warmupSamples` while the outgoing
//     one still feeds the output. Its reframer, dry line, pad and gate hold stale audio from the
//     last time it ran (or zeros) and its engine's recurrent state is of another moment; both
//     are flushed by then (the warm-up is longer than the largest latency plus the engines'
//     start-up transient, measured in tiers.test.ts).
//  2. fading: an equal-gain (linear) crossfade over `fadeSamples`; the two outputs are the same
//     speech, time-aligned and correlated, so equal gain (not equal power) keeps the level flat.
//  3. the outgoing tier stops running (no cost while idle); its state is left as is.
// Only the running tiers cost anything: one engine while steady, two during a switch.
// Allocation-free after construction.
import type { GatedEngine } from './activity';
import { FRAME_SIZE, frameSizeOf, type FrameEngine } from './engine';
import { DenoisePipeline, type PipelineOptions, type PipelineStats } from './pipeline';

/** What the channel wrapper (channel.ts) needs of its 48 kHz core: a pipeline or a tiered one. */
export interface ChannelCore {
  readonly latency: number;
  readonly stats: PipelineStats;
  readonly gate: GatedEngine | null;
  readonly bypassed: boolean;
  setEnabled(enabled: boolean): void;
  setStrength(strength: number): void;
  process(input: Float32Array, output: Float32Array, length?: number): void;
  destroy(): void;
}

export interface TierOptions extends PipelineOptions {
  /** The tier that runs first (index into the engines, best first). Default 0. */
  start?: number;
  /**
   * Samples the incoming tier runs on the live input before the crossfade. Default 9600 (200 ms):
   * the largest tier latency (1530) flushes stale buffers, and the engines' own start-up transient
   * after an idle spell outlasts 100 ms (tiers.test.ts: a 5 ms window around the fade then holds
   * 9× the energy of the always-on tiers; 16× after 50 ms; 1.5× after 200 ms).
   */
  warmupSamples?: number;
  /** Length of the crossfade between tiers. Default 480 (10 ms). */
  fadeSamples?: number;
}

export type SwitchPhase = 'steady' | 'warming' | 'fading';

export const DEFAULT_WARMUP_SAMPLES = 9_600;
const DEFAULT_FADE_SAMPLES = 480;

/** A fixed delay of `length` samples (0: a copy). */
class DelayLine {
  private readonly line: Float32Array;
  private pos = 0;
  constructor(readonly length: number) {
    this.line = new Float32Array(Math.max(1, length));
  }

  process(input: Float32Array, output: Float32Array, length: number): void {
    const n = this.length;
    if (n === 0) {
      if (input !== output) output.set(input.subarray(0, length));
      return;
    }
    const line = this.line;
    let pos = this.pos;
    for (let i = 0; i < length; i++) {
      const x = input[i] as number;
      output[i] = line[pos] as number;
      line[pos] = x;
      if (++pos === n) pos = 0;
    }
    this.pos = pos;
  }
}

export class TieredChannel implements ChannelCore {
  /** The largest tier latency: the added delay whichever tier runs. */
  readonly latency: number;
  readonly tierCount: number;
  /** Switches completed (fades that ended). */
  switches = 0;
  private readonly pipelines: DenoisePipeline[];
  private readonly pads: DelayLine[];
  private readonly warmupSamples: number;
  private readonly fadeSamples: number;
  private current: number;
  private incoming = -1;
  private wanted: number;
  private phase: SwitchPhase = 'steady';
  private warmLeft = 0;
  private fadePos = 0;
  private readonly a: Float32Array;
  private readonly b: Float32Array;
  // Input counters are taken from the tier that feeds the output only (a warming one sees the same input).
  readonly stats: PipelineStats = { frames: 0, vad: 0, nonFiniteInputs: 0, outOfRangeInputs: 0, engineResets: 0 };
  private readonly seen: PipelineStats[];

  /** @param engines best tier first; each pipeline owns (and destroys) its engine. */
  constructor(engines: readonly FrameEngine[], options: TierOptions = {}) {
    if (engines.length === 0) throw new RangeError('a tiered channel needs at least one engine');
    this.tierCount = engines.length;
    this.pipelines = engines.map((e) => new DenoisePipeline(e, options));
    this.latency = Math.max(...this.pipelines.map((p) => p.latency));
    this.pads = this.pipelines.map((p) => new DelayLine(this.latency - p.latency));
    this.seen = this.pipelines.map(() => ({ frames: 0, vad: 0, nonFiniteInputs: 0, outOfRangeInputs: 0, engineResets: 0 }));
    const start = options.start ?? 0;
    if (!Number.isInteger(start) || start < 0 || start >= engines.length) {
      throw new RangeError(`start tier must be an index below ${engines.length} (was ${start})`);
    }
    this.current = this.wanted = start;
    this.warmupSamples = Math.max(0, Math.round(options.warmupSamples ?? DEFAULT_WARMUP_SAMPLES));
    this.fadeSamples = Math.max(1, Math.round(options.fadeSamples ?? DEFAULT_FADE_SAMPLES));
    const maxBlock = options.maxBlock ?? (typeof options.blockSize === 'number' ? options.blockSize : 1024);
    this.a = new Float32Array(maxBlock);
    this.b = new Float32Array(maxBlock);
  }

  /** The tier feeding the output (the outgoing one until the crossfade ends). */
  get running(): number {
    return this.current;
  }

  /** The tier last asked for: where the channel is headed. */
  get target(): number {
    return this.wanted;
  }

  get switchPhase(): SwitchPhase {
    return this.phase;
  }

  /**
   * Heads for `tier`. Starts a switch at once when steady; during a switch the request waits
   * until it ends, except that asking for the outgoing tier while the incoming one only warms
   * cancels the switch (no fade has touched the output yet).
   */
  request(tier: number): void {
    if (!Number.isInteger(tier) || tier < 0 || tier >= this.tierCount) {
      throw new RangeError(`tier must be an index below ${this.tierCount} (was ${tier})`);
    }
    this.wanted = tier;
    if (this.phase === 'warming' && tier === this.current) {
      this.phase = 'steady';
      this.incoming = -1;
    } else if (this.phase === 'steady') {
      this.begin();
    }
  }

  private begin(): void {
    if (this.wanted === this.current) return;
    this.incoming = this.wanted;
    this.phase = 'warming';
    this.warmLeft = this.warmupSamples;
  }

  get gate(): GatedEngine | null {
    return (this.pipelines[this.current] as DenoisePipeline).gate;
  }

  get bypassed(): boolean {
    return (this.pipelines[this.current] as DenoisePipeline).bypassed;
  }

  /** Every tier takes the setting, idle ones too: a warm-up outlasts the 10 ms on/off fade. */
  setEnabled(enabled: boolean): void {
    for (const p of this.pipelines) p.setEnabled(enabled);
  }

  setStrength(strength: number): void {
    for (const p of this.pipelines) p.setStrength(strength);
  }

  process(input: Float32Array, output: Float32Array, length = input.length): void {
    const cur = this.current;
    if (this.phase === 'steady') {
      this.run(cur, input, output, length);
      return;
    }
    const next = this.incoming;
    const b = this.b;
    // Both read the input before either writes the output: in place works too.
    this.run(next, input, b, length);
    this.run(cur, input, output, length);
    let i = 0;
    if (this.phase === 'warming') {
      if (this.warmLeft > length) {
        this.warmLeft -= length;
        return;
      }
      // The fade starts inside this block, where the warm-up ends.
      i = this.warmLeft;
      this.warmLeft = 0;
      this.phase = 'fading';
      this.fadePos = 0;
    }
    const n = this.fadeSamples;
    let pos = this.fadePos;
    for (; i < length; i++) {
      if (pos < n) {
        const g = pos / n;
        output[i] = (1 - g) * (output[i] as number) + g * (b[i] as number);
        pos++;
      } else {
        output[i] = b[i] as number;
      }
    }
    this.fadePos = pos;
    if (pos >= n) {
      this.current = next;
      this.incoming = -1;
      this.phase = 'steady';
      this.switches++;
      this.begin();
    }
  }

  private run(tier: number, input: Float32Array, output: Float32Array, length: number): void {
    const p = this.pipelines[tier] as DenoisePipeline;
    const a = this.a;
    p.process(input, a, length);
    (this.pads[tier] as DelayLine).process(a, output, length);
    const s = p.stats;
    const seen = this.seen[tier] as PipelineStats;
    this.stats.frames += s.frames - seen.frames;
    this.stats.engineResets += s.engineResets - seen.engineResets;
    if (tier === this.current) {
      this.stats.nonFiniteInputs += s.nonFiniteInputs - seen.nonFiniteInputs;
      this.stats.outOfRangeInputs += s.outOfRangeInputs - seen.outOfRangeInputs;
      this.stats.vad = s.vad;
    }
    seen.frames = s.frames;
    seen.engineResets = s.engineResets;
    seen.nonFiniteInputs = s.nonFiniteInputs;
    seen.outOfRangeInputs = s.outOfRangeInputs;
  }

  destroy(): void {
    for (const p of this.pipelines) p.destroy();
  }
}

/**
 * The audio thread's budget for denoising, in µs per 10 ms of audio: half of real time. The
 * render thread also runs the rest of the graph, a switch runs two engines for its warm-up, and
 * the start-up measurement is coarse (a millisecond clock over ≥ 4 ms: ±25 %); half leaves room
 * for all three.
 */
export const AUDIO_BUDGET_US = 5_000;

/**
 * The start-up measurement: µs of this thread's time per 10 ms of audio for `engine`, timed with
 * `now` (ms; the worklet has only Date.now) over at least `minMs` of frames of seeded noise (a
 * model's cost does not depend on its input, but digital silence might take shortcuts). Under
 * background load the figure rises, which is what it should do. The engine is reset afterwards.
 */
export function measureCostUs(engine: FrameEngine, now: () => number, minMs = 4, maxFrames = 400): number {
  const n = frameSizeOf(engine);
  const frame = new Float32Array(n);
  let seed = 1;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    frame[i] = (seed / 2 ** 32 - 0.5) * 0.1;
  }
  const out = new Float32Array(n);
  // The first frame pays for first-touch memory; it is not what a steady frame costs.
  engine.processFrame(frame, out);
  const t0 = now();
  let t = t0;
  let frames = 0;
  while (frames < maxFrames && t - t0 < minMs) {
    engine.processFrame(frame, out);
    frames++;
    t = now();
  }
  engine.reset();
  return (((t - t0) * 1000) / frames) * (FRAME_SIZE / n);
}

/** The best tier (lowest index) whose cost fits the budget beside `loadUs` already running; the cheapest if none fits. */
export function chooseStartTier(costsUs: readonly number[], loadUs: number, budgetUs = AUDIO_BUDGET_US): number {
  for (let i = 0; i < costsUs.length; i++) if (loadUs + (costsUs[i] as number) <= budgetUs) return i;
  return Math.max(0, costsUs.length - 1);
}
