// BENCHMARKS.md and the charts, generated from results.json alone. The markdown building is pure
// (renderMarkdown, costChart, qualityChart); writeReport() only writes the files.
import { sectionOf, strengthMarkdown, withSection, withStrengthSection } from './strength';
import { GRAPH_FLOOR_TITLE, graphFloorMarkdown, LIVE_ROOM_TITLE, liveRoomMarkdown } from './live-room';
import { resamplerMarkdown } from './resampler';
import { engineQualityMarkdown, withEngineQualitySection } from './engine-quality';
import { engineCostMarkdown, withEngineCostSection } from './engine-cost';
import { gtcrnBandMarkdown } from './gtcrn-band';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { COST_BASES, type CostBasis, type Results } from './results';
import type { MedianCi, Spread } from './stats';
import { slope } from './stats';
import { groupedBarChart } from './svg';
import { ENGINE_LABELS, type MetricMeans, type QualityEngine } from './quality';
import type { LongRenderKind } from './pages/bench';

const LONG_KINDS: readonly LongRenderKind[] = ['ours', 'raw', 'none'];
const LONG_LABELS: Record<LongRenderKind, string> = { ours: 'NoiseCancellation', raw: 'the raw bench worklet', none: 'a GainNode' };

const ENGINE_NOTES: Record<string, string> = {
  raw: 'raw (floor worklet)',
  ours: 'ours (NoiseCancellation)',
  core: 'core (our DSP core, bare worklet)',
  'anchor-rnnoise': 'anchor RnnoiseWorkletNode',
  'anchor-speex': 'anchor SpeexWorkletNode',
  none: 'none (GainNode)',
};

export const TARGETS = {
  costOverRaw: 1.1,
  delayOurs: 928,
  capacityTracks: 64,
} as const;

// ---- formatting ----

export function fmt(v: number | null | undefined, decimals = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  const s = v.toFixed(decimals);
  return s === `-${(0).toFixed(decimals)}` ? (0).toFixed(decimals) : s;
}

/** "median (min–max)". */
export function cell(s: Spread | undefined, decimals = 1): string {
  if (!s) return 'n/a';
  return `${fmt(s.median, decimals)} (${fmt(s.min, decimals)}–${fmt(s.max, decimals)})`;
}

function mb(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return 'n/a';
  return fmt(bytes / 2 ** 20, 1);
}

