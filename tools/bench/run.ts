// `npm run bench` (through scripts/bench.mjs): measures speed, delay, capacity, memory, startup
// and denoising quality side by side in one run, then writes results.json, the SVG charts and
// BENCHMARKS.md. Options: --quick (a short smoke run, written to bench/out/), --report-only
// (regenerate the report from an existing results.json), --keep-live-room (keep results.json's
// large-room run, made alone by tools/bench/live-room.ts, on a machine as quiet as can be had: its underruns are the
// figure most hurt by other load; its section names its own date, load and command).
import os from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { makeNoisySpeech } from '../testing/signals';
import { fromBase64 } from '../testing/base64';
import { denoiseAudio } from '../../cli/denoise-file';
import { buildCorpusItem, corpusClips, corpusSpecs, CORPUS_SNRS, LIBRIVOX_DIR, type CorpusItem } from './corpus';
import { alignByXcorr } from '../testing/metrics';
import { nodeCost, nodeCycles, nodeLongRun } from './node-bench';
import { buildBenchPage, launchBrowser, openBenchPage, renderOn, servePage, storeSignal, type BenchBrowser } from './browser';
import type { CyclesResult, EngineKind, LiveResult, LongRenderKind, RenderResult, StartupResult } from './pages/bench';
import { measureStrength } from './strength';
import { measureResampler } from './resampler';
import { measureEngineQuality } from './engine-quality';
import { ENGINE_COST_FULL, ENGINE_COST_QUICK, measureEngineCost } from './engine-cost';
import { measureGtcrnBand } from './gtcrn-band';
import {
  coarseLag,
  DESIGN_LAGS,
  evaluateAtLag,
  QUALITY_ENGINES,
  refineLag,
  SKIP_FRAMES,
  summarize,
  toScore,
  type ItemScore,
  type QualityEngine,
} from './quality';
import {
  COST_BASES,
  type BrowserCost,
  type CapacityRow,
  type CostBasis,
  type DelayResult,
  type LagCheck,
  type LiveRow,
  type LongRenders,
  type Meta,
  type Results,
} from './results';
import { medianCi, pairedRatios, spread, type Spread } from './stats';
import { writeReport } from './report';
import { startBlobServer, type BlobServer } from './blob-server';
import { liveRoomCounts, liveRoomSeconds, measureGraphFloor, measureLiveRoom } from './live-room';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const reportOnly = args.includes('--report-only');
const keepLiveRoom = args.includes('--keep-live-room');

const out = quick
  ? {
      md: join(ROOT, 'tools/bench/out/BENCHMARKS.md'),
      json: join(ROOT, 'tools/bench/out/results.json'),
      charts: join(ROOT, 'tools/bench/out/charts'),
    }
  : { md: join(ROOT, 'BENCHMARKS.md'), json: join(ROOT, 'tools/bench/results.json'), charts: join(ROOT, 'tools/bench/charts') };

const cfg = quick
  ? {
      costSeconds: 5,
      costReps: 2,
      nodeCostSeconds: 5,
      nodeCostReps: 2,
      nodeCycles: 100,
      nodeCyclesEvery: 25,
      nodeLongSeconds: 120,
      nodeLongEvery: 30,
      capacityN: [1, 8, 32],
      capacitySeconds: 2,
      capacityReps: 1,
      liveN: [1, 32],
      liveCapped: [] as number[],
      liveSeconds: 3,
      cycles: 50,
      cyclesEvery: 25,
      longChunks: 3,
      longChunkSeconds: 10,
      longEvery: 1,
      startupCold: 2,
      startupWarm: 2,
      qualityClips: 2,
      qualitySnrs: [5],
    }
  : {
      // Sized for a shared 2-core machine under heavy load (a run must finish in about half an
      // hour there); the hour of audio through one pipeline is the soak's (npm run soak).
      costSeconds: 8,
      costReps: 5,
      nodeCostSeconds: 10,
      nodeCostReps: 5,
      nodeCycles: 400,
      nodeCyclesEvery: 50,
      nodeLongSeconds: 600,
      nodeLongEvery: 100,
      // 48 and 96 flank 64, the point that set maxProcessorsPerContext's default; 9 repetitions give
      // a distribution-free 96 % interval for each median (2nd to 8th of the sorted values). The
      // live runs go on to 128.
      capacityN: [1, 8, 32, 48, 64, 96],
      capacitySeconds: 2,
      capacityReps: 9,
      liveN: [1, 32, 64, 128],
      liveCapped: [128],
      liveSeconds: 3,
      cycles: 1000,
      cyclesEvery: 100,
      longChunks: 12,
      longChunkSeconds: 30,
      longEvery: 3,
      startupCold: 3,
      startupWarm: 3,
      qualityClips: Infinity,
      qualitySnrs: [...CORPUS_SNRS],
    };

