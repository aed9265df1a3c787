// The soak's verdict and tables, from the two children's results alone (pure: no I/O), so the
// checks that decide `npm run soak`'s exit code can be tested without running a soak.
import { slope } from '../bench/stats';
import type { BrowserSoakResult, Plan } from './browser';
import type { DspHourResult } from './dsp-hour';

export interface SoakPlan {
  dspMinutes: number;
  browser: Plan;
}

export interface SoakVerdict {
  /** Functional failures: any one makes `npm run soak` exit 1. */
  problems: string[];
  /** Measurements worth a look that are not failures on a shared machine (slopes of RSS, heap). */
  warnings: string[];
  /** The tables, as printed. */
  summary: string;
}

const MB = 1024 * 1024;

/**
 * A leak of one AudioNode per attach/close cycle adds one Blink AudioHandler per cycle (the
 * control line shows a plain MediaStreamAudioSourceNode does exactly that). Handlers of closed
 * nodes are collected lazily, so a checkpoint may still count a few dozen; a tenth of the cycles
 * is far above that and far below a per-cycle leak.
 */
export const HANDLER_LEAK_FRACTION = 0.1;

/** The offline renders count frames from the last stats snapshot, which may trail the end. */
export const OFFLINE_FRAMES_FRACTION = 0.99;

/** -40 dBFS: the soak input plays at about -20 dBFS, so an RMS under this is not denoised speech. */
export const OFFLINE_RMS_FLOOR = 0.01;

