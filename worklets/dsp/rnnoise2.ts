// RNNoise 0.2 (xiph/rnnoise's 2024 model) from @jitsi/rnnoise-wasm 0.2.1. The package ships it
// inside emscripten JS as base64; the build extracts the bytes into a .wasm asset
// (tools/scripts/embedded-wasm.ts) and this binds them to the RNNoise engine class, with no
// emscripten JS. The build is minified, so its imports and exports are letters. The mapping,
// read from the module's own name section and checked against the signatures:
//   imports a.a emscripten_resize_heap (i32)→i32, a.b emscripten_memcpy_big (i32,i32,i32)→();
//   exports c memory, d __wasm_call_ctors, e malloc, f free, g rnnoise_init,
//           h rnnoise_create (i32)→i32, i rnnoise_destroy, j rnnoise_process_frame (i32,i32,i32)→f32.
// Same API as classic RNNoise (480-sample frames in int16 range, a VAD), but two frames of
// delay, not one: the 0.2 model looks one frame ahead.
import { FRAME_SIZE } from './engine';
import { RNNOISE_STATE, RnnoiseEngine, type RnnoiseBinding, type RnnoiseExports } from './rnnoise';
import { emscriptenRuntime, renamedExports } from './wasm-instance';

export const RNNOISE_02: RnnoiseBinding = {
  engine: 'RNNoise 0.2',
  // Measured by cross-correlation (worklets/dsp/engines.test.ts).
  delay: 2 * FRAME_SIZE,
  imports(getMemory) {
    const rt = emscriptenRuntime('RNNoise 0.2', getMemory);
    return { a: { a: rt.resizeHeap, b: rt.memcpyBig } };
  },
  exports: (raw) =>
    renamedExports<RnnoiseExports>('RNNoise 0.2', raw, {
      memory: 'c',
      __wasm_call_ctors: 'd',
      malloc: 'e',
      free: 'f',
      rnnoise_create: 'h',
      rnnoise_destroy: 'i',
      rnnoise_process_frame: 'j',
    }),
  ...RNNOISE_STATE,
};

export class Rnnoise2Engine extends RnnoiseEngine {
  constructor(module: WebAssembly.Module, shareKey: unknown = module) {
    super(module, shareKey, RNNOISE_02);
  }
}
