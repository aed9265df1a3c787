// One channel of denoising at 48 kHz with any engine: input sanitising (dsp/sanitise.ts),
// reframing to the engine's frame size (at the minimum delay for it), a dry path delayed by the
// same latency, a short crossfade between them for setEnabled, and the
// strength mix (dsp/strength.ts) of the two.
// Allocation-free after construction.
import { GatedEngine, type GateOptions } from './activity';
import { FRAME_SIZE, frameSizeOf, type FrameEngine } from './engine';
import { Reframer, reframerDelay } from './reframer';
import { engineMayTake, InputSanitiser } from './sanitise';
import { approach, STRENGTH_RAMP_SECONDS, StrengthRamp } from './strength';

export interface PipelineOptions {
  /** Samples per process() call (128 in an AudioWorklet), or 'variable' after a resampler. */
  blockSize?: number | 'variable';
  /** Upper bound on the block length for 'variable'. */
  maxBlock?: number;
  /** Length of the on/off crossfade (default 480 = 10 ms, whatever the engine's frame). */
  crossfadeSamples?: number;
  enabled?: boolean;
  /** Share of the denoised signal in the output, 0 (the delayed input) to 1 (default). */
  strength?: number;
  /** Samples a full-range strength change is ramped over (default 20 ms). */
  strengthRampSamples?: number;
  /** Stop the engine while the input stays far below speech level (dsp/activity.ts). Default off. */
  gating?: boolean | GateOptions;
}

export interface PipelineStats {
  /** Engine frames run (not counted while fully bypassed). */
  frames: number;
  /** Voice-activity probability of the last engine frame (NaN for an engine with no VAD). */
  vad: number;
  /** Input samples replaced by 0 because they were NaN or ±Infinity. */
  nonFiniteInputs: number;
  /** Finite input samples beyond ±SAMPLE_LIMIT (4), clamped to it; their frames skip the engine (dsp/sanitise.ts). */
  outOfRangeInputs: number;
  /** Engine resets after it produced a non-finite sample. */
  engineResets: number;
}

export class DenoisePipeline {
  /** Added delay in samples: the reframer's for the engine's frame size plus the engine's own. */
  readonly latency: number;
  /** The engine's frame size. */
  readonly frameSize: number;
  readonly stats: PipelineStats = { frames: 0, vad: 0, nonFiniteInputs: 0, outOfRangeInputs: 0, engineResets: 0 };
  private readonly reframer: Reframer;
  private readonly sanitiser = new InputSanitiser();
  private readonly wet: Float32Array;
  // The sanitised input and the dry path in one: the sanitiser writes each block straight into
  // the reframer's input ring, which keeps `latency` samples of history in front of it, so the dry
  // sample for block sample i is `latency` samples behind it, time-aligned with the denoised path.
  // The engine reads its frames in place from the same ring, and the steady enabled path never
  // reads the dry path at all.
  private readonly hist: Float32Array;
  // Input index of the last sanitised sample at ±SAMPLE_LIMIT (-1: none yet): frames before it
  // are known clean, and only a frame that may hold it is scanned (engineMayTake).
  private limitAt = -1;
  private gain: number;
  // Re-enabling after full bypass: the engine starts over (its state is from before the bypass)
  // and the fade-in waits until the denoised path carries frames it ran on since, so wet and dry
  // stay time-aligned (while bypassed, frames pass the reframer without the engine's delay).
  // wetFrom: output sample index from which the wet path is valid (Infinity: no such frame yet;
  // -1: not waiting).
  private wetFrom = -1;
  private resetPending = false;
  /** Frames the reframer completed, and output samples emitted, since construction. */
  private frameIndex = 0;
  private outCount = 0;
  private target: number;
  private readonly step: number;
  private readonly strengthRamp: StrengthRamp;
  private destroyed = false;
  /** The activity gate around the engine when gating is on: its state, level and stats. */
  readonly gate: GatedEngine | null;
  private readonly engine: FrameEngine;

  constructor(engine: FrameEngine, options: PipelineOptions = {}) {
    this.gate = options.gating ? new GatedEngine(engine, options.gating === true ? {} : options.gating) : null;
    this.engine = this.gate ?? engine;
    const blockSize = options.blockSize ?? 128;
    const maxBlock = options.maxBlock ?? (typeof blockSize === 'number' ? blockSize : 1024);
    this.frameSize = frameSizeOf(engine);
    const delay = reframerDelay(blockSize, this.frameSize);
    this.latency = delay + engine.delay;
    this.reframer = new Reframer(blockSize, this.runFrame, maxBlock, this.frameSize, this.latency);
    this.hist = this.reframer.input;
    this.wet = new Float32Array(maxBlock);
    this.gain = this.target = options.enabled === false ? 0 : 1;
    const fade = options.crossfadeSamples ?? FRAME_SIZE;
    this.step = fade > 0 ? 1 / fade : 1;
    this.strengthRamp = new StrengthRamp(options.strength ?? 1, options.strengthRampSamples ?? Math.round(STRENGTH_RAMP_SECONDS * 48_000));
  }

