// The large-room live benchmark (issue 13): N = 8 … 256 NoiseCancellation processors in ONE live
// AudioContext in Debian Chromium, 3 talking in turns and the rest digital silence or DTX-like
// −70 dBFS noise (tools/testing/turns.ts), each N with gating on and off side by side. Per run:
// underruns from AudioContext.playbackStats, the audio thread's CPU from /proc, the engines'
// states, and the talkers' output (recorded in the graph) scored against the clean speech.
//
//   npx tsx tools/bench/live-room.ts [--write]        (also a phase of `npm run bench`)
//   npx tsx tools/bench/live-room.ts --floor [--write] the same graph with copying worklets only
//   LK_LIVE_ROOM_SECONDS=10 LK_LIVE_ROOM_TRACKS=8,256  shorten a smoke run
//
// --write stores the result in tools/bench/results.json (liveRoom) and replaces the BENCHMARKS.md
// section, only from runs of the issue's 60 s (any subset of N: the table lists the N it ran); a
// shorter run writes tools/bench/out/live-room.md.
import os from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { isEntryPoint } from '../../cli/entry';
import type { EngineActivityState } from '../../src/types';
import type { BenchBrowser } from './browser';
import type { RoomRequest, RoomResult } from './pages/live-room';
import type { Results } from './results';
import { alignByXcorr, siSdr } from '../testing/metrics';
import { pauseCutDb } from '../testing/pause-cut';
import { speechActivity } from '../testing/signals';
import { onsetLoss, quietTrack, turnTakingTalkers, type TalkerTrack } from '../testing/turns';
import { withSection } from './strength';

const RATE = 48_000;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const LIVE_ROOM_TITLE = 'Large room, live';
export const LIVE_ROOM_COUNTS: readonly number[] = [8, 32, 64, 128, 256];
/** The issue's run length; the BENCHMARKS.md table comes only from runs this long. */
export const LIVE_ROOM_SPEC_SECONDS = 60;
const TALKERS = 3;
const WARMUP_SECONDS = 2;
const DTX_LOOPS = 4;
// The issue's target: 256 tracks, 0 underruns, talkers within 0.5 dB ΔSI-SDR of gating off.
export const TARGET = { tracks: 256, underruns: 0, deltaDb: 0.5 } as const;

export interface LiveRoomMode {
  playbackStats: boolean;
  underrunEvents: number;
  underrunMs: number;
  playedMs: number;
  clockRate: number;
  /** CPU of the context's audio thread over the window, as a share of one core (1 = a whole core). */
  audioThreadCore: number;
  /** All renderer threads, likewise. */
  rendererCore: number;
  setupMs: number;
  /** Engines running on average: the engines' 10 ms frames over the window ÷ (100 × seconds). */
  enginesRunning: number;
  /** Engines in each state per second of the window, summed over the tracks (talkers included). */
  meanStates: Partial<Record<EngineActivityState, number>>;
  shedTracks: number;
  shedTalkers: number;
  errors: string[];
  /** Per talker: SI-SDR (dB) of the recorded output against the clean speech. */
  talkerSiSdr: number[];
  /** Per talker: the pause cut (dB) over every speech pause, against the input delayed by the processor's latency. */
  pauseCut: number[];
  /** Per talker: output level (dBFS) over the quiet spells between turns. */
  quietDb: number[];
  /** Per talker: the latency the processor reported, and the lag cross-correlation finds. */
  latency: number[];
  xcorrLag: number[];
}

export interface LiveRoomRow {
  tracks: number;
  on: LiveRoomMode;
  off: LiveRoomMode;
  /** Talkers, first 100 ms of each turn after a quiet spell: SI-SDR on − off (dB). */
  onsetMean: number;
  onsetWorst: number;
  /** 1-minute load average when this N started. */
  load: number;
}

export interface LiveRoomResults {
  date: string;
  command: string;
  seconds: number;
  warmupSeconds: number;
  talkers: number;
  /** Per talker: SI-SDR (dB) of the unprocessed input against the clean speech. */
  inputSiSdr: number[];
  /** The renderer thread counted as the audio thread (by its name in /proc). */
  audioThread: string;
  loadAverage: { start: number; end: number };
  rows: LiveRoomRow[];
}

