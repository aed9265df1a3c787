// Per-engine quality on the bench corpus, in Node: every engine in ENGINE_RUNNERS denoises every
// item (clips × noises × SNR 0/5/10 dB at 48 kHz), is aligned to the mixture by cross-correlation,
// and is scored with ΔSI-SDR, the pause cut, the speech level, STOI and extended STOI
// (tools/testing/stoi.ts, noisy → denoised) and the energy it keeps above 8 kHz against the clean
// speech (GTCRN is a 16 kHz model). The raw-package rows call each package's engine as shipped,
// frame by frame, with no pipeline of ours around it: they are the reference that our own glue
// for the same engine is compared with. measureEngineQuality() returns the figures;
// engineQualityMarkdown() renders the BENCHMARKS.md section.
// Run alone: npx tsx tools/bench/engine-quality.ts [--clips N] [--budget-s S] [--write]
import { withSection } from './strength';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { isEntryPoint } from '../../cli/entry';
import { FRAME_SIZE, type FrameEngine } from '../../worklets/dsp/engine';
import { DenoisePipeline } from '../../worklets/dsp/pipeline';
import { RnnoiseEngine } from '../../worklets/dsp/rnnoise';
import { fft } from '../testing/metrics';
import { pauseCutDb } from '../testing/pause-cut';
import { stoi } from '../testing/stoi';
import { buildCorpusItem, corpusClips, corpusSpecs, CORPUS_RATE, CORPUS_SNRS, type CorpusItem } from './corpus';
import { coarseLag, evaluateAtLag, refineLag, shiftBy, SKIP_FRAMES } from './quality';
import { mean, spread } from './stats';

const require = createRequire(import.meta.url);
const BLOCK = 128;

/** One item's whole mixture in, the engine's output out (same length, the engine's own delay kept). */
export type ItemProcessor = (mixture: Float32Array) => Float32Array;

export interface EngineRunner {
  id: string;
  label: string;
  /** The npm package and file the engine comes from. */
  source: string;
  /** A fresh engine state for one item. */
  create(): Promise<ItemProcessor> | ItemProcessor;
}

// ---- ours: a FrameEngine inside the worklet's DSP core, in 128-sample blocks ----

/** A fresh FrameEngine per item as the worklet runs it: DenoisePipeline in 128-sample blocks. */
export function pipelineProcessor(newEngine: () => FrameEngine): ItemProcessor {
  return (x) => {
    const pipeline = new DenoisePipeline(newEngine(), { blockSize: BLOCK });
    const out = new Float32Array(x.length);
    for (let at = 0; at + BLOCK <= x.length; at += BLOCK) pipeline.process(x.subarray(at, at + BLOCK), out.subarray(at, at + BLOCK), BLOCK);
    pipeline.destroy();
    return out;
  };
}

/** `frame`-sample frames of `x` through `step` (which writes `out` in place); the tail is left silent. */
function byFrames(x: Float32Array, frame: number, step: (input: Float32Array, output: Float32Array) => void): Float32Array {
  const out = new Float32Array(x.length);
  for (let at = 0; at + frame <= x.length; at += frame) step(x.subarray(at, at + frame), out.subarray(at, at + frame));
  return out;
}

// ---- raw @jitsi/rnnoise-wasm 0.2.1: its emscripten module (wasm embedded), called as shipped ----

interface JitsiModule {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _rnnoise_create(model: number): number;
  _rnnoise_destroy(state: number): void;
  _rnnoise_process_frame(state: number, out: number, input: number): number;
}

const JITSI_SPECIFIER = '@jitsi/rnnoise-wasm/dist/rnnoise-sync.js';

async function jitsiRaw(): Promise<ItemProcessor> {
  // A non-literal specifier: the package ships no types, and its shape is checked here instead.
  const loaded = (await import(JITSI_SPECIFIER)) as { default?: unknown };
  if (typeof loaded.default !== 'function') throw new TypeError(`${JITSI_SPECIFIER} has no default export factory`);
  const m = (loaded.default as () => JitsiModule)();
  if (typeof m._rnnoise_process_frame !== 'function') throw new TypeError(`${JITSI_SPECIFIER}: no _rnnoise_process_frame`);
  return (x) => {
    const state = m._rnnoise_create(0);
    const ptr = m._malloc(FRAME_SIZE * 4);
    // RNNoise takes int16-scaled floats.
    const out = byFrames(x, FRAME_SIZE, (input, output) => {
      const heap = m.HEAPF32;
      const at = ptr >> 2;
      for (let i = 0; i < FRAME_SIZE; i++) heap[at + i] = (input[i] as number) * 32_768;
      m._rnnoise_process_frame(state, ptr, ptr);
      for (let i = 0; i < FRAME_SIZE; i++) output[i] = (m.HEAPF32[at + i] as number) / 32_768;
    });
    m._free(ptr);
    m._rnnoise_destroy(state);
    return out;
  };
}

