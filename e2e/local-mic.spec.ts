// The local-microphone TrackProcessor in a real room through the loopback server: publisher A
// sets the processor on its microphone (Chromium's fake capture of noisy speech), subscriber B
// records what arrives. Every audio check is a measurement at B: the same looping fixture with
// the processor enabled against it disabled (its crossfade gives the delayed capture back).
import { expect, test, type Browser, type BrowserContext, type Page } from './support/fixtures';
import { loadExcerpt, makeNoisySpeech } from '../tools/testing/signals';
import { startServer, type LoopbackServer } from '../tools/loopback-server/server';
import { CHROMIUM_PATH, chromiumArgs } from '../tools/testing/chromium';
import { fromBase64 } from '../tools/testing/base64';
import { db, energyRankMask, frameEnergy } from '../tools/testing/measure';
import { STRENGTH_PRESETS } from '../worklets/dsp/strength';
import { writeFakeMicWav } from './support/fake-mic';

// The fake microphone: seeded pink noise at 10 dB SNR over public-domain speech, looped every
// 6 s. Short speech turns (2.5 s) with 0.5 s pauses put pauses in any window of a few seconds.
const item = makeNoisySpeech({ seed: 4243, noise: 'pink', snrDb: 10, seconds: 6, speech: loadExcerpt(48_000).subarray(0, 120_000) });
const wavPath = writeFakeMicWav('local-mic-noisy-speech.wav', item.mixture);

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wavPath) } });

let server: LoopbackServer;
test.beforeAll(async () => {
  server = await startServer({ port: 0, tokenRefreshIntervalMs: 0 });
});
test.afterAll(async () => {
  await server?.stop();
});

const contexts: BrowserContext[] = [];
test.afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

async function openPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto('/e2e/pages/local-mic.html');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return page;
}

async function joinAs(page: Page, room: string, identity: string, options: { keepTracks?: boolean } = {}): Promise<void> {
  const token = await server.mintToken({ room, identity, ttlSeconds: 600 });
  await page.evaluate(({ url, token, options }) => window.lm.join(url, token, options), { url: server.url, token, options });
}

/** A publishing with the processor on its mic, B subscribed. */
async function pair(browser: Browser, room: string, options: { keepTracks?: boolean } = {}) {
  const a = await openPage(browser);
  const b = await openPage(browser);
  await joinAs(a, room, 'alice', options);
  const sid = await a.evaluate(() => window.lm.publishMic());
  await a.evaluate(() => window.lm.setProcessor());
  // Chromium keeps a track's audio processing on applyConstraints, so the processor captures
  // the mic again with noise suppression off (through livekit-client): wait for it.
  await a.waitForFunction(() => window.lm.state().noiseSuppression === false);
  await joinAs(b, room, 'bob');
  await b.waitForFunction(() => window.lm.hasRemote('alice'));
  return { a, b, sid };
}

async function framesPast(a: Page, frames: number): Promise<void> {
  await a.waitForFunction((n) => (window.lm.stats()?.framesProcessed ?? 0) > n, frames, { timeout: 30_000 });
}

async function framesNow(a: Page): Promise<number> {
  return a.evaluate(() => window.lm.stats()?.framesProcessed ?? 0);
}

/**
 * Pause and speech energy of what B receives: pauses are the quietest tenth of the smoothed
 * 10 ms frames (the fixture pauses half a second in every three), speech the loudest quarter.
 * The first 0.5 s of a recording are left out: they may still carry audio sent before the change
 * that preceded it (network and jitter buffer hold well under that).
 */
async function listen(b: Page, seconds = 9): Promise<{ pause: number; speech: number; rms: number }> {
  const x = fromBase64(await b.evaluate((s) => window.lm.recordRemote('alice', s), seconds + 0.5)).subarray(24_000);
  const quiet = energyRankMask(x, 0.1, true);
  const loud = energyRankMask(x, 0.25, false);
  return {
    pause: frameEnergy(x, quiet, true, 0, 0, false),
    speech: frameEnergy(x, loud, true, 0, 0, false),
    rms: Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length),
  };
}

/** Denoised against dry at B: the processor is switched off (crossfade, same graph) to listen. */
async function compareAtSubscriber(a: Page, b: Page): Promise<{ pauseCutDb: number; speechDb: number; contrastDb: number }> {
  const on = await listen(b);
  await a.evaluate(() => window.lm.setEnabled(false));
  await a.waitForFunction(() => window.lm.stats()?.bypass === 'disabled');
  const off = await listen(b);
  await a.evaluate(() => window.lm.setEnabled(true));
  return { pauseCutDb: db(off.pause / on.pause), speechDb: db(on.speech / off.speech), contrastDb: db(off.speech / off.pause) };
}