const phases: Record<string, number> = {};
const started = Date.now();

function log(message: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  console.log(`[bench ${t}s] ${message}`);
}

async function phase<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  log(`${name} …`);
  const t0 = Date.now();
  const result = await fn();
  phases[name] = (Date.now() - t0) / 1000;
  log(`${name} done in ${phases[name]?.toFixed(1)} s`);
  return result;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

const SUSPEND_SAMPLES = 1024;
const LONG_KINDS: readonly LongRenderKind[] = ['ours', 'raw', 'none'];
/** The quality corpus stops starting new batches this long after it began. */
const QUALITY_BUDGET_S = 6 * 60;

/** spread(), or all-NaN when nothing finite was measured (e.g. a thread /proc could not see). */
function spreadOrNaN(values: readonly number[]): Spread {
  return values.some((v) => Number.isFinite(v)) ? spread(values) : { n: 0, median: NaN, min: NaN, max: NaN, q1: NaN, q3: NaN };
}

// ---- P1 + P2 in Chromium ----

async function browserCost(page: Page, signal: Float32Array): Promise<{ cost: BrowserCost; delay: DelayResult }> {
  const engines: EngineKind[] = ['raw', 'ours', 'core', 'anchor-rnnoise', 'anchor-speex', 'none'];
  const us: Record<string, Record<CostBasis, number[]>> = Object.fromEntries(
    engines.map((e) => [e, { audioThread: [], rendererCpu: [], wall: [] }]),
  );
  const anchorFirstOutput: number[] = [];
  const outputs: Record<string, Float32Array> = {};
  let timedSeconds = 0;
  let oursReported: number | null = null;
  // Warm-up, not counted: the renderer compiles and tiers up the wasm and the worklet JS once.
  for (const engine of engines)
    await renderOn(page, { signal: 'cost', seconds: 2, engines: [engine], mix: 'channels', returnSamples: false, waitMs: 300 });
  for (let r = 0; r < cfg.costReps; r++) {
    for (let k = 0; k < engines.length; k++) {
      const engine = engines[(r + k) % engines.length] as EngineKind;
      const res = await renderOn(page, {
        signal: 'cost',
        seconds: cfg.costSeconds,
        engines: [engine],
        mix: 'channels',
        returnSamples: r === 0 && engine !== 'none',
        waitMs: 300,
      });
      if (res.errors.length) throw new Error(`${engine} render reported errors: ${res.errors.join('; ')}`);
      timedSeconds = res.timedSeconds;
      const frames = timedSeconds * 100;
      const mine = us[engine] as Record<CostBasis, number[]>;
      // A render thread that already exited leaves no trace in /proc: count it as missing.
      mine.audioThread.push(res.audioThreadMs > 0.01 * res.renderMs ? (res.audioThreadMs * 1000) / frames : NaN);
      mine.rendererCpu.push((res.cpuMs * 1000) / frames);
      mine.wall.push((res.renderMs * 1000) / frames);
      if (engine === 'anchor-rnnoise') anchorFirstOutput.push(res.firstNonZero[0] ?? -1);
      if (engine === 'ours') oursReported = res.stats[0]?.latencySamples ?? oursReported;
      if (r === 0 && res.channels[0]) outputs[engine] = fromBase64(res.channels[0]);
    }
  }
  const frames = timedSeconds * 100;
  const get = (e: string, b: CostBasis): number[] => (us[e] as Record<CostBasis, number[]>)[b];
  const ratio = (a: string, b: string): Record<CostBasis, Spread> =>
    Object.fromEntries(COST_BASES.map((basis) => [basis, spreadOrNaN(pairedRatios(get(a, basis), get(b, basis)))])) as Record<
      CostBasis,
      Spread
    >;
  const cost: BrowserCost = {
    reps: cfg.costReps,
    timedSeconds,
    framesPerRender: frames,
    usPerFrame: Object.fromEntries(
      engines.map((e) => [e, Object.fromEntries(COST_BASES.map((b) => [b, spreadOrNaN(get(e, b))])) as Record<CostBasis, Spread>]),
    ),
    ratios: {
      'ours / raw': ratio('ours', 'raw'),
      'ours / anchor-rnnoise': ratio('ours', 'anchor-rnnoise'),
      'anchor-rnnoise / raw': ratio('anchor-rnnoise', 'raw'),
      'DSP core alone / raw': ratio('core', 'raw'),
      'ours / anchor-speex': ratio('ours', 'anchor-speex'),
    },
    anchorFirstOutput,
    // Loaded at the suspend point: its output starts within its own delay of resuming.
    anchorLoadedInTime: anchorFirstOutput.every((i) => i >= 0 && i < SUSPEND_SAMPLES + 992 + 2048),
  };
  const measured: Record<string, number> = {};
  for (const [engine, y] of Object.entries(outputs)) measured[engine] = coarseLag(signal, y);
  return { cost, delay: { measured, oursReported } };
}

