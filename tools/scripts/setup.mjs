// Makes a fresh clone runnable: installs npm dependencies and Debian's Chromium when missing.
// Used by `npm test`, `npm run demo` and `npm run bench` so a newcomer needs no other step.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
  }
}

export function ensureSetup({ browser = true } = {}) {
  if (!existsSync('node_modules/.package-lock.json')) {
    console.log('[setup] installing npm dependencies (npm ci)');
    run('npm', ['ci']);
  }
  if (browser && !existsSync(CHROMIUM)) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const sudo = isRoot ? [] : ['sudo'];
    console.log('[setup] installing Debian chromium (apt-get install chromium)');
    const apt = (args) => run(sudo.length ? 'sudo' : 'apt-get', sudo.length ? ['apt-get', ...args] : args);
    apt(['update']);
    apt(['install', '-y', 'chromium']);
  }
}
