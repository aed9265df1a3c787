// The browser half of `npm run soak`, in real Chromium (Debian's) against the loopback
// LiveKit server and the repo's Vite dev server (started here on a free 127.0.0.1 port):
//   cycles     N × (NoiseCancellation.create + TrackBinding.attach to a real remote track + close)
//              on one page, with JS heap, DOM/JS listener counts, Blink's AudioNode/AudioWorklet
//              counters, renderer RSS and the page's own counters at checkpoints;
//   offline    consecutive long OfflineAudioContext renders through the worklet on one page;
//   reconnects server.dropSignal during playback, K times, each waited for (never slept on).
// Usage: node --import tsx soak/browser.ts '{"cycles":1000,"renders":60,"renderSeconds":60,...}'
// Progress goes to stderr; the result is one JSON line on stdout.
import { createServer as createNetServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from '@playwright/test';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import { startServer, type LoopbackServer } from '../loopback-server/server';
import { CHROMIUM_PATH, chromiumArgs } from '../testing/chromium';
import { fromBase64, toBase64 } from '../testing/base64';
import { writeWavFile } from '../../cli/wav';
import { makeNoisySpeech, loadExcerpt } from '../testing/signals';
import { rssBytes, threadNames } from './measure';

export interface Plan {
  cycles: number;
  checkpointEvery: number;
  renders: number;
  renderSeconds: number;
  renderBudgetSeconds: number;
  reconnects: number;
}

const plan: Plan = {
  cycles: 1000,
  checkpointEvery: 100,
  renders: 60,
  renderSeconds: 60,
  renderBudgetSeconds: 150,
  reconnects: 20,
  ...(JSON.parse(process.argv[2] ?? '{}') as Partial<Plan>),
};

const ROOT = resolve(import.meta.dirname, '../..');
const log = (line: string): void => void process.stderr.write(`[soak] ${line}\n`);

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createNetServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => done(port));
    });
  });
}

async function startVite(): Promise<{ server: ViteDevServer; base: string }> {
  // The demo plugin's own loopback server must not take the default port 7880.
  process.env.LK_SERVER_PORT = '0';
  process.env.LK_SERVER_LOG = '0';
  const port = await freePort();
  const server = await createViteServer({
    configFile: resolve(ROOT, 'vite.config.ts'),
    root: ROOT,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
  });
  await server.listen();
  return { server, base: `http://127.0.0.1:${port}` };
}

// --- measurements -------------------------------------------------------------------------

interface Reading {
  jsHeapUsed: number;
  jsHeapTotal: number;
  domNodes: number;
  documents: number;
  jsEventListeners: number;
  audioHandlers: number;
  audioWorkletProcessors: number;
  rtcPeerConnections: number;
  arrayBufferContents: number;
  rendererRss: number;
}

async function readPage(cdp: CDPSession, rendererPid: number, settle: () => Promise<void>): Promise<Reading> {
  await cdp.send('HeapProfiler.collectGarbage');
  await settle();
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const dom = await cdp.send('Memory.getDOMCounters');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
  return {
    jsHeapUsed: heap.usedSize,
    jsHeapTotal: heap.totalSize,
    domNodes: dom.nodes,
    documents: dom.documents,
    jsEventListeners: dom.jsEventListeners,
    audioHandlers: metric('AudioHandlers'),
    audioWorkletProcessors: metric('AudioWorkletProcessors'),
    rtcPeerConnections: metric('RTCPeerConnections'),
    arrayBufferContents: metric('ArrayBufferContents'),
    rendererRss: rssBytes(rendererPid),
  };
}

/**
 * The renderer process of a one-page browser: the one running Chromium's realtime audio threads
 * (a live AudioContext), else the one that used the most CPU (the page, not a spare renderer).
 */
async function rendererPid(browser: Browser): Promise<{ pid: number; how: string }> {
  const cdp = await browser.newBrowserCDPSession();
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number; cpuTime: number }[] };
  await cdp.detach();
  const renderers = info.processInfo.filter((p) => p.type === 'renderer').sort((a, b) => b.cpuTime - a.cpuTime);
  const audio = renderers.find((p) => threadNames(p.id).some((n) => /Realtime Audio|AudioOutputDevi/i.test(n)));
  if (audio) return { pid: audio.id, how: 'the renderer running the realtime audio threads' };
  return { pid: renderers[0]?.id ?? 0, how: `the busiest of ${renderers.length} renderers` };
}

