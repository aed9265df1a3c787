// One channel of the worklet's audio at the context's rate. At 48 kHz it is the pipeline as is.
// At any other rate it resamples each render quantum to 48 kHz for the engine and back, and a
// small FIFO evens out the ±1-sample wobble of the resampled block lengths so every quantum
// gets exactly its 128 samples. Allocation-free after construction.
import type { GatedEngine } from './activity';
import { ENGINE_SAMPLE_RATE, type FrameEngine } from './engine';
import { DenoisePipeline, type PipelineOptions, type PipelineStats } from './pipeline';
import { Resampler, sampleRateProblem } from './resampler';
import { TieredChannel, type ChannelCore } from './tiers';

// Samples of slack queued ahead of the output: more than the worst block-length wobble of two
// resamplers in a row.
const FIFO_SLACK = 8;

export interface ChannelOptions {
  sampleRate: number;
  blockSize?: number;
  crossfadeSamples?: number;
  enabled?: boolean;
  /** See DenoisePipeline: 0 = the delayed input, 1 = full suppression (default). */
  strength?: number;
  /** See DenoisePipeline (dsp/activity.ts). */
  gating?: boolean;
  /** With several engines (tiers, best first): the one that runs first (tiers.ts). */
  startTier?: number;
}

export class ChannelDenoiser {
  /** Added delay in samples at the context's rate (rounded when resampling). */
  readonly latency: number;
  private readonly pipeline: ChannelCore;
  private readonly tiered: TieredChannel | undefined;
  private readonly up: Resampler | undefined;
  private readonly down: Resampler | undefined;
  private readonly at48: Float32Array;
  private readonly out48: Float32Array;
  private readonly back: Float32Array;
  private readonly fifo: Float32Array;
  private fifoRead = 0;
  private fifoFill = FIFO_SLACK;
  /** Output samples that had to be zero because the FIFO ran dry (should stay 0). */
  underflows = 0;

  /** @param engine one engine, or engine tiers best first (a TieredChannel switches between them). */
  constructor(engine: FrameEngine | readonly FrameEngine[], options: ChannelOptions) {
    const rate = options.sampleRate;
    const block = options.blockSize ?? 128;
    // Every rate an AudioContext can have: the resampler's cost is bounded for all of them.
    const problem = sampleRateProblem(rate);
    if (problem) throw new RangeError(problem);
    const crossfadeSamples = options.crossfadeSamples ?? Math.round(0.01 * ENGINE_SAMPLE_RATE);
    const core = (po: PipelineOptions): ChannelCore => {
      if (!Array.isArray(engine)) return new DenoisePipeline(engine as FrameEngine, po);
      const engines = engine as readonly FrameEngine[];
      if (engines.length === 1) return new DenoisePipeline(engines[0] as FrameEngine, po);
      return new TieredChannel(engines, { ...po, start: options.startTier });
    };
    if (rate === ENGINE_SAMPLE_RATE) {
      this.pipeline = core({
        blockSize: block,
        crossfadeSamples,
        enabled: options.enabled,
        strength: options.strength,
        gating: options.gating,
      });
      this.tiered = this.pipeline instanceof TieredChannel ? this.pipeline : undefined;
      this.latency = this.pipeline.latency;
      this.at48 = this.out48 = this.back = this.fifo = new Float32Array(0);
      return;
    }
    this.up = new Resampler(rate, ENGINE_SAMPLE_RATE, { maxBlock: block });
    const max48 = this.up.maxOutput(block);
    this.down = new Resampler(ENGINE_SAMPLE_RATE, rate, { maxBlock: max48 });
    this.pipeline = core({
      blockSize: 'variable',
      maxBlock: max48,
      crossfadeSamples,
      enabled: options.enabled,
      strength: options.strength,
      gating: options.gating,
    });
    this.tiered = this.pipeline instanceof TieredChannel ? this.pipeline : undefined;
    this.at48 = new Float32Array(max48);
    this.out48 = new Float32Array(max48);
    this.back = new Float32Array(this.down.maxOutput(max48));
    this.fifo = new Float32Array(FIFO_SLACK + block + this.back.length + 1);
    // Up-resampler and pipeline delays are in 48 kHz samples; down-resampler and FIFO at `rate`.
    this.latency = Math.round(((this.up.delayOut + this.pipeline.latency) * rate) / ENGINE_SAMPLE_RATE + this.down.delayOut + FIFO_SLACK);
  }

  get stats(): PipelineStats {
    return this.pipeline.stats;
  }

  get gate(): GatedEngine | null {
    return this.pipeline.gate;
  }

  get bypassed(): boolean {
    return this.pipeline.bypassed;
  }

  setEnabled(enabled: boolean): void {
    this.pipeline.setEnabled(enabled);
  }

  /** The tier heard now (0 with one engine). */
  get runningTier(): number {
    return this.tiered?.running ?? 0;
  }

  /** The tier headed for (differs from runningTier during a switch). */
  get targetTier(): number {
    return this.tiered?.target ?? 0;
  }

  /** Switches tiers without a click (tiers.ts); ignored with one engine. */
  requestTier(tier: number): void {
    this.tiered?.request(tier);
  }

  setStrength(strength: number): void {
    this.pipeline.setStrength(strength);
  }

  process(input: Float32Array, output: Float32Array, length = input.length): void {
    const up = this.up;
    const down = this.down;
    if (!up || !down) {
      this.pipeline.process(input, output, length);
      return;
    }
    const n48 = up.process(input, length, this.at48);
    this.pipeline.process(this.at48, this.out48, n48);
    const m = down.process(this.out48, n48, this.back);
    const fifo = this.fifo;
    const cap = fifo.length;
    let w = (this.fifoRead + this.fifoFill) % cap;
    for (let i = 0; i < m; i++) {
      fifo[w] = this.back[i] as number;
      w = w + 1 === cap ? 0 : w + 1;
    }
    this.fifoFill += m;
    let r = this.fifoRead;
    for (let i = 0; i < length; i++) {
      if (this.fifoFill > 0) {
        output[i] = fifo[r] as number;
        r = r + 1 === cap ? 0 : r + 1;
        this.fifoFill--;
      } else {
        output[i] = 0;
        this.underflows++;
      }
    }
    this.fifoRead = r;
  }

  destroy(): void {
    this.pipeline.destroy();
  }
}
