// Turns render quanta (128 samples) into the engine's frames (F samples: 480 for RNNoise, 768 for
// GTCRN) and back with a fixed delay. With blocks of B samples the output must lag by the largest
// (n·B mod F), which is F − gcd(B, F): 448 for B = 128 and F = 480, 640 for F = 768, the minimum
// possible. Allocation-free after construction.
import { FRAME_SIZE } from './engine';

export type FrameFn = (input: Float32Array, output: Float32Array) => void;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Buffering delay in samples for fixed blocks of `blockSize`, or for blocks of any size, into frames of `frameSize`. */
export function reframerDelay(blockSize: number | 'variable', frameSize = FRAME_SIZE): number {
  if (!Number.isInteger(frameSize) || frameSize <= 0) {
    throw new RangeError(`reframer frame size must be a positive integer (was ${frameSize})`);
  }
  if (blockSize === 'variable') return frameSize - 1;
  if (!Number.isInteger(blockSize) || blockSize <= 0) {
    throw new RangeError(`reframer block size must be a positive integer (was ${blockSize})`);
  }
  return frameSize - gcd(blockSize, frameSize);
}

export class Reframer {
  readonly delay: number;
  readonly frameSize: number;
  private readonly maxBlock: number;
  private readonly inFrame: Float32Array;
  // Output FIFO: processed samples waiting to be read, `delay` zeros ahead of the first frame. Its
  // length is a whole number of frames and frames are written at multiples of the frame size, so
  // the engine writes each frame straight into one of these fixed views (no copy, no allocation).
  private readonly ring: Float32Array;
  private readonly slots: Float32Array[];
  private readPos: number;
  private slot = 0;
  private inFill = 0;

  /**
   * @param blockSize samples per `process` call, or 'variable' (then up to `maxBlock`).
   * @param frameFn called once per complete frame of `frameSize` samples; must fill `output`.
   */
  constructor(
    blockSize: number | 'variable',
    private readonly frameFn: FrameFn,
    maxBlock = typeof blockSize === 'number' ? blockSize : 1024,
    frameSize = FRAME_SIZE,
  ) {
    this.delay = reframerDelay(blockSize, frameSize);
    this.frameSize = frameSize;
    this.maxBlock = maxBlock;
    this.inFrame = new Float32Array(frameSize);
    // Queued at most: `delay` + one frame + one block, plus one so a full ring is told from an empty one.
    const frames = Math.ceil((this.delay + frameSize + maxBlock + 1) / frameSize);
    this.ring = new Float32Array(frames * frameSize);
    this.slots = Array.from({ length: frames }, (_, k) => this.ring.subarray(k * frameSize, (k + 1) * frameSize));
    this.readPos = (this.ring.length - this.delay) % this.ring.length;
  }

  /** Throws unless a block of `length` samples fits (the pipeline checks before it writes anything). */
  checkLength(length: number): void {
    if (length > this.maxBlock) {
      throw new RangeError(`reframer got a block of ${length} samples (max ${this.maxBlock})`);
    }
  }

  /** Samples per call may not exceed the block size given at construction. Reads `input` from `inOffset`. */
  process(input: Float32Array, output: Float32Array, length = input.length, inOffset = 0): void {
    this.checkLength(length);
    const inFrame = this.inFrame;
    const frameSize = this.frameSize;
    let fill = this.inFill;
    // All input first: a frame completed by this block is available to this block's output.
    for (let i = 0; i < length; i++) {
      inFrame[fill++] = input[inOffset + i] as number;
      if (fill === frameSize) {
        fill = 0;
        this.frameFn(inFrame, this.slots[this.slot] as Float32Array);
        if (++this.slot === this.slots.length) this.slot = 0;
      }
    }
    this.inFill = fill;
    const ring = this.ring;
    const cap = ring.length;
    let r = this.readPos;
    for (let i = 0; i < length; i++) {
      output[i] = ring[r] as number;
      if (++r === cap) r = 0;
    }
    this.readPos = r;
  }

  /** Back to the initial state: empty frame, `delay` zeros queued. */
  reset(): void {
    this.inFill = 0;
    this.ring.fill(0);
    this.slot = 0;
    this.readPos = (this.ring.length - this.delay) % this.ring.length;
  }
}