// ---- scoring (pure) ----

function mean(a: readonly number[]): number {
  return a.reduce((s, x) => s + x, 0) / a.length;
}

// As turnTakingTalkers' default: each turn's first 2 s hold speech and its noise, the rest of the
// turn and the other talkers' turns DTX-like −70 dBFS noise.
const SPEECH_SECONDS = 2;

function rmsDb(x: Float32Array, ranges: readonly (readonly [number, number])[]): number {
  let e = 0;
  let n = 0;
  for (const [a, b] of ranges) {
    for (let i = a; i < Math.min(b, x.length); i++) e += (x[i] as number) ** 2;
    n += Math.max(0, Math.min(b, x.length) - a);
  }
  return 10 * Math.log10(e / Math.max(1, n) + 1e-30);
}

export interface TalkerScore {
  siSdr: number;
  /** Pause cut over every interior speech pause, quiet spells included (dB). */
  pauseCut: number;
  /** Output level over the quiet spells between turns (from 0.5 s after a turn's speech), dBFS. */
  quietDb: number;
  xcorrLag: number;
}

/** Per talker: what `out` (recorded from the talker's start, lagging it by `lag`) scores. */
export function scoreTalker(t: TalkerTrack, out: Float32Array, lag: number): TalkerScore {
  const n = out.length;
  const bypassed = new Float32Array(n);
  bypassed.set(t.mixture.subarray(0, n - lag), lag);
  // Every interior pause counts: the few word gaps inside the turns (the 2 s stretches of speech
  // hold almost none) and the quiet spells between turns, whose own level is quietDb.
  const pauses = speechActivity(t.speech.subarray(0, n), RATE);
  const spells: [number, number][] = [];
  for (let k = 0; k + 1 < t.onsets.length; k++)
    spells.push([(t.onsets[k] as number) + (SPEECH_SECONDS + 0.5) * RATE + lag, (t.onsets[k + 1] as number) + lag]);
  // The first 10 s hold a turn of every talker: enough to find the lag.
  const span = Math.min(n, 10 * RATE);
  return {
    siSdr: siSdr(t.speech.subarray(0, n - lag), out.subarray(lag)),
    pauseCut: pauseCutDb(bypassed, out, pauses, { lag, skipFrames: 100 }),
    quietDb: rmsDb(out, spells),
    xcorrLag: alignByXcorr(t.mixture.subarray(0, span), out.subarray(0, span), 4800).lag,
  };
}

/** The share of a core the thread named `audioThread` used over the window. */
export function coreShare(cpuByThread: Record<string, number>, windowMs: number, audioThread: string | null): number {
  if (audioThread === null) return Object.values(cpuByThread).reduce((s, ms) => s + ms, 0) / windowMs;
  return (cpuByThread[audioThread] ?? NaN) / windowMs;
}

/**
 * The live context's render thread: in Chromium an AudioWorklet runs on its own real-time thread
 * ("AudioWorklet" threads in /proc comm, truncated to 15 characters); the busiest such wins.
 */
export function audioThreadOf(cpuByThread: Record<string, number>): string | null {
  const names = Object.keys(cpuByThread).filter((n) => /audio/i.test(n) && /worklet|realtime/i.test(n));
  names.sort((a, b) => (cpuByThread[b] as number) - (cpuByThread[a] as number));
  return names[0] ?? null;
}

export interface Verdict {
  met: boolean;
  text: string;
}

