import { defineConfig } from 'vite';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { lkDemoServer } from './demo/vite-plugin';
import { CONTENT_SECURITY_POLICY } from './demo/csp';
import { embeddedWasm } from './tools/scripts/embedded-wasm';

// The app build: the demo page plus the e2e harness pages, all same-origin. The worklet and the
// wasm are emitted as separate files (`?worker&url`, `?url`), never inlined and never fetched from
// elsewhere.
const pages = readdirSync(resolve(import.meta.dirname, 'e2e/pages'))
  .filter((f) => f.endsWith('.html'))
  .map((f) => resolve(import.meta.dirname, 'e2e/pages', f));

// Every preview page (the demo and the e2e harness pages) is served with the CSP of demo/csp.ts.

export default defineConfig({
  root: import.meta.dirname,
  appType: 'mpa',
  // npm test's second Playwright run starts a dev server beside the first one's: each needs its
  // own dependency-optimiser cache (LK_VITE_CACHE_DIR), or one rewrites the other's mid-load.
  cacheDir: process.env.LK_VITE_CACHE_DIR ?? 'node_modules/.vite',
  plugins: [embeddedWasm(), lkDemoServer()],
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1', headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  worker: { format: 'es' },
  build: {
    // LK_APP_OUT lets parallel builds (a bench, a second e2e run) keep out of each other's way.
    outDir: process.env.LK_APP_OUT ?? 'dist/app',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: true,
    rollupOptions: {
      input: [resolve(import.meta.dirname, 'demo/index.html'), resolve(import.meta.dirname, 'demo/react/index.html'), ...pages],
    },
  },
});
