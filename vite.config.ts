import { defineConfig } from 'vite';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { lkDemoServer } from './demo/vite-plugin';

// The app build: the demo page plus the e2e harness pages, all same-origin. The worklet and the
// wasm are emitted as separate files (`?worker&url`, `?url`), never inlined and never fetched from
// elsewhere.
const pages = readdirSync(resolve(import.meta.dirname, 'e2e/pages'))
  .filter((f) => f.endsWith('.html'))
  .map((f) => resolve(import.meta.dirname, 'e2e/pages', f));

// The Content-Security-Policy every preview page is served with (the demo and the e2e harness
// pages, so the whole e2e suite runs under it). docs/csp.md explains each directive and carries
// the same text; e2e/csp.spec.ts checks the two agree and that the policy is enforced.
// connect-src names the loopback LiveKit server (any port); an app lists its own LiveKit host.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "connect-src 'self' blob: ws://127.0.0.1:* http://127.0.0.1:*",
  "img-src 'self' data:",
  "style-src 'self'",
  "media-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export default defineConfig({
  root: import.meta.dirname,
  appType: 'mpa',
  plugins: [lkDemoServer()],
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
      input: [resolve(import.meta.dirname, 'demo/index.html'), ...pages],
    },
  },
});
