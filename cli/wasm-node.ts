// Node-side engine loading: the same raw RNNoise wasm the browser uses, compiled once per
// process. The built CLI (dist/cli) reads the package's own copies in dist/lib (vite.cli.config.ts
// defines where); run from source it reads them from the dev dependency.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export type WasmFlavour = 'simd' | 'scalar';

const cache = new Map<WasmFlavour, WebAssembly.Module>();

export function rnnoiseWasmPath(flavour: WasmFlavour): string {
  const file = flavour === 'simd' ? 'rnnoise_simd.wasm' : 'rnnoise.wasm';
  const packaged: unknown = import.meta.env?.LK_DENOISE_WASM_DIR;
  if (typeof packaged === 'string') return fileURLToPath(new URL(packaged + file, import.meta.url));
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
