// `npm test`: lint and format check, type checks, Node tests (Vitest), the app and package builds, then the browser e2e
// suite (Playwright, Debian Chromium), then the token-leak check over everything the e2e run
// printed or showed. Extra arguments go to Playwright (e.g. a spec filter).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ensureSetup, run } from './setup.mjs';

ensureSetup({ browsers: ['chromium', 'firefox', 'webkit', 'pulse'] });
const extra = process.argv.slice(2);
run('npm', ['run', 'lint', '--silent']);
run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
run('npx', ['tsc', '-p', 'worklets/tsconfig.json', '--noEmit']);
run('npx', ['vitest', 'run']);
// The livekit-client version matrix (README, "livekit-client versions").
run('npx', ['vitest', 'run', '--config', 'tools/testing/vitest.matrix.config.ts']);
run('npx', ['vite', 'build', '--logLevel', 'warn']);
// The publishable package (library, CLI, types) must build too.
run('npm', ['run', 'build', '--silent']);
// …and install cleanly: types under node10/node16/bundler (attw), licences, files.
run('node', ['tools/scripts/check-package.mjs']);

// Every token minted during the e2e run (specs, the preview server's demo backend) is appended
// to this ledger; scripts/check-token-leaks.mjs greps test-results/ for them, then deletes it.
const ledger = resolve('test-results/token-ledger.txt');
const log = resolve('test-results/playwright-output.log');

/** Runs Playwright, echoing its output and keeping a copy (written once it exits: Playwright
 * empties its output directory when it starts, which would take a file opened earlier with it).
 * `wrap` runs it under another command (the network namespace of the Firefox room checks). */
function playwright(args, { wrap = [], log: logFile = log } = {}) {
  return new Promise((done) => {
    const chunks = [];
    const [cmd, ...rest] = [...wrap, 'npx', 'playwright', 'test', ...args];
    const child = spawn(cmd, rest, {
      stdio: ['inherit', 'pipe', 'pipe'],
      // The livekit-client version matrix's e2e projects run in the full suite only.
      env: { ...process.env, LK_TOKEN_LEDGER: ledger, LK_MATRIX: process.env.LK_MATRIX ?? (extra.length === 0 ? '1' : '0') },
    });
    child.stdout.on('data', (c) => (chunks.push(c), process.stdout.write(c)));
    child.stderr.on('data', (c) => (chunks.push(c), process.stderr.write(c)));
    child.on('close', (code, signal) => {
      mkdirSync(dirname(logFile), { recursive: true });
      writeFileSync(logFile, Buffer.concat(chunks));
      done(code ?? (signal ? 1 : 0));
    });
  });
}

const e2eStart = Date.now();
let e2eStatus = await playwright(extra);
console.log(`[test] playwright (chromium, firefox, webkit projects): ${((Date.now() - e2eStart) / 1000).toFixed(0)} s`);
// Firefox in real rooms: server, Chromium and Firefox together inside a network namespace this
// run makes (tools/testing/netns.sh), the only place Firefox offers an ICE candidate our tests
// may use. Its own output directory, under test-results/, so the first run's files stay.
// Root makes the namespace directly; otherwise a user namespace maps us to root inside it.
if (extra.length === 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const roomStart = Date.now();
  const roomStatus = await playwright(['--project', 'firefox-room', '--output', 'test-results/firefox-room'], {
    wrap: ['unshare', isRoot ? '-n' : '-rn', '--', 'sh', 'tools/testing/netns.sh'],
    log: resolve('test-results/firefox-room/playwright-output.log'),
  });
  console.log(`[test] playwright (firefox-room, in a network namespace): ${((Date.now() - roomStart) / 1000).toFixed(0)} s`);
  e2eStatus ||= roomStatus;
}
// Runs even when Playwright failed: failures are where tokens tend to get printed.
const leakArgs = ['tools/scripts/check-token-leaks.mjs', '--root', 'test-results', '--ledger', ledger];
if (extra.length === 0) leakArgs.push('--require-tokens');
let leakError;
try {
  run('node', leakArgs);
} catch (e) {
  leakError = e;
}
if (e2eStatus !== 0) throw new Error(`playwright test failed with exit code ${e2eStatus}`);
if (leakError) throw leakError;
