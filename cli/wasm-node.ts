// Node-side engine loading: the same raw wasm the browser uses, compiled once per process. The
// built CLI (dist/cli) reads the package's own copies in dist/lib (vite.cli.config.ts defines
// where); run from source it reads them from the dev dependencies, extracting RNNoise 0.2's
// from the emscripten JS that embeds it, as the build does (tools/scripts/embedded-wasm.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { EngineFlavour } from '../worklets/protocol';

const require = createRequire(import.meta.url);

export type WasmFlavour = 'simd' | 'scalar';

/** The file each flavour ships as in dist/lib, and where its bytes come from in the dev dependencies. */
export const ENGINE_WASM: Record<EngineFlavour, { file: string; source: string; embedded: boolean }> = {
  'rnnoise-simd': { file: 'rnnoise_simd.wasm', source: '@sapphi-red/web-noise-suppressor/rnnoise_simd.wasm', embedded: false },
  rnnoise: { file: 'rnnoise.wasm', source: '@sapphi-red/web-noise-suppressor/rnnoise.wasm', embedded: false },
  'rnnoise-0.2': { file: 'rnnoise-0.2.wasm', source: '@jitsi/rnnoise-wasm/dist/rnnoise-sync.js', embedded: true },
  gtcrn: { file: 'gtcrn.wasm', source: '@sapphi-red/web-noise-suppressor/gtcrn.wasm', embedded: false },
};

// \0asm and version 1.
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
// An emscripten SINGLE_FILE build holds its module as one base64 data URI ("AGFzbQ" is the
// wasm magic, \0asm, in base64).
const EMBEDDED = /data:application\/octet-stream;base64,(AGFzbQ[A-Za-z0-9+/]*={0,2})/g;

/** The wasm module embedded in an emscripten SINGLE_FILE build's JS. Throws unless there is exactly one. */
export function extractEmbeddedWasm(js: string, source: string): Uint8Array<ArrayBuffer> {
  const found = [...js.matchAll(EMBEDDED)];
  if (found.length !== 1) throw new Error(`${source}: expected one embedded wasm module, found ${found.length}`);
  const bytes = new Uint8Array(Buffer.from((found[0] as RegExpMatchArray)[1] as string, 'base64'));
  if (!WASM_MAGIC.every((b, i) => bytes[i] === b)) throw new Error(`${source}: the embedded data is not a wasm module`);
  return bytes;
}

/** The wasm bytes of `flavour`, from the package's dist/lib when built, else from the dev dependencies. */
export function engineWasmBytes(flavour: EngineFlavour): Uint8Array<ArrayBuffer> {
  const entry = ENGINE_WASM[flavour];
  const packaged: unknown = import.meta.env?.LK_DENOISE_WASM_DIR;
  if (typeof packaged === 'string') return new Uint8Array(readFileSync(fileURLToPath(new URL(packaged + entry.file, import.meta.url))));
  const path = require.resolve(entry.source);
  return entry.embedded ? extractEmbeddedWasm(readFileSync(path, 'utf8'), entry.source) : new Uint8Array(readFileSync(path));
}

const cache = new Map<EngineFlavour, WebAssembly.Module>();

export function loadEngineModule(flavour: EngineFlavour): WebAssembly.Module {
  let module = cache.get(flavour);
  if (!module) {
    module = new WebAssembly.Module(engineWasmBytes(flavour));
    cache.set(flavour, module);
  }
  return module;
}

export function loadRnnoiseModule(flavour: WasmFlavour = 'simd'): WebAssembly.Module {
  return loadEngineModule(flavour === 'simd' ? 'rnnoise-simd' : 'rnnoise');
}
