// GTCRN (a 16 kHz speech-enhancement network) from @sapphi-red/web-noise-suppressor 0.4.1's raw
// gtcrn.wasm, with our own glue: no emscripten JS, instantiated synchronously. gtcrn_process_48k
// takes 768 samples at 48 kHz (16 ms), resamples to 16 kHz inside, runs the model on one
// 256-sample hop and resamples back, so nothing above 8 kHz survives it. Samples stay in float
// scale. The module is minified; its imports and exports, as the package's own JS names them
// and as their signatures confirm:
//   imports a.a __assert_fail (i32×4)→(), a.b emscripten_resize_heap (i32)→i32;
//   exports c memory, d __wasm_call_ctors, e gtcrn_create ()→i32, f free, g gtcrn_destroy,
//           i gtcrn_process (16 kHz), j gtcrn_process_48k (state, in, out)→(), k malloc.
import { emscriptenRuntime, renamedExports, WasmEngine, type EngineBinding } from './wasm-instance';

export interface GtcrnExports {
  memory: WebAssembly.Memory;
  __wasm_call_ctors: () => void;
  gtcrn_create(): number;
  gtcrn_destroy(state: number): void;
  gtcrn_process_48k(state: number, input: number, out: number): void;
  malloc(bytes: number): number;
  free(ptr: number): void;
}

/** 256 samples at 16 kHz: one STFT hop of the model. */
export const GTCRN_FRAME_SIZE = 768;
/**
 * Input sample n comes out at n + GTCRN_DELAY of the frame sequence (48 kHz samples): more than
 * one frame and not a whole number of them, as the resamplers inside add their filters' delay.
 * Measured by cross-correlation (worklets/dsp/engines.test.ts).
 */
export const GTCRN_DELAY = 890;

export const GTCRN: EngineBinding<GtcrnExports> = {
  engine: 'GTCRN',
  imports(getMemory) {
    const rt = emscriptenRuntime('GTCRN', getMemory);
    return { a: { a: rt.assertFail, b: rt.resizeHeap } };
  },
  exports: (raw) =>
    renamedExports<GtcrnExports>('GTCRN', raw, {
      memory: 'c',
      __wasm_call_ctors: 'd',
      gtcrn_create: 'e',
      free: 'f',
      gtcrn_destroy: 'g',
      gtcrn_process_48k: 'j',
      malloc: 'k',
    }),
  init: (ex) => ex.__wasm_call_ctors(),
  createState: (ex) => ex.gtcrn_create(),
  destroyState: (ex, state) => ex.gtcrn_destroy(state),
};

export class GtcrnEngine extends WasmEngine<GtcrnExports> {
  readonly delay = GTCRN_DELAY;

  /** @param shareKey engines with the same key share one instance (see RnnoiseEngine). */
  constructor(module: WebAssembly.Module, shareKey: unknown = module) {
    super(module, shareKey, GTCRN, GTCRN_FRAME_SIZE);
  }

  /** GTCRN has no voice-activity output: NaN. */
  protected run(input: Float32Array, output: Float32Array): number {
    const n = GTCRN_FRAME_SIZE;
    let heap = this.shared.heap;
    const ip = this.inPtr >> 2;
    for (let i = 0; i < n; i++) heap[ip + i] = input[i] as number;
    this.shared.exports.gtcrn_process_48k(this.state, this.inPtr, this.outPtr);
    heap = this.shared.heap;
    const op = this.outPtr >> 2;
    for (let i = 0; i < n; i++) output[i] = heap[op + i] as number;
    return NaN;
  }
}
