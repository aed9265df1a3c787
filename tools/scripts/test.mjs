// `npm test`: lint and format check, type checks, Node tests (Vitest), the app and package builds,
// the browser e2e suite (Playwright: Chromium, Firefox ESR, WebKitGTK), then the token-leak check
// over everything the e2e run printed or showed. Extra arguments go to Playwright (e.g. a spec
// filter); then only that Playwright run follows the builds.
//
// On a 2-core machine the suite is mostly waiting: the room checks run in real time. So the work
// that only needs CPU runs beside other work instead of one step after another (issue 10: under
// 25 minutes). Three stages:
//   1. lint (seconds; the commonest failure, so first and alone);
//   2. in parallel: the type checks, the app build (vite preview serves it), the package build
//      (the bundler specs pack it), then the package check on that build, Vitest and the version
//      matrix's Vitest, and the version matrix's page builds (each preview server serves one);
//   3. two Playwright runs side by side: the Chromium specs; and the Firefox and WebKit projects,
//      the version matrix and a few Chromium specs. Then, alone, the Firefox room run in its
//      network namespace: its Firefox → Chromium room loses its pause cut beside other load.
// Stage 3 starts only once stage 2 passed: Playwright against a stale or failed build proves
// nothing. Every step's output is kept and printed in one piece when it ends (no interleaving),
// but for the main Playwright run, which streams.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ensureSetup, run } from './setup.mjs';

ensureSetup({ browsers: ['chromium', 'firefox', 'webkit', 'pulse'] });
const extra = process.argv.slice(2);
const full = extra.length === 0;
const started = Date.now();
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(0);
/** Per step: name, seconds, exit code, busy cores; printed at the end. */
const timings = [];

/** The machine's CPU counters (/proc/stat): busy and total jiffies over all cores. */
function cpuTicks() {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const n = fields.map(Number);
    const total = n.reduce((a, b) => a + b, 0);
    return { busy: total - (n[3] ?? 0) - (n[4] ?? 0), total };
  } catch {
    return null;
  }
}

/** How many cores were busy on average between two cpuTicks() readings (whatever ran them). */
function busyCores(from, to) {
  if (!from || !to || to.total === from.total) return '';
  return `${(((to.busy - from.busy) / (to.total - from.total)) * cpus().length).toFixed(1)} of ${cpus().length} cores busy`;
}

// The two Playwright runs write below test-results/ in directories of their own (each empties its
// own when it starts, never the other's), so the tree is cleared here, once, with the ledger.
rmSync('test-results', { recursive: true, force: true });
// Every token minted during the e2e run (specs, the preview server's demo backend) is appended
// to this ledger; scripts/check-token-leaks.mjs greps test-results/ for them, then deletes it.
const ledger = resolve('test-results/token-ledger.txt');
const env = {
  ...process.env,
  // The livekit-client version matrix's e2e projects run in the full suite only.
  LK_MATRIX: process.env.LK_MATRIX ?? (full ? '1' : '0'),
};

/**
 * Runs `cmd args`, its output kept (and echoed as it comes when `stream`), written to `log` when
 * it exits. Resolves to the exit code; never rejects.
 * `wrap` runs it under another command (the network namespace of the Firefox room checks).
 */
function step(name, cmd, args, { stream = false, log, wrap = [], env: stepEnv = env } = {}) {
  const since = Date.now();
  const ticks = cpuTicks();
  return new Promise((done) => {
    const chunks = [];
    const [bin, ...rest] = [...wrap, cmd, ...args];
    const child = spawn(bin, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: stepEnv });
    const keep = (out) => (c) => (chunks.push(c), stream && out.write(c));
    child.stdout.on('data', keep(process.stdout));
    child.stderr.on('data', keep(process.stderr));
    const finish = (code) => {
      const output = Buffer.concat(chunks);
      // Written once it exits: Playwright empties its output directory when it starts, which
      // would take a file opened earlier with it.
      if (log) {
        mkdirSync(dirname(log), { recursive: true });
        writeFileSync(log, output);
      }
      timings.push({ name, seconds: seconds(since), code, busy: busyCores(ticks, cpuTicks()) });
      if (!stream) process.stdout.write(`\n[test] ── ${name} (${seconds(since)} s, exit ${code}) ──\n${output}`);
      done(code);
    };
    child.on('error', (e) => (chunks.push(Buffer.from(`${e.message}\n`)), finish(1)));
    child.on('close', (code, signal) => finish(code ?? (signal ? 1 : 0)));
  });
}

