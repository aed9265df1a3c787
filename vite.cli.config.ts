import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';

// The CLI build: one ESM file for Node at dist/cli/lk-denoise.js. Node builtins stay imports;
// the RNNoise wasm is not bundled but read from node_modules at run time (cli/wasm-node.ts).
export default defineConfig({
  root: import.meta.dirname,
  logLevel: 'warn',
  build: {
    ssr: resolve(import.meta.dirname, 'cli/lk-denoise.ts'),
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: {
      external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`), '@sapphi-red/web-noise-suppressor'],
      output: { format: 'es', entryFileNames: 'lk-denoise.js' },
    },
  },
});
