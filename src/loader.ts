// Loading, done once: each engine's wasm is fetched and compiled once per page (per URL), the
// worklet module is added once per AudioContext. All come from this origin: Vite emits them as
// files next to the bundle. A failed load is not cached, so a later create() tries again.
import workletUrl from '../worklets/processor.ts?worker&url';
import simdWasmUrl from '@sapphi-red/web-noise-suppressor/rnnoise_simd.wasm?url';
import scalarWasmUrl from '@sapphi-red/web-noise-suppressor/rnnoise.wasm?url';
import gtcrnWasmUrl from '@sapphi-red/web-noise-suppressor/gtcrn.wasm?url';
// Extracted at build time from the emscripten JS that embeds it (tools/scripts/embedded-wasm.ts).
import rnnoise2WasmUrl from 'virtual:lk-denoise/rnnoise-0.2.wasm?url';
import { assertNever } from '../worklets/protocol';
import type { EngineFlavour, EngineName } from './types';
import { DenoiserError } from './errors';

export const DEFAULT_WORKLET_URL: string = workletUrl;

// The smallest module using a SIMD instruction (i8x16.splat + popcnt): validates only where
// the browser supports wasm SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** The build to run for `engine` and where its wasm is; `simd` picks classic RNNoise's build. */
export function pickEngine(simd: boolean | 'auto', engine: EngineName = 'rnnoise'): { flavour: EngineFlavour; url: string } {
  switch (engine) {
    case 'rnnoise': {
      const useSimd = simd === 'auto' ? simdSupported() : simd;
      return useSimd ? { flavour: 'rnnoise-simd', url: simdWasmUrl } : { flavour: 'rnnoise', url: scalarWasmUrl };
    }
    case 'rnnoise-0.2':
      return { flavour: 'rnnoise-0.2', url: rnnoise2WasmUrl };
    case 'gtcrn':
      return { flavour: 'gtcrn', url: gtcrnWasmUrl };
    default:
      return assertNever(engine, 'engine');
  }
}
const modules = new Map<string, Promise<WebAssembly.Module>>();

export function loadWasmModule(url: string): Promise<WebAssembly.Module> {
  let pending = modules.get(url);
  if (!pending) {
    pending = (async () => {
      let response: Response;
      try {
        response = await fetch(url);
      } catch (cause) {
        throw DenoiserError.wasmLoad(url, cause);
      }
      if (!response.ok) throw DenoiserError.wasmLoad(url, `HTTP ${response.status}`);
      try {
        return await WebAssembly.compile(await response.arrayBuffer());
      } catch (cause) {
        throw DenoiserError.wasmLoad(url, cause);
      }
    })();
    modules.set(url, pending);
    pending.catch(() => modules.delete(url));
  }
  return pending;
}

const worklets = new WeakMap<BaseAudioContext, Map<string, Promise<void>>>();

export function loadWorklet(context: BaseAudioContext, url: string = DEFAULT_WORKLET_URL): Promise<void> {
  let perContext = worklets.get(context);
  if (!perContext) worklets.set(context, (perContext = new Map()));
  let pending = perContext.get(url);
  if (!pending) {
    const added = context.audioWorklet.addModule(url).catch((cause: unknown) => {
      perContext.delete(url);
      throw DenoiserError.workletLoad(url, cause);
    });
    perContext.set(url, added);
    pending = added;
  }
  return pending;
}
