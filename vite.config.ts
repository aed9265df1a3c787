import { defineConfig } from 'vite';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';

// The app build: the demo page plus the e2e harness pages, all same-origin. The worklet and the
// wasm are emitted as separate files (`?worker&url`, `?url`), never inlined and never fetched from
// elsewhere.
const pages = readdirSync(resolve(__dirname, 'e2e/pages'))
  .filter((f) => f.endsWith('.html'))
  .map((f) => resolve(__dirname, 'e2e/pages', f));

export default defineConfig({
  root: __dirname,
  appType: 'mpa',
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  worker: { format: 'es' },
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: true,
    rollupOptions: {
      input: [resolve(__dirname, 'demo/index.html'), ...pages],
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
