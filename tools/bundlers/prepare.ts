// `npm test` stage 2: packs, installs and builds the bundler apps before the browsers start, so
// their CPU-heavy builds never run beside the real-time room checks. Writes the apps' root to
// the file named by its argument; the main Playwright run reuses it through LK_BUNDLER_APPS.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { prepareApps } from './apps';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx tools/bundlers/prepare.ts <file to write the apps root to>');
const apps = await prepareApps();
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, apps.root);
const s = apps.seconds;
console.log(`bundler apps in ${apps.root}: pack ${s.pack.toFixed(0)} s, install ${s.install.toFixed(0)} s, build ${s.build.toFixed(0)} s`);