/** The issue's target against the row for TARGET.tracks, gating on (ΔSI-SDR = on − off). */
export function liveRoomVerdict(r: LiveRoomResults): Verdict {
  const row = r.rows.find((x) => x.tracks === TARGET.tracks);
  if (!row) return { met: false, text: `not measured: no run with ${TARGET.tracks} tracks.` };
  if (!row.on.playbackStats) return { met: false, text: 'not measured: AudioContext.playbackStats was missing.' };
  const delta = mean(row.on.talkerSiSdr) - mean(row.off.talkerSiSdr);
  const underrunsOk = row.on.underrunEvents <= TARGET.underruns;
  const qualityOk = delta >= -TARGET.deltaDb;
  const missed: string[] = [];
  if (!underrunsOk)
    missed.push(
      `${row.on.underrunEvents} underrun events (${f(row.on.underrunMs, 0)} ms of ${f(row.on.playedMs, 0)} ms missing) instead of ${TARGET.underruns}`,
    );
  if (!qualityOk)
    missed.push(`the talkers ${f(-delta)} dB SI-SDR below gating off, ${f(-delta - TARGET.deltaDb)} dB past the 0.5 dB allowed`);
  const facts = `${TARGET.tracks} tracks, gating on: ${row.on.underrunEvents} underrun events in ${r.seconds} s, talkers ΔSI-SDR on − off ${f(delta)} dB, audio thread ${pct(row.on.audioThreadCore)} of a core with ${f(row.on.enginesRunning, 1)} engines running on average`;
  return underrunsOk && qualityOk
    ? { met: true, text: `**met**: ${facts}.` }
    : { met: false, text: `**missed** by ${missed.join(' and ')}: ${facts}.` };
}

// ---- report (pure) ----

function f(x: number, d = 2): string {
  return Number.isFinite(x) ? x.toFixed(d) : '–';
}

function pct(share: number): string {
  return Number.isFinite(share) ? `${(100 * share).toFixed(1)} %` : '–';
}

const pair = (on: string, off: string): string => `${on} / ${off}`;
const underruns = (m: LiveRoomMode): string => (m.playbackStats ? `${m.underrunEvents} (${f(m.underrunMs, 0)} ms)` : 'n/a');

export function liveRoomMarkdown(r: LiveRoomResults): string {
  const lines = [
    `## ${LIVE_ROOM_TITLE}`,
    '',
    `N NoiseCancellation processors (the built worklet and wasm, classic RNNoise) in one live AudioContext (48 kHz, latencyHint 'interactive') in headless Debian Chromium, which plays to a fake audio sink in real time. Each track is a looping AudioBufferSourceNode: ${r.talkers} talkers speak in turns (tools/testing/turns.ts: 3 s turns, 2 s of speech at −25 dBFS in pink, white or brown noise at 10 dB SNR, −70 dBFS DTX-like noise between turns); the other tracks alternate digital silence and −70 dBFS DTX-like pink noise. Every N runs with gating on and with gating off, one after the other in the same browser; ${r.seconds} s measured after ${r.warmupSeconds} s of warm-up. The per-context cap is lifted so that every track has a real processor; the overload governor stays on as shipped (it sheds the quietest engines when the audio thread falls behind).`,
    '',
    `Underruns: \`AudioContext.playbackStats\` (underrun events and missing audio over the window; Chromium updates it about once a second). Audio-thread CPU: /proc schedstat of the renderer thread \`${r.audioThread}\` over the window, as a share of one core. Engines running: the frames the engines ran (stats \`engineFrames\`) over the window ÷ 100 per second; a gated engine runs none, a shed one none. Talkers: their processed output is recorded inside the graph by a worklet, sample-exact from the sources' start, and scored over the whole run against the clean speech at the processor's reported latency (cross-correlation agreed on every talker: see \`xcorrLag\` in results.json); ΔSI-SDR is the mean of the three talkers on minus off at the same N (their unprocessed input scores ${r.inputSiSdr.map((x) => f(x)).join(', ')} dB). Pause cut (tools/testing/pause-cut.ts): energy of the input over that of the output in the talkers' speech pauses (interior 10 ms frames, the first second left out); the 2 s stretches of speech hold almost no word gaps, so these pauses are mostly the quiet spells between turns. Quiet spells: the talkers' output level between their turns (from 0.5 s after a turn's speech to the next turn), where a gated engine holds its last gain on the −70 dBFS DTX-like input. Onset loss: SI-SDR on − off over the first 100 ms of each turn after a quiet spell.`,
    '',
    '| tracks | underrun events (missing) on / off | audio-thread CPU on / off | engines running on / off | shed tracks on / off | talkers SI-SDR on / off (dB) | ΔSI-SDR on − off (dB) | pause cut on / off (dB) | quiet spells on / off (dBFS) | onset loss mean / worst (dB) | load avg |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of r.rows) {
    const siOn = mean(row.on.talkerSiSdr);
    const siOff = mean(row.off.talkerSiSdr);
    lines.push(
      `| ${row.tracks} | ${pair(underruns(row.on), underruns(row.off))} | ${pair(pct(row.on.audioThreadCore), pct(row.off.audioThreadCore))} | ${pair(f(row.on.enginesRunning, 1), f(row.off.enginesRunning, 1))} | ${pair(String(row.on.shedTracks), String(row.off.shedTracks))} | ${pair(f(siOn), f(siOff))} | ${f(siOn - siOff)} | ${pair(f(mean(row.on.pauseCut), 1), f(mean(row.off.pauseCut), 1))} | ${pair(f(mean(row.on.quietDb), 1), f(mean(row.off.quietDb), 1))} | ${f(row.onsetMean)} / ${f(row.onsetWorst)} | ${f(row.load)} |`,
    );
  }
  const shedTalkers = r.rows.filter((row) => row.on.shedTalkers + row.off.shedTalkers > 0).map((row) => row.tracks);
  lines.push(
    '',
    `Target (${TARGET.tracks} tracks with ${r.talkers} talkers, 0 underruns in a ${LIVE_ROOM_SPEC_SECONDS} s live run, talkers within ${TARGET.deltaDb} dB ΔSI-SDR of gating off): ${liveRoomVerdict(r).text}`,
    '',
    shedTalkers.length
      ? `The governor shed a talker at N = ${shedTalkers.join(', ')} (gating on or off): their SI-SDR there includes passed-through audio.`
      : 'The governor shed no talker in any run.',
    '',
    `Run ${r.date}, ${r.seconds} s per run; 1-minute load average ${f(r.loadAverage.start)} at the start and ${f(r.loadAverage.end)} at the end (2 cores shared with other work: underruns here are an upper bound on an idle machine's). Reproduce: \`${r.command}\`.`,
    '',
  );
  return lines.join('\n');
}