// ---- P3 ----

async function capacityOffline(page: Page): Promise<CapacityRow[]> {
  const byN = new Map(cfg.capacityN.map((n) => [n, { rtf: [] as number[], rtfCpu: [] as number[], us: [] as number[], setupMs: 0 }]));
  // The N take turns and the order rotates each repetition, so load that comes and goes on this
  // shared machine falls on every N alike instead of on whichever ran at the time.
  for (let r = 0; r < cfg.capacityReps; r++) {
    for (let k = 0; k < cfg.capacityN.length; k++) {
      const n = cfg.capacityN[(r + k) % cfg.capacityN.length] as number;
      const res = await renderOn(page, {
        signal: 'cost',
        seconds: cfg.capacitySeconds + SUSPEND_SAMPLES / 48_000,
        engines: Array.from({ length: n }, () => 'ours' as const),
        mix: 'sum',
        returnSamples: false,
        waitMs: 100,
      });
      if (res.errors.length) throw new Error(`capacity N=${n}: ${res.errors[0]}`);
      const bypassed = res.stats.filter((s) => s?.bypass).length;
      if (bypassed) throw new Error(`capacity N=${n}: ${bypassed} processors were bypassed`);
      const mine = byN.get(n) as NonNullable<ReturnType<typeof byN.get>>;
      mine.rtf.push(res.timedSeconds / (res.renderMs / 1000));
      mine.rtfCpu.push(res.timedSeconds / (res.audioThreadMs / 1000));
      mine.us.push((res.audioThreadMs * 1000) / (res.timedSeconds * 100 * n));
      mine.setupMs = res.setupMs;
    }
    log(`  offline capacity repetition ${r + 1}/${cfg.capacityReps} done`);
  }
  return cfg.capacityN.map((n) => {
    const m = byN.get(n) as NonNullable<ReturnType<typeof byN.get>>;
    const row: CapacityRow = {
      n,
      rtf: spread(m.rtf),
      rtfCpu: spread(m.rtfCpu),
      usPerFramePerTrack: spread(m.us),
      rtfCpuCi: medianCi(m.rtfCpu),
      usPerFramePerTrackCi: medianCi(m.us),
      setupMs: m.setupMs,
    };
    log(
      `  offline N=${n}: real-time factor ${row.rtf.median.toFixed(2)} (wall), ${row.rtfCpu.median.toFixed(2)} (audio-thread CPU), ${row.usPerFramePerTrack.median.toFixed(1)} µs per frame per track`,
    );
    return row;
  });
}

