// The cost floor of each engine, for the per-engine benchmark (engine-cost.ts): the engine's wasm
// instantiated with the product's own bindings (worklets/dsp/rnnoise.ts, rnnoise2.ts, gtcrn.ts),
// one state and two frame buffers in its heap, and nothing else. The floor worklet
// (pages/engine-raw-worklet.ts) calls it straight from process().
import type { EngineFlavour } from '../../src/types';
import { assertNever } from '../../worklets/protocol';
import { FRAME_SIZE } from '../../worklets/dsp/engine';
import { GTCRN, GTCRN_FRAME_SIZE, type GtcrnExports } from '../../worklets/dsp/gtcrn';
import { RNNOISE_STATE, rnnoiseImports, type RnnoiseExports } from '../../worklets/dsp/rnnoise';
import { RNNOISE_02 } from '../../worklets/dsp/rnnoise2';
import { INT16_SCALE } from '../../worklets/dsp/scale';
import type { EngineBinding, EngineExports } from '../../worklets/dsp/wasm-instance';

export interface EngineFloor {
  frameSize: number;
  /** Multiply float samples by this on the way in, divide on the way out (RNNoise: int16 range). */
  scale: number;
  memory: WebAssembly.Memory;
  /** Float index of the input and output frames in the heap. */
  inIndex: number;
  outIndex: number;
  /** Runs one frame in place in the heap. */
  run(): void;
}

/** Classic RNNoise bound as the product binds it (its module has readable export names). */
const CLASSIC: EngineBinding<RnnoiseExports> = {
  engine: 'RNNoise',
  imports: rnnoiseImports,
  exports: (raw) => raw as unknown as RnnoiseExports,
  ...RNNOISE_STATE,
};

function instantiate<E extends EngineExports>(module: WebAssembly.Module, binding: EngineBinding<E>, frameSize: number) {
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(
    module,
    binding.imports(() => memory),
  );
  const ex = binding.exports(instance.exports);
  memory = ex.memory;
  binding.init(ex);
  const state = binding.createState(ex);
  const inPtr = ex.malloc(frameSize * 4);
  const outPtr = ex.malloc(frameSize * 4);
  return { ex, state, inPtr, outPtr, memory: ex.memory };
}

export function engineFloor(flavour: EngineFlavour, module: WebAssembly.Module): EngineFloor {
  switch (flavour) {
    case 'rnnoise':
    case 'rnnoise-simd':
    case 'rnnoise-0.2': {
      const { ex, state, inPtr, outPtr, memory } = instantiate(module, flavour === 'rnnoise-0.2' ? RNNOISE_02 : CLASSIC, FRAME_SIZE);
      return {
        frameSize: FRAME_SIZE,
        scale: INT16_SCALE,
        memory,
        inIndex: inPtr >> 2,
        outIndex: outPtr >> 2,
        run: () => void ex.rnnoise_process_frame(state, outPtr, inPtr),
      };
    }
    case 'gtcrn': {
      const { ex, state, inPtr, outPtr, memory } = instantiate<GtcrnExports>(module, GTCRN, GTCRN_FRAME_SIZE);
      return {
        frameSize: GTCRN_FRAME_SIZE,
        scale: 1,
        memory,
        inIndex: inPtr >> 2,
        outIndex: outPtr >> 2,
        run: () => ex.gtcrn_process_48k(state, inPtr, outPtr),
      };
    }
    default:
      return assertNever(flavour, 'engine flavour');
  }
}
