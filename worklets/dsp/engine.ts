// The engine interface: a frame denoiser at 48 kHz. Pure: no worklet or DOM globals, so Node
// and the worklet run the same code. Engines differ in frame size and delay (RNNoise: 480 and
// 480, GTCRN: 768 and more); the pipeline reframes to whichever the engine asks for.

export const ENGINE_SAMPLE_RATE = 48_000;
/** RNNoise's frame (10 ms at 48 kHz), and the frame of an engine that names none. */
export const FRAME_SIZE = 480;

export interface FrameEngine {
  /** Samples per frame at 48 kHz. Default FRAME_SIZE (480). */
  readonly frameSize?: number;
  /**
   * Engine-internal delay in samples at 48 kHz: output sample n of the frame sequence answers
   * input sample n − delay (RNNoise: one frame). Measured by cross-correlation in a test.
   */
  readonly delay: number;
  /**
   * Denoises one frame of `frameSize` samples. `input` and `output` hold samples in [-1, 1]
   * (float scale); they may be the same array. Returns the voice-activity probability in [0, 1],
   * or NaN for an engine that reports none.
   */
  processFrame(input: Float32Array, output: Float32Array): number;
  /** Forgets all history (used after non-finite output). */
  reset(): void;
  /** Frees native memory. Safe to call twice. */
  destroy(): void;
}

/** An engine over a wasm instance it shares with the other engines of its flavour. */
export interface WasmFrameEngine extends FrameEngine {
  readonly frameSize: number;
  /** Bytes of wasm linear memory behind this engine (shared with the others in this scope); 0 once destroyed. */
  readonly memoryBytes: number;
}

export function frameSizeOf(engine: FrameEngine): number {
  return engine.frameSize ?? FRAME_SIZE;
}

export class EngineError extends Error {
  constructor(
    readonly engine: string,
    readonly reason: 'instantiate' | 'create-state' | 'alloc',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${engine} engine: ${reason} failed (${detail})`, options);
    this.name = 'EngineError';
  }
}

/** Passes frames through unchanged: lets tests see the reframer's delay on its own. */
export class IdentityEngine implements FrameEngine {
  readonly delay = 0;
  constructor(readonly frameSize = FRAME_SIZE) {}
  processFrame(input: Float32Array, output: Float32Array): number {
    if (input !== output) output.set(input);
    return 0;
  }
  reset(): void {}
  destroy(): void {}
}