  get enabled(): boolean {
    return this.target === 1;
  }

  setEnabled(enabled: boolean): void {
    if (enabled && this.bypassed) {
      this.wetFrom = Infinity;
      this.resetPending = true;
    } else if (!enabled) {
      this.wetFrom = -1;
    }
    this.target = enabled ? 1 : 0;
  }

  /** The strength last asked for (the applied one ramps toward it). */
  get strength(): number {
    return this.strengthRamp.target;
  }

  /** Live: ramped per sample, so a change never clicks. Clamped to [0, 1]; NaN is ignored. */
  setStrength(strength: number): void {
    this.strengthRamp.set(strength);
  }

  /** True while the output is exactly the delayed input (engine skipped). */
  get bypassed(): boolean {
    return this.gain === 0 && this.target === 0;
  }

  process(input: Float32Array, output: Float32Array, length = input.length): void {
    const reframer = this.reframer;
    reframer.checkLength(length);
    const hist = this.hist;
    const cap = hist.length;
    const n = this.latency;
    const pos = reframer.writePos;
    // Sanitised into the reframer's input ring, in two runs where the block wraps its end.
    const first = Math.min(length, cap - pos);
    let atLimit = this.sanitiser.process(input, hist, first, pos);
    if (first < length) atLimit = Math.max(atLimit, this.sanitiser.process(input, hist, length - first, 0, first));
    if (atLimit >= 0) this.limitAt = this.outCount + atLimit;
    this.stats.nonFiniteInputs = this.sanitiser.nonFinite;
    this.stats.outOfRangeInputs = this.sanitiser.outOfRange;
    let gain = this.gain;
    const target = this.target;
    const strength = this.strengthRamp;
    if (gain === target && gain === 1 && strength.steady && strength.current === 1) {
      // Steady and enabled (the common case): the output is the denoised path, straight from the reframer.
      reframer.advance(output, length);
    } else {
      const wet = this.wet;
      reframer.advance(wet, length);
      let d = pos - n;
      if (d < 0) d += cap;
      const t0 = this.outCount;
      // Read after the reframer ran this block's frames (runFrame sets it).
      let wetFrom = this.wetFrom;
      for (let i = 0; i < length; i++) {
        const dry = hist[d] as number;
        if (++d === cap) d = 0;
        if (gain !== target && (wetFrom < 0 || t0 + i >= wetFrom)) {
          wetFrom = -1;
          gain = approach(gain, target, this.step);
        }
        // The wet share: the on/off crossfade times the strength.
        const w = gain * strength.next();
        output[i] = w === 1 ? (wet[i] as number) : w === 0 ? dry : w * (wet[i] as number) + (1 - w) * dry;
      }
      this.wetFrom = wetFrom;
    }
    this.outCount += length;
    this.gain = gain;
  }

  // An arrow field: one function for the pipeline's life, none allocated per frame.
  private readonly runFrame = (input: Float32Array, output: Float32Array): void => {
    const k = this.frameIndex++;
    if (this.bypassed || this.destroyed) {
      output.set(input);
      return;
    }
    if (this.limitAt >= k * this.frameSize && !engineMayTake(input)) {
      // Garbage (dsp/sanitise.ts): kept from the engine, whose state stays as it was.
      output.set(input);
      this.stats.vad = 0;
      return;
    }
    if (this.resetPending) {
      this.resetPending = false;
      this.engine.reset();
    }
    // Frame k holds input samples k·F … k·F + F − 1, which leave at output index + latency. One
    // frame more of margin: the engine's first frame after a reset answers input it never saw.
    if (this.wetFrom === Infinity) this.wetFrom = (k + 1) * this.frameSize + this.latency;
    const vad = this.engine.processFrame(input, output);
    this.stats.frames++;
    // NaN or ±Infinity anywhere makes the sum non-finite (finite float32 samples cannot overflow
    // a double sum of one frame), so one add per sample replaces a test per sample.
    let sum = 0;
    const n = this.frameSize;
    for (let i = 0; i < n; i++) sum += output[i] as number;
    if (sum - sum !== 0) {
      // A poisoned engine state stays poisoned; start it over and pass this frame dry.
      this.engine.reset();
      this.stats.engineResets++;
      output.set(input);
      this.stats.vad = 0;
      return;
    }
    this.stats.vad = vad;
  };

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.engine.destroy();
  }
}
