// Benchmark page: everything measured inside Chromium. Our NoiseCancellation worklet, the anchor
// (@sapphi-red/web-noise-suppressor's RNNoise and Speex worklet nodes), a raw-RNNoise worklet
// (the cost floor) and a plain GainNode (graph overhead) are rendered side by side in
// OfflineAudioContexts; live AudioContexts give underruns, startup time and create/close churn.
// Samples cross the page boundary as base64 float32. Nothing here fetches from another origin.
import { NoiseCancellation, type NoiseCancellationOptions } from '../../../src/index';
import type { ProcessorStats } from '../../../worklets/protocol';
import { RnnoiseWorkletNode, SpeexWorkletNode, loadRnnoise, loadSpeex } from '@sapphi-red/web-noise-suppressor';
import anchorRnnoiseWorkletUrl from '@sapphi-red/web-noise-suppressor/rnnoiseWorklet.js?url';
import anchorSpeexWorkletUrl from '@sapphi-red/web-noise-suppressor/speexWorklet.js?url';
import rnnoiseWasmUrl from '@sapphi-red/web-noise-suppressor/rnnoise.wasm?url';
import rnnoiseSimdWasmUrl from '@sapphi-red/web-noise-suppressor/rnnoise_simd.wasm?url';
import speexWasmUrl from '@sapphi-red/web-noise-suppressor/speex.wasm?url';
import engineRawWorkletUrl from './engine-raw-worklet.ts?worker&url';
import gcWorkletUrl from './gc-worklet.ts?worker&url';
import engineCoreWorkletUrl from './engine-core-worklet.ts?worker&url';
import { ENGINE_CORE_PROCESSOR, ENGINE_RAW_PROCESSOR, GC_PROCESSOR } from './worklet-globals';
import { fromBase64, toBase64 } from '../../testing/base64';
import { loadWasmModule, pickEngine } from '../../../src/loader';
import type { EngineName } from '../../../src/types';

/**
 * Per engine (tools/bench/engine-cost.ts): our NoiseCancellation with that engine, our DSP core
 * around it in a bare worklet, or the engine's floor worklet.
 */
export type TierKind = `${'ours' | 'core' | 'raw'}:${EngineName}`;
/** 'raw' and 'core' are classic RNNoise's (SIMD build) floor and DSP core. */
export type EngineKind = 'ours' | 'ours-bypass' | 'anchor-rnnoise' | 'anchor-speex' | 'raw' | 'core' | 'none' | TierKind;

const RATE = 48_000;
/** Offline renders pause here so async loaders (the anchor compiles its wasm per node) finish. */
const SUSPEND_SAMPLES = 1024;

// Our processors run an engine up to a per-context cap; the benchmarks measure the engines
// themselves, so they lift it (an option unknown to older builds is simply ignored).
const UNCAPPED = { maxProcessorsPerContext: 100_000 } as NoiseCancellationOptions;

const signals = new Map<string, Float32Array<ArrayBuffer>>();

