// Our own glue for RNNoise wasm: no emscripten JS. Instantiated synchronously, so it runs inside
// an AudioWorkletProcessor constructor as well as in Node. This file binds classic RNNoise, the
// raw wasm from @sapphi-red/web-noise-suppressor (readable export names, three env imports);
// rnnoise2.ts binds RNNoise 0.2 to the same engine class.
import { FRAME_SIZE } from './engine';
import { toInt16Range, fromInt16Range } from './scale';
import { emscriptenRuntime, WasmEngine, type EngineBinding } from './wasm-instance';

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

/**
 * The env for the three imports the classic module needs; the heap may grow via memory.grow.
 * Exported for the benchmarks' raw-engine floor, so they instantiate the wasm exactly as we do.
 */
export function rnnoiseImports(getMemory: () => WebAssembly.Memory | undefined): WebAssembly.Imports {
  const rt = emscriptenRuntime('RNNoise', getMemory);
  return { env: { emscripten_memcpy_big: rt.memcpyBig, emscripten_resize_heap: rt.resizeHeap, __assert_fail: rt.assertFail } };
}

/** How both RNNoise builds make and free a state (model 0: the built-in weights). */
export const RNNOISE_STATE: Pick<EngineBinding<RnnoiseExports>, 'createState' | 'destroyState' | 'init'> = {
  createState: (ex) => ex.rnnoise_create(0),
  destroyState: (ex, state) => ex.rnnoise_destroy(state),
  init: (ex) => ex.__wasm_call_ctors?.(),
};

/** An RNNoise build: its binding, and its delay (measured by cross-correlation in worklets/dsp/engines.test.ts). */
export interface RnnoiseBinding extends EngineBinding<RnnoiseExports> {
  delay: number;
}

const CLASSIC: RnnoiseBinding = {
  engine: 'RNNoise',
  // Each output frame answers the input frame before it (a 960-sample window overlapping by half).
  delay: FRAME_SIZE,
  imports: rnnoiseImports,
  exports: (raw) => raw as unknown as RnnoiseExports,
  ...RNNOISE_STATE,
};

export class RnnoiseEngine extends WasmEngine<RnnoiseExports> {
  readonly delay: number;

  /**
   * @param shareKey engines with the same key share one instance. Defaults to the module; the
   *   worklet passes the engine flavour, since each processor receives its own structured-clone
   *   copy of the module.
   * @param binding how the module is bound (rnnoise2.ts passes RNNoise 0.2's).
   */
  constructor(module: WebAssembly.Module, shareKey: unknown = module, binding: RnnoiseBinding = CLASSIC) {
    super(module, shareKey, binding, FRAME_SIZE);
    this.delay = binding.delay;
  }

  protected run(input: Float32Array, output: Float32Array): number {
    toInt16Range(input, this.shared.heap, this.inPtr >> 2, FRAME_SIZE);
    const vad = this.shared.exports.rnnoise_process_frame(this.state, this.outPtr, this.inPtr);
    fromInt16Range(this.shared.heap, this.outPtr >> 2, output, FRAME_SIZE);
    return vad;
  }
}