/** The default cap as the product states it when a capped run bypasses a processor for it. */
function defaultCapFrom(live: readonly LiveRow[]): number | null {
  for (const row of live.filter((l) => l.capped)) {
    for (const e of row.errors) {
      const m = /maxProcessorsPerContext (\d+)/.exec(e);
      if (m) return Number(m[1]);
    }
  }
  return null;
}

async function capacityLive(page: Page): Promise<LiveRow[]> {
  const rows: LiveRow[] = [];
  const runs = [...cfg.liveN.map((n) => ({ n, capped: false })), ...cfg.liveCapped.map((n) => ({ n, capped: true }))];
  for (const { n, capped } of runs) {
    const res: LiveResult = await page.evaluate((req) => window.lkb.live(req), {
      signal: 'cost',
      n,
      seconds: cfg.liveSeconds,
      warmupSeconds: 1.5,
      capped,
    });
    rows.push({ ...res, capped });
    log(
      `  live N=${n}${capped ? ' (default cap)' : ''}: ${res.ok ? `${res.underrunEvents} underruns, ${res.underrunMs.toFixed(0)} ms missing of ${res.playedMs.toFixed(0)} ms` : res.detail}, clock ${res.clockRate.toFixed(3)}`,
    );
  }
  return rows;
}

// ---- startup ----

async function startupTimes(b: BenchBrowser, baseUrl: string): Promise<Results['startup']> {
  const cold: StartupResult[] = [];
  const warmNewContext: StartupResult[] = [];
  const warmSameContext: StartupResult[] = [];
  for (let i = 0; i < cfg.startupCold; i++) {
    // A new browser context: a new renderer, empty HTTP cache, nothing compiled yet.
    const page = await openBenchPage(b, baseUrl, { newContext: true });
    cold.push(await page.evaluate(() => window.lkb.startup({ newContext: true })));
    if (i === cfg.startupCold - 1) {
      for (let j = 0; j < cfg.startupWarm; j++) {
        warmNewContext.push(await page.evaluate(() => window.lkb.startup({ newContext: true })));
        warmSameContext.push(await page.evaluate(() => window.lkb.startup({ newContext: false })));
      }
    }
    await page.context().close();
  }
  return { cold, warmNewContext, warmSameContext };
}

// ---- quality ----

function clipFilter(): (name: string) => boolean {
  const names = corpusClips().map((c) => c.name);
  const keep = new Set(names.slice(0, cfg.qualityClips === Infinity ? names.length : cfg.qualityClips));
  return (name) => keep.has(name);
}

