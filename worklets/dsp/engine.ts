// A 10 ms frame denoiser at 48 kHz. Pure: no worklet or DOM globals, so Node and the worklet run
// the same code.

export const ENGINE_SAMPLE_RATE = 48_000;
export const FRAME_SIZE = 480;

export interface FrameEngine {
  /** Engine-internal delay in samples at 48 kHz (RNNoise: one frame). */
  readonly delay: number;
  /**
   * Denoises one 480-sample frame. `input` and `output` hold samples in [-1, 1] (float scale);
   * they may be the same array. Returns the voice-activity probability in [0, 1].
   */
  processFrame(input: Float32Array, output: Float32Array): number;
  /** Forgets all history (used after non-finite output). */
  reset(): void;
  /** Frees native memory. Safe to call twice. */
  destroy(): void;
}

/** Passes frames through unchanged: lets tests see the reframer's delay on its own. */
export class IdentityEngine implements FrameEngine {
  readonly delay = 0;
  processFrame(input: Float32Array, output: Float32Array): number {
    if (input !== output) output.set(input);
    return 0;
  }
  reset(): void {}
  destroy(): void {}
}
