// The one place a wasm build becomes an engine: the worklet and the CLI both build engines here,
// so each flavour is bound with the same glue on both.
import { assertNever, type EngineFlavour } from '../protocol';
import type { WasmFrameEngine } from './engine';
import { GtcrnEngine } from './gtcrn';
import { RnnoiseEngine } from './rnnoise';
import { Rnnoise2Engine } from './rnnoise2';

/**
 * A new engine over `module`, which must be the build `flavour` names. Engines with the same
 * `shareKey` share one wasm instance (default: the flavour).
 */
export function createEngine(flavour: EngineFlavour, module: WebAssembly.Module, shareKey: unknown = flavour): WasmFrameEngine {
  switch (flavour) {
    case 'rnnoise-simd':
    case 'rnnoise':
      return new RnnoiseEngine(module, shareKey);
    case 'rnnoise-0.2':
      return new Rnnoise2Engine(module, shareKey);
    case 'gtcrn':
      return new GtcrnEngine(module, shareKey);
    default:
      return assertNever(flavour, 'engine flavour');
  }
}
