import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import pkg from './package.json' with { type: 'json' };
import { embeddedWasm } from './tools/scripts/embedded-wasm';

// Vite's library mode inlines `?url` assets as data: URLs, which would put megabytes of base64
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

// Apps' bundlers copy the worklet as an opaque asset under a new name and never copy a .map
// beside it, so a sourceMappingURL naming a file 404s. Inline the map into the worklet instead.
function inlineWorkletSourcemap(): Plugin {
  return {
    name: 'lk-denoise:inline-worklet-sourcemap',
    generateBundle(_options, bundle) {
      for (const [fileName, file] of Object.entries(bundle)) {
        if (!fileName.startsWith('worklet/') || !fileName.endsWith('.js') || file.type !== 'asset') continue;
        const map = bundle[`${fileName}.map`];
        if (map?.type !== 'asset') this.error(`no sourcemap emitted for ${fileName}`);
        const link = `//# sourceMappingURL=${basename(fileName)}.map`;
        const code = String(file.source);
        if (!code.trimEnd().endsWith(link)) this.error(`${fileName} does not end with ${link}`);
        const inline = `//# sourceMappingURL=data:application/json;base64,${Buffer.from(String(map.source)).toString('base64')}`;
        file.source = code.trimEnd().slice(0, -link.length) + inline + '\n';
        delete bundle[`${fileName}.map`];
      }
    },
  };
}

// The publishable library: one ESM file per source module (so `sideEffects: false` lets an app
// that imports only FrameProcessor skip loader.js, and with it the worklet and wasm files), the
// worklet as its own file, the wasm files beside it. Entries come from package.json "exports".
// livekit-client stays a peer dependency.
// One entry per package.json export: "." is src/index.ts → dist/lib/index.js, "./react" would be
// src/react.ts → dist/lib/react.js (tools/scripts/check-package.mjs holds the package to this).
const entries = Object.fromEntries(
  Object.keys(pkg.exports).map((key) => {
    const name = key === '.' ? 'index' : key.slice(2);
    return [name, `src/${name}.ts`];
  }),
);

export default defineConfig({
  plugins: [embeddedWasm(), wasmAsFile(), inlineWorkletSourcemap()],
  // Asset URLs relative to the bundle (new URL(…, import.meta.url)), wherever the app serves it.
  base: './',
  worker: {
    format: 'es',
    // A stable name (apps' bundlers add their own hash). Minified: apps copy it as it is.
    rolldownOptions: { output: { entryFileNames: 'worklet/[name].js', minify: true } },
  },
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: true,
    minify: false,
    lib: { entry: entries, formats: ['es'] },
    rolldownOptions: {
      external: ['livekit-client', '@livekit/components-react', 'react', /^react\//],
      output: {
        preserveModules: true,
        preserveModulesRoot: 'src',
        // The `?url` / `?worker&url` imports become one-line modules of their own: keep them
        // together instead of under paths that mimic node_modules.
        entryFileNames: (chunk) => {
          const id = chunk.facadeModuleId ?? '';
          return id.includes('?') ? `urls/${basename(id.split('?')[0] ?? id)}.js` : '[name].js';
        },
      },
    },
  },
});
