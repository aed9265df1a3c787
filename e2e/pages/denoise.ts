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

async function render(req: RenderRequest): Promise<RenderResult> {
  const input = fromBase64(req.samples);
  const channels = req.channels ?? 1;
  const length = input.length / channels;
  const ctx = new OfflineAudioContext(channels, length, req.sampleRate);
  const nc = await NoiseCancellation.create(ctx, { statsIntervalMs: 200, ...req.options });
  // Plain objects: a DenoiserError would cross page.evaluate as a bare Error, without its reason.
  const plain = (e: DenoiserError) => ({ reason: e.reason, message: e.message });
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
    void ctx.suspend((quantum * 128) / req.sampleRate).then(() => {
      for (const step of steps) {
        if (step.enabled !== undefined) nc.setEnabled(step.enabled);
        if (step.strength !== undefined) nc.setStrength(step.strength);
        if (step.credentials) nc.onCredentialsUpdated(step.credentials);
        applied.push(ctx.currentTime);
      }
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

declare global {
  interface Window {
    lkd: { render: typeof render; lib: typeof lib; toBase64: typeof toBase64; fromBase64: typeof fromBase64 };
  }
}

window.lkd = { render, lib, toBase64, fromBase64 };
document.body.dataset.ready = 'true';