async function openPage(browser: Browser, url: string, ready: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => log(`page error on ${url}: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(ready, undefined, { timeout: 60_000 });
  return page;
}

function rmsOf(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s / Math.max(1, x.length));
}

// --- the three parts ----------------------------------------------------------------------

async function cycles(alice: Browser, bob: Browser, base: string, server: LoopbackServer) {
  const room = 'soak-cycles';
  const a = await openPage(alice, `${base}/e2e/pages/nc-room.html`, 'document.body.dataset.ready === "true"');
  await a.evaluate(({ url, token }) => window.nc.join(url, token), {
    url: server.url,
    token: await server.mintToken({ room, identity: 'alice' }),
  });
  await a.evaluate(() => window.nc.publishMic());
  const b = await openPage(bob, `${base}/tools/soak/cycles.html`, 'document.body.dataset.ready === "true"');
  await b.evaluate(({ url, token }) => window.soak.join(url, token), {
    url: server.url,
    token: await server.mintToken({ room, identity: 'bob' }),
  });
  await b.evaluate(() => window.soak.waitForTrack('alice'));
  const cdp = await b.context().newCDPSession(b);
  await cdp.send('Performance.enable');
  const renderer = await rendererPid(bob);
  log(`cycles: renderer pid ${renderer.pid} (${renderer.how})`);
  const settle = () => b.evaluate(() => window.soak.settle());

  const points: { cycle: number; reading: Reading; counters: Awaited<ReturnType<typeof window.soak.counters>> }[] = [];
  const started = performance.now();
  const take = async (cycle: number): Promise<void> => {
    const reading = await readPage(cdp, renderer.pid, settle);
    const counters = await b.evaluate(() => window.soak.counters());
    points.push({ cycle, reading, counters });
    log(
      `cycles ${cycle}: heap ${(reading.jsHeapUsed / 1e6).toFixed(2)} MB, listeners ${reading.jsEventListeners}, ` +
        `AudioHandlers ${reading.audioHandlers}, worklet processors ${reading.audioWorkletProcessors}, RSS ${(reading.rendererRss / 1e6).toFixed(1)} MB, ` +
        `live nc ${counters.live.processors}, room listeners ${counters.roomListeners}, median cycle ${counters.cycleMsMedian.toFixed(1)} ms`,
    );
  };
  await take(0);
  for (let done = 0; done < plan.cycles;) {
    const n = Math.min(plan.checkpointEvery, plan.cycles - done);
    done = await b.evaluate((n) => window.soak.cycle('alice', n), n);
    await take(done);
  }
  const seconds = (performance.now() - started) / 1000;
  // Control: the same count of plain MediaStreamAudioSourceNodes, without the library.
  const controlCount = Math.min(plan.cycles, 200);
  const controlBefore = await readPage(cdp, renderer.pid, settle);
  await b.evaluate((n) => window.soak.controlSources('alice', n), controlCount);
  const controlAfter = await readPage(cdp, renderer.pid, settle);
  await b.evaluate((n) => window.soak.controlSources('alice', n, true), controlCount);
  const cloneAfter = await readPage(cdp, renderer.pid, settle);
  const control = {
    sources: controlCount,
    audioHandlersBefore: controlBefore.audioHandlers,
    audioHandlersAfter: controlAfter.audioHandlers,
    arrayBufferContentsBefore: controlBefore.arrayBufferContents,
    arrayBufferContentsAfter: controlAfter.arrayBufferContents,
    // The same again, each source on its own track clone that is stopped afterwards.
    audioHandlersAfterClones: cloneAfter.audioHandlers,
  };
  log(
    `control: ${controlCount} plain MediaStreamAudioSourceNodes moved AudioHandlers ${control.audioHandlersBefore} → ${control.audioHandlersAfter}`,
  );
  await a.context().close();
  await b.context().close();
  return { renderer, seconds, points, control };
}

async function offline(bob: Browser, base: string) {
  const page = await openPage(
    bob,
    `${base}/tools/soak/offline.html`,
    'document.body.dataset.soakReady === "true" && document.body.dataset.ready === "true"',
  );
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const renderer = await rendererPid(bob);
  const clip = makeNoisySpeech({ seed: 77, noise: 'pink', snrDb: 10, seconds: 6 }).mixture;
  const samples = await page.evaluate(({ clip, rate, seconds }) => window.soakOffline.prepare(clip, rate, seconds), {
    clip: toBase64(clip),
    rate: 48_000,
    seconds: plan.renderSeconds,
  });
  const settle = () => page.evaluate(() => new Promise<void>((r) => setTimeout(r, 0)));
  const before = await readPage(cdp, renderer.pid, settle);
  const renders: Awaited<ReturnType<typeof window.soakOffline.render>>[] = [];
  const readings: { render: number; reading: Reading }[] = [{ render: 0, reading: before }];
  const started = performance.now();
  while (renders.length < plan.renders && (performance.now() - started) / 1000 < plan.renderBudgetSeconds) {
    renders.push(await page.evaluate(() => window.soakOffline.render()));
    if (renders.length % 10 === 0) {
      readings.push({ render: renders.length, reading: await readPage(cdp, renderer.pid, settle) });
      const last = renders[renders.length - 1]!;
      log(`offline render ${renders.length}: ${last.renderMs.toFixed(0)} ms for ${plan.renderSeconds} s, frames ${last.frames}`);
    }
  }
  const after = await readPage(cdp, renderer.pid, settle);
  if (readings[readings.length - 1]?.render !== renders.length) readings.push({ render: renders.length, reading: after });
  await page.context().close();
  return {
    renderer,
    clipSeconds: clip.length / 48_000,
    samplesPerRender: samples,
    seconds: (performance.now() - started) / 1000,
    renders,
    readings,
    before,
    after,
  };
}

async function reconnects(alice: Browser, bob: Browser, base: string, server: LoopbackServer) {
  const room = 'soak-reconnect';
  const ready = 'document.body.dataset.ready === "true"';
  const a = await openPage(alice, `${base}/e2e/pages/nc-room.html`, ready);
  await a.evaluate(({ url, token }) => window.nc.join(url, token), {
    url: server.url,
    token: await server.mintToken({ room, identity: 'alice' }),
  });
  const sid = await a.evaluate(() => window.nc.publishMic());
  const b = await openPage(bob, `${base}/e2e/pages/nc-room.html`, ready);
  await b.evaluate(({ url, token }) => window.nc.join(url, token), {
    url: server.url,
    token: await server.mintToken({ room, identity: 'bob' }),
  });
  await b.waitForFunction(() => window.nc.lifecycle().some((l) => l.startsWith('subscribed alice')), undefined, { timeout: 30_000 });
  await b.evaluate(() => window.nc.startNc({ identity: 'alice', autoClose: false }));
  await b.waitForFunction(
    (sid) => {
      const s = window.nc.stats();
      return !!s && s.publicationSid === sid && s.framesProcessed > 100 && s.credentialState === 'valid';
    },
    sid,
    { timeout: 30_000 },
  );
  // -40 dBFS: the noisy speech plays at about -20 dBFS, so this is audio, not a trickle.
  const FLOOR = 0.01;
  const listenersBefore = await b.evaluate(() => window.nc.listenerCounts());
  const rounds: {
    round: number;
    ok: boolean;
    reconnectedMs: number;
    metadataMs: number;
    audioMs: number;
    outRms: number;
    listeners: number[];
    processor: { closed: boolean; closedEvents: number; hasInput: boolean };
    publicationSid: string | null;
    bindingSid: string | undefined;
    credentialState: string;
    error?: string;
  }[] = [];
  for (let round = 1; round <= plan.reconnects; round++) {
    const t0 = performance.now();
    try {
      server.dropSignal('bob', room);
      await b.waitForFunction((n) => window.nc.lifecycle().filter((l) => l === 'reconnected').length >= n, round, { timeout: 60_000 });
      const reconnectedMs = performance.now() - t0;
      const framesAt = (await b.evaluate(() => window.nc.stats()))?.framesProcessed ?? 0;
      await b.waitForFunction(
        (framesAt) => {
          const s = window.nc.stats();
          return (
            !!s &&
            s.streamInfo !== null &&
            s.credentialState === 'valid' &&
            s.publicationSid === window.nc.currentSid() &&
            s.framesProcessed > framesAt + 50
          );
        },
        framesAt,
        { timeout: 30_000 },
      );
      const metadataMs = performance.now() - t0;
      // Audio is back when a short recording of the processor's output is above the floor.
      let outRms = 0;
      for (let attempt = 0; attempt < 80 && outRms <= FLOOR; attempt++) {
        const rec = await b.evaluate(() => window.nc.record(0.25));
        outRms = rmsOf(fromBase64(rec.out));
      }
      const audioMs = performance.now() - t0;
      const stats = (await b.evaluate(() => window.nc.stats()))!;
      const listeners = await b.evaluate(() => window.nc.listenerCounts());
      const processor = await b.evaluate(() => window.nc.processor());
      const bindingSid = await b.evaluate(() => window.nc.currentSid());
      const ok =
        outRms > FLOOR &&
        JSON.stringify(listeners) === JSON.stringify(listenersBefore) &&
        !processor.closed &&
        processor.closedEvents === 0 &&
        processor.hasInput &&
        stats.publicationSid === bindingSid &&
        stats.credentialState === 'valid';
      rounds.push({
        round,
        ok,
        reconnectedMs,
        metadataMs,
        audioMs,
        outRms,
        listeners,
        processor,
        publicationSid: stats.publicationSid,
        bindingSid,
        credentialState: stats.credentialState,
      });
      log(
        `reconnect ${round}: ${ok ? 'ok' : 'FAILED'}; reconnected ${reconnectedMs.toFixed(0)} ms, metadata ${metadataMs.toFixed(0)} ms, audio ${audioMs.toFixed(0)} ms (rms ${outRms.toFixed(4)})`,
      );
    } catch (e) {
      const error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      rounds.push({
        round,
        ok: false,
        reconnectedMs: NaN,
        metadataMs: NaN,
        audioMs: NaN,
        outRms: 0,
        listeners: [],
        processor: { closed: true, closedEvents: -1, hasInput: false },
        publicationSid: null,
        bindingSid: undefined,
        credentialState: 'unknown',
        error,
      });
      log(`reconnect ${round}: FAILED (${error})`);
      break;
    }
  }
  await a.context().close();
  await b.context().close();
  return { listenersBefore, rounds };
}

/** What this script prints (one JSON line), read by tools/soak/summary.ts. */
export interface BrowserSoakResult {
  plan: Plan;
  chromium: string;
  cycles: Awaited<ReturnType<typeof cycles>>;
  offline: Awaited<ReturnType<typeof offline>>;
  reconnects: Awaited<ReturnType<typeof reconnects>>;
}

// --- main -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const dir = join(tmpdir(), 'lk-denoise-soak');
  mkdirSync(dir, { recursive: true });
  const item = makeNoisySpeech({ seed: 4242, noise: 'pink', snrDb: 10, seconds: 6, speech: loadExcerpt(48_000).subarray(0, 120_000) });
  const wav = join(dir, 'soak-noisy-speech.wav');
  writeWavFile(wav, {
    sampleRate: 48_000,
    channels: [item.mixture],
    format: { kind: 'int', bitsPerSample: 16, extensible: false, channelMask: 0 },
  });

  const server = await startServer({ port: 0, tokenRefreshIntervalMs: 0 });
  const vite = await startVite();
  log(`vite dev at ${vite.base}, LiveKit loopback at ${server.url}`);
  const launch = () => chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs(wav) });
  // Separate browsers, so the subscriber's renderer process is its own and /proc reads it alone.
  const alice = await launch();
  let result: BrowserSoakResult;
  try {
    let bob = await launch();
    const cyclesPart = await cycles(alice, bob, vite.base, server);
    await bob.close();
    bob = await launch();
    const offlinePart = await offline(bob, vite.base);
    await bob.close();
    bob = await launch();
    const reconnectsPart = await reconnects(alice, bob, vite.base, server);
    await bob.close();
    result = { plan, chromium: alice.version(), cycles: cyclesPart, offline: offlinePart, reconnects: reconnectsPart };
  } finally {
    await alice.close().catch(() => undefined);
    await vite.server.close();
    await server.stop();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`[soak] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
