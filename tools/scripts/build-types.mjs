// The package's declarations: one self-contained .d.ts per package.json export, beside its JS
// (dist/lib/<name>.d.ts). Bundled, so no relative import is left for moduleResolution
// node16/nodenext to reject for lacking a file extension; livekit-client stays an import.
// Another entry (lk-denoise/react) imports the main one as `./index.js` instead of inlining it:
// a second copy of a class with private members would be a different type to TypeScript.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const mainEntry = resolve('src/index');
for (const key of Object.keys(pkg.exports)) {
  const name = key === '.' ? 'index' : key.slice(2);
  const mainAsImport = {
    name: 'main-entry-as-import',
    resolveId(source, importer) {
      if (name === 'index' || !importer || !source.startsWith('.')) return null;
      const target = resolve(dirname(importer), source).replace(/\.(ts|js)$/, '');
      return target === mainEntry ? { id: './index.js', external: true } : null;
    },
  };
  const bundle = await rollup({
    input: `src/${name}.ts`,
    // Every bare import (livekit-client, react) stays an import of the app's copy.
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    plugins: [mainAsImport, dts({ tsconfig: 'tsconfig.build.json' })],
  });
  await bundle.write({ file: `dist/lib/${name}.d.ts`, format: 'es' });
  await bundle.close();
}