// ---- raw GTCRN from @sapphi-red/web-noise-suppressor 0.4.1: gtcrn.wasm, gtcrn_process_48k ----

/** 16 ms at 48 kHz: the frame gtcrn_process_48k takes (it resamples to the 16 kHz model inside). */
const GTCRN_FRAME_48K = 768;

interface GtcrnExports {
  memory: WebAssembly.Memory;
  init(): void;
  create(): number;
  destroy(state: number): void;
  process48k(state: number, input: number, output: number): void;
  malloc(bytes: number): number;
}

/**
 * The module's exports are minified; these letters are how the package's own loader
 * (dist/gtcrn/workletProcessor.js) names them. Its two imports are an assertion abort and a
 * heap-resize request, supplied here.
 */
function gtcrnInstance(): GtcrnExports {
  let memory: WebAssembly.Memory | undefined;
  const bytes = readFileSync(require.resolve('@sapphi-red/web-noise-suppressor/gtcrn.wasm'));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    a: {
      a: () => {
        throw new Error('gtcrn.wasm: assertion failed');
      },
      b: (requested: number): number => {
        if (!memory) return 0;
        const need = requested - memory.buffer.byteLength;
        if (need <= 0) return 1;
        memory.grow(Math.ceil(need / 65_536));
        return 1;
      },
    },
  });
  const e = instance.exports as Record<string, unknown>;
  const fn = (name: string): ((...args: number[]) => number) => {
    const f = e[name];
    if (typeof f !== 'function') throw new TypeError(`gtcrn.wasm: export "${name}" is not a function`);
    return f as (...args: number[]) => number;
  };
  memory = e.c as WebAssembly.Memory;
  return { memory, init: fn('d'), create: fn('e'), destroy: fn('g'), process48k: fn('j'), malloc: fn('k') };
}

function gtcrnRaw(): ItemProcessor {
  const g = gtcrnInstance();
  g.init();
  return (x) => {
    const state = g.create();
    const inPtr = g.malloc(GTCRN_FRAME_48K * 4);
    const outPtr = g.malloc(GTCRN_FRAME_48K * 4);
    const out = byFrames(x, GTCRN_FRAME_48K, (input, output) => {
      new Float32Array(g.memory.buffer, inPtr, GTCRN_FRAME_48K).set(input);
      g.process48k(state, inPtr, outPtr);
      output.set(new Float32Array(g.memory.buffer, outPtr, GTCRN_FRAME_48K));
    });
    g.destroy(state);
    return out;
  };
}

/**
 * The engines compared. Our glue for a new engine is one more row: a FrameEngine of ours inside
 * pipelineProcessor, e.g. `{ id: 'ours-gtcrn', ..., create: () => pipelineProcessor(() => new GtcrnEngine(…)) }`.
 */
export const ENGINE_RUNNERS: readonly EngineRunner[] = [
  {
    id: 'rnnoise',
    label: 'classic RNNoise (ours: DSP core)',
    source: '@sapphi-red/web-noise-suppressor `rnnoise_simd.wasm` in worklets/dsp/pipeline.ts',
    create: () => pipelineProcessor(() => new RnnoiseEngine(loadRnnoiseModule('simd'))),
  },
  { id: 'rnnoise-0.2-raw', label: 'RNNoise 0.2 (raw package)', source: '@jitsi/rnnoise-wasm `dist/rnnoise-sync.js`', create: jitsiRaw },
  {
    id: 'gtcrn-raw',
    label: 'GTCRN, 16 kHz model (raw package)',
    source: '@sapphi-red/web-noise-suppressor `gtcrn.wasm`, `gtcrn_process_48k`',
    create: gtcrnRaw,
  },
];

// ---- measures ----

