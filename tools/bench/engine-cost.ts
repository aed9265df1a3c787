// Cost per engine in Chromium, side by side in one run: for each engine (classic RNNoise SIMD,
// RNNoise 0.2, GTCRN) the audio-thread CPU per 10 ms of audio of our NoiseCancellation ("ours"),
// of our DSP core in a bare worklet ("core") and of the engine's floor worklet ("raw",
// engine-floor.ts: the engine called straight from process(), nothing else), all rendered in
// OfflineAudioContexts that take turns; the added delay of ours (cross-correlation); the capacity
// (N tracks in one OfflineAudioContext, audio seconds per audio-thread CPU second); the start-up
// time (create() to 'ready' and to the first processed frames, in a new browser context); and the
// size of the wasm asset the build emits (raw and gzip).
// Part of `npm run bench`; alone: npx tsx tools/bench/engine-cost.ts [--quick] [--write] [--report-only]
// [--baseline <results.json> --baseline-label <text>] (an earlier run's figures shown beside).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Page } from '@playwright/test';
import { isEntryPoint } from '../../cli/entry';
import type { EngineName } from '../../src/types';
import { makeNoisySpeech } from '../testing/signals';
import { fromBase64 } from '../testing/base64';
import { buildBenchPage, launchBrowser, openBenchPage, renderOn, servePage, storeSignal, type BenchBrowser } from './browser';
import type { StartupResult, TierKind } from './pages/bench';
import { coarseLag } from './quality';
import { pairedRatios, spread, type Spread } from './stats';
import { withSection } from './strength';

export const TIERS: readonly EngineName[] = ['rnnoise', 'rnnoise-0.2', 'gtcrn'];
const TIER_LABEL: Record<EngineName, string> = {
  rnnoise: 'classic RNNoise (SIMD)',
  'rnnoise-0.2': 'RNNoise 0.2',
  gtcrn: 'GTCRN',
};
/** The wasm asset each engine loads, as the build names it (name-hash.wasm). */
const ASSET: Record<EngineName, RegExp> = {
  rnnoise: /^rnnoise_simd-[\w-]+\.wasm$/,
  'rnnoise-0.2': /^rnnoise-0\.2-[\w-]+\.wasm$/,
  gtcrn: /^gtcrn-[\w-]+\.wasm$/,
};
const PATHS = ['raw', 'core', 'ours'] as const;
type CostPath = (typeof PATHS)[number];
const SUSPEND_SAMPLES = 1024;
export const ENGINE_COST_COMMAND = 'npx tsx tools/bench/engine-cost.ts --write';

export interface EngineCostConfig {
  /** Timed seconds per cost render, and repetitions (the paths and engines take turns). */
  seconds: number;
  reps: number;
  /** Tracks in the capacity render, its seconds and repetitions. */
  capacityTracks: number;
  capacitySeconds: number;
  capacityReps: number;
  /** Start-ups per engine, each in a new browser context. */
  startups: number;
}

export const ENGINE_COST_FULL: EngineCostConfig = {
  // Long renders: each OfflineAudioContext is a new worklet scope whose JS starts cold, and a
  // short render weighs that tier-up more than a live track ever feels it.
  seconds: 10,
  reps: 4,
  capacityTracks: 16,
  capacitySeconds: 2,
  capacityReps: 3,
  startups: 3,
};
export const ENGINE_COST_QUICK: EngineCostConfig = {
  seconds: 2,
  reps: 2,
  capacityTracks: 4,
  capacitySeconds: 1,
  capacityReps: 1,
  startups: 1,
};

export interface EngineCostRow {
  engine: EngineName;
  /** Audio-thread CPU µs per 10 ms of audio, per path. */
  usPerFrame: Record<CostPath, Spread>;
  /** Paired per repetition. */
  oursOverRaw: Spread;
  coreOverRaw: Spread;
  /** Added delay of ours (samples at 48 kHz) by cross-correlation with the input, and as reported. */
  delayMeasured: number;
  delayReported: number | null;
  /** Audio seconds per audio-thread CPU second with `capacityTracks` tracks in one context. */
  capacityRtfCpu: Spread;
  /** capacityTracks × that: tracks one audio thread keeps faster than real time. */
  tracksPerThread: number;
  startup: { createMs: Spread; readyMs: Spread; firstFramesMs: Spread };
  wasm: { file: string; bytes: number; gzipBytes: number };
}

export interface EngineCostResults {
  date: string;
  chromium: string;
  config: EngineCostConfig;
  loadAverage: { start: number; end: number };
  rows: EngineCostRow[];
  /** The same measurement from an earlier run, shown beside this one (--baseline). */
  baseline?: { label: string; rows: EngineCostRow[] };
}