const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function quality(page: Page, blobs: BlobServer): Promise<Results['quality']> {
  const clips = corpusClips();
  const keep = clipFilter();
  const specs = corpusSpecs({ snrs: cfg.qualitySnrs }).filter((s) => keep(s.clip.name));
  const items: ItemScore[] = [];
  const nominalLags: Record<string, number> = {};
  const lagCheck: LagCheck = {
    designLags: { ...DESIGN_LAGS },
    vsDesign: Object.fromEntries(QUALITY_ENGINES.map((e) => [e, { items: 0, differing: 0, maxAbsDiff: 0 }])),
    vsFullXcorr: { pairs: 0, differing: 0, maxAbsDiff: 0, examples: [] },
  };
  let seconds = 0;
  let previousClip = '';
  const browserEngines: EngineKind[] = ['ours', 'anchor-rnnoise', 'anchor-speex'];
  const browserNames: QualityEngine[] = ['ours-worklet', 'anchor-rnnoise', 'anchor-speex'];
  const qualityStarted = Date.now();
  const spent = { build: 0, cli: 0, wait: 0, score: 0 };
  let mark = Date.now();
  const lap = (key: keyof typeof spent): void => {
    const now = Date.now();
    spent[key] += (now - mark) / 1000;
    mark = now;
  };
  // Items go to Chromium in batches (one OfflineAudioContext, so the worklet JS is compiled once
  // per batch); Chromium renders batch b+1 while Node runs the CLI path and scores batch b.
  const BATCH = 5;
  type Batch = { items: CorpusItem[]; first: number; pending: Promise<RenderResult> };
  const start = (first: number): Batch | undefined => {
    const batchSpecs = specs.slice(first, first + BATCH);
    if (batchSpecs.length === 0) return undefined;
    const batchItems = batchSpecs.map((spec) => buildCorpusItem(spec, clips));
    const ids = batchItems.map((_, i) => `q${first + i}`);
    batchItems.forEach((item, i) => blobs.put(ids[i] as string, item.mixture));
    const longest = Math.max(...batchItems.map((item) => item.mixture.length));
    const pending = Promise.all(
      ids.map((id) => page.evaluate(([key, url]) => window.lkb.load(key, url), [id, blobs.url + id] as const)),
    ).then(() =>
      renderOn(page, {
        signal: ids[0] as string,
        signals: ids.flatMap((id) => browserEngines.map(() => id)),
        seconds: longest / 48_000,
        engines: ids.flatMap(() => browserEngines),
        mix: 'channels',
        returnSamples: false,
        uploadTo: `${blobs.url}out${first}-`,
        waitMs: 150,
      }),
    );
    return { items: batchItems, first, pending };
  };
  mark = Date.now();
  let next = start(0);
  lap('build');
  let stoppedEarly = false;
  while (next) {
    const batch = next;
    if (Date.now() - qualityStarted > QUALITY_BUDGET_S * 1000 && items.length > 0) {
      // Out of time: stop after whole batches (specs run clip by clip, so each noise × SNR cell
      // keeps the same number of items up to the last, partial clip).
      stoppedEarly = true;
      await batch.pending.catch(() => undefined);
      break;
    }
    await yieldNow();
    const cliOut = batch.items.map((item) => {
      const cli = denoiseAudio({
        sampleRate: 48_000,
        channels: [item.mixture],
        format: { kind: 'float', bitsPerSample: 32, extensible: false, channelMask: 0 },
      });
      return cli.audio.channels[0] as Float32Array;
    });
    lap('cli');
    const res = await batch.pending;
    if (res.errors.length) throw new Error(`quality render from item ${batch.first}: ${res.errors[0]}`);
    const rendered = batch.items.map((item, i) => {
      const id = `q${batch.first + i}`;
      blobs.take(id);
      void page.evaluate((key) => window.lkb.drop(key), id);
      return browserNames.map((name, k) => {
        const y = blobs.take(`out${batch.first}-${i * browserEngines.length + k}`);
        if (!y) throw new Error(`quality render ${item.id}: no upload for ${name}`);
        return y.subarray(0, item.mixture.length);
      });
    });
    lap('wait');
    next = start(batch.first + BATCH);
    lap('build');
    for (const [i, item] of batch.items.entries()) {
      const index = batch.first + i;
      seconds += item.mixture.length / 48_000;
      const outputs = new Map<QualityEngine, Float32Array>();
      outputs.set('passthrough', item.mixture);
      outputs.set('ours-cli', cliOut[i] as Float32Array);
      browserNames.forEach((name, k) => outputs.set(name, rendered[i]?.[k] as Float32Array));
      const input = { speech: item.speech, mixture: item.mixture, speechActive: item.speechActive };
      for (const engine of QUALITY_ENGINES) {
        await yieldNow();
        const output = outputs.get(engine) as Float32Array;
        if (index === 0) nominalLags[engine] = coarseLag(item.mixture, output);
        const lag = refineLag(item.mixture, output, nominalLags[engine] ?? 0).lag;
        const design = lagCheck.vsDesign[engine] as LagCheck['vsDesign'][string];
        design.items++;
        if (lag !== DESIGN_LAGS[engine]) design.differing++;
        design.maxAbsDiff = Math.max(design.maxAbsDiff, Math.abs(lag - DESIGN_LAGS[engine]));
        if (index === 0 || item.clip !== previousClip) {
          // Independent of refineLag's window and search: the whole item, FFT, ±4800 samples.
          const full = alignByXcorr(item.mixture, output, 4800).lag;
          const check = lagCheck.vsFullXcorr;
          check.pairs++;
          if (full !== lag) {
            check.differing++;
            if (check.examples.length < 8) check.examples.push(`${item.id} ${engine}: refined ${lag}, full ${full}`);
          }
          check.maxAbsDiff = Math.max(check.maxAbsDiff, Math.abs(full - lag));
        }
        items.push(toScore(item, engine, evaluateAtLag({ ...input, output }, lag)));
      }
      previousClip = item.clip;
    }
    lap('score');
    log(`  quality ${Math.min(specs.length, batch.first + BATCH)}/${specs.length}`);
  }
  log(
    `  quality time (s): ${Object.entries(spent)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')}`,
  );
  if (stoppedEarly) log(`  quality stopped at the time budget: ${items.length / QUALITY_ENGINES.length} of ${specs.length} items`);
  return {
    summary: summarize(items, QUALITY_ENGINES),
    items,
    nominalLags,
    lagCheck,
    skipFrames: SKIP_FRAMES,
    seconds,
    plannedItems: specs.length,
    stoppedEarly,
  };
}