/**
 * Energy above 8 kHz in the speech-active 10 ms frames of `x` against the same frames of `ref`, dB
 * (0: as much as ref; GTCRN's 16 kHz model cannot put anything there). 1024-point DFTs of 960 samples.
 */
export function highBandDb(ref: Float32Array, x: Float32Array, speechActive: readonly boolean[], skipFrames: number): number {
  const n = 1024;
  const firstBin = Math.ceil((8_000 * n) / CORPUS_RATE);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const energy = (s: Float32Array, at: number): number => {
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < 2 * FRAME_SIZE; i++) re[i] = (s[at + i] as number) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (2 * FRAME_SIZE)));
    fft(re, im);
    let e = 0;
    for (let k = firstBin; k <= n / 2; k++) e += (re[k] as number) ** 2 + (im[k] as number) ** 2;
    return e;
  };
  let er = 0;
  let ex = 0;
  for (let f = skipFrames; f + 1 < speechActive.length; f++) {
    if (!speechActive[f]) continue;
    const at = f * FRAME_SIZE;
    if (at + 2 * FRAME_SIZE > x.length) break;
    er += energy(ref, at);
    ex += energy(x, at);
  }
  return 10 * Math.log10(Math.max(ex, Number.MIN_VALUE) / Math.max(er, Number.MIN_VALUE));
}

export interface EngineItemScore {
  id: string;
  noise: string;
  snrDb: number;
  engine: string;
  lag: number;
  deltaSiSdr: number;
  pauseCutDb: number;
  speechLevelDb: number;
  stoiNoisy: number;
  stoi: number;
  estoiNoisy: number;
  estoi: number;
  /** > 8 kHz energy of the output against the mixture's, speech frames (what of that band survives). */
  highBandKeptDb: number;
  /** > 8 kHz energy of the clean speech against the mixture's (the corpus's 16 kHz sources hold none). */
  highBandCleanDb: number;
}

/** The engine-independent half of an item's scores: the mixture's own STOI and band energies. */
interface ItemBaseline {
  stoiNoisy: number;
  estoiNoisy: number;
  highBandCleanDb: number;
}

function baseline(item: CorpusItem): ItemBaseline {
  const from = SKIP_FRAMES * FRAME_SIZE;
  const clean = item.speech.subarray(from);
  const noisy = item.mixture.subarray(from);
  return {
    stoiNoisy: stoi(clean, noisy, CORPUS_RATE),
    estoiNoisy: stoi(clean, noisy, CORPUS_RATE, { extended: true }),
    highBandCleanDb: highBandDb(item.mixture, item.speech, item.speechActive, SKIP_FRAMES),
  };
}

function scoreItem(item: CorpusItem, base: ItemBaseline, engine: string, output: Float32Array, lag: number): EngineItemScore {
  const input = { speech: item.speech, mixture: item.mixture, output, speechActive: item.speechActive };
  const e = evaluateAtLag(input, lag);
  const aligned = shiftBy(output, lag, item.mixture.length);
  // Every measure leaves out the first second, while the engines learn the noise.
  const from = SKIP_FRAMES * FRAME_SIZE;
  const clean = item.speech.subarray(from);
  const out = aligned.subarray(from);
  return {
    ...base,
    id: item.id,
    noise: item.noise,
    snrDb: item.snrDb,
    engine,
    lag,
    deltaSiSdr: e.deltaSiSdr,
    pauseCutDb: pauseCutDb(item.mixture, aligned, item.speechActive, { lag: 0, skipFrames: SKIP_FRAMES }),
    speechLevelDb: e.speechLevelChangeDb,
    stoi: stoi(clean, out, CORPUS_RATE),
    estoi: stoi(clean, out, CORPUS_RATE, { extended: true }),
    highBandKeptDb: highBandDb(item.mixture, aligned, item.speechActive, SKIP_FRAMES),
  };
}

export interface EngineQualityResults {
  date: string;
  /** The clips scored; fewer than plannedClips when the run hit its time budget. */
  clips: string[];
  plannedClips: number;
  noises: string[];
  snrs: number[];
  /** Audio each engine processed, s. */
  audioSeconds: number;
  engines: { id: string; label: string; source: string; lag: number; processSeconds: number }[];
  items: EngineItemScore[];
}

export interface EngineQualityOptions {
  /** At most this many speech clips (default all). */
  clips?: number;
  snrs?: readonly number[];
  runners?: readonly EngineRunner[];
  /** No new clip is started after this many seconds (a partial run still has every noise and SNR per clip). */
  budgetSeconds?: number;
  log?: (line: string) => void;
}

