import { defineConfig } from 'vite';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedWasm } from '../scripts/embedded-wasm';

// The benchmark page's own production build (no demo server plugin): the same settings as the
// app build that matter for the worklet (ES module workers, wasm emitted as files, es2022).
const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');

export default defineConfig({
  root,
  appType: 'mpa',
  logLevel: 'warn',
  plugins: [embeddedWasm()],
  preview: { host: '127.0.0.1' },
  worker: { format: 'es' },
  build: {
    outDir: resolve(root, 'dist/bench'),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: false,
    rollupOptions: { input: [resolve(here, 'pages/bench.html')] },
  },
});