// ---- the run (Chromium) ----

const CONFIG = fileURLToPath(new URL('./vite.config.ts', import.meta.url));
const OUT_DIR = resolve(ROOT, 'dist/bench-live-room');
const PAGE = '/tools/bench/pages/live-room.html';

async function servePage(): Promise<{ url: string; close(): Promise<void> }> {
  const { build, preview } = await import('vite');
  // The bench config with this page added (Vite concatenates the inputs) and its own output folder.
  const input = [resolve(ROOT, 'tools/bench/pages/live-room.html')];
  await build({ configFile: CONFIG, logLevel: 'error', build: { outDir: OUT_DIR, rollupOptions: { input } } });
  const server = await preview({ configFile: CONFIG, logLevel: 'error', build: { outDir: OUT_DIR }, preview: { port: 5191 } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { url: url.replace(/\/$/, ''), close: () => server.close() };
}

async function openPage(b: BenchBrowser, url: string): Promise<Page> {
  const { rendererCpu, rendererPids } = await import('./browser');
  const page = await (await b.browser.newContext()).newPage();
  const pid = process.pid;
  await page.exposeFunction('lkbRendererCpu', () => rendererCpu(rendererPids(pid)));
  page.on('pageerror', (e) => console.warn(`[live-room page] ${e.message}`));
  await page.goto(url + PAGE);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
}

interface LiveRoomSession {
  talkers: TalkerTrack[];
  /** One room of `n` tracks on the page; its result and the talkers' recordings. */
  run(n: number, tracks: RoomRequest['tracks'], gating: boolean): Promise<{ res: RoomResult; outs: Float32Array[] }>;
  close(): Promise<void>;
}

/** The page with the talkers' and DTX signals loaded, in `b` or in a browser launched here. */
async function openLiveRoom(seconds: number, b?: BenchBrowser): Promise<LiveRoomSession> {
  const { launchBrowser, withTimeout } = await import('./browser');
  const { startBlobServer } = await import('./blob-server');
  const talkers = turnTakingTalkers({ talkers: TALKERS, seconds: WARMUP_SECONDS + seconds + 1 });
  const server = await servePage();
  const blobs = await startBlobServer();
  const browser = b ?? (await launchBrowser());
  let page: Page | undefined;
  const close = async (): Promise<void> => {
    await page?.context().close();
    if (!b) await browser.close();
    await blobs.close();
    await server.close();
  };
  try {
    const p = (page = await openPage(browser, server.url));
    const put = async (id: string, x: Float32Array): Promise<void> => {
      blobs.put(id, x);
      await p.evaluate(([key, url]) => window.lkr.load(key, url), [id, blobs.url + id] as const);
      blobs.take(id);
    };
    for (const [k, t] of talkers.entries()) await put(`talker${k}`, t.mixture);
    for (let k = 0; k < DTX_LOOPS; k++) await put(`dtx${k}`, quietTrack('dtx', 10 * RATE, 7000 + k));
    const run: LiveRoomSession['run'] = async (n, tracks, gating) => {
      const req: RoomRequest = {
        n,
        tracks,
        gating,
        warmupSeconds: WARMUP_SECONDS,
        seconds,
        talkers: talkers.map((_, k) => `talker${k}`),
        dtx: Array.from({ length: DTX_LOOPS }, (_, k) => `dtx${k}`),
        uploadTo: `${blobs.url}out-`,
      };
      const what = tracks === 'pass-through' ? 'pass-through' : `gating ${gating ? 'on' : 'off'}`;
      const res = await withTimeout(
        `live room N=${n} ${what}`,
        (seconds + 240) * 1000,
        p.evaluate((r) => window.lkr.run(r), req),
      );
      const outs = talkers.map((_, k) => {
        const y = blobs.take(`out-${k}`);
        if (!y) throw new Error(`live room N=${n}: no recording of talker ${k}`);
        return y;
      });
      return { res, outs };
    };
    return { talkers, run, close };
  } catch (e) {
    await close();
    throw e;
  }
}

export interface LiveRoomOptions {
  seconds: number;
  counts: readonly number[];
  command: string;
  log: (message: string) => void;
}

/** Runs every N with gating on and off in one browser (`b`, or one launched here). */
export async function measureLiveRoom(options: LiveRoomOptions, b?: BenchBrowser): Promise<LiveRoomResults> {
  const loadStart = os.loadavg()[0] ?? 0;
  const room = await openLiveRoom(options.seconds, b);
  const { talkers } = room;
  const rows: LiveRoomRow[] = [];
  let audioThread: string | null = null;
  try {
    for (const [index, n] of options.counts.entries()) {
      const load = os.loadavg()[0] ?? 0;
      const modes: Partial<Record<'on' | 'off', { res: RoomResult; outs: Float32Array[] }>> = {};
      // Alternate which mode goes first, so load that drifts falls on both alike.
      for (const gating of index % 2 === 0 ? [true, false] : [false, true]) {
        const { res, outs } = await room.run(n, 'noise-cancellation', gating);
        audioThread ??= audioThreadOf(res.cpuByThread);
        modes[gating ? 'on' : 'off'] = { res, outs };
        options.log(
          `  live room N=${n} gating ${gating ? 'on' : 'off'}: ${res.underrunEvents} underruns (${res.underrunMs.toFixed(0)} ms), audio thread ${pct(coreShare(res.cpuByThread, res.windowMs, audioThread))}, shed ${res.shedTracks}, clock ${res.clockRate.toFixed(3)}, load ${load.toFixed(2)}`,
        );
      }
      const on = modes.on as NonNullable<typeof modes.on>;
      const off = modes.off as NonNullable<typeof modes.off>;
      const mode = ({ res, outs }: typeof on): LiveRoomMode => {
        const scores = talkers.map((t, k) => scoreTalker(t, outs[k] as Float32Array, res.latencySamples[k] ?? 0));
        const perSecond = (s: Partial<Record<EngineActivityState, number>>, into: Partial<Record<EngineActivityState, number>>): void => {
          for (const [state, count] of Object.entries(s) as [EngineActivityState, number][])
            into[state] = (into[state] ?? 0) + count / options.seconds;
        };
        const meanStates: LiveRoomMode['meanStates'] = {};
        perSecond(res.quietStates, meanStates);
        perSecond(res.talkerStates, meanStates);
        return {
          playbackStats: res.playbackStats,
          underrunEvents: res.underrunEvents,
          underrunMs: res.underrunMs,
          playedMs: res.playedMs,
          clockRate: res.clockRate,
          audioThreadCore: coreShare(res.cpuByThread, res.windowMs, audioThread),
          rendererCore: coreShare(res.cpuByThread, res.windowMs, null),
          setupMs: res.setupMs,
          meanStates,
          enginesRunning: res.engineFrames / (100 * options.seconds),
          shedTracks: res.shedTracks,
          shedTalkers: res.shedTalkers,
          errors: res.errors,
          talkerSiSdr: scores.map((s) => s.siSdr),
          pauseCut: scores.map((s) => s.pauseCut),
          quietDb: scores.map((s) => s.quietDb),
          latency: res.latencySamples,
          xcorrLag: scores.map((s) => s.xcorrLag),
        };
      };
      const onsets = talkers.flatMap(
        (t, k) =>
          onsetLoss(t.speech, off.outs[k] as Float32Array, on.outs[k] as Float32Array, t.onsets, on.res.latencySamples[k] ?? 0).deltas,
      );
      rows.push({ tracks: n, on: mode(on), off: mode(off), onsetMean: mean(onsets), onsetWorst: Math.min(...onsets), load });
    }
  } finally {
    await room.close();
  }
  return {
    date: new Date().toISOString(),
    command: options.command,
    seconds: options.seconds,
    warmupSeconds: WARMUP_SECONDS,
    talkers: TALKERS,
    inputSiSdr: talkers.map((t) => siSdr(t.speech, t.mixture)),
    audioThread: audioThread ?? 'not found (all renderer threads counted)',
    loadAverage: { start: loadStart, end: os.loadavg()[0] ?? 0 },
    rows,
  };
}

export const GRAPH_FLOOR_TITLE = 'Large room, the graph floor';
const FLOOR_SECONDS = 20;

export interface GraphFloorRow {
  tracks: number;
  /** The audio thread's CPU (share of a core) and underruns with a copying worklet per track. */
  audioThreadCore: number;
  underrunEvents: number;
  underrunMs: number;
  clockRate: number;
  load: number;
}

export interface GraphFloorResults {
  date: string;
  command: string;
  seconds: number;
  rows: GraphFloorRow[];
}

/**
 * The same graph as the large-room runs with, per track, a worklet that only copies its input
 * (live-room.pass-through.ts) in place of NoiseCancellation: what Chromium's graph costs before
 * any of ours, so the large-room table can say how much of a miss is ours.
 */
export async function measureGraphFloor(
  counts: readonly number[],
  command: string,
  log: (m: string) => void,
  b?: BenchBrowser,
): Promise<GraphFloorResults> {
  const room = await openLiveRoom(FLOOR_SECONDS, b);
  const rows: GraphFloorRow[] = [];
  try {
    for (const n of counts) {
      const load = os.loadavg()[0] ?? 0;
      const { res } = await room.run(n, 'pass-through', false);
      const row = {
        tracks: n,
        audioThreadCore: coreShare(res.cpuByThread, res.windowMs, audioThreadOf(res.cpuByThread)),
        underrunEvents: res.underrunEvents,
        underrunMs: res.underrunMs,
        clockRate: res.clockRate,
        load,
      };
      rows.push(row);
      log(
        `  graph floor N=${n}: audio thread ${pct(row.audioThreadCore)}, ${row.underrunEvents} underruns, clock ${row.clockRate.toFixed(3)}, load ${load.toFixed(2)}`,
      );
    }
  } finally {
    await room.close();
  }
  return { date: new Date().toISOString(), command, seconds: FLOOR_SECONDS, rows };
}

export function graphFloorMarkdown(r: GraphFloorResults, room?: LiveRoomResults): string {
  const ours = new Map(room?.rows.map((row) => [row.tracks, row.on.audioThreadCore]));
  const lines = [
    `## ${GRAPH_FLOOR_TITLE}`,
    '',
    `The large-room graph again, with a worklet per track that only copies its input to its output (tools/bench/pages/live-room.pass-through.ts) in place of NoiseCancellation: the cost of N AudioWorkletNodes and their sources in Chromium before any code of ours runs. ${r.seconds} s per N; audio-thread CPU as in the large-room table.${room ? " The last column is the large-room table's gating-on figure at the same N (its own run)." : ''}`,
    '',
    '| tracks | audio-thread CPU, pass-through worklets | underrun events (missing) | clock rate | NoiseCancellation, gating on | load avg |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.rows.map((row) => {
      const nc = ours.get(row.tracks);
      return `| ${row.tracks} | ${pct(row.audioThreadCore)} | ${row.underrunEvents} (${f(row.underrunMs, 0)} ms) | ${f(row.clockRate, 3)} | ${nc === undefined ? '—' : pct(nc)} | ${f(row.load)} |`;
    }),
    '',
    `Run ${r.date}. Reproduce: \`${r.command}\`.`,
    '',
  ];
  return lines.join('\n');
}