// ---- main ----

async function main(): Promise<void> {
  if (reportOnly) {
    const results = JSON.parse(readFileSync(out.json, 'utf8')) as Results;
    writeReport(results, { md: out.md, charts: out.charts, json: out.json });
    log(`report regenerated: ${relative(ROOT, out.md)}`);
    return;
  }
  const loadStart = os.loadavg()[0] ?? 0;
  log(`${quick ? 'quick smoke run' : 'full run'} on ${os.cpus().length} cores (load ${loadStart.toFixed(2)})`);
  const costSignal = makeNoisySpeech({ seed: 99, noise: 'white', snrDb: 20, seconds: cfg.costSeconds + 1 }).mixture;

  const node = await phase('P1 Node cost', () => nodeCost(costSignal.subarray(0, cfg.nodeCostSeconds * 48_000), cfg.nodeCostReps));
  const nodeCyc = await phase('P4 Node create/destroy', () => nodeCycles(costSignal, cfg.nodeCycles, cfg.nodeCyclesEvery));
  const nodeLong = await phase('P4 Node long run', () =>
    nodeLongRun(costSignal.subarray(0, 10 * 48_000), cfg.nodeLongSeconds, cfg.nodeLongEvery),
  );

  await phase('build bench page', () => buildBenchPage());
  const server = await servePage();
  const b = await launchBrowser();
  let results: Results;
  try {
    const startup = await phase('startup', () => startupTimes(b, server.url));
    const page = await openBenchPage(b, server.url);
    await storeSignal(page, 'cost', costSignal);
    const { cost, delay } = await phase('P1/P2 Chromium cost and delay', () => browserCost(page, costSignal));
    const engineCost = await phase('cost per engine (Chromium)', () =>
      measureEngineCost(b, server.url, page, costSignal, quick ? ENGINE_COST_QUICK : ENGINE_COST_FULL, log, () => os.loadavg()[0] ?? 0),
    );
    const offline = await phase('P3 offline capacity', () => capacityOffline(page));
    const live = await phase('P3 live capacity', () => capacityLive(page));
    await page.close();
    // 60 s per N and mode (LK_LIVE_ROOM_SECONDS shortens it); --quick runs the shortest it allows.
    const kept = keepLiveRoom ? (JSON.parse(readFileSync(out.json, 'utf8')) as Results).liveRoom : undefined;
    if (keepLiveRoom && !kept) throw new Error(`--keep-live-room: ${relative(ROOT, out.json)} holds no large-room run to keep`);
    const liveRoom =
      kept ??
      (await phase('large room live', () =>
        measureLiveRoom(
          quick
            ? { seconds: 10, counts: [8, 32], command: 'npm run bench -- --quick', log }
            : { seconds: liveRoomSeconds(), counts: liveRoomCounts(), command: 'npm run bench', log },
          b,
        ),
      ));

    const graphFloor = await phase('large room graph floor', () =>
      measureGraphFloor(quick ? [8, 32] : liveRoomCounts(), quick ? 'npm run bench -- --quick' : 'npm run bench', log, b),
    );

    const cyclesPage = await openBenchPage(b, server.url, { newContext: true });
    const browserCycles: CyclesResult = await phase('P4 Chromium create/close', () =>
      cyclesPage.evaluate((req) => window.lkb.cycles(req), { count: cfg.cycles, every: cfg.cyclesEvery }),
    );
    await cyclesPage.context().close();

    // Ours, then the same renders with the raw bench worklet (an AudioWorklet without lk-denoise)
    // and with a GainNode (no AudioWorklet): growth all three show is Chromium's, not ours.
    const browserLong = {} as LongRenders;
    for (const kind of LONG_KINDS) {
      const longPage = await openBenchPage(b, server.url, { newContext: true });
      await storeSignal(longPage, 'long', costSignal.subarray(0, 10 * 48_000));
      browserLong[kind] = await phase(`P4 Chromium long render (${kind})`, () =>
        longPage.evaluate((req) => window.lkb.longRender(req), {
          signal: 'long',
          kind,
          chunks: cfg.longChunks,
          chunkSeconds: cfg.longChunkSeconds,
          every: cfg.longEvery,
        }),
      );
      await longPage.context().close();
    }

    const qualityPage = await openBenchPage(b, server.url, { newContext: true });
    const blobs = await startBlobServer();
    const q = await phase('quality corpus', () => quality(qualityPage, blobs)).finally(() => blobs.close());
    await qualityPage.context().close();

    const clips = corpusClips();
    const meta: Meta = {
      date: new Date().toISOString(),
      command: quick ? 'npm run bench -- --quick' : 'npm run bench',
      quick,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      chromium: b.version,
      packages: Object.fromEntries(
        ['@sapphi-red/web-noise-suppressor', 'livekit-client', 'vite', '@playwright/test', 'typescript', 'tsx'].map((p) => [
          p,
          packageVersion(p),
        ]),
      ),
      loadAverage: { start: loadStart, end: os.loadavg()[0] ?? 0 },
      corpus: {
        source: clips[0]?.name === 'excerpt' ? 'excerpt' : 'librivox',
        clips: clips.map((c) => c.name),
        note:
          process.env.LK_BENCH_CORPUS_NOTE ??
          (existsSync(LIBRIVOX_DIR)
            ? `Debian pocketsphinx-testdata (${LIBRIVOX_DIR})`
            : 'committed LibriVox excerpt (pocketsphinx-testdata not installed)'),
      },
      phasesSeconds: phases,
      totalSeconds: 0,
    };
    const strength = await phase('strength (Node)', () => measureStrength(5));
    const resampler = await phase('resampler (Node)', () => measureResampler());
    const engineQuality = await phase('quality per engine (Node)', () =>
      measureEngineQuality({ clips: quick ? 1 : undefined, snrs: cfg.qualitySnrs, budgetSeconds: QUALITY_BUDGET_S, log }),
    );
    const gtcrnBand = await phase('GTCRN above 8 kHz (Node)', () => measureGtcrnBand());
    results = {
      meta,
      p1: { node, browser: cost },
      p2: delay,
      p3: {
        offline,
        offlineSeconds: cfg.capacitySeconds,
        reps: cfg.capacityReps,
        live,
        liveSeconds: cfg.liveSeconds,
        defaultCap: defaultCapFrom(live),
      },
      p4: { nodeCycles: nodeCyc, nodeLong, browserCycles, browserLong },
      startup,
      quality: q,
      strength,
      resampler,
      engineQuality,
      engineCost,
      gtcrnBand,
      liveRoom,
      graphFloor,
    };
  } finally {
    await b.close();
    await server.close();
  }
  results.meta.totalSeconds = (Date.now() - started) / 1000;
  mkdirSync(dirname(out.json), { recursive: true });
  writeFileSync(out.json, JSON.stringify(results, null, 1) + '\n');
  writeReport(results, { md: out.md, charts: out.charts, json: out.json });
  log(
    `wrote ${relative(ROOT, out.md)}, ${relative(ROOT, out.json)} and ${relative(ROOT, out.charts)}/ in ${results.meta.totalSeconds.toFixed(0)} s`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
