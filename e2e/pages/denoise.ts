// Page harness: renders audio through the real NoiseCancellation worklet in an
// OfflineAudioContext. Samples cross the page boundary as base64 float32.
import * as lib from '../../src/index';
import { NoiseCancellation, type DenoiserError, type NoiseCancellationOptions, type ProcessorStats } from '../../src/index';
import { fromBase64, toBase64 } from '../../tools/testing/base64';

export interface RenderRequest {
  /** Base64 float32 samples; with `channels` > 1, the channels one after another. */
  samples: string;
  sampleRate: number;
  channels?: number;
  options?: NoiseCancellationOptions;
  /** Message to send to the processor before rendering. */
  streamInfo?: { roomName: string; participantIdentity: string; publicationSid: string };
  /** Messages to the processor at given render times (seconds), e.g. a setEnabled storm. */
  schedule?: { at: number; enabled?: boolean; strength?: number; credentials?: { token: string; url: string } }[];
}

export interface RenderResult {
  samples: string;
  ready: { engine: string | null; latencySamples: number; sampleRate: number } | undefined;
  stats: ProcessorStats | undefined;
  errors: { reason: string; message: string }[];
  renderMs: number;
  /** The context time at which each schedule step was sent, in order. */
  applied: number[];
}

// Plain objects: a DenoiserError would cross page.evaluate as a bare Error, without its reason.
const plain = (e: DenoiserError) => ({ reason: e.reason, message: e.message });

async function render(req: RenderRequest): Promise<RenderResult> {
  const input = fromBase64(req.samples);
  const channels = req.channels ?? 1;
  const length = input.length / channels;
  const ctx = new OfflineAudioContext(channels, length, req.sampleRate);
  const nc = await NoiseCancellation.create(ctx, { statsIntervalMs: 200, ...req.options });
  const errors: { reason: string; message: string }[] = [];
  nc.events.on('error', (e) => errors.push(plain(e)));
  if (req.streamInfo) nc.onStreamInfoUpdated(req.streamInfo);
  const buffer = ctx.createBuffer(channels, length, req.sampleRate);
  for (let c = 0; c < channels; c++) buffer.copyToChannel(input.subarray(c * length, (c + 1) * length), c);
  // suspend() stops the render at a render-quantum boundary (128 frames), and only once per
  // quantum: steps due within one quantum are sent together, in order, at its start. The
  // messages land at about that time.
  const byQuantum = new Map<number, NonNullable<RenderRequest['schedule']>>();
  for (const step of req.schedule ?? []) {
    const quantum = Math.floor((step.at * req.sampleRate) / 128);
    byQuantum.set(quantum, [...(byQuantum.get(quantum) ?? []), step]);
  }
  const applied: number[] = [];
  for (const [quantum, steps] of byQuantum) {
    void ctx.suspend((quantum * 128) / req.sampleRate).then(async () => {
      // The worklet answers each message with a stats report; resuming only once it has
      // answered them all makes the messages land in this quantum, not some quanta later.
      let answers = 0;
      const answered = new Promise<void>((resolve) => {
        const off = nc.events.on('stats', () => {
          if (++answers < steps.length) return;
          off();
          resolve();
        });
      });
      for (const step of steps) {
        if (step.enabled !== undefined) nc.setEnabled(step.enabled);
        if (step.strength !== undefined) nc.setStrength(step.strength);
        if (step.credentials) nc.onCredentialsUpdated(step.credentials);
        applied.push(ctx.currentTime);
      }
      await answered;
      return ctx.resume();
    });
  }
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(nc.node);
  nc.node.connect(ctx.destination);
  source.start();
  const t0 = performance.now();
  const rendered = await ctx.startRendering();
  const renderMs = performance.now() - t0;
  // Port messages are ordered: once the answer to this no-op change arrives, every stats and
  // error message posted during the render has arrived too.
  await new Promise((resolve) => {
    const off = nc.events.on('stats', () => {
      off();
      resolve(undefined);
    });
    nc.setEnabled(nc.isEnabled());
  });
  const out = new Float32Array(length * channels);
  for (let c = 0; c < channels; c++) out.set(rendered.getChannelData(c), c * length);
  const result: RenderResult = {
    samples: toBase64(out),
    ready: nc.ready,
    stats: nc.stats,
    errors: [...errors, ...(nc.error ? [plain(nc.error)] : [])],
    renderMs,
    applied,
  };
  nc.close();
  return result;
}

export interface LiveRequest {
  /** Base64 float32 mono samples at `sampleRate`; the context plays them at its own rate. */
  samples: string;
  sampleRate: number;
  options?: NoiseCancellationOptions;
}

export interface LiveResult {
  /** The processor's input and output, captured in the same audio callbacks, at `contextRate`. */
  input: string;
  output: string;
  contextRate: number;
  ready: RenderResult['ready'];
  errors: { reason: string; message: string }[];
}

/**
 * Plays the samples through NoiseCancellation in a real-time AudioContext at the browser's
 * default rate, capturing the node's input and output side by side (a two-channel merger into
 * one ScriptProcessor, so the two stay sample-aligned whatever the callback timing).
 */
async function live(req: LiveRequest): Promise<LiveResult> {
  const input = fromBase64(req.samples);
  const ctx = new AudioContext();
  try {
    await ctx.resume();
    const nc = await NoiseCancellation.create(ctx, { statsIntervalMs: 200, ...req.options });
    const errors: { reason: string; message: string }[] = [];
    nc.events.on('error', (e) => errors.push(plain(e)));
    const buffer = ctx.createBuffer(1, input.length, req.sampleRate);
    buffer.copyToChannel(input, 0);
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    const merger = ctx.createChannelMerger(2);
    const tap = ctx.createScriptProcessor(4096, 2, 1);
    const mute = ctx.createGain();
    mute.gain.value = 0;
    source.connect(merger, 0, 0);
    source.connect(nc.node);
    nc.node.connect(merger, 0, 1);
    merger.connect(tap).connect(mute).connect(ctx.destination);
    const wanted = Math.floor((input.length / req.sampleRate) * ctx.sampleRate);
    const inCap = new Float32Array(wanted);
    const outCap = new Float32Array(wanted);
    let n = 0;
    let started = false;
    await new Promise<void>((resolve) => {
      tap.onaudioprocess = (ev) => {
        const a = ev.inputBuffer.getChannelData(0);
        const b = ev.inputBuffer.getChannelData(1);
        // Start once the source's first samples arrive, so both captures begin together.
        let i = 0;
        if (!started) {
          while (i < a.length && a[i] === 0) i++;
          if (i === a.length) return;
          started = true;
        }
        for (; i < a.length && n < wanted; i++, n++) {
          inCap[n] = a[i]!;
          outCap[n] = b[i]!;
        }
        if (n >= wanted) resolve();
      };
      source.start();
    });
    tap.onaudioprocess = null;
    source.stop();
    const result: LiveResult = {
      input: toBase64(inCap),
      output: toBase64(outCap),
      contextRate: ctx.sampleRate,
      ready: nc.ready,
      errors: [...errors, ...(nc.error ? [plain(nc.error)] : [])],
    };
    nc.close();
    return result;
  } finally {
    await ctx.close();
  }
}

declare global {
  interface Window {
    lkd: { render: typeof render; live: typeof live; lib: typeof lib; toBase64: typeof toBase64; fromBase64: typeof fromBase64 };
  }
}

window.lkd = { render, live, lib, toBase64, fromBase64 };
document.body.dataset.ready = 'true';
