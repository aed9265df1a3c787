// The soak's driver (behind `npm run soak`, through tools/scripts/soak.mjs): runs the two children,
//   tools/soak/dsp-hour.ts  an hour of distinct audio through one long-lived Node DSP pipeline;
//   tools/soak/browser.ts   real Chromium + the loopback server + Vite dev: attach/close cycles on
//                           one page, consecutive offline renders through the worklet, signal drops;
// then judges them (tools/soak/summary.ts), writes tools/soak/results.json (raw readings and the
// summary) and exits 1 when any functional check failed. Memory slopes are warnings: a slope on a
// shared 2-core machine is a measurement, not a verdict. With --quick (a small plan to check the
// harness) the results go to the system's temp folder, so the committed full run stays.
// --report-only [file] judges a results file again (default tools/soak/results.json) without
// running anything, with the same exit code.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { BrowserSoakResult } from './browser';
import type { DspHourResult } from './dsp-hour';
import { summarizeSoak, type SoakPlan } from './summary';

const ROOT = resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const reportOnly = args.includes('--report-only');
const plan: SoakPlan = quick
  ? { dspMinutes: 15, browser: { cycles: 100, checkpointEvery: 50, renders: 5, renderSeconds: 20, renderBudgetSeconds: 60, reconnects: 3 } }
  : {
      dspMinutes: 60,
      browser: { cycles: 1000, checkpointEvery: 100, renders: 60, renderSeconds: 60, renderBudgetSeconds: 150, reconnects: 20 },
    };
const resultsPath = quick ? join(tmpdir(), 'lk-denoise-soak', 'results.json') : join(ROOT, 'tools/soak/results.json');

/** Runs a child, passes its stderr through, resolves to its stdout's last JSON line. */
function child<T>(args: string[]): Promise<T> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return fail(new Error(`node ${args.join(' ')} exited with ${code}`));
      try {
        done(JSON.parse(line) as T);
      } catch (e) {
        fail(new Error(`node ${args.join(' ')} printed no JSON result: ${String(e)}`));
      }
    });
  });
}

/** Prints the verdict and sets the exit code: 1 when any functional check failed. */
function report(problems: readonly string[], warnings: readonly string[]): void {
  for (const w of warnings) console.log(`[soak] WARN ${w}`);
  for (const p of problems) console.error(`[soak] FAIL ${p}`);
  if (problems.length) process.exitCode = 1;
  else console.log('[soak] all functional checks passed');
}

function judgeAgain(): void {
  const path = args.find((a, i) => i > 0 && args[i - 1] === '--report-only' && !a.startsWith('--')) ?? resultsPath;
  const saved = JSON.parse(readFileSync(path, 'utf8')) as { plan: SoakPlan; dsp: DspHourResult; browser: BrowserSoakResult };
  const { problems, warnings, summary } = summarizeSoak(saved.plan, saved.dsp, saved.browser);
  console.log(summary);
  console.log(`\n[soak] judged ${path} again`);
  report(problems, warnings);
}

async function main(): Promise<void> {
  if (reportOnly) return judgeAgain();
  const started = Date.now();
  console.log(`[soak] plan: ${JSON.stringify(plan)}`);
  console.log(`[soak] 1/2: ${plan.dspMinutes} min of distinct audio through one Node DSP pipeline`);
  const dsp = await child<DspHourResult>(['--expose-gc', '--import', 'tsx', 'tools/soak/dsp-hour.ts', String(plan.dspMinutes)]);
  console.log('[soak] 2/2: Chromium: attach/close cycles, offline renders, reconnects');
  const browser = await child<BrowserSoakResult>(['--import', 'tsx', 'tools/soak/browser.ts', JSON.stringify(plan.browser)]);
  const { problems, warnings, summary } = summarizeSoak(plan, dsp, browser);
  const minutes = (Date.now() - started) / 60_000;
  mkdirSync(dirname(resultsPath), { recursive: true });
  writeFileSync(
    resultsPath,
    `${JSON.stringify({ when: new Date().toISOString(), minutes, plan, problems, warnings, summary, dsp, browser }, null, 1)}\n`,
  );
  console.log(summary);
  console.log(`\n[soak] done in ${minutes.toFixed(1)} min; raw readings in ${quick ? resultsPath : relative(ROOT, resultsPath)}`);
  report(problems, warnings);
}

main().catch((e: unknown) => {
  console.error(`[soak] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
});
