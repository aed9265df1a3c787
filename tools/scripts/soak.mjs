// `npm run soak [-- --quick]`: makes the clone runnable (npm ci, Debian Chromium), then runs
// tools/soak/run.ts under tsx. It exits 1 when the soak finds a problem (see tools/soak/run.ts).
//   npm run soak                      the full plan (about 10 minutes)
//   npm run soak -- --quick           a small plan to check the harness (about 3 minutes)
import { spawnSync } from 'node:child_process';
import { ensureSetup } from './setup.mjs';

ensureSetup();
const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/soak/run.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
