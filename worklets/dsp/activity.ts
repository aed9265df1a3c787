// Activity gating: a track whose input stays far below speech level (muted, Opus DTX comfort
// noise, an empty room) stops running its engine, and wakes on the first 10 ms frame whose
// energy returns. Pure: no worklet or DOM globals, so Node tests and the worklet share it.
//
// It is a FrameEngine around the real one, so the pipeline only chooses whether to wrap.
//
// While gated, the output is the input delayed by the engine's delay times a held broadband
// gain: the engine's own output/input ratio over the quiet frames just before the gate closed.
// So the level of what passes does not step at the gate, and what the strength mix does
// downstream (its floor) applies to it as to the engine's output. Digital silence stays silent.
//
// Waking loses no onset: the decision for a frame is taken on that frame's own input, before the
// engine would run, so the first loud frame is the first one denoised. The engine is warmed
// first: the input frames it skipped (up to `lookbackFrames`, kept in a ring) are fed to it with
// their output thrown away, so its pitch buffer and recurrent state hold the recent input (see
// warm()). The handover at each edge is a one-frame crossfade.
// Allocation-free after construction.
import { frameSizeOf, type FrameEngine } from './engine';

export interface GateOptions {
  /**
   * A frame is quiet when its RMS is at or below this level, in dBFS. Default −60: conversational
   * speech sits around −20 to −30 dBFS (RMS of active frames, as WebRTC's AGC levels it) and its
   * softest onsets about 20–30 dB below that, so −60 leaves 30 dB or more below any speech frame.
   */
  thresholdDb?: number;
  /** Quiet frames in a row before the engine stops. Default 30 (300 ms): longer than word gaps. */
  holdFrames?: number;
  /**
   * Skipped input frames replayed into the engine on wake. Default 8 (80 ms): more than the
   * RNNoise pitch buffer (1728 samples, 3.6 frames) plus its window overlap; measured in
   * activity.test.ts and BENCHMARKS.md (Gating).
   */
  lookbackFrames?: number;
}

export type GateState = 'open' | 'closed';
/** Why the gate is closed: the input is exactly zero, or only below the threshold. */
export type GateReason = 'digital-silence' | 'below-threshold';

export interface GateStats {
  /** Frames the engine ran on: the ones it denoised plus the warm-up replays. */
  engineFrames: number;
  /** Frames passed on the held gain without the engine. */
  skippedFrames: number;
  /** Of engineFrames, the replayed ones (output discarded). */
  warmupFrames: number;
  wakes: number;
}

/** dBFS of a frame's mean square; −Infinity for digital silence. */
function levelDb(meanSquare: number): number {
  return meanSquare > 0 ? 10 * Math.log10(meanSquare) : -Infinity;
}

// The activity level decays this many dB per frame (20 dB/s): a talker who stopped a second ago
// still ranks above a steady track 20 dB quieter (see governor.ts).
const LEVEL_DECAY_DB_PER_FRAME = 0.2;
/** Levels below this are reported as this (a number stats and sorting can carry). */
export const LEVEL_FLOOR_DB = -120;

/**
 * A track's activity level for the governor: the peak of its 10 ms frame levels (dBFS), decaying
 * 20 dB/s, so loudness and recency are one number. It reads the input itself, so it keeps
 * counting while the engine is gated or shed. Allocation-free.
 */
export class LevelMeter {
  private readonly frame: number;
  private fill = 0;
  private energy = 0;
  private level = LEVEL_FLOOR_DB;

  /** @param sampleRate frames are 10 ms at this rate. */
  constructor(sampleRate: number) {
    this.frame = Math.max(1, Math.round(sampleRate / 100));
  }

  get levelDb(): number {
    return this.level;
  }

  push(block: Float32Array, length = block.length): void {
    // In runs up to each frame's end, summed in a local: the same sums in the same order, with
    // no frame test per sample.
    let i = 0;
    while (i < length) {
      const end = Math.min(length, i + this.frame - this.fill);
      let energy = this.energy;
      for (let j = i; j < end; j++) {
        const x = block[j] as number;
        energy += x * x;
      }
      this.fill += end - i;
      i = end;
      if (this.fill === this.frame) {
        const frameDb = Math.max(LEVEL_FLOOR_DB, levelDb(energy / this.frame));
        this.level = Math.max(frameDb, this.level - LEVEL_DECAY_DB_PER_FRAME);
        this.fill = 0;
        energy = 0;
      }
      this.energy = energy;
    }
  }
}

export class GatedEngine implements FrameEngine {
  readonly delay: number;
  readonly stats: GateStats = { engineFrames: 0, skippedFrames: 0, warmupFrames: 0, wakes: 0 };
  private readonly thresholdMeanSquare: number;
  private readonly holdFrames: number;
  private readonly lookback: number;
  // Input history: the last `ringFrames` frames, the newest being the current one.
  private readonly ring: Float32Array;
  private readonly ringFrames: number;
  private writeFrame = 0;
  readonly frameSize: number;
  private readonly scratch: Float32Array;
  private readonly delayed: Float32Array;
  private closed = false;
  private quietRun = 0;
  private skippedRun = 0;
  private allZeroRun = true;
  private heldGain = 0;
  private sumIn = 0;
  private sumOut = 0;