const kind = (path: CostPath, engine: EngineName): TierKind => `${path}:${engine}`;

function spreadOf(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length ? spread(finite) : { n: 0, median: NaN, min: NaN, max: NaN, q1: NaN, q3: NaN };
}

async function costs(page: Page, signal: Float32Array, cfg: EngineCostConfig, log: (s: string) => void) {
  const kinds = TIERS.flatMap((e) => PATHS.map((p) => kind(p, e)));
  const us = new Map<TierKind, number[]>(kinds.map((k) => [k, []]));
  const outputs = new Map<EngineName, Float32Array>();
  const reported = new Map<EngineName, number | null>();
  const seconds = cfg.seconds + SUSPEND_SAMPLES / 48_000;
  // Warm-up, not counted: the renderer compiles each wasm and tiers up the worklet JS once.
  for (const k of kinds)
    await renderOn(page, { signal: 'cost', seconds: 1, engines: [k], mix: 'channels', returnSamples: false, waitMs: 300 });
  for (let r = 0; r < cfg.reps; r++) {
    for (let i = 0; i < kinds.length; i++) {
      // Rotating order, so load that comes and goes on this shared machine falls on every path alike.
      const k = kinds[(r + i) % kinds.length] as TierKind;
      const [path, engine] = k.split(':') as [CostPath, EngineName];
      const wantSamples = r === 0 && path === 'ours';
      const res = await renderOn(page, { signal: 'cost', seconds, engines: [k], mix: 'channels', returnSamples: wantSamples, waitMs: 300 });
      if (res.errors.length) throw new Error(`${k} render reported errors: ${res.errors.join('; ')}`);
      if (res.stats[0]?.bypass) throw new Error(`${k} was bypassed (${res.stats[0].bypass})`);
      // A render thread that already exited leaves no trace in /proc: count it as missing.
      const ok = res.audioThreadMs > 0.01 * res.renderMs;
      (us.get(k) as number[]).push(ok ? (res.audioThreadMs * 1000) / (res.timedSeconds * 100) : NaN);
      if (wantSamples && res.channels[0]) {
        outputs.set(engine, fromBase64(res.channels[0]));
        reported.set(engine, res.stats[0]?.latencySamples ?? null);
      }
    }
    log(`  engine cost repetition ${r + 1}/${cfg.reps} done`);
  }
  return { us, outputs, reported };
}

async function capacity(page: Page, engine: EngineName, cfg: EngineCostConfig): Promise<Spread> {
  const rtf: number[] = [];
  for (let r = 0; r < cfg.capacityReps; r++) {
    const res = await renderOn(page, {
      signal: 'cost',
      seconds: cfg.capacitySeconds + SUSPEND_SAMPLES / 48_000,
      engines: Array.from({ length: cfg.capacityTracks }, () => kind('ours', engine)),
      mix: 'sum',
      returnSamples: false,
      waitMs: 100,
    });
    if (res.errors.length) throw new Error(`capacity ${engine}: ${res.errors[0]}`);
    const bypassed = res.stats.filter((s) => s?.bypass).length;
    if (bypassed) throw new Error(`capacity ${engine}: ${bypassed} processors were bypassed`);
    rtf.push(res.audioThreadMs > 0 ? res.timedSeconds / (res.audioThreadMs / 1000) : NaN);
  }
  return spreadOf(rtf);
}

async function startups(b: BenchBrowser, baseUrl: string, engine: EngineName, cfg: EngineCostConfig): Promise<StartupResult[]> {
  const out: StartupResult[] = [];
  for (let i = 0; i < cfg.startups; i++) {
    // A new browser context: a new renderer, empty HTTP cache, nothing compiled yet.
    const page = await openBenchPage(b, baseUrl, { newContext: true });
    out.push(await page.evaluate((e) => window.lkb.startup({ newContext: true, engine: e }), engine));
    await page.context().close();
  }
  return out;
}