const fmt = (v: unknown, digits = 2): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : String(v));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function table(title: string, header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const all = [header, ...rows].map((r) => r.map((c) => fmt(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [`\n${title}`, line(all[0] ?? []), rule, ...all.slice(1).map(line)].join('\n');
}

/** Least-squares slope of get(point) over x(point). */
function trend<T>(points: readonly T[], x: (p: T) => number, get: (p: T) => number): number {
  return slope(points.map(x), points.map(get));
}

type CyclePoint = BrowserSoakResult['cycles']['points'][number];

function cyclesPart(plan: SoakPlan, cyc: BrowserSoakResult['cycles'], v: SoakVerdict, out: string[]): void {
  const points = cyc.points;
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) {
    v.problems.push('cycles: no checkpoints');
    return;
  }
  const at = (n: number): CyclePoint => points.reduce((best, p) => (Math.abs(p.cycle - n) < Math.abs(best.cycle - n) ? p : best));
  const marks = [...new Set([0, 100, Math.round(plan.browser.cycles / 2), plan.browser.cycles].map(at))].sort((a, b) => a.cycle - b.cycle);
  // Fitted after the first checkpoint past warm-up (worklet module, wasm, pools).
  const fitFrom = points.filter((p) => p.cycle >= Math.min(100, plan.browser.cycles / 2));
  const perK = (get: (p: CyclePoint) => number): number => trend(fitFrom, (p) => p.cycle, get) * 1000;
  const rows: [string, (p: CyclePoint) => number][] = [
    ['JS heap used (MB)', (p) => p.reading.jsHeapUsed / MB],
    ['JS event listeners (DOM counters)', (p) => p.reading.jsEventListeners],
    ['DOM nodes', (p) => p.reading.domNodes],
    ['room listeners (binding events)', (p) => p.counters.roomListeners],
    ['engine token listeners', (p) => p.counters.engineTokenListeners],
    ['NoiseCancellation objects alive', (p) => p.counters.live.processors],
    ['AudioWorkletNode objects alive', (p) => p.counters.live.nodes],
    ['TrackBinding objects alive', (p) => p.counters.live.bindings],
    ['Blink AudioWorkletProcessors', (p) => p.reading.audioWorkletProcessors],
    ['Blink AudioHandlers (AudioNodes)', (p) => p.reading.audioHandlers],
    ['Blink ArrayBufferContents', (p) => p.reading.arrayBufferContents],
    ['renderer RSS (MB)', (p) => p.reading.rendererRss / MB],
    ['closes confirmed by the worklet', (p) => p.counters.closedConfirmed],
  ];
  out.push(
    table(
      `Attach/close cycles on one page (real room, remote track): ${last.cycle} cycles in ${cyc.seconds.toFixed(0)} s, median ${last.counters.cycleMsMedian.toFixed(1)} ms per cycle; readings after a forced GC; slope fitted from cycle ${fitFrom[0]?.cycle} on`,
      ['', ...marks.map((p) => `cycle ${p.cycle}`), 'slope /1000 cycles'],
      rows.map(([name, get]) => [name, ...marks.map(get), perK(get)]),
    ),
  );
  const c = cyc.control;
  out.push(
    `control: ${c.sources} plain MediaStreamAudioSourceNodes (no library) on the same track moved Blink AudioHandlers ${c.audioHandlersBefore} → ${c.audioHandlersAfter}, ArrayBufferContents ${c.arrayBufferContentsBefore} → ${c.arrayBufferContentsAfter}; ` +
      `${c.sources} more, each on a track clone stopped after use: AudioHandlers ${c.audioHandlersAfter} → ${c.audioHandlersAfterClones}`,
  );
  if (last.counters.closedConfirmed !== last.cycle)
    v.problems.push(`cycles: ${last.counters.closedConfirmed} of ${last.cycle} closes confirmed`);
  if (last.counters.notRunningEngine !== 0)
    v.problems.push(`cycles: ${last.counters.notRunningEngine} processors did not run the engine (overload or load failure)`);
  if (last.counters.roomListeners !== first.counters.roomListeners)
    v.problems.push(`cycles: room listeners ${first.counters.roomListeners} → ${last.counters.roomListeners}`);
  if (last.counters.engineTokenListeners !== first.counters.engineTokenListeners)
    v.problems.push(`cycles: engine token listeners ${first.counters.engineTokenListeners} → ${last.counters.engineTokenListeners}`);
  if (last.counters.lastHasInput) v.problems.push('cycles: the last closed processor still has an input');
  if (last.reading.jsEventListeners !== first.reading.jsEventListeners)
    v.problems.push(`cycles: JS event listeners ${first.reading.jsEventListeners} → ${last.reading.jsEventListeners}`);
  if (last.counters.live.processors > 5)
    v.problems.push(`cycles: ${last.counters.live.processors} closed NoiseCancellation objects still reachable after GC`);
  const handlerGrowth = last.reading.audioHandlers - first.reading.audioHandlers;
  if (handlerGrowth > HANDLER_LEAK_FRACTION * last.cycle)
    v.problems.push(
      `cycles: Blink AudioHandlers ${first.reading.audioHandlers} → ${last.reading.audioHandlers} over ${last.cycle} cycles (an AudioNode kept per cycle)`,
    );
  const heapSlope = perK((p) => p.reading.jsHeapUsed / MB);
  if (heapSlope > 1) v.warnings.push(`cycles: JS heap grows ${heapSlope.toFixed(2)} MB per 1000 cycles`);
  const rssSlope = perK((p) => p.reading.rendererRss / MB);
  if (rssSlope > 20) v.warnings.push(`cycles: renderer RSS grows ${rssSlope.toFixed(1)} MB per 1000 cycles`);
}

type DspCheckpoint = DspHourResult['checkpoints'][number];

function dspPart(dsp: DspHourResult, v: SoakVerdict, out: string[]): void {
  const marks = dsp.checkpoints;
  const perHour = (get: (c: DspCheckpoint) => number): number => trend(marks, (c) => c.minute, get) * 60;
  const rows: [string, (c: DspCheckpoint) => number, boolean][] = [
    ['heapUsed (MB)', (c) => c.heapUsed / MB, true],
    ['external (MB)', (c) => c.external / MB, true],
    ['arrayBuffers (MB)', (c) => c.arrayBuffers / MB, true],
    ['RSS (MB)', (c) => c.rss / MB, true],
    ['wasm linear memory (MB)', (c) => c.wasmMemory / MB, true],
    ['engine frames', (c) => c.frames, false],
    ['wall clock (s)', (c) => c.wallSeconds, false],
  ];
  out.push(
    table(
      `${dsp.audioMinutes.toFixed(0)} min of distinct 48 kHz audio (each minute built afresh: corpus clips ${dsp.clips.join('/')} in turn, its own noise seed, 7 noise kinds and 0/5/10 dB SNR in rotation; ${dsp.combinations} clip × noise × SNR combinations) ` +
        `through one long-lived Node pipeline (ChannelDenoiser + RNNoise SIMD wasm), in ${dsp.wallSeconds.toFixed(0)} s (${dsp.generatingSeconds.toFixed(0)} s of it building the input); after a forced GC`,
      ['', ...marks.map((c) => `${c.minute} min`), 'slope /hour'],
      rows.map(([name, get, sloped]) => [name, ...marks.map(get), sloped ? perHour(get) : '']),
    ),
  );
  out.push(
    `frames ${dsp.frames} (expected ${dsp.expectedFrames}), engine resets ${dsp.engineResets}, non-finite outputs ${dsp.nonFiniteOutputs}, output RMS ${dsp.outputRms.toFixed(4)} (input ${dsp.inputRms.toFixed(4)})`,
  );
  if (dsp.frames !== dsp.expectedFrames) v.problems.push(`dsp: ${dsp.frames} frames, expected ${dsp.expectedFrames}`);
  if (dsp.nonFiniteOutputs || dsp.engineResets)
    v.problems.push(`dsp: ${dsp.nonFiniteOutputs} non-finite outputs, ${dsp.engineResets} engine resets`);
  const heap = perHour((c) => c.heapUsed / MB);
  if (Math.abs(heap) > 2) v.warnings.push(`dsp: heap slope ${heap.toFixed(2)} MB/hour`);
}

type OfflineRender = BrowserSoakResult['offline']['renders'][number];

/** Why one offline render is not clean ('' when it is). */
export function offlineFault(r: OfflineRender, samplesPerRender: number): string {
  const expected = Math.floor(samplesPerRender / 480);
  const faults = [
    r.errors !== 0 ? `${r.errors} errors` : '',
    r.finite ? '' : 'non-finite output',
    r.rms > OFFLINE_RMS_FLOOR ? '' : `output RMS ${r.rms.toFixed(4)}`,
    r.frames >= OFFLINE_FRAMES_FRACTION * expected ? '' : `${r.frames} of ${expected} frames`,
    r.engine ? '' : 'no engine',
  ];
  return faults.filter(Boolean).join(', ');
}

function offlinePart(plan: SoakPlan, off: BrowserSoakResult['offline'], v: SoakVerdict, out: string[]): void {
  const ms = off.renders.map((r) => r.renderMs);
  const faults = off.renders.map((r, i) => ({ i: i + 1, fault: offlineFault(r, off.samplesPerRender) })).filter((f) => f.fault);
  const marks = [...new Set([off.readings[0], off.readings[Math.floor(off.readings.length / 2)], off.readings.at(-1)])].filter(
    (r) => r !== undefined,
  );
  out.push(
    table(
      `Consecutive OfflineAudioContext renders through the worklet on one page: ${off.renders.length} × ${plan.browser.renderSeconds} s = ${((off.renders.length * plan.browser.renderSeconds) / 60).toFixed(0)} min of audio ` +
        `(each render is the same ${off.clipSeconds.toFixed(0)} s noisy-speech clip tiled to ${plan.browser.renderSeconds} s) in ${off.seconds.toFixed(0)} s (budget ${plan.browser.renderBudgetSeconds} s); ` +
        `${off.renders.length - faults.length}/${off.renders.length} renders clean; render time first ${ms[0]?.toFixed(0)} ms, median ${median(ms).toFixed(0)} ms, last ${ms.at(-1)?.toFixed(0)} ms`,
      ['', ...marks.map((r) => `after ${r.render}`)],
      [
        ['JS heap used (MB)', ...marks.map((r) => r.reading.jsHeapUsed / MB)],
        ['Blink AudioHandlers', ...marks.map((r) => r.reading.audioHandlers)],
        ['Blink AudioWorkletProcessors', ...marks.map((r) => r.reading.audioWorkletProcessors)],
        ['Blink ArrayBufferContents', ...marks.map((r) => r.reading.arrayBufferContents)],
        ['renderer RSS (MB)', ...marks.map((r) => r.reading.rendererRss / MB)],
      ],
    ),
  );
  if (off.renders.length === 0) v.problems.push('offline: no render finished');
  for (const f of faults) v.problems.push(`offline: render ${f.i} of ${off.renders.length} not clean (${f.fault})`);
}

function reconnectsPart(plan: SoakPlan, rec: BrowserSoakResult['reconnects'], v: SoakVerdict, out: string[]): void {
  const ok = rec.rounds.filter((r) => r.ok);
  const col = (k: 'reconnectedMs' | 'metadataMs' | 'audioMs'): number[] => ok.map((r) => r[k]);
  out.push(
    table(
      `Signal drops during playback (server.dropSignal('bob')): ${ok.length}/${plan.browser.reconnects} recovered; after each: audio back (output RMS > -40 dBFS), stream info + publication SID re-pushed, credentials valid, listener counts ${JSON.stringify(rec.listenersBefore)} unchanged, one input, processor open`,
      ['time from drop (ms)', 'median', 'max'],
      [
        ['RoomEvent.Reconnected', median(col('reconnectedMs')), Math.max(...col('reconnectedMs'))],
        ['metadata re-pushed, frames flowing', median(col('metadataMs')), Math.max(...col('metadataMs'))],
        ['audio resumed', median(col('audioMs')), Math.max(...col('audioMs'))],
      ],
    ),
  );
  if (ok.length !== plan.browser.reconnects) {
    v.problems.push(`reconnects: ${ok.length}/${plan.browser.reconnects} recovered`);
    for (const r of rec.rounds.filter((r) => !r.ok)) v.problems.push(`  round ${r.round}: ${r.error ?? JSON.stringify(r)}`);
  }
}

export function summarizeSoak(plan: SoakPlan, dsp: DspHourResult, browser: BrowserSoakResult): SoakVerdict {
  const v: SoakVerdict = { problems: [], warnings: [], summary: '' };
  const out: string[] = [];
  cyclesPart(plan, browser.cycles, v, out);
  dspPart(dsp, v, out);
  offlinePart(plan, browser.offline, v, out);
  reconnectsPart(plan, browser.reconnects, v, out);
  v.summary = out.join('\n');
  return v;
}