/** Every corpus item through every runner, scored. */
export async function measureEngineQuality(options: EngineQualityOptions = {}): Promise<EngineQualityResults> {
  const runners = options.runners ?? ENGINE_RUNNERS;
  const log = options.log ?? (() => {});
  const clips = corpusClips();
  const keep = new Set(clips.slice(0, options.clips ?? clips.length).map((c) => c.name));
  const specs = corpusSpecs({ snrs: options.snrs ?? CORPUS_SNRS }).filter((s) => keep.has(s.clip.name));
  const processors = await Promise.all(runners.map((r) => r.create()));
  const lags = new Map<string, number>();
  const seconds = new Map<string, number>(runners.map((r) => [r.id, 0]));
  const items: EngineItemScore[] = [];
  let audioSeconds = 0;
  const started = performance.now();
  const scored = new Set<string>();
  for (const [k, spec] of specs.entries()) {
    const overBudget = (performance.now() - started) / 1000 > (options.budgetSeconds ?? Infinity);
    if (!scored.has(spec.clip.name) && overBudget && scored.size > 0) break;
    scored.add(spec.clip.name);
    const item = buildCorpusItem(spec, clips);
    audioSeconds += item.mixture.length / CORPUS_RATE;
    const base = baseline(item);
    runners.forEach((runner, r) => {
      const t0 = performance.now();
      const output = (processors[r] as ItemProcessor)(item.mixture);
      seconds.set(runner.id, (seconds.get(runner.id) ?? 0) + (performance.now() - t0) / 1000);
      // The engine's lag from a 4 s window of its first item, then refined per item (quality.ts).
      if (!lags.has(runner.id)) lags.set(runner.id, coarseLag(item.mixture, output));
      const lag = refineLag(item.mixture, output, lags.get(runner.id) as number).lag;
      items.push(scoreItem(item, base, runner.id, output, lag));
    });
    log(`  engine quality ${k + 1}/${specs.length}`);
  }
  return {
    date: new Date().toISOString(),
    clips: [...scored],
    plannedClips: keep.size,
    noises: [...new Set(specs.map((s) => s.noise))],
    snrs: [...new Set(specs.map((s) => s.snrDb))].sort((a, b) => a - b),
    audioSeconds,
    engines: runners.map((r) => ({
      id: r.id,
      label: r.label,
      source: r.source,
      lag: lags.get(r.id) ?? NaN,
      processSeconds: seconds.get(r.id) ?? 0,
    })),
    items,
  };
}

// ---- report ----

function f(v: number, digits = 1): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}

export const ENGINE_QUALITY_COMMAND = 'npx tsx tools/bench/engine-quality.ts --write';

