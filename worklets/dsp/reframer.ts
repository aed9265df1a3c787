// Turns render quanta (128 samples) into the engine's 480-sample frames and back with a fixed
// delay. With blocks of B samples the output must lag by the largest (n·B mod 480), which is
// 480 − gcd(B, 480): 448 for B = 128, the minimum possible. Allocation-free after construction.
import { FRAME_SIZE } from './engine';

export type FrameFn = (input: Float32Array, output: Float32Array) => void;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Buffering delay in samples for fixed blocks of `blockSize`, or for blocks of any size. */
export function reframerDelay(blockSize: number | 'variable'): number {
  if (blockSize === 'variable') return FRAME_SIZE - 1;
  if (!Number.isInteger(blockSize) || blockSize <= 0) {
    throw new RangeError(`reframer block size must be a positive integer (was ${blockSize})`);
  }
  return FRAME_SIZE - gcd(blockSize, FRAME_SIZE);
}

export class Reframer {
  readonly delay: number;
  private readonly maxBlock: number;
  private readonly inFrame = new Float32Array(FRAME_SIZE);
  private readonly outFrame = new Float32Array(FRAME_SIZE);
  private inFill = 0;
  // Output FIFO: processed samples waiting to be read, preloaded with `delay` zeros.
  private readonly ring: Float32Array;
  private readPos = 0;
  private writePos: number;

  /**
   * @param blockSize samples per `process` call, or 'variable' (then up to `maxBlock`).
   * @param frameFn called once per complete 480-sample frame; must fill `output`.
   */
  constructor(
    blockSize: number | 'variable',
    private readonly frameFn: FrameFn,
    maxBlock = typeof blockSize === 'number' ? blockSize : 1024,
  ) {
    this.delay = reframerDelay(blockSize);
    this.maxBlock = maxBlock;
    this.ring = new Float32Array(this.delay + FRAME_SIZE + maxBlock + 1);
    this.writePos = this.delay;
  }

  /** Samples per call may not exceed the block size given at construction. */
  process(input: Float32Array, output: Float32Array, length = input.length): void {
    if (length > this.maxBlock) {
      throw new RangeError(`reframer got a block of ${length} samples (max ${this.maxBlock})`);
    }
    const ring = this.ring;
    const cap = ring.length;
    const inFrame = this.inFrame;
    const outFrame = this.outFrame;
    let fill = this.inFill;
    // All input first: a frame completed by this block is available to this block's output.
    for (let i = 0; i < length; i++) {
      inFrame[fill++] = input[i] as number;
      if (fill === FRAME_SIZE) {
        fill = 0;
        this.frameFn(inFrame, outFrame);
        let w = this.writePos;
        for (let j = 0; j < FRAME_SIZE; j++) {
          ring[w] = outFrame[j] as number;
          if (++w === cap) w = 0;
        }
        this.writePos = w;
      }
    }
    this.inFill = fill;
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
    this.readPos = 0;
    this.writePos = this.delay;
  }
}
