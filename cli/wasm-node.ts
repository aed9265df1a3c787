// Node-side engine loading: the same raw RNNoise wasm the browser uses, read from the npm
// dependency, compiled once per process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export type WasmFlavour = 'simd' | 'scalar';

const cache = new Map<WasmFlavour, WebAssembly.Module>();

export function rnnoiseWasmPath(flavour: WasmFlavour): string {
  const file = flavour === 'simd' ? 'rnnoise_simd.wasm' : 'rnnoise.wasm';
  return require.resolve(`@sapphi-red/web-noise-suppressor/${file}`);
}

export function loadRnnoiseModule(flavour: WasmFlavour = 'simd'): WebAssembly.Module {
  let module = cache.get(flavour);
  if (!module) {
    module = new WebAssembly.Module(readFileSync(rnnoiseWasmPath(flavour)));
    cache.set(flavour, module);
  }
  return module;
}