/** The "## Quality per engine" section of BENCHMARKS.md. */
export function engineQualityMarkdown(r: EngineQualityResults): string {
  const of = (engine: string, pick: (s: EngineItemScore) => boolean = () => true): EngineItemScore[] =>
    r.items.filter((s) => s.engine === engine && pick(s));
  const m = (xs: EngineItemScore[], key: keyof EngineItemScore): number => mean(xs.map((s) => s[key] as number));
  const all = r.items.filter((s) => s.engine === r.engines[0]?.id);
  const perEngine = r.items.length / Math.max(1, r.engines.length);
  const lines = [
    '## Quality per engine',
    '',
    `Node, ${perEngine} corpus items (${r.clips.length} clip${r.clips.length === 1 ? '' : 's'}` +
      (r.clips.length < r.plannedClips ? ` of ${r.plannedClips}, where the run reached its time budget,` : '') +
      ` × ${r.noises.length} noises × SNR ${r.snrs.join('/')} dB, 48 kHz; tools/bench/corpus.ts), ` +
      'each engine aligned to the mixture by cross-correlation, the first second left out. ' +
      "The raw-package rows call the package's engine as shipped, frame by frame, with no pipeline of ours: the reference for our own glue of the same engine. " +
      'STOI and ESTOI are tools/testing/stoi.ts (Taal et al. 2011; Jensen & Taal 2016), checked against pystoi 0.4.1 to 1e-9 in stoi.test.ts; ' +
      '"noisy → denoised" is the score of the mixture and of the engine\'s output, both against the clean speech. ' +
      'Pause cut: tools/testing/pause-cut.ts, median over items. Values are means over items unless marked. ' +
      '"> 8 kHz kept": energy above 8 kHz in speech frames of the output against the mixture (0 dB: the band passes; GTCRN is a 16 kHz model). ' +
      `It cannot be judged against the clean speech here: the corpus's speech comes from 16 kHz recordings, so its own energy above 8 kHz is ${f(m(all, 'highBandCleanDb'))} dB ` +
      "against the mixture's (what is there is noise), and the ΔSI-SDR at 48 kHz below does not see that band's speech either.",
    '',
    '| engine | source | lag (samples) | ΔSI-SDR ' +
      r.snrs.map((s) => `${s}`).join(' / ') +
      ' dB | ΔSI-SDR mean | pause cut (median) | speech level | STOI noisy → denoised | ESTOI noisy → denoised | > 8 kHz kept | Node ms per audio s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const e of r.engines) {
    const xs = of(e.id);
    const bySnr = r.snrs
      .map((snr) =>
        f(
          m(
            of(e.id, (s) => s.snrDb === snr),
            'deltaSiSdr',
          ),
        ),
      )
      .join(' / ');
    lines.push(
      `| ${e.label} | ${e.source} | ${e.lag} | ${bySnr} | ${f(m(xs, 'deltaSiSdr'))} | ${f(spread(xs.map((s) => s.pauseCutDb)).median)} dB | ${f(m(xs, 'speechLevelDb'), 2)} dB | ` +
        `${f(m(xs, 'stoiNoisy'), 3)} → ${f(m(xs, 'stoi'), 3)} | ${f(m(xs, 'estoiNoisy'), 3)} → ${f(m(xs, 'estoi'), 3)} | ${f(m(xs, 'highBandKeptDb'))} dB | ${f((1000 * e.processSeconds) / r.audioSeconds, 1)} ms |`,
    );
  }
  const byNoise = (title: string, cell: (xs: EngineItemScore[]) => string): void => {
    lines.push('', title, '', `| engine | ${r.noises.join(' | ')} |`, `| --- | ${r.noises.map(() => '---').join(' | ')} |`);
    for (const e of r.engines) lines.push(`| ${e.label} | ${r.noises.map((n) => cell(of(e.id, (s) => s.noise === n))).join(' | ')} |`);
  };
  byNoise('ΔSI-SDR by noise (dB, mean over clips and SNRs):', (xs) => f(m(xs, 'deltaSiSdr')));
  byNoise('ΔSTOI by noise (denoised − noisy, mean over clips and SNRs; positive = more intelligible):', (xs) =>
    f(m(xs, 'stoi') - m(xs, 'stoiNoisy'), 3),
  );
  byNoise('Pause cut by noise (dB, median):', (xs) => f(spread(xs.map((s) => s.pauseCutDb)).median));
  lines.push(
    '',
    `Reproduce this section alone: \`${ENGINE_QUALITY_COMMAND}\` (also part of \`npm run bench\`). "Node ms per audio s" is the engine's processing time in this run, for orientation only (cost is P1's).`,
    '',
  );
  return lines.join('\n');
}

/** Replaces (or appends) the "## Quality per engine" section of a Markdown file's text. */
export function withEngineQualitySection(markdown: string, section: string): string {
  return withSection(markdown, 'Quality per engine', section);
}

if (isEntryPoint(import.meta.url)) {
  const args = process.argv.slice(2);
  const positive = (flag: string): number | undefined => {
    const at = args.indexOf(flag);
    if (at < 0) return undefined;
    const v = Number(args[at + 1]);
    if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`${flag} must be a positive integer (was ${args[at + 1]})`);
    return v;
  };
  const results = await measureEngineQuality({
    clips: positive('--clips'),
    budgetSeconds: positive('--budget-s'),
    log: (line) => console.error(line),
  });
  const section = engineQualityMarkdown(results);
  process.stdout.write(section);
  if (args.includes('--write')) {
    // Into results.json too, so that `npm run bench -- --report-only` renders the same section.
    const json = fileURLToPath(new URL('./results.json', import.meta.url));
    const all = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    writeFileSync(json, JSON.stringify({ ...all, engineQuality: results }, null, 1) + '\n');
    const md = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
    writeFileSync(md, withEngineQualitySection(readFileSync(md, 'utf8'), section));
  }
}