function signal(id: string): Float32Array<ArrayBuffer> {
  const x = signals.get(id);
  if (!x) throw new Error(`no signal stored as ${id}`);
  return x;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- loading, once per page / per context ----

const added = new WeakMap<BaseAudioContext, Map<string, Promise<void>>>();

function addModuleOnce(ctx: BaseAudioContext, url: string): Promise<void> {
  let map = added.get(ctx);
  if (!map) added.set(ctx, (map = new Map()));
  let p = map.get(url);
  if (!p) map.set(url, (p = ctx.audioWorklet.addModule(url)));
  return p;
}

let rnnoiseBinary: Promise<ArrayBuffer> | undefined;
let speexBinary: Promise<ArrayBuffer> | undefined;

function anchorRnnoiseBinary(): Promise<ArrayBuffer> {
  return (rnnoiseBinary ??= loadRnnoise({ url: rnnoiseWasmUrl, simdUrl: rnnoiseSimdWasmUrl }));
}

function anchorSpeexBinary(): Promise<ArrayBuffer> {
  return (speexBinary ??= loadSpeex({ url: speexWasmUrl }));
}

/** A bench worklet (floor or DSP core) running `engine`, with the module the product would load for it. */
async function engineWorkletNode(ctx: BaseAudioContext, which: 'raw' | 'core', engine: EngineName): Promise<AudioWorkletNode> {
  const { flavour, url } = pickEngine(true, engine);
  const [, module] = await Promise.all([
    addModuleOnce(ctx, which === 'raw' ? engineRawWorkletUrl : engineCoreWorkletUrl),
    loadWasmModule(url),
  ]);
  return new AudioWorkletNode(ctx, which === 'raw' ? ENGINE_RAW_PROCESSOR : ENGINE_CORE_PROCESSOR, {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    channelCount: 1,
    channelCountMode: 'explicit',
    processorOptions: { flavour, module },
  });
}

interface BenchNode {
  kind: EngineKind;
  node: AudioNode;
  nc?: NoiseCancellation;
  close(): void;
}

async function makeNode(ctx: BaseAudioContext, kind: EngineKind, options: NoiseCancellationOptions = {}): Promise<BenchNode> {
  switch (kind) {
    case 'ours':
    case 'ours-bypass': {
      const nc = await NoiseCancellation.create(ctx, { ...UNCAPPED, statsIntervalMs: 1000, ...options, enabled: kind === 'ours' });
      return { kind, node: nc.node, nc, close: () => nc.close() };
    }
    case 'anchor-rnnoise': {
      const [, wasmBinary] = await Promise.all([addModuleOnce(ctx, anchorRnnoiseWorkletUrl), anchorRnnoiseBinary()]);
      const node = new RnnoiseWorkletNode(ctx as AudioContext, { maxChannels: 1, wasmBinary });
      return { kind, node, close: () => node.destroy() };
    }
    case 'anchor-speex': {
      const [, wasmBinary] = await Promise.all([addModuleOnce(ctx, anchorSpeexWorkletUrl), anchorSpeexBinary()]);
      const node = new SpeexWorkletNode(ctx as AudioContext, { maxChannels: 1, wasmBinary });
      return { kind, node, close: () => node.destroy() };
    }
    case 'raw':
    case 'core': {
      const node = await engineWorkletNode(ctx, kind, 'rnnoise');
      return { kind, node, close: () => node.disconnect() };
    }
    case 'none': {
      const node = ctx.createGain();
      return { kind, node, close: () => node.disconnect() };
    }
    default: {
      const [which, engine] = kind.split(':') as ['ours' | 'core' | 'raw', EngineName];
      if (which === 'ours') {
        // Gating off: the floor runs its engine on every frame, so ours must too to be comparable.
        const nc = await NoiseCancellation.create(ctx, { ...UNCAPPED, statsIntervalMs: 1000, gating: false, ...options, engine });
        return { kind, node: nc.node, nc, close: () => nc.close() };
      }
      const node = await engineWorkletNode(ctx, which, engine);
      return { kind, node, close: () => node.disconnect() };
    }
  }
}

// ---- offline renders ----

export interface RenderRequest {
  /** Stored signal id (see store()). The source loops when the render is longer. */
  signal: string;
  /** Per node, a stored signal id that replaces `signal` for that node (played once, no loop). */
  signals?: string[];
  seconds: number;
  /** One node per entry, in this order. */
  engines: EngineKind[];
  /** 'channels': node i → output channel i (≤ 32 nodes); 'sum': all nodes into one channel. */
  mix: 'channels' | 'sum';
  returnSamples: boolean;
  /** Upload each output channel c as binary to `${uploadTo}${c}` (POST) instead of returning base64. */
  uploadTo?: string;
  /** How long to stay suspended at SUSPEND_SAMPLES before timing the rest of the render. */
  waitMs: number;
}

export interface RenderResult {
  /** Wall time of the timed part (after the suspend point), ms. */
  renderMs: number;
  /** Audio seconds in the timed part. */
  timedSeconds: number;
  /** CPU time the renderer processes used during the timed part (all threads), ms. */
  cpuMs: number;
  /** Of that, the audio render thread (threads named "Offline…"), ms. */
  audioThreadMs: number;
  /** The same per thread name (threads using ≥ 0.05 ms). */
  cpuByThread: Record<string, number>;
  /** Time to build the graph (create every node), ms. */
  setupMs: number;
  channels: string[];
  /** Per output channel: index of the first sample with |x| > 1e-6 (−1 if none). */
  firstNonZero: number[];
  errors: string[];
  stats: (ProcessorStats | undefined)[];
}

async function render(req: RenderRequest): Promise<RenderResult> {
  const input = signal(req.signal);
  const length = Math.round(req.seconds * RATE);
  const outChannels = req.mix === 'channels' ? req.engines.length : 1;
  if (outChannels > 32) throw new Error('at most 32 channels');
  const ctx = new OfflineAudioContext(outChannels, length, RATE);
  const buffer = ctx.createBuffer(1, input.length, RATE);
  buffer.copyToChannel(input, 0);
  const errors: string[] = [];
  const t0 = performance.now();
  const nodes: BenchNode[] = [];
  for (const kind of req.engines) {
    const n = await makeNode(ctx, kind);
    // An OfflineAudioContext closes itself when the render ends; that is no failure here.
    n.nc?.events.on('error', (e) => e.reason !== 'context-closed' && errors.push(`${e.reason}: ${e.message}`));
    nodes.push(n);
  }
  const setupMs = performance.now() - t0;
  const merger = req.mix === 'channels' ? ctx.createChannelMerger(nodes.length) : undefined;
  merger?.connect(ctx.destination);
  const perNode = new Map<string, AudioBuffer>();
  nodes.forEach((n, i) => {
    const source = ctx.createBufferSource();
    const own = req.signals?.[i];
    if (own) {
      let b = perNode.get(own);
      if (!b) {
        const x = signal(own);
        b = ctx.createBuffer(1, x.length, RATE);
        b.copyToChannel(x, 0);
        perNode.set(own, b);
      }
      source.buffer = b;
    } else {
      source.buffer = buffer;
      source.loop = length > input.length;
    }
    source.connect(n.node);
    if (merger) n.node.connect(merger, 0, i);
    else n.node.connect(ctx.destination);
    source.start();
  });
  let resumedAt = 0;
  let cpu0: Record<string, number> = {};
  const suspendAt = SUSPEND_SAMPLES / RATE;
  void ctx.suspend(suspendAt).then(async () => {
    await sleep(req.waitMs);
    cpu0 = (await window.lkbRendererCpu?.()) ?? {};
    resumedAt = performance.now();
    await ctx.resume();
  });
  const rendered = await ctx.startRendering();
  const renderMs = performance.now() - resumedAt;
  const cpu1 = (await window.lkbRendererCpu?.()) ?? {};
  const cpuByThread: Record<string, number> = {};
  let cpuMs = 0;
  let audioThreadMs = 0;
  for (const [name, ns] of Object.entries(cpu1)) {
    const d = (ns - (cpu0[name] ?? 0)) / 1e6;
    if (d > 0.05) cpuByThread[name] = d;
    cpuMs += Math.max(0, d);
    if (name.startsWith('Offline')) audioThreadMs += Math.max(0, d);
  }
  // Let the stats posted during the render arrive.
  await sleep(20);
  const channels: string[] = [];
  const firstNonZero: number[] = [];
  const uploads: Promise<Response>[] = [];
  for (let c = 0; c < rendered.numberOfChannels; c++) {
    const data = rendered.getChannelData(c);
    let first = -1;
    for (let i = 0; i < data.length; i++) {
      if (Math.abs(data[i] as number) > 1e-6) {
        first = i;
        break;
      }
    }
    firstNonZero.push(first);
    if (req.uploadTo)
      uploads.push(fetch(req.uploadTo + c, { method: 'POST', body: data, headers: { 'Content-Type': 'application/octet-stream' } }));
    else if (req.returnSamples) channels.push(toBase64(data));
  }
  for (const r of await Promise.all(uploads)) if (!r.ok) throw new Error(`upload failed: HTTP ${r.status}`);
  const stats = nodes.map((n) => n.nc?.stats);
  for (const n of nodes) n.close();
  return {
    renderMs,
    cpuMs,
    audioThreadMs,
    cpuByThread,
    timedSeconds: (length - SUSPEND_SAMPLES) / RATE,
    setupMs,
    channels,
    firstNonZero,
    errors,
    stats,
  };
}

// ---- live AudioContext: N tracks, underruns ----

export interface LiveResult {
  n: number;
  ok: boolean;
  detail: string;
  /** playbackStats over the measured window (deltas). */
  underrunEvents: number;
  underrunMs: number;
  playedMs: number;
  averageLatencyMs: number | null;
  /** Audio time the context advanced per wall second (1 = real time). */
  clockRate: number;
  /** Of our processors: how many report bypass, by reason (e.g. 'overload' past the cap). */
  bypassed: Record<string, number>;
  errors: string[];
}

interface PlaybackStatsLike {
  underrunDuration: number;
  underrunEvents: number;
  totalDuration: number;
  averageLatency: number;
}

function playbackStats(ctx: AudioContext): PlaybackStatsLike | undefined {
  const ps = (ctx as unknown as { playbackStats?: PlaybackStatsLike }).playbackStats;
  if (!ps) return undefined;
  return {
    underrunDuration: ps.underrunDuration,
    underrunEvents: ps.underrunEvents,
    totalDuration: ps.totalDuration,
    averageLatency: ps.averageLatency,
  };
}

async function live(req: {
  signal: string;
  n: number;
  seconds: number;
  warmupSeconds: number;
  capped: boolean;
  kind?: EngineKind;
}): Promise<LiveResult> {
  const ctx = new AudioContext({ sampleRate: RATE, latencyHint: 'interactive' });
  const errors: string[] = [];
  const nodes: BenchNode[] = [];
  try {
    await ctx.resume();
    const input = signal(req.signal);
    const buffer = ctx.createBuffer(1, input.length, RATE);
    buffer.copyToChannel(input, 0);
    const sum = ctx.createGain();
    sum.gain.value = 1 / req.n;
    sum.connect(ctx.destination);
    const kind = req.kind ?? 'ours';
    for (let i = 0; i < req.n; i++) {
      const n = await makeNode(ctx, kind, req.capped ? { maxProcessorsPerContext: undefined } : {});
      n.nc?.events.on('error', (e) => errors.push(`${e.reason}: ${e.message}`));
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.loop = true;
      source.connect(n.node);
      n.node.connect(sum);
      // Different offsets, so the tracks do not run in lockstep.
      source.start(0, (i * 0.37) % (input.length / RATE));
      nodes.push(n);
    }
    await sleep(req.warmupSeconds * 1000);
    const s0 = playbackStats(ctx);
    const c0 = ctx.currentTime;
    const w0 = performance.now();
    await sleep(req.seconds * 1000);
    const s1 = playbackStats(ctx);
    const clockRate = (ctx.currentTime - c0) / ((performance.now() - w0) / 1000);
    const bypassed: Record<string, number> = {};
    for (const n of nodes) {
      const st = n.nc?.stats;
      if (st?.bypass) bypassed[st.bypass] = (bypassed[st.bypass] ?? 0) + 1;
    }
    const base = { n: req.n, clockRate, bypassed, errors: [...new Set(errors)].slice(0, 5) };
    if (!s0 || !s1) {
      return {
        ...base,
        ok: false,
        detail: 'AudioContext.playbackStats is not available',
        underrunEvents: 0,
        underrunMs: 0,
        playedMs: 0,
        averageLatencyMs: null,
      };
    }
    return {
      ...base,
      ok: true,
      detail: '',
      underrunEvents: s1.underrunEvents - s0.underrunEvents,
      underrunMs: (s1.underrunDuration - s0.underrunDuration) * 1000,
      playedMs: (s1.totalDuration - s0.totalDuration) * 1000,
      averageLatencyMs: s1.averageLatency * 1000,
    };
  } finally {
    for (const n of nodes) n.close();
    await ctx.close();
  }
}

// ---- memory ----

declare global {
  interface Window {
    lkb: typeof api;
    /** Exposed by the Node driver: RSS of this browser's renderer processes, bytes. */
    lkbRendererRss?: () => Promise<number>;
    /** Exposed by the Node driver: CPU ns used so far by the renderers' threads, by thread name. */
    lkbRendererCpu?: () => Promise<Record<string, number>>;
    gc?: () => void;
  }
  interface Performance {
    memory?: { usedJSHeapSize: number; totalJSHeapSize: number };
  }
}

export interface MemorySample {
  at: number;
  jsHeapBytes: number | null;
  rendererRssBytes: number | null;
}

/** Full GC on the main thread and in `ctx`'s worklet scope, then a sample. */
async function sampleMemory(ctx: BaseAudioContext | undefined, at: number): Promise<MemorySample> {
  if (ctx && ctx.state !== 'closed') {
    await addModuleOnce(ctx, gcWorkletUrl);
    const node = new AudioWorkletNode(ctx, GC_PROCESSOR, { numberOfInputs: 0, numberOfOutputs: 1 });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      node.port.onmessage = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    node.port.onmessage = null;
    node.port.close();
  }
  window.gc?.();
  await sleep(30);
  window.gc?.();
  const rss = window.lkbRendererRss ? await window.lkbRendererRss() : null;
  return { at, jsHeapBytes: performance.memory?.usedJSHeapSize ?? null, rendererRssBytes: rss };
}

export interface CyclesResult {
  cycles: number;
  samples: MemorySample[];
  msPerCycle: number;
  closeTimeouts: number;
  notReady: number;
}

/** create → ready → close → closed, `count` times in one live AudioContext. */
async function cycles(req: { count: number; every: number }): Promise<CyclesResult> {
  const ctx = new AudioContext({ sampleRate: RATE });
  await ctx.resume();
  const samples: MemorySample[] = [await sampleMemory(ctx, 0)];
  let closeTimeouts = 0;
  let notReady = 0;
  let busyMs = 0;
  for (let i = 1; i <= req.count; i++) {
    const t0 = performance.now();
    const nc = await NoiseCancellation.create(ctx, { ...UNCAPPED });
    if (!nc.ready) {
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 2000);
        nc.events.on('ready', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!ok) notReady++;
    }
    nc.close();
    const closed = await Promise.race([nc.whenClosed().then(() => true), sleep(2000).then(() => false)]);
    if (!closed) closeTimeouts++;
    busyMs += performance.now() - t0;
    if (i % req.every === 0) samples.push(await sampleMemory(ctx, i));
  }
  await ctx.close();
  return { cycles: req.count, samples, msPerCycle: busyMs / req.count, closeTimeouts, notReady };
}