/** Seconds per run: the issue's 60 unless LK_LIVE_ROOM_SECONDS shortens a smoke run. */
export function liveRoomSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LK_LIVE_ROOM_SECONDS;
  if (raw === undefined || raw === '') return LIVE_ROOM_SPEC_SECONDS;
  const s = Number(raw);
  // Under 10 s no talker gets a turn after a quiet spell to measure the onset on.
  if (!Number.isInteger(s) || s < 10) throw new RangeError(`LK_LIVE_ROOM_SECONDS must be a whole number ≥ 10 (was ${raw})`);
  return s;
}

export function liveRoomCounts(env: NodeJS.ProcessEnv = process.env): number[] {
  const raw = env.LK_LIVE_ROOM_TRACKS;
  if (raw === undefined || raw === '') return [...LIVE_ROOM_COUNTS];
  const counts = raw.split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < TALKERS))
    throw new RangeError(`LK_LIVE_ROOM_TRACKS must list whole numbers ≥ ${TALKERS} (was ${raw})`);
  return counts;
}

async function main(): Promise<void> {
  const started = Date.now();
  const log = (m: string): void => console.log(`[live-room ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${m}`);
  const seconds = liveRoomSeconds();
  const write = process.argv.includes('--write');
  const counts = liveRoomCounts();
  const json = resolve(ROOT, 'tools/bench/results.json');
  const md = resolve(ROOT, 'BENCHMARKS.md');
  if (process.argv.includes('--floor')) {
    const floor = await measureGraphFloor(counts, 'npx tsx tools/bench/live-room.ts --floor --write', log);
    const results = JSON.parse(readFileSync(json, 'utf8')) as Results;
    const section = graphFloorMarkdown(floor, results.liveRoom);
    process.stdout.write(section);
    if (!write) return;
    results.graphFloor = floor;
    writeFileSync(json, JSON.stringify(results, null, 1) + '\n');
    writeFileSync(md, withSection(existsSync(md) ? readFileSync(md, 'utf8') : '', GRAPH_FLOOR_TITLE, section));
    log('wrote tools/bench/results.json (graphFloor) and the BENCHMARKS.md section');
    return;
  }
  const command = `${process.env.LK_LIVE_ROOM_TRACKS ? `LK_LIVE_ROOM_TRACKS=${counts.join(',')} ` : ''}npx tsx tools/bench/live-room.ts --write`;
  const result = await measureLiveRoom({ seconds, counts, command, log });
  const section = liveRoomMarkdown(result);
  process.stdout.write(section);
  if (!write) return;
  if (seconds < LIVE_ROOM_SPEC_SECONDS) {
    const path = resolve(ROOT, 'tools/bench/out/live-room.md');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, section);
    log(`a shortened run: written to ${path}, not to BENCHMARKS.md`);
    return;
  }
  const results = JSON.parse(readFileSync(json, 'utf8')) as Results;
  results.liveRoom = result;
  writeFileSync(json, JSON.stringify(results, null, 1) + '\n');
  writeFileSync(md, withSection(existsSync(md) ? readFileSync(md, 'utf8') : '', LIVE_ROOM_TITLE, section));
  log('wrote tools/bench/results.json (liveRoom) and the BENCHMARKS.md section');
}

if (isEntryPoint(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