/** The emitted asset of each engine in the bench build (dist/bench/assets), raw and gzip -9 bytes. */
export function wasmAssets(dir: string): Record<EngineName, EngineCostRow['wasm']> {
  const files = readdirSync(dir);
  const out = {} as Record<EngineName, EngineCostRow['wasm']>;
  for (const engine of TIERS) {
    const file = files.find((f) => ASSET[engine].test(f));
    if (!file) throw new Error(`no wasm asset for ${engine} in ${dir} (files: ${files.join(', ')})`);
    const bytes = readFileSync(join(dir, file));
    out[engine] = { file, bytes: statSync(join(dir, file)).size, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  }
  return out;
}

const ASSETS_DIR = fileURLToPath(new URL('../../dist/bench/assets', import.meta.url));

/** Measures every engine; `page` is a bench page with the signal 'cost' stored. */
export async function measureEngineCost(
  b: BenchBrowser,
  baseUrl: string,
  page: Page,
  signal: Float32Array,
  cfg: EngineCostConfig,
  log: (s: string) => void,
  loadavg: () => number,
): Promise<EngineCostResults> {
  const loadStart = loadavg();
  const wasm = wasmAssets(ASSETS_DIR);
  const { us, outputs, reported } = await costs(page, signal, cfg, log);
  const rows: EngineCostRow[] = [];
  for (const engine of TIERS) {
    const get = (p: CostPath): number[] => us.get(kind(p, engine)) as number[];
    const rtfCpu = await capacity(page, engine, cfg);
    const ups = await startups(b, baseUrl, engine, cfg);
    const output = outputs.get(engine);
    const row: EngineCostRow = {
      engine,
      usPerFrame: { raw: spreadOf(get('raw')), core: spreadOf(get('core')), ours: spreadOf(get('ours')) },
      oursOverRaw: spreadOf(pairedRatios(get('ours'), get('raw'))),
      coreOverRaw: spreadOf(pairedRatios(get('core'), get('raw'))),
      delayMeasured: output ? coarseLag(signal, output) : NaN,
      delayReported: reported.get(engine) ?? null,
      capacityRtfCpu: rtfCpu,
      tracksPerThread: Math.floor(cfg.capacityTracks * rtfCpu.median),
      startup: {
        createMs: spreadOf(ups.map((u) => u.createMs)),
        readyMs: spreadOf(ups.map((u) => u.readyMs ?? NaN)),
        firstFramesMs: spreadOf(ups.map((u) => u.firstFramesMs ?? NaN)),
      },
      wasm: wasm[engine],
    };
    log(
      `  ${engine}: ours ${row.usPerFrame.ours.median.toFixed(1)} µs, raw ${row.usPerFrame.raw.median.toFixed(1)} µs per 10 ms, ours/raw ${row.oursOverRaw.median.toFixed(3)}, core/raw ${row.coreOverRaw.median.toFixed(3)}, delay ${row.delayMeasured}, ${row.tracksPerThread} tracks per audio thread`,
    );
    rows.push(row);
  }
  return { date: new Date().toISOString(), chromium: b.version, config: cfg, loadAverage: { start: loadStart, end: loadavg() }, rows };
}

const f1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const range = (s: Spread, fmt: (v: number) => string): string => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
const kb = (bytes: number): string => `${(bytes / 1000).toFixed(0)} kB`;

export function engineCostMarkdown(r: EngineCostResults): string {
  const c = r.config;
  const lines = [
    '## Cost per engine',
    '',
    `Chromium ${r.chromium}, one run (${r.date}), load average ${r.loadAverage.start.toFixed(2)} at the start and ${r.loadAverage.end.toFixed(2)} at the end. ` +
      `For each engine, three paths render the same noisy speech alone in an OfflineAudioContext, ${c.seconds} s timed (after a pause at sample ${SUSPEND_SAMPLES}), ${c.reps} times, all nine taking turns in a rotating order after one warm-up render each: ` +
      "**raw** is the engine called straight from an AudioWorkletProcessor (tools/bench/engine-floor.ts: the product's own wasm bindings, scaling into the heap and out, nothing else); " +
      '**core** is our DSP core (DenoisePipeline around the engine as worklets/dsp/engines.ts builds it) in a bare worklet; **ours** is `NoiseCancellation.create(ctx, { engine })`. ' +
      'Cost is the CPU time of the audio render thread (/proc/<pid>/task/<tid>/schedstat), per 10 ms of audio; ratios are paired per repetition. Values are "median (min–max)". ' +
      `Delay: ours' output cross-correlated with its input (4 s window, ±4800 samples), and what the processor reports. Capacity: ${c.capacityTracks} tracks of ours in one OfflineAudioContext, ${c.capacitySeconds} s timed, ${c.capacityReps} times; ` +
      'the real-time factor is audio seconds per second of audio-thread CPU, and "tracks per audio thread" is the track count times it (what one uncontended core keeps up with). ' +
      `Start-up: \`create()\` in a new browser context (new renderer, nothing compiled), ${c.startups} times: until it resolves, until 'ready', and until the first stats with processed frames (stats every 50 ms, so up to 50 ms late). ` +
      'Wasm: the asset the build emits for the engine, and gzip -9 of it.',
    '',
    '| engine | raw µs / 10 ms | core µs / 10 ms | ours µs / 10 ms | core / raw | ours / raw | delay measured (reported), samples | capacity RTF (CPU) | tracks per audio thread | create → resolved ms | → ready ms | → first frames ms | wasm asset | wasm | gzip |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.rows
      .map((row) =>
        [
          TIER_LABEL[row.engine],
          range(row.usPerFrame.raw, f1),
          range(row.usPerFrame.core, f1),
          range(row.usPerFrame.ours, f1),
          range(row.coreOverRaw, f3),
          range(row.oursOverRaw, f3),
          `${row.delayMeasured} (${row.delayReported ?? 'n/a'})`,
          range(row.capacityRtfCpu, f1),
          String(row.tracksPerThread),
          range(row.startup.createMs, f1),
          range(row.startup.readyMs, f1),
          range(row.startup.firstFramesMs, f1),
          `\`${row.wasm.file.replace(/-[\w-]+\.wasm$/, '.wasm')}\``,
          kb(row.wasm.bytes),
          kb(row.wasm.gzipBytes),
        ].join(' | '),
      )
      .map((l) => `| ${l} |`),
    '',
    'Targets: ours ≤ 1.10× raw per engine, and classic RNNoise ≤ 1.05×. ' +
      r.rows
        .map(
          (row) =>
            `${TIER_LABEL[row.engine]}: ${f3(row.oursOverRaw.median)}× (${row.oursOverRaw.median <= (row.engine === 'rnnoise' ? 1.05 : 1.1) ? 'met' : '**missed**'})`,
        )
        .join('; ') +
      '.',
    '',
    ...(r.baseline ? baselineLines(r.baseline) : []),
    `Reproduce this section alone: \`${ENGINE_COST_COMMAND}\` (also part of \`npm run bench\`).`,
    '',
  ];
  return lines.join('\n');
}

function baselineLines(b: NonNullable<EngineCostResults['baseline']>): string[] {
  return [
    `Before, ${b.label} (a separate run of the same command, so read it against that run's own raw column):`,
    '',
    '| engine | raw µs / 10 ms | core µs / 10 ms | ours µs / 10 ms | core / raw | ours / raw |',
    '| --- | --- | --- | --- | --- | --- |',
    ...b.rows.map(
      (row) =>
        `| ${TIER_LABEL[row.engine]} | ${range(row.usPerFrame.raw, f1)} | ${range(row.usPerFrame.core, f1)} | ${range(row.usPerFrame.ours, f1)} | ${range(row.coreOverRaw, f3)} | ${range(row.oursOverRaw, f3)} |`,
    ),
    '',
  ];
}

export function withEngineCostSection(markdown: string, section: string): string {
  return withSection(markdown, 'Cost per engine', section);
}

/** The cost signal every P1 render uses: 20 dB SNR white noise over synthetic speech. */
export function costSignal(seconds: number): Float32Array {
  return makeNoisySpeech({ seed: 99, noise: 'white', snrDb: 20, seconds }).mixture;
}

if (isEntryPoint(import.meta.url)) {
  const os = await import('node:os');
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const cfg = quick ? ENGINE_COST_QUICK : ENGINE_COST_FULL;
  const option = (flag: string): string | undefined => {
    const at = args.indexOf(flag);
    return at < 0 ? undefined : args[at + 1];
  };
  const baselineFile = option('--baseline');
  const baseline = baselineFile
    ? {
        label: option('--baseline-label') ?? baselineFile,
        rows: (JSON.parse(readFileSync(baselineFile, 'utf8')) as { engineCost: EngineCostResults }).engineCost.rows,
      }
    : undefined;
  const json = fileURLToPath(new URL('./results.json', import.meta.url));
  const md = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  const write = (results: EngineCostResults): void => {
    const section = engineCostMarkdown(results);
    process.stdout.write(section);
    if (!args.includes('--write')) return;
    // Into results.json too, so that `npm run bench -- --report-only` renders the same section.
    const all = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    writeFileSync(json, JSON.stringify({ ...all, engineCost: results }, null, 1) + '\n');
    writeFileSync(md, withEngineCostSection(readFileSync(md, 'utf8'), section));
  };
  if (args.includes('--report-only')) {
    const previous = (JSON.parse(readFileSync(json, 'utf8')) as { engineCost: EngineCostResults }).engineCost;
    write(baseline ? { ...previous, baseline } : previous);
    process.exit(0);
  }
  const started = Date.now();
  const log = (s: string): void => console.error(`[engine-cost ${((Date.now() - started) / 1000).toFixed(0)}s] ${s}`);
  await buildBenchPage();
  const server = await servePage();
  const b = await launchBrowser();
  try {
    const page = await openBenchPage(b, server.url);
    const signal = costSignal(cfg.seconds + 1);
    await storeSignal(page, 'cost', signal);
    const results = await measureEngineCost(b, server.url, page, signal, cfg, log, () => os.loadavg()[0] ?? 0);
    write(baseline ? { ...results, baseline } : results);
  } finally {
    await b.close();
    await server.close();
  }
}