function report(what: string, m: { pauseCutDb: number; speechDb: number; contrastDb: number }): void {
  const line = `${what}: pause cut ${m.pauseCutDb.toFixed(1)} dB, speech ${m.speechDb.toFixed(2)} dB, speech/pause contrast ${m.contrastDb.toFixed(1)} dB`;
  console.log(`measured: ${line}`);
  test.info().annotations.push({ type: 'measured', description: line });
}

test.describe('local microphone TrackProcessor in a real room', () => {
  test.describe.configure({ timeout: 180_000 });

  test('the subscriber receives the microphone denoised: pauses ≥ 15 dB quieter than dry, speech within 1 dB; browser noise suppression off while it runs', async ({
    browser,
  }) => {
    const { a, b, sid } = await pair(browser, 'lm-quality');
    await framesPast(a, 300);
    const state = await a.evaluate(() => window.lm.state());
    expect(state).toMatchObject({ hasProcessor: true, processing: true, sendsProcessed: true, noiseSuppression: false, errors: [] });
    // Room-aware: the publication SID reached the worklet through onPublish → TrackBinding.
    expect(await a.evaluate(() => window.lm.stats()?.publicationSid)).toBe(sid);
    const m = await compareAtSubscriber(a, b);
    report('local mic at the subscriber', m);
    // The split into pauses and speech must mean something: speech well above the pauses.
    expect(m.contrastDb).toBeGreaterThan(6);
    // Pass-through scores 0 ± 1 dB here (two windows of one looping file); RNNoise cuts pink
    // noise at 10 dB SNR by ≥ 20 dB offline. 15 dB leaves room for the Opus round trip.
    expect(m.pauseCutDb).toBeGreaterThanOrEqual(15);
    expect(Math.abs(m.speechDb)).toBeLessThanOrEqual(1);
  });

  test('strength set live on the published mic: the subscriber hears the pause cut grow with it, 0 as dry', async ({ browser }) => {
    const { a, b } = await pair(browser, 'lm-strength');
    await framesPast(a, 300);
    const dry = await (async () => {
      await a.evaluate(() => window.lm.setEnabled(false));
      await a.waitForFunction(() => window.lm.stats()?.bypass === 'disabled');
      const r = await listen(b, 6);
      await a.evaluate(() => window.lm.setEnabled(true));
      return r;
    })();
    const cuts: number[] = [];
    for (const s of [0, STRENGTH_PRESETS.balanced, 1]) {
      await a.evaluate((v) => window.lm.setStrength(v), s);
      await a.waitForFunction((v) => window.lm.stats()?.strength === v && window.lm.stats()?.bypass === null, s);
      cuts.push(db(dry.pause / (await listen(b, 6)).pause));
    }
    console.log(`measured: subscriber pause cut at strength 0 / balanced / 1: ${cuts.map((c) => c.toFixed(1)).join(' / ')} dB`);
    // 0 is the dry path: the same as disabled, within the 1 dB two windows of the fixture differ.
    expect(Math.abs(cuts[0]!)).toBeLessThan(1.5);
    // balanced has a 20 dB floor; full strength is deeper still (≥ 15 dB as above).
    expect(cuts[1]).toBeGreaterThan(cuts[0]! + 6);
    expect(cuts[2]).toBeGreaterThan(cuts[1]! + 1);
  });

  test('device restart: the processor rebuilds around the new capture track, keeps denoising, and quiets its noise suppression too', async ({
    browser,
  }) => {
    const { a, b } = await pair(browser, 'lm-restart');
    await framesPast(a, 200);
    const nodeBefore = await a.evaluate(() => window.lm.state());
    expect(nodeBefore.ncClosed).toBe(false);
    const before = await a.evaluate(() => window.lm.captureTrackId());
    await a.evaluate(() => window.lm.restartDevice());
    await a.waitForFunction((id) => window.lm.captureTrackId() !== id && window.lm.state().noiseSuppression === false, before);
    const frames = await framesNow(a);
    await framesPast(a, frames + 300);
    const state = await a.evaluate(() => window.lm.state());
    // Same context, so the same node: the restart re-wired only the source.
    expect(state).toMatchObject({
      hasProcessor: true,
      processing: true,
      sendsProcessed: true,
      noiseSuppression: false,
      ncClosed: false,
      ncSerial: nodeBefore.ncSerial,
      errors: [],
    });
    const m = await compareAtSubscriber(a, b);
    report('after a device restart', m);
    expect(m.contrastDb).toBeGreaterThan(6);
    expect(m.pauseCutDb).toBeGreaterThanOrEqual(15);
  });

  test('republish of the same track: the worklet is told the NEW publication SID and the subscriber still hears it denoised', async ({
    browser,
  }) => {
    const { a, b, sid } = await pair(browser, 'lm-republish', { keepTracks: true });
    await a.waitForFunction((s) => window.lm.stats()?.publicationSid === s, sid);
    await a.evaluate(() => window.lm.unpublish(false));
    // LocalTrackUnpublished reached the binding: the stream info was cleared.
    await a.waitForFunction(() => window.lm.stats()?.streamInfo === null);
    const sid2 = await a.evaluate(() => window.lm.republish());
    expect(sid2).not.toBe(sid);
    await a.waitForFunction((s) => window.lm.stats()?.publicationSid === s, sid2);
    await b.waitForFunction(() => window.lm.hasRemote('alice'));
    const frames = await framesNow(a);
    await framesPast(a, frames + 300);
    expect(await a.evaluate(() => window.lm.state())).toMatchObject({ hasProcessor: true, sendsProcessed: true, errors: [] });
    const m = await compareAtSubscriber(a, b);
    report('after a republish', m);
    expect(m.pauseCutDb).toBeGreaterThanOrEqual(15);
  });

  test('disconnect and reconnect: the SDK closes its AudioContext and destroys the processor; set again on the new track it denoises in the new context', async ({
    browser,
  }) => {
    const { a, b } = await pair(browser, 'lm-reconnect');
    await framesPast(a, 200);
    await a.evaluate(() => window.lm.leave());
    // The SDK destroyed the processor with the track: the node closed, its context is gone,
    // and the capture constraints were restored before the track stopped.
    await a.waitForFunction(() => window.lm.state().ncClosed === null);
    expect(await a.evaluate(() => window.lm.state())).toMatchObject({ hasProcessor: false, processing: false, errors: [] });
    await joinAs(a, 'lm-reconnect', 'alice');
    const sid2 = await a.evaluate(() => window.lm.publishMic());
    // The same processor object, set on the new track: the documented step after a rejoin.
    await a.evaluate(() => window.lm.setProcessor());
    await a.waitForFunction((s) => window.lm.stats()?.publicationSid === s, sid2);
    await b.waitForFunction(() => window.lm.hasRemote('alice'));
    await framesPast(a, 300);
    const state = await a.evaluate(() => window.lm.state());
    expect(state).toMatchObject({
      hasProcessor: true,
      processing: true,
      sendsProcessed: true,
      noiseSuppression: false,
      contextState: 'running',
      errors: [],
    });
    const m = await compareAtSubscriber(a, b);
    report('after a reconnect', m);
    expect(m.pauseCutDb).toBeGreaterThanOrEqual(15);
  });

  test('stopProcessor restores the browser noise suppression; the mic keeps being published', async ({ browser }) => {
    const { a, b } = await pair(browser, 'lm-destroy');
    await framesPast(a, 100);
    expect((await a.evaluate(() => window.lm.state())).noiseSuppression).toBe(false);
    await a.evaluate(() => window.lm.destroyProcessor());
    await a.waitForFunction(() => window.lm.state().noiseSuppression === true);
    const state = await a.evaluate(() => window.lm.state());
    expect(state).toMatchObject({ hasProcessor: false, processing: false, sendsCapture: true, ncClosed: null, errors: [] });
    expect((await listen(b, 2)).rms).toBeGreaterThan(0.001);
  });

  test('autoClose: the AudioContext closed under the running processor: the published mic falls back to the capture track (never silent) and an error event says why', async ({
    browser,
  }) => {
    const { a, b } = await pair(browser, 'lm-autoclose');
    await framesPast(a, 200);
    await a.evaluate(() => window.lm.closeContext());
    await a.waitForFunction(() => window.lm.state().errors.some((e) => e.startsWith('context-closed')));
    const state = await a.evaluate(() => window.lm.state());
    expect(state).toMatchObject({ processing: false, sendsCapture: true });
    expect(state.processingLog.at(-1)).toBe(false);
    // B still hears the microphone: the quiet of a dead graph would be < 1e-4 RMS; the fixture
    // plays at ~0.1.
    const after = await listen(b, 3);
    expect(after.rms).toBeGreaterThan(0.01);
  });
});
