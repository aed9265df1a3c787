// A Vite plugin that turns a wasm module embedded as base64 in emscripten JS into a real .wasm
// asset at build time, so the worklet gets plain wasm and never runs the emscripten JS.
// `import url from 'virtual:lk-denoise/rnnoise-0.2.wasm?url'` extracts @jitsi/rnnoise-wasm's
// module into node_modules/.cache/lk-denoise/rnnoise-0.2.wasm and hands that file to the usual
// `?url` handling: Vite's own for apps and the dev server, the library build's wasmAsFile plugin
// for dist/lib. Every Vite config that builds src/loader.ts needs this plugin; without it the
// import fails to resolve, loudly.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { ENGINE_WASM, extractEmbeddedWasm } from '../../cli/wasm-node';

const ROOT = resolve(import.meta.dirname, '../..');
const PREFIX = 'virtual:lk-denoise/';
// Virtual file name → the flavour whose embedded module it is.
const EMBEDDED = Object.fromEntries(
  Object.values(ENGINE_WASM)
    .filter((entry) => entry.embedded)
    .map((entry) => [entry.file, entry]),
);

/** Writes the module embedded in `entry.source` to the cache folder once per process; returns its path. */
function extracted(file: string, source: string, written: Map<string, string>): string {
  let path = written.get(file);
  if (!path) {
    const require = createRequire(resolve(ROOT, 'package.json'));
    const bytes = extractEmbeddedWasm(readFileSync(require.resolve(source), 'utf8'), source);
    path = resolve(ROOT, 'node_modules/.cache/lk-denoise', file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    written.set(file, path);
  }
  return path;
}

export function embeddedWasm(): Plugin {
  const written = new Map<string, string>();
  return {
    name: 'lk-denoise:embedded-wasm',
    enforce: 'pre',
    resolveId(id) {
      if (!id.startsWith(PREFIX)) return null;
      const [name, query] = id.slice(PREFIX.length).split('?');
      const entry = EMBEDDED[name ?? ''];
      if (!entry || query !== 'url') this.error(`${id}: no embedded wasm of that name (known: ${Object.keys(EMBEDDED).join(', ')})`);
      return `${extracted(entry.file, entry.source, written)}?url`;
    },
  };
}
