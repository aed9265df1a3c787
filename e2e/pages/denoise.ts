// Page harness: renders audio through the real NoiseCancellation worklet in an
// OfflineAudioContext. Samples cross the page boundary as base64 float32.
import { NoiseCancellation, type NoiseCancellationOptions, type ProcessorStats } from '../../src/index';
import { fromBase64, toBase64 } from '../support/base64';

export interface RenderRequest {
  samples: string;
  sampleRate: number;
  channels?: number;
  options?: NoiseCancellationOptions;
  /** Message to send to the processor before rendering. */
  streamInfo?: { roomName: string; participantIdentity: string; publicationSid: string };
}

export interface RenderResult {
  samples: string;
  ready: { engine: string | null; latencySamples: number; sampleRate: number } | undefined;
  stats: ProcessorStats | undefined;
  errors: { reason: string; message: string }[];
  renderMs: number;
}

async function render(req: RenderRequest): Promise<RenderResult> {
  const input = fromBase64(req.samples);
  const channels = req.channels ?? 1;
  const ctx = new OfflineAudioContext(channels, input.length, req.sampleRate);
  const nc = await NoiseCancellation.create(ctx, { statsIntervalMs: 200, ...req.options });
  const errors: { reason: string; message: string }[] = [];
  nc.events.on('error', (e) => errors.push(e));
  if (req.streamInfo) nc.onStreamInfoUpdated(req.streamInfo);
  const buffer = ctx.createBuffer(1, input.length, req.sampleRate);
  buffer.copyToChannel(input, 0);
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
  const result: RenderResult = {
    samples: toBase64(rendered.getChannelData(0)),
    ready: nc.ready,
    stats: nc.stats,
    errors: [...errors, ...(nc.error ? [nc.error] : [])],
    renderMs,
  };
  nc.close();
  return result;
}

declare global {
  interface Window {
    lkd: { render: typeof render };
  }
}

window.lkd = { render };
document.body.dataset.ready = 'true';
