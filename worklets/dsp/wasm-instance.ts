// What every engine's glue shares: honest stubs for the few emscripten runtime imports the raw
// modules need, and one wasm instance per module per global scope. No emscripten JS: each
// engine names its module's imports and exports itself (rnnoise.ts, rnnoise2.ts, gtcrn.ts).
import { EngineError, type WasmFrameEngine } from './engine';

/** The emscripten runtime functions the engines' modules import, written against their memory. */
export interface EmscriptenRuntime {
  /** memcpy for large blocks: the module asks the host to copy within its own memory. */
  memcpyBig(dest: number, src: number, num: number): void;
  /** malloc ran out of room: grow the memory to at least `requested` bytes; 1 on success, 0 not. */
  resizeHeap(requested: number): number;
  /** A C assert() failed inside the module: nothing sensible can follow, so throw. */
  assertFail(): never;
}

export function emscriptenRuntime(engine: string, getMemory: () => WebAssembly.Memory | undefined): EmscriptenRuntime {
  return {
    memcpyBig(dest, src, num) {
      const memory = getMemory();
      if (!memory) return;
      new Uint8Array(memory.buffer).copyWithin(dest, src, src + num);
    },
    resizeHeap(requested) {
      const memory = getMemory();
      if (!memory) return 0;
      const current = memory.buffer.byteLength;
      if (requested <= current) return 1;
      try {
        memory.grow(Math.ceil((requested - current) / 65_536));
        return 1;
      } catch {
        return 0;
      }
    },
    assertFail() {
      throw new Error(`${engine} assertion failed`);
    },
  };
}

/**
 * A minified module's exports under readable names: `letters` gives each name's export. Throws,
 * naming it, when one is missing: the wasm is not the build this glue was written for.
 */
export function renamedExports<E>(engine: string, raw: WebAssembly.Exports, letters: { [K in keyof E]-?: string }): E {
  const out: Record<string, unknown> = {};
  for (const [name, letter] of Object.entries<string>(letters)) {
    if (!(letter in raw)) throw new EngineError(engine, 'instantiate', `the module exports no '${letter}' (${name})`);
    out[name] = raw[letter];
  }
  return out as E;
}

/** How one engine binds its module: its imports, and its exports under readable names. */
export interface WasmBinding<E extends { memory: WebAssembly.Memory }> {
  /** The engine's name, for errors. */
  engine: string;
  imports(getMemory: () => WebAssembly.Memory | undefined): WebAssembly.Imports;
  exports(raw: WebAssembly.Exports): E;
  /** Runs the module's static constructors, once per instance. */
  init(exports: E): void;
}

/**
 * One wasm instance per compiled module, shared by every engine in this global scope (the
 * worklet's, or Node's). Each module asks for 16 MiB or more of linear memory up front while one
 * engine state needs tens to hundreds of KiB, so per-engine instances would cost 16 MiB a track;
 * shared, each engine costs its state. The instance is dropped when its last engine is destroyed.
 */
export class SharedInstance<E extends { memory: WebAssembly.Memory }> {
  private static readonly byKey = new Map<unknown, SharedInstance<{ memory: WebAssembly.Memory }>>();

  static acquire<E extends { memory: WebAssembly.Memory }>(
    module: WebAssembly.Module,
    key: unknown,
    binding: WasmBinding<E>,
  ): SharedInstance<E> {
    let shared = SharedInstance.byKey.get(key) as SharedInstance<E> | undefined;
    if (!shared) {
      shared = new SharedInstance(key, module, binding);
      SharedInstance.byKey.set(key, shared);
    }
    shared.refs++;
    return shared;
  }

  readonly exports: E;
  private view: Float32Array;
  private refs = 0;

  private constructor(
    private readonly key: unknown,
    module: WebAssembly.Module,
    binding: WasmBinding<E>,
  ) {
    let memory: WebAssembly.Memory | undefined;
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(
        module,
        binding.imports(() => memory),
      );
    } catch (cause) {
      throw new EngineError(binding.engine, 'instantiate', String(cause), { cause });
    }
    this.exports = binding.exports(instance.exports);
    memory = this.exports.memory;
    binding.init(this.exports);
    this.view = new Float32Array(memory.buffer);
  }

  /** The heap as floats; re-derived only when the memory grew (which detaches the old view). */
  get heap(): Float32Array {
    if (this.view.buffer !== this.exports.memory.buffer) this.view = new Float32Array(this.exports.memory.buffer);
    return this.view;
  }

  /** Bytes of linear memory behind every engine of this instance. */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  release(): void {
    if (--this.refs > 0) return;
    SharedInstance.byKey.delete(this.key);
    this.view = new Float32Array(0);
  }
}

/** The exports every engine module has: its memory and its allocator. */
export interface EngineExports {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(ptr: number): void;
}

/** A binding that also knows how to make and free one engine state. */
export interface EngineBinding<E extends EngineExports> extends WasmBinding<E> {
  /** Makes a state; 0 on failure. */
  createState(exports: E): number;
  destroyState(exports: E, state: number): void;
}

/**
 * What every wasm engine does alike: a state and an input and an output frame in the shared
 * instance's heap, a reset that starts the state over, and one teardown, safe to repeat.
 * Subclasses say how one frame is run (`run`).
 */
export abstract class WasmEngine<E extends EngineExports> implements WasmFrameEngine {
  abstract readonly delay: number;
  protected readonly shared: SharedInstance<E>;
  protected state: number;
  protected readonly inPtr: number;
  protected readonly outPtr: number;
  private destroyed = false;

  constructor(
    module: WebAssembly.Module,
    shareKey: unknown,
    private readonly binding: EngineBinding<E>,
    readonly frameSize: number,
  ) {
    this.shared = SharedInstance.acquire(module, shareKey, binding);
    const ex = this.shared.exports;
    const bytes = frameSize * Float32Array.BYTES_PER_ELEMENT;
    this.state = binding.createState(ex);
    this.inPtr = ex.malloc(bytes);
    this.outPtr = ex.malloc(bytes);
    if (!this.state || !this.inPtr || !this.outPtr) {
      const detail = !this.state ? 'creating its state returned 0' : `malloc(${bytes}) returned 0`;
      this.destroy();
      throw new EngineError(binding.engine, !this.state ? 'create-state' : 'alloc', detail);
    }
  }

  get memoryBytes(): number {
    return this.destroyed ? 0 : this.shared.memoryBytes;
  }

  processFrame(input: Float32Array, output: Float32Array): number {
    if (this.destroyed) throw new Error(`${this.binding.engine} engine used after destroy`);
    return this.run(input, output);
  }

  /** Copies `input` into the heap at inPtr, runs the state, copies outPtr to `output`; returns the VAD or NaN. */
  protected abstract run(input: Float32Array, output: Float32Array): number;

  reset(): void {
    if (this.destroyed) return;
    const ex = this.shared.exports;
    this.binding.destroyState(ex, this.state);
    this.state = this.binding.createState(ex);
    if (!this.state) throw new EngineError(this.binding.engine, 'create-state', 'creating its state returned 0 on reset');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const ex = this.shared.exports;
    if (this.state) this.binding.destroyState(ex, this.state);
    if (this.inPtr) ex.free(this.inPtr);
    if (this.outPtr) ex.free(this.outPtr);
    this.state = 0;
    this.shared.release();
  }
}