/** Runs steps one after another; stops at the first failure. Resolves to the first non-zero code. */
async function chain(...steps) {
  for (const s of steps) {
    const code = await s();
    if (code !== 0) return code;
  }
  return 0;
}

/** The version matrix's npm aliases, as tools/testing/matrix.ts lists them (TypeScript: read through tsx). */
function matrixAliases() {
  const script = "import('./tools/testing/matrix.ts').then((m) => console.log(JSON.stringify(m.LIVEKIT_MATRIX.map((v) => v.alias))))";
  const r = spawnSync('npx', ['tsx', '--eval', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`listing the livekit-client matrix failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Seconds of test time per project and spec file in a Playwright JSON report, longest first. */
function specTimes(file) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const totals = new Map();
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const key = `[${t.projectName}] ${spec.file}`;
        totals.set(key, (totals.get(key) ?? 0) + (t.results ?? []).reduce((s, r) => s + r.duration / 1000, 0));
      }
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of report.suites ?? []) walk(suite);
  return [...totals].sort((a, b) => b[1] - a[1]);
}

function summary() {
  console.log(`\n[test] steps (wall ${seconds(started)} s in all):`);
  for (const t of timings)
    console.log(`[test]   ${t.code === 0 ? 'ok  ' : 'FAIL'} ${t.seconds.padStart(5)} s  ${t.name}${t.busy && `  (${t.busy})`}`);
  const specs = ['main', 'second', 'firefox-room'].flatMap((dir) => specTimes(`test-results/${dir}/results.json`));
  if (specs.length === 0) return;
  console.log('[test] e2e test time per spec (tests only, without worker and server start-up), longest first:');
  for (const [key, s] of specs.sort((a, b) => b[1] - a[1])) console.log(`[test]   ${s.toFixed(0).padStart(5)} s  ${key}`);
}

function fail(message) {
  summary();
  throw new Error(message);
}

// 1. Lint.
if ((await step('lint', 'npm', ['run', 'lint', '--silent'])) !== 0) fail('npm run lint failed');

// 2. Checks and builds, in parallel.
const bundlerRootFile = resolve('test-results/bundler-apps-root.txt');
const matrixBuilds = env.LK_MATRIX === '1' ? matrixAliases() : [];
const stage2 = await Promise.all([
  step('tsc (src, demo, e2e, tools)', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']),
  step('tsc (worklets)', 'npx', ['tsc', '-p', 'worklets/tsconfig.json', '--noEmit']),
  step('vite build (app and e2e pages)', 'npx', ['vite', 'build', '--logLevel', 'warn']),
  chain(
    // The publishable package (library, CLI, types) must build…
    () => step('package build', 'npm', ['run', 'build', '--silent']),
    // …and install cleanly: types under node10/node16/bundler (attw), licences, files.
    () => step('package check (npm pack, attw)', 'node', ['tools/scripts/check-package.mjs']),
    // The bundler apps install that package and build, here rather than in the bundler spec's
    // setup: builds beside real-time room checks once cost a room 10 dB of its pause cut.
    ...(full
      ? [() => step('bundler apps (pack, npm install, 4 production builds)', 'npx', ['tsx', 'tools/bundlers/prepare.ts', bundlerRootFile])]
      : []),
  ),
  chain(
    () => step('vitest', 'npx', ['vitest', 'run']),
    // The livekit-client version matrix (README, "livekit-client versions").
    () => step('vitest (livekit-client matrix)', 'npx', ['vitest', 'run', '--config', 'tools/testing/vitest.matrix.config.ts']),
  ),
  // The matrix pages, one build per version, one after another (each is a full vite build).
  chain(
    ...matrixBuilds.map(
      (alias) => () =>
        step(
          `vite build (nc-room page, ${alias})`,
          'npx',
          ['vite', 'build', '--config', 'tools/testing/vite.matrix.config.ts', '--logLevel', 'warn'],
          {
            env: { ...env, LK_LIVEKIT_ALIAS: alias },
          },
        ),
    ),
  ),
]);
if (stage2.some((code) => code !== 0)) fail('a check or build failed (see above); the e2e suite did not run');
// The preview servers of the matrix serve what stage 2 built (tools/testing/playwright.matrix.ts).
env.LK_MATRIX_BUILT = '1';
// Only the browser runs feed the ledger: the Node tests mint tokens too, but print nothing there.
const e2eEnv = { ...env, LK_TOKEN_LEDGER: ledger };
const bundlerRoot = full ? readFileSync(bundlerRootFile, 'utf8').trim() : '';
if (bundlerRoot) e2eEnv.LK_BUNDLER_APPS = bundlerRoot;

// 3. The browsers: two Playwright runs side by side (LK_E2E_RUN, playwright.config.ts), on ports
// of their own, each with its own output folder and JSON report. The first streams its output;
// the second and the Firefox room run print theirs when they end. Real-time room checks of
// the two runs share the 2 cores, so nothing CPU-heavy runs in stage 3: the builds ran in stage 2.
// A filtered run (`npm test -- <args>`) is one Playwright run over every project.
const json = (dir) => ({ LK_E2E_JSON: resolve(`test-results/${dir}/results.json`) });
const firstRun = step(
  full ? 'playwright (first run: Chromium)' : 'playwright',
  'npx',
  ['playwright', 'test', '--output', 'test-results/main', ...extra],
  {
    stream: true,
    log: resolve('test-results/main/playwright-output.log'),
    env: { ...e2eEnv, ...json('main'), ...(full ? { LK_E2E_RUN: 'first' } : {}) },
  },
);
// Firefox in real rooms: server, Chromium and Firefox together inside a network namespace this
// run makes (tools/testing/netns.sh), the only place Firefox offers an ICE candidate our tests
// may use (its own loopback, so its ports cannot collide with the runs outside). Root makes the
// namespace directly; otherwise a user namespace maps us to root inside it. It needs only the
// preview server: no dev server, no matrix (LK_E2E_DEV=0, LK_MATRIX=0).
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const secondPort = String(Number(process.env.LK_E2E_PORT ?? 5175) + 100);
const secondRun = full
  ? step(
      'playwright (second run: Firefox, WebKit, the version matrix, React, demo)',
      'npx',
      ['playwright', 'test', '--output', 'test-results/second'],
      {
        log: resolve('test-results/second/playwright-output.log'),
        env: {
          ...e2eEnv,
          ...json('second'),
          LK_E2E_RUN: 'second',
          LK_E2E_PORT: secondPort,
          LK_VITE_CACHE_DIR: 'node_modules/.vite-second',
        },
      },
    )
  : Promise.resolve(0);
const mainStatus = (await Promise.all([firstRun, secondRun])).find((code) => code !== 0) ?? 0;
// The Firefox room run alone, after both: beside the Chromium run, a Firefox → Chromium room cut
// pauses by only 13.5 dB (floor 20; 2.2 % dropouts in what Chromium received), as it once did
// (11.7 dB) beside the bundler builds, and by 24–30 dB when run alone.
const roomStatus = full
  ? await step(
      'playwright (firefox-room, in a network namespace)',
      'npx',
      ['playwright', 'test', '--project', 'firefox-room', '--output', 'test-results/firefox-room'],
      {
        wrap: ['unshare', isRoot ? '-n' : '-rn', '--', 'sh', 'tools/testing/netns.sh'],
        log: resolve('test-results/firefox-room/playwright-output.log'),
        env: { ...e2eEnv, ...json('firefox-room'), LK_MATRIX: '0', LK_E2E_DEV: '0' },
      },
    )
  : 0;
const e2eStatus = mainStatus || roomStatus;
if (bundlerRoot) rmSync(bundlerRoot, { recursive: true, force: true });

// Runs even when Playwright failed: failures are where tokens tend to get printed.
const leakArgs = ['tools/scripts/check-token-leaks.mjs', '--root', 'test-results', '--ledger', ledger];
if (full) leakArgs.push('--require-tokens');
let leakError;
try {
  run('node', leakArgs);
} catch (e) {
  leakError = e;
}
if (e2eStatus !== 0) fail(`playwright test failed with exit code ${e2eStatus}`);
if (leakError) fail(leakError.message);
summary();
