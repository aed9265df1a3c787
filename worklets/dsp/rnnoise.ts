// Our own glue for the raw RNNoise wasm from @sapphi-red/web-noise-suppressor: three env
// imports, no emscripten JS. Instantiated synchronously, so it runs inside an
// AudioWorkletProcessor constructor as well as in Node.
import { FRAME_SIZE, type FrameEngine } from './engine';
import { toInt16Range, fromInt16Range } from './scale';

/** The raw module's exports we call (also used by the raw-engine benchmark). */
export interface RnnoiseExports {
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

/**
 * Minimal env for the three imports the module needs; the heap may grow via memory.grow.
 * Exported for the benchmarks' raw-engine floor, so they instantiate the wasm exactly as we do.
 */
export function rnnoiseImports(getMemory: () => WebAssembly.Memory | undefined): WebAssembly.Imports {
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

/**
 * One wasm instance per compiled module, shared by every engine in this global scope (the
 * worklet's, or Node's). The module asks for 16 MiB of linear memory up front while one RNNoise
 * state needs tens of KiB, so per-engine instances would cost 16 MiB a track; shared, each
 * engine costs its state. The instance is dropped when its last engine is destroyed.
 */
class SharedInstance {
  private static readonly byKey = new Map<unknown, SharedInstance>();

  static acquire(module: WebAssembly.Module, key: unknown): SharedInstance {
    let shared = SharedInstance.byKey.get(key);
    if (!shared) {
      shared = new SharedInstance(key, module);
      SharedInstance.byKey.set(key, shared);
    }
    shared.refs++;
    return shared;
  }

  readonly exports: RnnoiseExports;
  private view: Float32Array;
  private refs = 0;

  private constructor(
    private readonly key: unknown,
    module: WebAssembly.Module,
  ) {
    let memory: WebAssembly.Memory | undefined;
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(
        module,
        rnnoiseImports(() => memory),
      );
    } catch (cause) {
      throw new EngineError('instantiate', String(cause), { cause });
    }
    this.exports = instance.exports as unknown as RnnoiseExports;
    memory = this.exports.memory;
    this.exports.__wasm_call_ctors?.();
    this.view = new Float32Array(memory.buffer);
  }

  /** The heap as floats; re-derived only when the memory grew (which detaches the old view). */
  get heap(): Float32Array {
    if (this.view.buffer !== this.exports.memory.buffer) this.view = new Float32Array(this.exports.memory.buffer);
    return this.view;
  }

  release(): void {
    if (--this.refs > 0) return;
    SharedInstance.byKey.delete(this.key);
    this.view = new Float32Array(0);
  }
}

export class RnnoiseEngine implements FrameEngine {
  readonly delay = FRAME_SIZE;
  private readonly shared: SharedInstance;
  private state: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private destroyed = false;

  /**
   * @param shareKey engines with the same key share one instance. Defaults to the module; the
   *   worklet passes the engine flavour, since each processor receives its own structured-clone
   *   copy of the module.
   */
  constructor(module: WebAssembly.Module, shareKey: unknown = module) {
    this.shared = SharedInstance.acquire(module, shareKey);
    const ex = this.shared.exports;
    this.state = ex.rnnoise_create(0);
    this.inPtr = ex.malloc(BYTES_PER_FRAME);
    this.outPtr = ex.malloc(BYTES_PER_FRAME);
    if (!this.state || !this.inPtr || !this.outPtr) {
      const detail = !this.state ? 'rnnoise_create returned 0' : `malloc(${BYTES_PER_FRAME}) returned 0`;
      this.destroy();
      throw new EngineError(!this.state ? 'create-state' : 'alloc', detail);
    }
  }

  /** Bytes of wasm linear memory behind this engine (shared with the others in this scope). */
  get memoryBytes(): number {
    return this.destroyed ? 0 : this.shared.exports.memory.buffer.byteLength;
  }

  processFrame(input: Float32Array, output: Float32Array): number {
    if (this.destroyed) throw new Error('RNNoise engine used after destroy');
    toInt16Range(input, this.shared.heap, this.inPtr >> 2, FRAME_SIZE);
    const vad = this.shared.exports.rnnoise_process_frame(this.state, this.outPtr, this.inPtr);
    fromInt16Range(this.shared.heap, this.outPtr >> 2, output, FRAME_SIZE);
    return vad;
  }

  reset(): void {
    if (this.destroyed) return;
    const ex = this.shared.exports;
    ex.rnnoise_destroy(this.state);
    this.state = ex.rnnoise_create(0);
    if (!this.state) throw new EngineError('create-state', 'rnnoise_create returned 0 on reset');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const ex = this.shared.exports;
    if (this.state) ex.rnnoise_destroy(this.state);
    if (this.inPtr) ex.free(this.inPtr);
    if (this.outPtr) ex.free(this.outPtr);
    this.state = 0;
    this.shared.release();
  }
}
