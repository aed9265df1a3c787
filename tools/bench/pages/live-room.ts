// Large-room live page: N NoiseCancellation processors (the built worklet and wasm, this origin)
// in one real-time AudioContext, fed by looping AudioBufferSourceNodes as remote tracks would be:
// 3 talkers in turns, the rest digital silence or DTX-like noise. A recording worklet captures
// the talkers' processed output; playbackStats gives underruns, /proc (through the Node driver)
// the audio thread's CPU. With tracks: 'pass-through' each NoiseCancellation is replaced by a copying
// worklet (the graph floor). Driven by tools/bench/live-room.ts.
import { NoiseCancellation, type NoiseCancellationOptions } from '../../../src/index';
import type { EngineActivityState } from '../../../src/types';
import recorderUrl from './live-room.recorder.ts?worker&url';
import passThroughUrl from './live-room.pass-through.ts?worker&url';
import { PASS_THROUGH_PROCESSOR, RECORDER_PROCESSOR, type RecorderOptions } from './live-room.names';

const RATE = 48_000;

const signals = new Map<string, Float32Array<ArrayBuffer>>();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function load(id: string, url: string): Promise<number> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  const x = new Float32Array(await r.arrayBuffer());
  signals.set(id, x);
  return x.length;
}

export interface RoomRequest {
  n: number;
  /** 'pass-through': the same graph with a copying worklet per track instead of NoiseCancellation. */
  tracks: 'noise-cancellation' | 'pass-through';
  gating: boolean;
  warmupSeconds: number;
  seconds: number;
  /** Signal ids of the talkers (played once, from the same context time). */
  talkers: string[];
  /** Signal ids of DTX-like loops; quiet track i plays dtx[i/2] when i is odd, digital silence when even. */
  dtx: string[];
  /** The talkers' recordings are POSTed to `${uploadTo}${k}`. */
  uploadTo: string;
}

interface Playback {
  underrunDuration: number;
  underrunEvents: number;
  totalDuration: number;
}

function playback(ctx: AudioContext): Playback | undefined {
  const ps = (ctx as unknown as { playbackStats?: Playback }).playbackStats;
  return ps && { underrunDuration: ps.underrunDuration, underrunEvents: ps.underrunEvents, totalDuration: ps.totalDuration };
}

export interface RoomResult {
  n: number;
  gating: boolean;
  /** False when AudioContext.playbackStats is missing (the underrun fields are then 0). */
  playbackStats: boolean;
  underrunEvents: number;
  underrunMs: number;
  playedMs: number;
  /** Audio time the context advanced per wall second over the window (1 = real time). */
  clockRate: number;
  windowMs: number;
  /** CPU ms per renderer thread name over the window (threads using ≥ 1 ms). */
  cpuByThread: Record<string, number>;
  setupMs: number;
  /** The talkers' processors' added delay (samples), as their 'ready' said. */
  latencySamples: number[];
  /** Track-seconds in each engine state, sampled once a second over the window, quiet tracks and talkers apart. */
  quietStates: Partial<Record<EngineActivityState, number>>;
  talkerStates: Partial<Record<EngineActivityState, number>>;
  /** Processors that were shed for overload at least once, and of them talkers. */
  shedTracks: number;
  shedTalkers: number;
  /** 10 ms frames the engines ran over the window, all tracks (from stats, so the edges are up to a second late). */
  engineFrames: number;
  recordedFrames: number;
  errors: string[];
}

