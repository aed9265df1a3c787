// The livekit-client versions lk-denoise is tested with besides the main devDependency: every
// `livekit-client-<major>-<minor>[-<patch>]` npm alias in package.json (the latest patch of each
// minor, plus the floor's exact patch). The Vitest and Playwright matrix configs both read this
// list, so adding or dropping an alias is the whole change. `livekit-client-below-floor` is the
// newest version that lacks an internal the adapter uses: it shows the adapter degrading.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface MatrixVersion {
  /** The npm alias the version is installed under, e.g. `livekit-client-2-18`. */
  alias: string;
  /** The version installed under it, e.g. `2.18.10`. */
  version: string;
}

export const ROOT = resolve(import.meta.dirname, '../..');

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

const installed = (alias: string): MatrixVersion => ({
  alias,
  version: String(readJson(resolve(ROOT, 'node_modules', alias, 'package.json')).version),
});

const parts = (v: string) => v.split('.').map(Number);
const older = (a: MatrixVersion, b: MatrixVersion) => parts(a.version).reduce((d, x, i) => d || x - (parts(b.version)[i] ?? 0), 0);

const devDependencies = Object.keys((readJson(resolve(ROOT, 'package.json')).devDependencies ?? {}) as object);

/** Oldest first. */
export const LIVEKIT_MATRIX: readonly MatrixVersion[] = devDependencies
  .filter((name) => /^livekit-client-\d+-\d+(-\d+)?$/.test(name))
  .map(installed)
  .sort(older);

export const BELOW_FLOOR: MatrixVersion = installed('livekit-client-below-floor');

/** Where the matrix's e2e page is built for one alias. */
export function matrixOutDir(alias: string): string {
  return resolve(ROOT, 'dist/matrix', alias);
}
