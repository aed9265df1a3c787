// Our own glue for the raw RNNoise wasm from @sapphi-red/web-noise-suppressor: three env
// imports, no emscripten JS. Instantiated synchronously, so it runs inside an
// AudioWorkletProcessor constructor as well as in Node.
import { FRAME_SIZE, type FrameEngine } from './engine';
import { toInt16Range, fromInt16Range } from './scale';

interface RnnoiseExports {
  memory: WebAssembly.Memory;
  __wasm_call_ctors?: () => void;
  rnnoise_create(model: number): number;
  rnnoise_destroy(state: number): void;
  rnnoise_process_frame(state: number, out: number, input: number): number;
  malloc(bytes: number): number;
  free(ptr: number): void;
}

const BYTES_PER_FRAME = FRAME_SIZE * Float32Array.BYTES_PER_ELEMENT;

export class EngineError extends Error {
  constructor(
    readonly reason: 'instantiate' | 'create-state' | 'alloc',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`RNNoise engine: ${reason} failed (${detail})`, options);
    this.name = 'EngineError';
  }
}

/** Minimal env for the three imports the module needs; the heap may grow via memory.grow. */
function makeImports(getMemory: () => WebAssembly.Memory | undefined): WebAssembly.Imports {
  return {
    env: {
      emscripten_memcpy_big(dest: number, src: number, num: number): void {
        const memory = getMemory();
        if (!memory) return;
        const heap = new Uint8Array(memory.buffer);
        heap.copyWithin(dest, src, src + num);
      },
      emscripten_resize_heap(requested: number): number {
        const memory = getMemory();
        if (!memory) return 0;
        const current = memory.buffer.byteLength;
        if (requested <= current) return 1;
        const pages = Math.ceil((requested - current) / 65_536);
        try {
          memory.grow(pages);
          return 1;
        } catch {
          return 0;
        }
      },
      __assert_fail(): void {
        throw new Error('RNNoise assertion failed');
      },
    },
  };
}

export class RnnoiseEngine implements FrameEngine {
  readonly delay = FRAME_SIZE;
  private readonly exports: RnnoiseExports;
  private state: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private heap: Float32Array;
  private destroyed = false;

  constructor(module: WebAssembly.Module) {
    let memory: WebAssembly.Memory | undefined;
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module, makeImports(() => memory));
    } catch (cause) {
      throw new EngineError('instantiate', String(cause), { cause });
    }
    this.exports = instance.exports as unknown as RnnoiseExports;
    memory = this.exports.memory;
    this.exports.__wasm_call_ctors?.();
    this.state = this.exports.rnnoise_create(0);
    if (!this.state) throw new EngineError('create-state', 'rnnoise_create returned 0');
    this.inPtr = this.exports.malloc(BYTES_PER_FRAME);
    this.outPtr = this.exports.malloc(BYTES_PER_FRAME);
    if (!this.inPtr || !this.outPtr) throw new EngineError('alloc', `malloc(${BYTES_PER_FRAME}) returned 0`);
    this.heap = new Float32Array(this.exports.memory.buffer);
  }

  /** Bytes of wasm linear memory this instance holds (for leak checks). */
  get memoryBytes(): number {
    return this.destroyed ? 0 : this.exports.memory.buffer.byteLength;
  }

  processFrame(input: Float32Array, output: Float32Array): number {
    if (this.destroyed) throw new Error('RNNoise engine used after destroy');
    // Memory can only grow inside the engine; re-derive the view only when it did.
    if (this.heap.buffer !== this.exports.memory.buffer) this.heap = new Float32Array(this.exports.memory.buffer);
    const heap = this.heap;
    const inIndex = this.inPtr >> 2;
    const outIndex = this.outPtr >> 2;
    toInt16Range(input, heap, inIndex, FRAME_SIZE);
    const vad = this.exports.rnnoise_process_frame(this.state, this.outPtr, this.inPtr);
    if (this.heap.buffer !== this.exports.memory.buffer) this.heap = new Float32Array(this.exports.memory.buffer);
    fromInt16Range(this.heap, outIndex, output, FRAME_SIZE);
    return vad;
  }

  reset(): void {
    if (this.destroyed) return;
    this.exports.rnnoise_destroy(this.state);
    this.state = this.exports.rnnoise_create(0);
    if (!this.state) throw new EngineError('create-state', 'rnnoise_create returned 0 on reset');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.exports.rnnoise_destroy(this.state);
    this.exports.free(this.inPtr);
    this.exports.free(this.outPtr);
    this.state = 0;
    // Drop the view so the instance's memory can be collected with the engine.
    this.heap = new Float32Array(0);
  }
}
