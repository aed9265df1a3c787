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

/** Fixed views of whole frames over a ring whose length is a whole number of frames. */
function frameRing(samples: number, frameSize: number): { ring: Float32Array; slots: Float32Array[] } {
  const frames = Math.max(1, Math.ceil(samples / frameSize));
  const ring = new Float32Array(frames * frameSize);
  return { ring, slots: Array.from({ length: frames }, (_, k) => ring.subarray(k * frameSize, (k + 1) * frameSize)) };
}

export class Reframer {
  readonly delay: number;
  readonly frameSize: number;
  /**
   * The input ring: callers write each block at `writePos` (wrapping at its end), then call
   * `advance`. It keeps the last `history` samples before the block unchanged, and its length is a
   * whole number of frames written at multiples of the frame size, so each complete frame is a
   * fixed view of it that goes to `frameFn` as is (no copy, no allocation).
   */
  readonly input: Float32Array;
  private readonly maxBlock: number;
  private readonly inSlots: Float32Array[];
  private inPos = 0;
  private inSlot = 0;
  private inFill = 0;
  // Output FIFO: processed samples waiting to be read, `delay` zeros ahead of the first frame, laid
  // out as the input ring is, so the engine writes each frame straight into one of its views.
  private readonly ring: Float32Array;
  private readonly slots: Float32Array[];
  private readPos: number;
  private slot = 0;

  /**
   * @param blockSize samples per `process` call, or 'variable' (then up to `maxBlock`).
   * @param frameFn called once per complete frame of `frameSize` samples; must fill `output`.
   * @param history input samples before each block that stay readable in `input` while it is written.
   */
  constructor(
    blockSize: number | 'variable',
    private readonly frameFn: FrameFn,
    maxBlock = typeof blockSize === 'number' ? blockSize : 1024,
    frameSize = FRAME_SIZE,
    history = 0,
  ) {
    this.delay = reframerDelay(blockSize, frameSize);
    this.frameSize = frameSize;
    this.maxBlock = maxBlock;
    // The frame being filled starts at most `delay` samples before the block (its fill never
    // exceeds the delay); the block must not overwrite it, nor the history before it.
    const input = frameRing(Math.max(history, this.delay) + maxBlock, frameSize);
    this.input = input.ring;
    this.inSlots = input.slots;
    // Queued at most: `delay` + one frame + one block, plus one so a full ring is told from an empty one.
    const output = frameRing(this.delay + frameSize + maxBlock + 1, frameSize);
    this.ring = output.ring;
    this.slots = output.slots;
    this.readPos = (this.ring.length - this.delay) % this.ring.length;
  }

  /** Throws unless a block of `length` samples fits (the pipeline checks before it writes anything). */
  checkLength(length: number): void {
    if (length > this.maxBlock) {
      throw new RangeError(`reframer got a block of ${length} samples (max ${this.maxBlock})`);
    }
  }

  /** Where in `input` the next block's first sample goes. */
  get writePos(): number {
    return this.inPos;
  }

  /** Samples per call may not exceed the block size given at construction. Reads `input` from `inOffset`. */
  process(input: Float32Array, output: Float32Array, length = input.length, inOffset = 0): void {
    this.checkLength(length);
    const ring = this.input;
    const cap = ring.length;
    let w = this.inPos;
    for (let i = 0; i < length; i++) {
      ring[w] = input[inOffset + i] as number;
      if (++w === cap) w = 0;
    }
    this.advance(output, length);
  }

  /**
   * Takes the `length` samples the caller wrote into `input` from `writePos` on (wrapping), runs
   * every frame they complete, and writes `length` samples of the delayed output.
   */
  advance(output: Float32Array, length: number): void {
    this.checkLength(length);
    // All input first: a frame completed by this block is available to this block's output.
    const frameSize = this.frameSize;
    let fill = this.inFill + length;
    while (fill >= frameSize) {
      fill -= frameSize;
      this.frameFn(this.inSlots[this.inSlot] as Float32Array, this.slots[this.slot] as Float32Array);
      if (++this.inSlot === this.inSlots.length) this.inSlot = 0;
      if (++this.slot === this.slots.length) this.slot = 0;
    }
    this.inFill = fill;
    const inPos = this.inPos + length;
    this.inPos = inPos >= this.input.length ? inPos - this.input.length : inPos;
    // Out in at most two runs (the ring wraps once at most), without a test per sample.
    const ring = this.ring;
    const cap = ring.length;
    let r = this.readPos;
    const first = Math.min(length, cap - r);
    for (let i = 0; i < first; i++) output[i] = ring[r + i] as number;
    r += first;
    if (r === cap) r = 0;
    for (let i = first; i < length; i++) output[i] = ring[r++] as number;
    this.readPos = r;
  }

  /** Back to the initial state: empty frame, `delay` zeros queued. */
  reset(): void {
    this.inFill = 0;
    this.inPos = this.inSlot = 0;
    this.input.fill(0);
    this.ring.fill(0);
    this.slot = 0;
    this.readPos = (this.ring.length - this.delay) % this.ring.length;
  }
}