function signedMb(bytes: number): string {
  const v = bytes / 2 ** 20;
  return `${v >= 0 ? '+' : ''}${fmt(v, 1)}`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function status(ok: boolean | null): string {
  return ok === null ? 'not measured' : ok ? '**met**' : '**missed**';
}

// ---- memory verdicts ----

/** "Flat" memory: JS heap growth under 2 MB, RSS growth under 32 MB (two engines' wasm memory). */
const FLAT_HEAP_BYTES = 2 * 2 ** 20;
const FLAT_RSS_BYTES = 32 * 2 ** 20;

export interface Growth {
  /** Value change from the first sample after warm-up to the last. */
  delta: number;
  /** Least-squares slope over the samples after warm-up, per unit of `at`. */
  slope: number;
}

/** Growth of `value` over samples, skipping the first `skip` (warm-up: JIT, caches, pools). */
export function growth<T extends { at: number }>(samples: readonly T[], value: (s: T) => number | null, skip = 1): Growth | null {
  const used = samples.slice(Math.min(skip, Math.max(0, samples.length - 2))).filter((s) => value(s) !== null);
  if (used.length < 2) return null;
  const first = used[0] as T;
  const last = used[used.length - 1] as T;
  return {
    delta: (value(last) as number) - (value(first) as number),
    slope: slope(
      used.map((s) => s.at),
      used.map((s) => value(s) as number),
    ),
  };
}

// ---- charts ----

const BASIS_LABELS: Record<CostBasis, string> = {
  audioThread: 'audio-thread CPU',
  rendererCpu: 'CPU of all renderer threads',
  wall: 'wall clock',
};

export function costChart(r: Results): string {
  const ratios = r.p1.browser.ratios;
  const node = r.p1.node.pipelineOverRaw;
  const entries: [string, Partial<Record<CostBasis, Spread>> | undefined][] = [
    ['ours / raw', ratios['ours / raw']],
    ['DSP core alone / raw', ratios['DSP core alone / raw']],
    ['ours / anchor RNNoise', ratios['ours / anchor-rnnoise']],
    ['anchor RNNoise / raw', ratios['anchor-rnnoise / raw']],
    ['Node: DSP core / raw', { audioThread: node.cpu, wall: node.wall }],
  ];
  return groupedBarChart({
    title: 'Per-track cost ratios (median; whiskers min–max over repetitions)',
    categories: entries.map(([name]) => name),
    series: COST_BASES.map((basis) => ({
      name: basis === 'audioThread' ? 'audio-thread CPU (Node: process CPU)' : BASIS_LABELS[basis],
      values: entries.map(([, s]) => s?.[basis]?.median ?? null),
      low: entries.map(([, s]) => s?.[basis]?.min ?? null),
      high: entries.map(([, s]) => s?.[basis]?.max ?? null),
    })),
    yLabel: 'cost ratio (lower is cheaper)',
    refLines: [{ value: TARGETS.costOverRaw, label: `target: ours ≤ ${TARGETS.costOverRaw}× raw` }],
    width: 980,
    decimals: 2,
  });
}

export function qualityChart(r: Results): string {
  const s = r.quality.summary;
  const categories = [...s.noises, 'all'];
  return groupedBarChart({
    title: `ΔSI-SDR by noise type (mean over ${s.snrs.map((v) => `${v}`).join('/')} dB SNR and clips)`,
    categories,
    series: s.engines.map((engine) => ({
      name: ENGINE_LABELS[engine],
      values: categories.map((n) => (n === 'all' ? s.overall[engine]?.deltaSiSdr : s.byNoise[engine]?.[n]?.deltaSiSdr) ?? null),
    })),
    yLabel: 'ΔSI-SDR (dB, higher is better)',
    width: 980,
    decimals: 1,
  });
}

// ---- markdown ----

function qualityTable(r: Results, pick: (m: MetricMeans | undefined) => number | undefined, by: 'noise' | 'snr', decimals = 1): string {
  const s = r.quality.summary;
  const keys = by === 'noise' ? s.noises : s.snrs.map(String);
  const rows = keys.map((k) => [
    by === 'noise' ? k : `${k} dB`,
    ...s.engines.map((e) => fmt(pick(by === 'noise' ? s.byNoise[e]?.[k] : s.bySnr[e]?.[k]), decimals)),
  ]);
  rows.push(['**all**', ...s.engines.map((e) => `**${fmt(pick(s.overall[e]), decimals)}**`)]);
  return table([by === 'noise' ? 'noise' : 'SNR', ...s.engines.map((e) => ENGINE_LABELS[e])], rows);
}

function ci(c: MedianCi | undefined, decimals: number): string {
  return c ? `${fmt(c.low, decimals)}–${fmt(c.high, decimals)}` : 'n/a';
}

/** What in this run supports maxProcessorsPerContext's default (or does not). */
export function capacityDefaultText(r: Results): string {
  const cap = r.p3.defaultCap;
  const rows = r.p3.offline;
  // Sure to keep up: the lower end of the real-time factor's interval is at least 1.
  const sure = rows.filter((row) => row.rtfCpuCi.low >= 1).reduce((n, row) => Math.max(n, row.n), 0);
  const atCap = rows.find((row) => row.n === cap);
  const neighbours = rows.filter((row) => cap !== null && row.n !== cap && Math.abs(Math.log2(row.n / cap)) <= 1);
  const live = r.p3.live.find((l) => !l.capped && l.n === cap);
  if (cap === null)
    return 'The default `maxProcessorsPerContext` was not seen in this run (no capped live run bypassed a processor for it).';
  return (
    `The default \`maxProcessorsPerContext\` is ${cap} (as the product's own bypass message states in the capped live run). ` +
    `In this run the largest N whose audio-thread real-time factor stays at or above 1 across its whole median CI is ${sure || 'none of those tried'}` +
    (atCap
      ? `; at ${cap} tracks the per-track cost is ${fmt(atCap.usPerFramePerTrack.median, 1)} µs (CI ${ci(atCap.usPerFramePerTrackCi, 1)})`
      : `; ${cap} tracks were not tried`) +
    (neighbours.length
      ? `, against ${neighbours.map((row) => `${fmt(row.usPerFramePerTrack.median, 1)} µs at ${row.n}`).join(' and ')}`
      : '') +
    (live
      ? `; live, ${cap} tracks ${live.ok ? `had ${live.underrunEvents} underrun events in ${fmt(live.playedMs / 1000, 1)} s` : 'were not measured'}`
      : '') +
    '. ' +
    (sure >= cap
      ? `So in this run one audio thread keeps up with ${cap} tracks even at the low end of the interval, which supports the default.`
      : `So this run does not support a default of ${cap}: only ${sure || 'no'} tracks are sure to keep up.`)
  );
}

/** The check of the lag scoring used (refineLag) against lags found without it. */
export function lagCheckText(r: Results): string {
  const c = r.quality.lagCheck;
  const perEngine = Object.entries(c.vsDesign).map(
    ([e, v]) =>
      `${e} ${v.items - v.differing}/${v.items} at its design lag ${c.designLags[e] ?? 'n/a'}${v.differing ? ` (max off by ${v.maxAbsDiff})` : ''}`,
  );
  const full = c.vsFullXcorr;
  return (
    `The refined lag, the one scoring uses, was checked on every item against each engine's design lag (known without any correlation): ${perEngine.join('; ')}. ` +
    `On ${full.pairs} item × engine pairs (the first item of each clip) it was also checked against a full-length FFT cross-correlation of the whole item (±4800 samples): ` +
    (full.differing === 0 ? 'all agree.' : `${full.differing} differ, by up to ${full.maxAbsDiff} samples (${full.examples.join('; ')}).`)
  );
}

export interface ReportPaths {
  /** Where BENCHMARKS.md goes; chart and JSON links are relative to it. */
  md: string;
  charts: string;
  json: string;
}

export function renderMarkdown(r: Results, links: { costSvg: string; qualitySvg: string; json: string }): string {
  const m = r.meta;
  const c = r.p1.browser;
  /** Median CPU per render outside the audio thread (renderer threads minus audio thread), ms. */
  const backgroundMs = (engine: string): number => {
    const b = c.usPerFrame[engine];
    return b ? ((b.rendererCpu.median - b.audioThread.median) * c.framesPerRender) / 1000 : NaN;
  };
  const oursRaw = c.ratios['ours / raw'];
  const oursAnchor = c.ratios['ours / anchor-rnnoise'];
  const bases = (x: Record<CostBasis, Spread> | undefined, d = 2): string =>
    x
      ? `${cell(x.audioThread, d)}× audio-thread CPU; ${cell(x.rendererCpu, d)}× all renderer threads; ${cell(x.wall, d)}× wall clock`
      : 'n/a';
  const offline64 = r.p3.offline.find((row) => row.n === TARGETS.capacityTracks);
  const maxRealTime = r.p3.offline.filter((row) => row.rtf.median >= 1).reduce((n, row) => Math.max(n, row.n), 0);
  const maxRealTimeCpu = r.p3.offline.filter((row) => row.rtfCpu.median >= 1).reduce((n, row) => Math.max(n, row.n), 0);
  const liveByN = new Map(r.p3.live.filter((l) => !l.capped).map((l) => [l.n, l]));
  const live64 = liveByN.get(TARGETS.capacityTracks);
  const delayOurs = r.p2.measured.ours;
  const delayAnchor = r.p2.measured['anchor-rnnoise'];

  const nodeCycHeap = growth(r.p4.nodeCycles.samples, (s) => s.heapUsedBytes);
  const nodeCycRss = growth(r.p4.nodeCycles.samples, (s) => s.rssBytes);
  const nodeLongHeap = growth(r.p4.nodeLong.samples, (s) => s.heapUsedBytes);
  const nodeLongRss = growth(r.p4.nodeLong.samples, (s) => s.rssBytes);
  const brCycHeap = growth(r.p4.browserCycles.samples, (s) => s.jsHeapBytes);
  const brCycRss = growth(r.p4.browserCycles.samples, (s) => s.rendererRssBytes);
  const longHeap = (k: LongRenderKind): Growth | null => growth(r.p4.browserLong[k].samples, (s) => s.jsHeapBytes);
  const longRss = (k: LongRenderKind): Growth | null => growth(r.p4.browserLong[k].samples, (s) => s.rendererRssBytes);
  const brLongHeap = longHeap('ours');
  const brLongRss = longRss('ours');
  const rawLongRss = longRss('raw');
  // Flat: the JS heap grows by under 2 MB and RSS by under 32 MB (two engines' wasm memory)
  // across the whole run after warm-up.
  const flat = (heap: Growth | null, rss: Growth | null): boolean | null =>
    heap === null && rss === null ? null : (heap === null || heap.delta < FLAT_HEAP_BYTES) && (rss === null || rss.delta < FLAT_RSS_BYTES);
  // The long render makes a new OfflineAudioContext per chunk. Only growth beyond what the raw
  // bench worklet shows over the same renders (an AudioWorklet without lk-denoise) is ours.
  const beyondRaw: Growth | null =
    brLongRss && rawLongRss ? { delta: brLongRss.delta - rawLongRss.delta, slope: brLongRss.slope - rawLongRss.slope } : brLongRss;
  const memoryFlat = [
    flat(nodeCycHeap, nodeCycRss),
    flat(nodeLongHeap, nodeLongRss),
    flat(brCycHeap, brCycRss),
    flat(brLongHeap, beyondRaw),
  ];

  const q = r.quality.summary;
  const qOurs = q.overall['ours-worklet'];
  const qAnchor = q.overall['anchor-rnnoise'];
  const med = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
    return v.length ? (v[Math.floor((v.length - 1) / 2)] as number) : null;
  };

  const out: string[] = [];
  out.push('# lk-denoise benchmarks');
  out.push('');
  out.push(
    `Generated by \`${m.command}\` on ${m.date.slice(0, 10)} (${m.date}). The whole run took ${fmt(m.totalSeconds / 60, 1)} min. ` +
      `Every figure comes from this one run, with the engines measured side by side, except the sections that name their own command: Gating${r.liveRoom && !r.liveRoom.command.startsWith('npm run bench') ? ` and ${LIVE_ROOM_TITLE} (kept with --keep-live-room from a run of its own, its load average given there)` : ''}. The machine is shared and has ${m.cores} cores, so costs are medians over repetitions, shown as "median (min–max)". ` +
      `Read them as ratios, not absolutes. Raw data: [${links.json}](${links.json}).` +
      (m.quick ? ' **This is a --quick smoke run: few repetitions, short renders, part of the corpus.**' : ''),
  );
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(
    table(
      ['', ''],
      [
        ['CPU', `${m.cpuModel}, ${m.cores} cores, ${fmt(m.memoryGiB, 1)} GiB`],
        ['OS', m.os],
        ['Node', m.node],
        ['Chromium', m.chromium ?? 'n/a'],
        [
          'Packages',
          Object.entries(m.packages)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ],
        ['Load average (1 min)', `${fmt(m.loadAverage.start, 2)} at start, ${fmt(m.loadAverage.end, 2)} at the end`],
        ['Speech corpus', `${m.corpus.note}: ${m.corpus.clips.join(', ')}`],
      ],
    ),
  );
  out.push('');

  out.push('## Where we stand against the targets');
  out.push('');
  out.push(
    table(
      ['target', 'measured', 'status'],
      [
        [
          `P1: ours ≤ ${TARGETS.costOverRaw}× the raw engine (Chromium, OfflineAudioContext; judged on audio-thread CPU)`,
          bases(oursRaw),
          status(oursRaw ? oursRaw.audioThread.median <= TARGETS.costOverRaw : null),
        ],
        [
          'P1: ours cheaper than the anchor RnnoiseWorkletNode (judged on audio-thread CPU)',
          bases(oursAnchor),
          status(oursAnchor ? oursAnchor.audioThread.median < 1 : null),
        ],
        [
          `P1 (Node): DSP core ≤ ${TARGETS.costOverRaw}× the raw engine loop`,
          `${cell(r.p1.node.pipelineOverRaw.cpu, 2)}× process CPU; ${cell(r.p1.node.pipelineOverRaw.wall, 2)}× wall clock`,
          status(r.p1.node.pipelineOverRaw.cpu.median <= TARGETS.costOverRaw),
        ],
        [
          `P2: added delay ${TARGETS.delayOurs} samples`,
          `ours ${fmt(delayOurs, 0)}, anchor ${fmt(delayAnchor, 0)}`,
          status(delayOurs === undefined ? null : delayOurs === TARGETS.delayOurs),
        ],
        [
          `P3: ≥ ${TARGETS.capacityTracks} tracks faster than real time (one OfflineAudioContext, one audio thread)`,
          offline64
            ? `at ${TARGETS.capacityTracks} tracks: real-time factor ${cell(offline64.rtfCpu, 2)} on audio-thread CPU time, ${cell(offline64.rtf, 2)} on wall-clock time on this shared machine. On CPU time, faster than real time up to ${maxRealTimeCpu} tracks of the N tried; on wall-clock time, up to ${maxRealTime}`
            : `N=${TARGETS.capacityTracks} not run; up to ${maxRealTimeCpu} tracks on CPU time`,
          offline64
            ? offline64.rtfCpu.median >= 1
              ? offline64.rtf.median >= 1
                ? '**met**'
                : '**met** on CPU time; wall clock missed under load'
              : '**missed**'
            : status(null),
        ],
        [
          `P3 (live AudioContext): ${TARGETS.capacityTracks} tracks without underruns`,
          live64
            ? live64.ok
              ? `${live64.underrunEvents} underrun events, ${fmt(live64.underrunMs, 0)} ms missing of ${fmt(live64.playedMs, 0)} ms`
              : live64.detail
            : 'not run',
          status(live64 && live64.ok ? live64.underrunEvents === 0 : null),
        ],
        [
          `P4: memory flat (Node churn, Node ${fmt(r.p4.nodeLong.audioSeconds / 60, 0)} min, Chromium churn, Chromium long render)`,
          memoryFlat.map((f) => (f === null ? 'n/a' : f ? 'flat' : 'grows')).join(', ') +
            ` (Chromium long render judged on its RSS growth beyond the raw-worklet control over the same renders: ${beyondRaw ? signedMb(beyondRaw.delta) : 'n/a'} MB; see P4)`,
          status(memoryFlat.every((f) => f === null) ? null : memoryFlat.every((f) => f !== false)),
        ],
        [
          'Quality: ours matches the anchor RNNoise (same model) within 0.5 dB ΔSI-SDR',
          qOurs && qAnchor ? `ΔSI-SDR ${fmt(qOurs.deltaSiSdr, 2)} dB vs anchor ${fmt(qAnchor.deltaSiSdr, 2)} dB` : 'n/a',
          status(qOurs && qAnchor ? Math.abs(qOurs.deltaSiSdr - qAnchor.deltaSiSdr) < 0.5 : null),
        ],
      ],
    ),
  );
  out.push('');

  // P1
  out.push('## P1: per-track cost');
  out.push('');
  out.push(
    `Each engine renders the same ${fmt(c.timedSeconds, 1)} s of noisy speech (${fmt(c.framesPerRender, 0)} frames of 10 ms) alone in an OfflineAudioContext, ${c.reps} times. The engines take turns, and the order rotates each repetition. ` +
      'Every render pauses at sample 1024 (the anchor compiles its wasm asynchronously in each node), and only the rest is timed. ' +
      '"raw" is a bench worklet that calls `rnnoise_process_frame` straight from `process()`, with int16 scaling in and out and nothing else: no reframing FIFO, no input checks, no dry path, no stats. That is the floor. "core" is our DSP core (DenoisePipeline around RnnoiseEngine) in a bare bench worklet, without the product processor around it. "none" is a GainNode: what the graph itself costs. Every RNNoise here runs the same `rnnoise_simd.wasm`. ' +
      'Cost is counted three ways. **Audio-thread CPU** is the CPU time of the render thread, from /proc/<pid>/task/<tid>/schedstat of the renderer; it is the real-time budget, and load from other processes hardly moves it. ' +
      `All renderer threads adds background work, mostly V8 compiling the worklet JS again for each new AudioWorkletGlobalScope: in this run ${fmt(backgroundMs('ours'), 0)} ms per render for ours and ${fmt(backgroundMs('raw'), 0)} ms for raw (median of renderer CPU minus audio-thread CPU), a one-off per context that weighs most on short renders. ` +
      'Wall clock is what the render took on this shared machine. The targets are judged on audio-thread CPU.',
  );
  out.push('');
  out.push(
    table(
      ['engine (Chromium)', 'audio-thread CPU µs / frame', 'all renderer threads CPU µs / frame', 'wall-clock µs / frame'],
      Object.entries(c.usPerFrame).map(([e, b]) => [ENGINE_NOTES[e] ?? e, cell(b.audioThread, 1), cell(b.rendererCpu, 1), cell(b.wall, 1)]),
    ),
  );
  out.push('');
  out.push(
    table(
      ['ratio (paired per repetition)', 'audio-thread CPU', 'all renderer threads CPU', 'wall clock'],
      Object.entries(c.ratios).map(([k, b]) => [k, cell(b.audioThread, 3), cell(b.rendererCpu, 3), cell(b.wall, 3)]),
    ),
  );
  out.push('');
  out.push(
    `The anchor's first non-silent output sample in each repetition was ${c.anchorFirstOutput.join(', ')}. ${c.anchorLoadedInTime ? 'Its wasm was loaded by the time the timed part started, so it was really processing.' : '**In at least one repetition the anchor was not loaded in time: its cost is understated there.**'}`,
  );
  out.push('');
  const n = r.p1.node;
  out.push(`Node (${m.node}), ${n.frames} frames, ${n.reps} interleaved repetitions after a warm-up:`);
  out.push('');
  out.push(
    table(
      ['path (Node)', 'CPU µs / frame', '× raw (CPU)', 'wall µs / frame', '× raw (wall)'],
      [
        ['raw exports loop (scaling in and out)', cell(n.rawUs.cpu, 1), '1', cell(n.rawUs.wall, 1), '1'],
        [
          'RnnoiseEngine.processFrame (our adapter)',
          cell(n.adapterUs.cpu, 1),
          cell(n.adapterOverRaw.cpu, 3),
          cell(n.adapterUs.wall, 1),
          cell(n.adapterOverRaw.wall, 3),
        ],
        [
          'DenoisePipeline in 128-sample blocks (the DSP core the worklet and the CLI run)',
          cell(n.pipelineUs.cpu, 1),
          cell(n.pipelineOverRaw.cpu, 3),
          cell(n.pipelineUs.wall, 1),
          cell(n.pipelineOverRaw.wall, 3),
        ],
      ],
    ),
  );
  out.push('');
  out.push(`![cost ratios](${links.costSvg})`);
  out.push('');

  // P2
  out.push('## P2: added delay');
  out.push('');
  out.push(
    "The delay is measured by cross-correlating each engine's output with its input (`alignByXcorr` from tools/testing/metrics.ts, on a 4 s window starting at 1 s, searching ±4800 samples). Samples are at 48 kHz.",
  );
  out.push('');
  const delayNote: Record<string, string> = {
    ours: `target ${TARGETS.delayOurs} (448 reframing + 480 RNNoise); the processor reports ${fmt(r.p2.oursReported, 0)}`,
    'anchor-rnnoise': '512 buffering + 480 RNNoise',
    'anchor-speex': 'Speex preprocessor, 128-sample frames',
    raw: 'the floor worklet has no FIFO, so it outputs each frame one frame late: 480 + 480',
  };
  out.push(
    table(
      ['engine', 'delay (samples)', 'ms', 'note'],
      Object.entries(r.p2.measured).map(([e, d]) => [e, fmt(d, 0), fmt(d / 48, 2), delayNote[e] ?? '']),
    ),
  );
  out.push('');

  // P3
  out.push('## P3: capacity');
  out.push('');
  out.push(
    `N of our nodes share one OfflineAudioContext, each fed its own looping source and all summed into the destination. The timed part is ${fmt(r.p3.offlineSeconds, 1)} s, repeated ${r.p3.reps} times; the N take turns and their order rotates each repetition. ` +
      'The real-time factor is audio seconds rendered per second: at or above 1, the context keeps up. On audio-thread CPU time it is what one uncontended core gives. On wall-clock time it is what this shared machine gave during the run. One context renders on one thread, so this is capacity per audio thread (per core). ' +
      'The per-context cap (`maxProcessorsPerContext`) is lifted for this test, so every node runs RNNoise.',
  );
  out.push('');
  out.push(
    table(
      [
        'tracks',
        'real-time factor (audio-thread CPU)',
        '… median CI',
        'real-time factor (wall clock)',
        'audio-thread CPU µs per frame per track',
        '… median CI',
        'graph setup (ms)',
      ],
      r.p3.offline.map((row) => [
        String(row.n),
        cell(row.rtfCpu, 2),
        ci(row.rtfCpuCi, 2),
        cell(row.rtf, 2),
        cell(row.usPerFramePerTrack, 1),
        ci(row.usPerFramePerTrackCi, 1),
        fmt(row.setupMs, 0),
      ]),
    ),
  );
  out.push('');
  out.push(
    `"median CI" is a distribution-free confidence interval for the median (order statistics; its coverage is ${fmt(100 * (r.p3.offline[0]?.rtfCpuCi.coverage ?? NaN), 0)} % with ${r.p3.reps} repetitions). ` +
      capacityDefaultText(r),
  );
  out.push('');
  const anyLive = r.p3.live.some((l) => l.ok);
  out.push(
    `Live AudioContext (headless Chromium, which plays to a fake audio sink in real time): N tracks for ${fmt(r.p3.liveSeconds, 0)} s after 1.5 s of warm-up. Underruns are read from \`AudioContext.playbackStats\`, which Chromium updates about once a second.` +
      (anyLive ? '' : ' **playbackStats was not available, so live underruns were not measured.**'),
  );
  out.push('');
  out.push(
    table(
      ['tracks', 'cap', 'underrun events', 'missing audio (ms)', 'played (ms)', 'context clock / wall', 'bypassed processors', 'errors'],
      r.p3.live.map((l) => [
        String(l.n),
        l.capped ? `default (${r.p3.defaultCap ?? 'n/a'})` : 'lifted',
        l.ok ? String(l.underrunEvents) : 'n/a',
        l.ok ? fmt(l.underrunMs, 0) : 'n/a',
        l.ok ? fmt(l.playedMs, 0) : 'n/a',
        fmt(l.clockRate, 3),
        Object.keys(l.bypassed).length
          ? Object.entries(l.bypassed)
              .map(([k, v]) => `${v} ${k}`)
              .join(', ')
          : '0',
        l.errors.length
          ? l.errors
              .map((e) => e.replace(/\|/g, '/'))
              .join('; ')
              .slice(0, 120)
          : '',
      ]),
    ),
  );
  out.push('');

  // P4
  out.push('## P4: memory');
  out.push('');
  out.push(
    'Every sample follows a full garbage collection: `gc()` in Node (`--expose-gc`); in Chromium, `gc()` on the page and in the AudioWorkletGlobalScope (`--js-flags=--expose-gc`, triggered by a bench worklet node). ' +
      "Chromium's JS heap is `performance.memory.usedJSHeapSize` of the page (`--enable-precise-memory-info`). The worklet's wasm memories are not visible from the page, so renderer RSS (the renderer processes' VmRSS from /proc) stands in for them. " +
      'Growth runs from the first sample after warm-up to the last. "Flat" means the JS heap grew by less than 2 MB and RSS by less than 32 MB, which is two engines\' wasm memory.',
  );
  out.push('');
  // `per`: the trend's unit, and how many of the samples' `at` units (cycles, audio seconds) it spans.
  const gRow = (
    label: string,
    first: number | null | undefined,
    last: number | null | undefined,
    g: Growth | null,
    per: [string, number],
  ): string[] => [label, mb(first), mb(last), g ? signedMb(g.delta) : 'n/a', g ? `${signedMb(g.slope * per[1])} MB / ${per[0]}` : 'n/a'];
  const PER_100_CYCLES: [string, number] = ['100 cycles', 100];
  const PER_10_MIN: [string, number] = ['10 min audio', 600];
  const nc = r.p4.nodeCycles;
  const nl = r.p4.nodeLong;
  const bc = r.p4.browserCycles;
  const bl = r.p4.browserLong.ours;
  const firstLast = <T>(xs: readonly T[]): [T | undefined, T | undefined] => [xs[0], xs[xs.length - 1]];
  const [nc0, nc1] = firstLast(nc.samples);
  const [nl0, nl1] = firstLast(nl.samples);
  const [bc0, bc1] = firstLast(bc.samples);
  const perContexts: [string, number] = ['10 contexts', 10 * bl.chunkSeconds];
  out.push(
    table(
      ['run', 'first (MB)', 'last (MB)', 'growth after warm-up (MB)', 'trend'],
      [
        gRow(
          `Node: ${nc.cycles} × RnnoiseEngine + DenoisePipeline create/run/destroy, heap`,
          nc0?.heapUsedBytes,
          nc1?.heapUsedBytes,
          nodeCycHeap,
          PER_100_CYCLES,
        ),
        gRow('… process RSS', nc0?.rssBytes, nc1?.rssBytes, nodeCycRss, PER_100_CYCLES),
        gRow(
          `Node: one DenoisePipeline for ${fmt(nl.audioSeconds / 60, 0)} min of audio, heap`,
          nl0?.heapUsedBytes,
          nl1?.heapUsedBytes,
          nodeLongHeap,
          PER_10_MIN,
        ),
        gRow('… process RSS', nl0?.rssBytes, nl1?.rssBytes, nodeLongRss, PER_10_MIN),
        gRow(
          `Chromium: ${bc.cycles} × NoiseCancellation create → ready → close → closed (one AudioContext), page JS heap`,
          bc0?.jsHeapBytes,
          bc1?.jsHeapBytes,
          brCycHeap,
          PER_100_CYCLES,
        ),
        gRow('… renderer RSS', bc0?.rendererRssBytes, bc1?.rendererRssBytes, brCycRss, PER_100_CYCLES),
        ...LONG_KINDS.flatMap((k) => {
          const [l0, l1] = firstLast(r.p4.browserLong[k].samples);
          return [
            gRow(
              `Chromium: ${bl.chunks} × ${fmt(bl.chunkSeconds, 0)} s offline renders, each a new OfflineAudioContext, through ${LONG_LABELS[k]}, page JS heap`,
              l0?.jsHeapBytes,
              l1?.jsHeapBytes,
              longHeap(k),
              perContexts,
            ),
            gRow('… renderer RSS', l0?.rendererRssBytes, l1?.rendererRssBytes, longRss(k), perContexts),
          ];
        }),
      ],
    ),
  );
  out.push('');
  out.push(
    `Node long run: ${fmt(nl.audioSeconds, 0)} s of audio (${nl.clipSeconds ? `a ${fmt(nl.clipSeconds, 0)} s clip looped` : 'a clip looped'}) in ${fmt(nl.wallSeconds, 1)} s (real-time factor ${fmt(nl.realTimeFactor, 0)} for one track), ${nl.frames} frames. Wasm memory held by the engine: ${mb(nl0?.wasmBytes)} MB at the start, ${mb(nl1?.wasmBytes)} MB at the end. ` +
      `Node churn: ${fmt(nc.msPerCycle, 2)} ms per cycle. Chromium churn: ${fmt(bc.msPerCycle, 1)} ms per cycle, ${bc.closeTimeouts} closes left unconfirmed after 2 s, ${bc.notReady} processors not ready after 2 s. ` +
      `The Chromium long render uses a new OfflineAudioContext, and so a new AudioWorkletGlobalScope, for every chunk (each chunk loops a ${fmt(bl.clipSeconds, 0)} s clip). ` +
      `It runs three times in this run, each in a new browser context: through NoiseCancellation, through the raw bench worklet (an AudioWorklet without lk-denoise) and through a GainNode (no AudioWorklet). ` +
      `Renderer RSS after warm-up changed by ${LONG_KINDS.map((k) => `${signedMb(longRss(k)?.delta ?? NaN)} MB (${LONG_LABELS[k]})`).join(', ')}, ` +
      `that is ${LONG_KINDS.map((k) => `${signedMb((longRss(k)?.slope ?? NaN) * bl.chunkSeconds)} MB per context (${k})`).join(', ')}. ` +
      "An hour of distinct audio through one long-lived pipeline is the soak's (`npm run soak`, tools/soak/results.json). " +
      `Growth beyond the raw worklet's is what lk-denoise adds: ${beyondRaw ? signedMb(beyondRaw.delta) : 'n/a'} MB, which the target row judges against the 32 MB bound. ` +
      `Chromium long render: ${bl.framesProcessed} frames counted by the processors (stats arrive once a second, so the last partial second of each chunk is not counted), ${bl.bypassed} chunks bypassed, ${fmt(bl.renderMs.reduce((a, b) => a + b, 0) / 1000, 1)} s of rendering in all.`,
  );
  out.push('');

  // Startup
  out.push('## Startup');
  out.push('');
  out.push(
    'Startup is timed from `NoiseCancellation.create()` to: the promise resolving (worklet module added and wasm compiled); the `ready` message (the processor has instantiated RNNoise); and the first stats with `framesProcessed > 0`. Stats come every 50 ms here, so that last column can lag the true first frame by up to 50 ms. ' +
      'Cold: a new browser context (new renderer, empty HTTP cache), with a live AudioContext fed by an oscillator. Warm: the same page again, with a new AudioContext (wasm already compiled, worklet module added again) or the same one (nothing to load).',
  );
  out.push('');
  const st = (xs: { createMs: number; readyMs: number | null; firstFramesMs: number | null }[]): string[] => [
    `${fmt(med(xs.map((x) => x.createMs)), 1)} (${fmt(Math.min(...xs.map((x) => x.createMs)), 1)}–${fmt(Math.max(...xs.map((x) => x.createMs)), 1)})`,
    fmt(med(xs.map((x) => x.readyMs)), 1),
    fmt(med(xs.map((x) => x.firstFramesMs)), 1),
  ];
  out.push(
    table(
      ['case', 'n', 'create() resolved (ms)', "'ready' (ms, median)", 'first frames in stats (ms, median)'],
      [
        ['cold', String(r.startup.cold.length), ...st(r.startup.cold)],
        ['warm, new AudioContext', String(r.startup.warmNewContext.length), ...st(r.startup.warmNewContext)],
        ['warm, same AudioContext', String(r.startup.warmSameContext.length), ...st(r.startup.warmSameContext)],
      ],
    ),
  );
  out.push('');

  // Quality
  out.push('## Quality');
  out.push('');
  out.push(
    `Corpus: ${m.corpus.clips.length} speech clips (${m.corpus.note}) × ${q.noises.length} seeded noises × SNR ${q.snrs.join('/')} dB at 48 kHz (tools/bench/corpus.ts). ${r.quality.items.length / q.engines.length} of its ${r.quality.plannedItems ?? r.quality.items.length / q.engines.length} items were scored, ${fmt(r.quality.seconds, 0)} s of audio per engine` +
      (r.quality.stoppedEarly
        ? ' (**the run reached its time budget and stopped after whole batches; the corpus runs clip by clip, so the missing items are the last clips**)'
        : '') +
      '. ' +
      'All engines process the same mixtures in this run. "ours (CLI)" is the offline path (`denoiseAudio`, Node DSP core). "ours (worklet)" and the two anchor nodes render together in one OfflineAudioContext in Chromium. "passthrough" is the unprocessed mixture, the zero line. ' +
      `Outputs are aligned to the mixture by cross-correlation first. Each engine's lag is found once with \`alignByXcorr\` (${Object.entries(
        r.quality.nominalLags,
      )
        .map(([e, l]) => `${e} ${l}`)
        .join(', ')}), then refined per item within ±16 samples. ` +
      `${lagCheckText(r)} ` +
      `The first ${r.quality.skipFrames / 100} s of every item is left out, while RNNoise learns the noise floor. The metrics are those of tools/testing/metrics.ts. Values are means over items, in dB.`,
  );
  out.push('');
  out.push(
    table(
      ['engine', 'ΔSI-SDR', 'ΔsegSNR', 'noise cut in pauses', 'speech level change'],
      q.engines.map((e) => {
        const o = q.overall[e];
        return [
          ENGINE_LABELS[e as QualityEngine],
          fmt(o?.deltaSiSdr, 2),
          fmt(o?.deltaSegSnr, 2),
          fmt(o?.noiseAttenuationDb, 1),
          fmt(o?.speechLevelChangeDb, 2),
        ];
      }),
    ),
  );
  out.push('');
  const breakdowns: [string, (x: MetricMeans | undefined) => number | undefined, 'noise' | 'snr', number][] = [
    ['ΔSI-SDR (dB) per noise type:', (x) => x?.deltaSiSdr, 'noise', 2],
    ['ΔSI-SDR (dB) per input SNR:', (x) => x?.deltaSiSdr, 'snr', 2],
    ['ΔsegSNR (dB) per noise type:', (x) => x?.deltaSegSnr, 'noise', 2],
    ['Noise cut in speech pauses (dB, higher removes more) per noise type:', (x) => x?.noiseAttenuationDb, 'noise', 1],
    ['Speech level change in speech-active frames (dB, 0 keeps the level) per noise type:', (x) => x?.speechLevelChangeDb, 'noise', 2],
  ];
  for (const [title, pick, by, decimals] of breakdowns) out.push(title, '', qualityTable(r, pick, by, decimals), '');
  out.push(`![ΔSI-SDR by noise](${links.qualitySvg})`);
  out.push('');

  out.push('## How to reproduce');
  out.push('');
  out.push(
    '`npm run bench` installs what is missing (npm ci, Debian chromium, and pocketsphinx-testdata when running as root). It then runs every measurement above and rewrites this file, `tools/bench/results.json` and `tools/bench/charts/*.svg`. ' +
      '`npm run bench -- --quick` is a short smoke run that writes to `tools/bench/out/`, which git ignores. `npm run bench -- --report-only` regenerates the report from `tools/bench/results.json`.',
  );
  out.push('');
  out.push(
    'Phase times of this run (s): ' +
      Object.entries(m.phasesSeconds)
        .map(([k, v]) => `${k} ${fmt(v, 0)}`)
        .join(', ') +
      '.',
  );
  out.push('');
  return out.join('\n');
}