  constructor(
    private readonly inner: FrameEngine,
    options: GateOptions = {},
  ) {
    this.delay = inner.delay;
    this.frameSize = frameSizeOf(inner);
    this.scratch = new Float32Array(this.frameSize);
    this.delayed = new Float32Array(this.frameSize);
    const threshold = options.thresholdDb ?? -60;
    this.thresholdMeanSquare = 10 ** (threshold / 10);
    this.holdFrames = Math.max(1, Math.round(options.holdFrames ?? 30));
    this.lookback = Math.max(0, Math.round(options.lookbackFrames ?? 8));
    // Enough history for the replay and for the engine-delayed input, plus the current frame.
    this.ringFrames = Math.max(this.lookback, Math.ceil(this.delay / this.frameSize)) + 1;
    this.ring = new Float32Array(this.ringFrames * this.frameSize);
  }

  get state(): GateState {
    return this.closed ? 'closed' : 'open';
  }

  /** Why the gate is closed, or null while it is open. */
  get reason(): GateReason | null {
    if (!this.closed) return null;
    return this.allZeroRun ? 'digital-silence' : 'below-threshold';
  }

  /** The gain applied while closed (the engine's broadband gain on the last quiet frames). */
  get gain(): number {
    return this.heldGain;
  }

  processFrame(input: Float32Array, output: Float32Array): number {
    // The current frame enters the history first: the delayed output may reach into it.
    const base = this.writeFrame * this.frameSize;
    let e = 0;
    for (let i = 0; i < this.frameSize; i++) {
      const x = input[i] as number;
      this.ring[base + i] = x;
      e += x * x;
    }
    const meanSquare = e / this.frameSize;
    this.readDelayed(this.delayed);
    const quiet = meanSquare <= this.thresholdMeanSquare;
    let vad = 0;

    if (!quiet) {
      if (this.closed) {
        // Wake on this very frame: warm the engine on what it skipped, then denoise this frame.
        this.warm();
        vad = this.runEngine(input, output);
        this.crossfade(this.delayed, this.heldGain, output, 1, output);
        this.closed = false;
        this.stats.wakes++;
      } else {
        vad = this.runEngine(input, output);
      }
      this.quietRun = 0;
      this.allZeroRun = true;
      this.sumIn = this.sumOut = 0;
    } else if (this.closed) {
      const d = this.delayed;
      const g = this.heldGain;
      for (let i = 0; i < this.frameSize; i++) output[i] = g * (d[i] as number);
      this.skippedRun++;
      this.stats.skippedFrames++;
      if (e !== 0) this.allZeroRun = false;
    } else {
      vad = this.runEngine(input, output);
      this.quietRun++;
      if (e !== 0) this.allZeroRun = false;
      // The held gain is measured over the second half of the hold: the engine's gains take a
      // few frames to fall after speech, and its output tail would count as gain.
      if (this.quietRun > this.holdFrames >> 1) {
        const d = this.delayed;
        for (let i = 0; i < this.frameSize; i++) {
          this.sumIn += (d[i] as number) ** 2;
          this.sumOut += (output[i] as number) ** 2;
        }
      }
      if (this.quietRun >= this.holdFrames) {
        this.heldGain = this.sumIn > 0 ? Math.min(1, Math.sqrt(this.sumOut / this.sumIn)) : 0;
        // Last engine frame: fade from its output to the held path, then stop.
        this.crossfade(output, 1, this.delayed, this.heldGain, output);
        this.closed = true;
        this.skippedRun = 0;
      }
    }
    this.writeFrame = (this.writeFrame + 1) % this.ringFrames;
    return vad;
  }

  reset(): void {
    this.inner.reset();
    this.ring.fill(0);
    this.closed = false;
    this.quietRun = this.skippedRun = 0;
    this.allZeroRun = true;
    this.heldGain = this.sumIn = this.sumOut = 0;
  }

  destroy(): void {
    this.inner.destroy();
  }

  private runEngine(input: Float32Array, output: Float32Array): number {
    this.stats.engineFrames++;
    return this.inner.processFrame(input, output);
  }

  /**
   * Brings the engine up to the current frame. A gap no longer than the look-back is replayed
   * whole, so the engine sees exactly the input an always-on one saw. After a longer gap its
   * state is of another moment (the end of the last speech); it starts over and is warmed on
   * the last `lookback` frames, which measured better at onsets than an always-on engine's state
   * after seconds of near-silence (BENCHMARKS.md, Gating).
   */
  private warm(): void {
    if (this.skippedRun > this.lookback) this.inner.reset();
    const n = Math.min(this.lookback, this.skippedRun);
    for (let k = n; k >= 1; k--) {
      const f = (this.writeFrame - k + this.ringFrames) % this.ringFrames;
      this.inner.processFrame(this.ring.subarray(f * this.frameSize, (f + 1) * this.frameSize), this.scratch);
      this.stats.engineFrames++;
      this.stats.warmupFrames++;
    }
  }

  /** The input `delay` samples ago for each sample of the current frame. */
  private readDelayed(out: Float32Array): void {
    const cap = this.ring.length;
    let r = this.writeFrame * this.frameSize - this.delay;
    if (r < 0) r += cap;
    for (let i = 0; i < this.frameSize; i++) {
      out[i] = this.ring[r] as number;
      if (++r === cap) r = 0;
    }
  }

  /** out = fade from a·ga to b·gb over the frame (a linear crossfade; out may alias a or b). */
  private crossfade(a: Float32Array, ga: number, b: Float32Array, gb: number, out: Float32Array): void {
    for (let i = 0; i < this.frameSize; i++) {
      const t = (i + 1) / this.frameSize;
      out[i] = (1 - t) * ga * (a[i] as number) + t * gb * (b[i] as number);
    }
  }
}
