import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';

// The CLI build: one ESM file for Node at dist/cli/lk-denoise.js. Node builtins stay imports;
// the RNNoise wasm is not bundled but read at run time from the package's own copies, which
// the library build put in dist/lib (cli/wasm-node.ts), so no runtime dependency is needed.
export default defineConfig({
  root: import.meta.dirname,
  logLevel: 'warn',
  define: { 'import.meta.env.LK_DENOISE_WASM_DIR': JSON.stringify('../lib/') },
  build: {
    ssr: resolve(import.meta.dirname, 'cli/lk-denoise.ts'),
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: {
      external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
      output: { format: 'es', entryFileNames: 'lk-denoise.js' },
    },
  },
});