export function writeReport(r: Results, paths: ReportPaths): void {
  mkdirSync(paths.charts, { recursive: true });
  mkdirSync(dirname(paths.md), { recursive: true });
  const costSvg = join(paths.charts, 'cost.svg');
  const qualitySvg = join(paths.charts, 'quality.svg');
  writeFileSync(costSvg, costChart(r));
  writeFileSync(qualitySvg, qualityChart(r));
  const base = dirname(paths.md);
  const rel = (p: string): string => relative(base, p).split('\\').join('/');
  const md = renderMarkdown(r, { costSvg: rel(costSvg), qualitySvg: rel(qualitySvg), json: rel(paths.json) });
  // The Gating section comes from its own command (tools/bench/gating.ts): kept as it was.
  const gating = existsSync(paths.md) ? sectionOf(readFileSync(paths.md, 'utf8'), 'Gating') : null;
  const withStrength = r.strength ? withStrengthSection(md, strengthMarkdown(r.strength)) : md;
  const withResampler = r.resampler ? withSection(withStrength, 'Resampler', resamplerMarkdown(r.resampler)) : withStrength;
  const withQuality = r.engineQuality ? withEngineQualitySection(withResampler, engineQualityMarkdown(r.engineQuality)) : withResampler;
  const withCost = r.engineCost ? withEngineCostSection(withQuality, engineCostMarkdown(r.engineCost)) : withQuality;
  const withBand = r.gtcrnBand ? withSection(withCost, 'GTCRN above 8 kHz', gtcrnBandMarkdown(r.gtcrnBand)) : withCost;
  const withGating = gating ? withSection(withBand, 'Gating', gating) : withBand;
  // The large-room live run: from these results, else the section as it was (its own command can write it alone).
  const liveRoom = r.liveRoom
    ? liveRoomMarkdown(r.liveRoom)
    : existsSync(paths.md)
      ? sectionOf(readFileSync(paths.md, 'utf8'), LIVE_ROOM_TITLE)
      : null;
  const withRoom = liveRoom ? withSection(withGating, LIVE_ROOM_TITLE, liveRoom) : withGating;
  writeFileSync(paths.md, r.graphFloor ? withSection(withRoom, GRAPH_FLOOR_TITLE, graphFloorMarkdown(r.graphFloor, r.liveRoom)) : withRoom);
}
