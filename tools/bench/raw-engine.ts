// The cost floor's engine: the RNNoise wasm instantiated with the product's own env imports
// (worklets/dsp/rnnoise.ts), one state and two frame buffers, and nothing else. Node's raw loop
// (node-bench.ts) starts from here; the bench worklets' floor is engine-floor.ts.
import { FRAME_SIZE } from '../../worklets/dsp/engine';
import { rnnoiseImports, type RnnoiseExports } from '../../worklets/dsp/rnnoise';

export interface RawEngine {
  ex: RnnoiseExports;
  state: number;
  inPtr: number;
  outPtr: number;
}

export function rawEngine(module: WebAssembly.Module): RawEngine {
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(
    module,
    rnnoiseImports(() => memory),
  );
  const ex = instance.exports as unknown as RnnoiseExports;
  memory = ex.memory;
  ex.__wasm_call_ctors?.();
  const state = ex.rnnoise_create(0);
  return { ex, state, inPtr: ex.malloc(FRAME_SIZE * 4), outPtr: ex.malloc(FRAME_SIZE * 4) };
}
