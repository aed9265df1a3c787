// The package's declarations: one self-contained .d.ts per package.json export, beside its JS
// (dist/lib/<name>.d.ts). Bundled, so no relative import is left for moduleResolution
// node16/nodenext to reject for lacking a file extension; livekit-client stays an import.
import { readFileSync } from 'node:fs';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
for (const key of Object.keys(pkg.exports)) {
  const name = key === '.' ? 'index' : key.slice(2);
  const bundle = await rollup({
    input: `src/${name}.ts`,
    // Every bare import (livekit-client, react) stays an import of the app's copy.
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    plugins: [dts({ tsconfig: 'tsconfig.build.json' })],
  });
  await bundle.write({ file: `dist/lib/${name}.d.ts`, format: 'es' });
  await bundle.close();
}