async function run(req: RoomRequest): Promise<RoomResult> {
  const ctx = new AudioContext({ sampleRate: RATE, latencyHint: 'interactive' });
  const ncs: NoiseCancellation[] = [];
  const errors: string[] = [];
  const shed = new Set<number>();
  try {
    await ctx.resume();
    const buffer = (id: string): AudioBuffer => {
      const x = signals.get(id);
      if (!x) throw new Error(`no signal loaded as ${id}`);
      const b = ctx.createBuffer(1, x.length, RATE);
      b.copyToChannel(x, 0);
      return b;
    };
    await ctx.audioWorklet.addModule(recorderUrl);
    const talkerBuffers = req.talkers.map(buffer);
    const dtxBuffers = req.dtx.map(buffer);
    const silence = ctx.createBuffer(1, RATE, RATE);
    const sum = ctx.createGain();
    sum.gain.value = 1 / req.n;
    sum.connect(ctx.destination);
    const t0 = performance.now();
    const nodes: AudioNode[] = [];
    if (req.tracks === 'pass-through') {
      await ctx.audioWorklet.addModule(passThroughUrl);
      for (let i = 0; i < req.n; i++) nodes.push(new AudioWorkletNode(ctx, PASS_THROUGH_PROCESSOR));
    } else {
      // Lifted cap: every track gets a real processor; the overload governor stays on, as shipped.
      const options: NoiseCancellationOptions = { maxProcessorsPerContext: 100_000, statsIntervalMs: 1000, gating: req.gating };
      for (let i = 0; i < req.n; i++) {
        const nc = await NoiseCancellation.create(ctx, options);
        nc.events.on('error', (e) => {
          if (e.reason === 'overload') shed.add(i);
          else errors.push(`${e.reason}: ${e.message}`);
        });
        ncs.push(nc);
        nodes.push(nc.node);
      }
    }
    for (const node of nodes) node.connect(sum);
    const setupMs = performance.now() - t0;
    // Every processor has run its constructor (its 'ready' arrived) before the clock starts.
    await Promise.all(ncs.map((nc) => (nc.ready ? undefined : new Promise<void>((resolve) => nc.events.on('ready', () => resolve())))));
    const talkers = req.talkers.length;
    const frames = Math.round((req.warmupSeconds + req.seconds) * RATE);
    const start = ctx.currentTime + 0.2;
    const startFrame = Math.round(start * RATE);
    const recorder = new AudioWorkletNode(ctx, RECORDER_PROCESSOR, {
      numberOfInputs: talkers,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { startFrame, frames, inputs: talkers } satisfies RecorderOptions,
    });
    const recorded = new Promise<Float32Array<ArrayBuffer>[]>(
      (resolve) => (recorder.port.onmessage = (e) => resolve(e.data as Float32Array<ArrayBuffer>[])),
    );
    recorder.connect(ctx.destination);
    nodes.forEach((node, i) => {
      const source = ctx.createBufferSource();
      if (i < talkers) {
        source.buffer = talkerBuffers[i] as AudioBuffer;
        node.connect(recorder, 0, i);
        source.connect(node);
        source.start(start);
        return;
      }
      const q = i - talkers;
      const dtx = dtxBuffers[(q >> 1) % Math.max(1, dtxBuffers.length)];
      source.buffer = q % 2 === 1 && dtx ? dtx : silence;
      source.loop = true;
      source.connect(node);
      // Different offsets, so the DTX tracks do not run in lockstep.
      source.start(start, (q * 0.37) % source.buffer.duration);
    });
    while (ctx.currentTime < start + req.warmupSeconds) await sleep(50);
    const s0 = playback(ctx);
    const cpu0 = (await window.lkbRendererCpu?.()) ?? {};
    const frames0 = ncs.map((nc) => nc.stats?.engineFrames ?? 0);
    const c0 = ctx.currentTime;
    const w0 = performance.now();
    const quietStates: RoomResult['quietStates'] = {};
    const talkerStates: RoomResult['talkerStates'] = {};
    for (let s = 0; s < req.seconds; s++) {
      await sleep(Math.max(0, w0 + (s + 1) * 1000 - performance.now()));
      ncs.forEach((nc, i) => {
        const state = nc.stats?.activity.state;
        const tally = i < talkers ? talkerStates : quietStates;
        if (state) tally[state] = (tally[state] ?? 0) + 1;
      });
    }
    const engineFrames = ncs.reduce((sum, nc, i) => sum + (nc.stats?.engineFrames ?? 0) - (frames0[i] as number), 0);
    const s1 = playback(ctx);
    const cpu1 = (await window.lkbRendererCpu?.()) ?? {};
    const windowMs = performance.now() - w0;
    const clockRate = (ctx.currentTime - c0) / (windowMs / 1000);
    const cpuByThread: Record<string, number> = {};
    for (const [name, ns] of Object.entries(cpu1)) {
      const ms = (ns - (cpu0[name] ?? 0)) / 1e6;
      if (ms >= 1) cpuByThread[name] = ms;
    }
    const channels = await recorded;
    const uploads = channels.map((data, k) =>
      fetch(req.uploadTo + k, { method: 'POST', body: data, headers: { 'Content-Type': 'application/octet-stream' } }),
    );
    for (const r of await Promise.all(uploads)) if (!r.ok) throw new Error(`upload failed: HTTP ${r.status}`);
    return {
      n: req.n,
      gating: req.gating,
      playbackStats: Boolean(s0 && s1),
      underrunEvents: s0 && s1 ? s1.underrunEvents - s0.underrunEvents : 0,
      underrunMs: s0 && s1 ? (s1.underrunDuration - s0.underrunDuration) * 1000 : 0,
      playedMs: s0 && s1 ? (s1.totalDuration - s0.totalDuration) * 1000 : 0,
      clockRate,
      windowMs,
      cpuByThread,
      setupMs,
      latencySamples: ncs.slice(0, talkers).map((nc) => nc.ready?.latencySamples ?? -1),
      quietStates,
      talkerStates,
      shedTracks: shed.size,
      shedTalkers: [...shed].filter((i) => i < talkers).length,
      engineFrames,
      recordedFrames: channels[0]?.length ?? 0,
      errors: [...new Set(errors)].slice(0, 5),
    };
  } finally {
    for (const nc of ncs) nc.close();
    await ctx.close();
  }
}

// window.lkbRendererCpu (the Node driver's /proc reader) is declared with the bench page's globals.
declare global {
  interface Window {
    lkr: typeof api;
  }
}

const api = { load, run };
window.lkr = api;
document.body.dataset.ready = 'true';
