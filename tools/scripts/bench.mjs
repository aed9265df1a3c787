// `npm run bench [-- --quick | --report-only]`: makes the clone runnable (npm ci, Debian
// Chromium), installs the LibriVox speech corpus when it can, then runs bench/run.ts under tsx
// with --expose-gc. Full runs rewrite BENCHMARKS.md, bench/results.json and bench/charts/;
// --quick writes the same to bench/out/ (git-ignored).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ensureSetup } from './setup.mjs';

const LIBRIVOX_DIR = '/usr/share/pocketsphinx/test/data/librivox';
const args = process.argv.slice(2);
const reportOnly = args.includes('--report-only');

ensureSetup({ browser: !reportOnly });

const env = { ...process.env };
if (!reportOnly && !existsSync(LIBRIVOX_DIR)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    console.log('[bench] installing the speech corpus (apt-get install -y pocketsphinx-testdata)');
    const r = spawnSync('apt-get', ['install', '-y', 'pocketsphinx-testdata'], { stdio: 'inherit' });
    if (r.status !== 0 || !existsSync(LIBRIVOX_DIR)) {
      env.LK_BENCH_CORPUS_NOTE = 'committed LibriVox excerpt (apt-get install pocketsphinx-testdata failed)';
      console.warn('[bench] pocketsphinx-testdata could not be installed: falling back to the committed excerpt');
    }
  } else {
    env.LK_BENCH_CORPUS_NOTE = 'committed LibriVox excerpt (pocketsphinx-testdata missing, not root)';
    console.warn('[bench] pocketsphinx-testdata is missing and this is not root: falling back to the committed excerpt');
  }
}

const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'tools/bench/run.ts', ...args], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
