import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

// Vite's library mode inlines `?url` assets as data: URLs, which would put 2 × 70 kB of base64
// into the bundle and need `connect-src data:` under a CSP. Emit the wasm files beside the
// bundle instead, referenced relative to it, so the app's bundler copies them same-origin.
function wasmAsFile(): Plugin {
  return {
    name: 'lk-denoise:wasm-as-file',
    enforce: 'pre',
    load(id) {
      const [path, query] = id.split('?');
      if (!path?.endsWith('.wasm') || query !== 'url') return null;
      const ref = this.emitFile({ type: 'asset', name: basename(path), source: readFileSync(path) });
      return `export default import.meta.ROLLUP_FILE_URL_${ref};`;
    },
  };
}

// The publishable library: ESM main entry, the worklet as its own file, the wasm files beside
// it. livekit-client stays a peer dependency.
export default defineConfig({
  plugins: [wasmAsFile()],
  // Asset URLs relative to the bundle (new URL(…, import.meta.url)), wherever the app serves it.
  base: './',
  worker: { format: 'es' },
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: true,
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'index' },
    rollupOptions: { external: ['livekit-client'] },
  },
});