/** The graphs the long render runs: ours, and the two controls (raw bench worklet, GainNode). */
export type LongRenderKind = 'ours' | 'raw' | 'none';

export interface LongRenderResult {
  kind: LongRenderKind;
  chunks: number;
  chunkSeconds: number;
  /** Length of the clip each render loops. */
  clipSeconds: number;
  renderMs: number[];
  /** Frames our processors counted (0 for the controls, which keep no stats). */
  framesProcessed: number;
  bypassed: number;
  samples: MemorySample[];
}

/**
 * `chunks` offline renders of `chunkSeconds` each, every one in a new OfflineAudioContext through a
 * fresh node of `kind`: NoiseCancellation, the raw bench worklet (an AudioWorklet without
 * lk-denoise) or a GainNode (no AudioWorklet at all).
 */
async function longRender(req: {
  signal: string;
  kind: LongRenderKind;
  chunks: number;
  chunkSeconds: number;
  every: number;
}): Promise<LongRenderResult> {
  const input = signal(req.signal);
  const samples: MemorySample[] = [await sampleMemory(undefined, 0)];
  const renderMs: number[] = [];
  let framesProcessed = 0;
  let bypassed = 0;
  for (let c = 1; c <= req.chunks; c++) {
    const length = Math.round(req.chunkSeconds * RATE);
    const ctx = new OfflineAudioContext(1, length, RATE);
    const buffer = ctx.createBuffer(1, input.length, RATE);
    buffer.copyToChannel(input, 0);
    const n = await makeNode(ctx, req.kind, { statsIntervalMs: 1000 });
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.loop = true;
    source.connect(n.node);
    n.node.connect(ctx.destination);
    source.start();
    const t0 = performance.now();
    await ctx.startRendering();
    renderMs.push(performance.now() - t0);
    await sleep(10);
    framesProcessed += n.nc?.stats?.framesProcessed ?? 0;
    if (n.nc?.stats?.bypass) bypassed++;
    n.close();
    if (c % req.every === 0) samples.push(await sampleMemory(undefined, c * req.chunkSeconds));
  }
  return {
    kind: req.kind,
    chunks: req.chunks,
    chunkSeconds: req.chunkSeconds,
    clipSeconds: input.length / RATE,
    renderMs,
    framesProcessed,
    bypassed,
    samples,
  };
}

