// @livekit/rtc-node (the native SDKs' Rust core) and a browser in one loopback-server room:
// the browser's TrackBinding + NoiseCancellation denoise an rtc-node publisher (the other way
// round is rtc-node-receiver.spec.ts). The rtc-node client runs in this test process.
import { dispose } from '@livekit/rtc-node';
import { expect, test, type Browser, type BrowserContext, type Page } from './support/fixtures';
import { writeFakeMicWav } from './support/fake-mic';
import { loadExcerpt, makeNoisySpeech } from '../tools/testing/signals';
import { db, energyRankMask, frameEnergy, xcorrLag } from '../tools/testing/measure';
import { fromBase64 } from '../tools/testing/base64';
import { startServer, type LoopbackServer } from '../tools/loopback-server/server';
import { publishWithRtcNode, RATE, type RtcNodePublisher } from '../tools/loopback-server/rtc-node-peer';
import { CHROMIUM_PATH, chromiumArgs } from '../tools/testing/chromium';

// The same fixture as nc-room.spec: pink noise at 10 dB SNR over speech turns of 2.5 s with
// 0.5 s pauses, looped by the rtc-node publisher.
const item = makeNoisySpeech({ seed: 4242, noise: 'pink', snrDb: 10, seconds: 6, speech: loadExcerpt(RATE).subarray(0, 120_000) });
const wavPath = writeFakeMicWav('rtc-node-noisy-speech.wav', item.mixture);

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wavPath) } });
test.describe.configure({ timeout: 150_000 });

let server: LoopbackServer;
const lines: string[] = [];
const contexts: BrowserContext[] = [];
const publishers: RtcNodePublisher[] = [];

test.beforeAll(async () => {
  server = await startServer({ port: 0, tokenRefreshIntervalMs: 0, log: (l) => lines.push(l) });
});
test.afterEach(async () => {
  await Promise.all(publishers.splice(0).map((p) => p.stop()));
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  await expect.poll(() => server.stats(), { timeout: 15_000 }).toMatchObject({ participants: 0, peerConnections: 0 });
});
test.afterAll(async () => {
  await server?.stop();
  await dispose();
});

async function ncPage(browser: Browser, room: string, identity: string): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto('/e2e/pages/nc-room.html');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const token = await server.mintToken({ room, identity });
  await page.evaluate(({ url, token }) => window.nc.join(url, token), { url: server.url, token });
  return page;
}

test('a browser hears an rtc-node publisher and TrackBinding + NoiseCancellation denoise it: ≥ 20 dB less noise in pauses, speech within 3 dB', async ({
  browser,
}) => {
  const room = 'rtc-node-to-browser';
  const pub = await publishWithRtcNode(server.url, await server.mintToken({ room, identity: 'rtc-speaker' }), item.mixture, Infinity);
  publishers.push(pub);
  const b = await ncPage(browser, room, 'listener');
  await b.waitForFunction((sid) => window.nc.lifecycle().includes(`subscribed rtc-speaker ${sid}`), pub.trackSid);
  await b.evaluate(() => window.nc.startNc({ identity: 'rtc-speaker' }));
  // RNNoise learns the noise over its first second or so; measure after that.
  await b.waitForFunction(() =>
    window.nc.statsMatch([
      ['framesProcessed', '>', 300],
      ['streamInfo.participantIdentity', '=', 'rtc-speaker'],
    ]),
  );
  await b.waitForFunction(() => window.nc.inputRms() > 0.01);
  const rec = await b.evaluate(() => window.nc.record(9));
  const raw = fromBase64(rec.raw);
  const out = fromBase64(rec.out);
  // Pauses: the quietest tenth of the input's frames; speech: the loudest quarter (as in nc-room.spec).
  const { lag } = xcorrLag(raw, out, 1500, raw.length - 2000);
  const quiet = energyRankMask(raw, 0.1, true);
  const loud = energyRankMask(raw, 0.25, false);
  const energy = (x: Float32Array, mask: boolean[], shift: number): number => frameEnergy(x, mask, true, shift, 0, false);
  const contrastDb = db(energy(raw, loud, 0) / energy(raw, quiet, 0));
  const pauseCutDb = db(energy(raw, quiet, 0) / energy(out, quiet, lag));
  const speechChangeDb = db(energy(out, loud, lag) / energy(raw, loud, 0));
  const summary = `rtc-node -> browser NC: pause cut ${pauseCutDb.toFixed(1)} dB, speech ${speechChangeDb.toFixed(2)} dB, lag ${lag}, contrast ${contrastDb.toFixed(1)} dB`;
  console.log(summary);
  test.info().annotations.push({ type: 'measured', description: summary });
  expect(contrastDb, 'the input must hold speech and pauses for the split to mean anything').toBeGreaterThan(6);
  // A pass-through scores 0 dB; the bound is nc-room.spec's for the same fixture from a browser publisher.
  expect(pauseCutDb).toBeGreaterThanOrEqual(20);
  expect(Math.abs(speechChangeDb)).toBeLessThanOrEqual(3);
  const stats = (await b.evaluate(() => window.nc.stats()))!;
  expect(stats.streamInfo).toEqual({ roomName: room, participantIdentity: 'rtc-speaker', publicationSid: pub.trackSid });
  expect(lines.filter((l) => l.includes('ignored: sending section'))).toEqual([]);
});