// ---- startup ----

export interface StartupResult {
  /** NoiseCancellation.create() resolved, ms after the call. */
  createMs: number;
  /** 'ready' arrived (the processor built its engine). */
  readyMs: number | null;
  /** First stats with framesProcessed > 0 (stats every 50 ms, so up to 50 ms late). */
  firstFramesMs: number | null;
}

let startupCtx: AudioContext | undefined;

/** One create() from scratch: `newContext` false reuses the context of the previous call. */
async function startup(req: { newContext: boolean; engine?: EngineName }): Promise<StartupResult> {
  if (req.newContext || !startupCtx) {
    await startupCtx?.close();
    startupCtx = new AudioContext({ sampleRate: RATE });
    await startupCtx.resume();
  }
  const ctx = startupCtx;
  const osc = ctx.createOscillator();
  const t0 = performance.now();
  const nc = await NoiseCancellation.create(ctx, { ...UNCAPPED, statsIntervalMs: 50, engine: req.engine });
  const createMs = performance.now() - t0;
  const ready = nc.ready
    ? Promise.resolve(performance.now() - t0)
    : new Promise<number>((resolve) => nc.events.on('ready', () => resolve(performance.now() - t0)));
  const frames = new Promise<number>((resolve) =>
    nc.events.on('stats', (s) => {
      if (s.framesProcessed > 0) resolve(performance.now() - t0);
    }),
  );
  osc.connect(nc.node);
  nc.node.connect(ctx.destination);
  osc.start();
  const timeout = sleep(3000).then(() => null);
  const [readyMs, firstFramesMs] = await Promise.all([Promise.race([ready, timeout]), Promise.race([frames, timeout])]);
  osc.stop();
  osc.disconnect();
  nc.close();
  return { createMs, readyMs, firstFramesMs };
}

// ---- the page API ----

function store(id: string, base64: string): number {
  const x = fromBase64(base64);
  signals.set(id, x);
  return x.length;
}

/** Loads a signal Node put on the blob server (raw float32). */
async function load(id: string, url: string): Promise<number> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  const x = new Float32Array(await r.arrayBuffer());
  signals.set(id, x);
  return x.length;
}

function drop(id: string): void {
  signals.delete(id);
}

const api = { store, load, drop, render, live, cycles, longRender, startup };
window.lkb = api;
document.body.dataset.ready = 'true';
