// The React hook (lk-denoise/react) in the example app (demo/react/), in real rooms through the
// loopback server, Chromium's fake microphone playing noisy speech in every page. Each audio check
// compares, in one session, the hook's denoised audio against the same audio with the hook's
// setEnabled(false) (its crossfade gives the equally delayed dry signal): pauses must be cut by
// the real-room floor of tools/testing/pause-cut.ts, speech kept within 1 dB.
import { expect, test, type BrowserContext, type Page } from './support/fixtures';
import { loadExcerpt, makeNoisySpeech } from '../tools/testing/signals';
import { startServer, type LoopbackServer } from '../tools/loopback-server/server';
import { CHROMIUM_PATH, chromiumArgs } from '../tools/testing/chromium';
import { fromBase64 } from '../tools/testing/base64';
import { db, energyRankMask, frameEnergy } from '../tools/testing/measure';
import { PASS_THROUGH_PAUSE_CUT_DB, pauseCutFloorDb } from '../tools/testing/pause-cut';
import { writeFakeMicWav } from './support/fake-mic';

// Seeded pink noise at 10 dB SNR over public-domain speech, looped every 6 s: 2.5 s speech turns
// with 0.5 s pauses put pauses in any window of a few seconds.
const item = makeNoisySpeech({ seed: 5311, noise: 'pink', snrDb: 10, seconds: 6, speech: loadExcerpt(48_000).subarray(0, 120_000) });
const wavPath = writeFakeMicWav('react-noisy-speech.wav', item.mixture);
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wavPath) } });

// No echo cancellation or AGC: both would change levels between the two windows compared.
const CAPTURE = { echoCancellation: false, autoGainControl: false, noiseSuppression: true, channelCount: 1 };
// A room path: Opus and a jitter buffer between the fixture and the measurement (see pause-cut.ts).
const FLOOR_DB = pauseCutFloorDb('room');

type Example = { page: Page; errors: string[] };
// The loopback server for the file, and every page a test opens, closed after it.
const it = test.extend<{ openExample: () => Promise<Example> }, { server: LoopbackServer }>({
  server: [
    // oxlint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
    async ({}, use) => {
      const server = await startServer({ port: 0, tokenRefreshIntervalMs: 0 });
      await use(server);
      await server.stop();
    },
    { scope: 'worker' },
  ],
  openExample: async ({ browser }, use) => {
    const opened: BrowserContext[] = [];
    await use(async () => {
      const context = await browser.newContext();
      opened.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
      await page.goto('/demo/react/');
      await page.waitForFunction(() => window.lkReact?.ready() === true);
      return { page, errors };
    });
    await Promise.all(opened.map((c) => c.close()));
  },
});

async function joinAs(
  server: LoopbackServer,
  page: Page,
  room: string,
  identity: string,
  capture: typeof CAPTURE = CAPTURE,
): Promise<void> {
  const token = await server.mintToken({ room, identity, ttlSeconds: 600 });
  await page.evaluate(({ url, token, capture }) => window.lkReact.join(url, token, capture), { url: server.url, token, capture });
}

/** Turns a hook on or off and waits for it to settle there, with the node reporting that state. */
async function setHook(page: Page, who: string, enabled: boolean, frames = 0): Promise<void> {
  await page.evaluate(({ who, enabled }) => window.lkReact.setEnabled(who, enabled), { who, enabled });
  await page.waitForFunction(
    ({ who, enabled, frames }) => {
      const h = window.lkReact.hook(who);
      return !!h && !h.isPending && h.isEnabled === enabled && h.enabled === enabled && h.framesProcessed > frames;
    },
    { who, enabled, frames },
    { timeout: 30_000 },
  );
}

/**
 * Pause and speech energy of a recording: pauses are the quietest tenth of its 10 ms frames (the
 * fixture pauses half a second in every three), speech the loudest quarter. The first 0.5 s are
 * left out: they may still carry audio from before the change that preceded the recording.
 */
function levels(base64: string): { pause: number; speech: number } {
  const x = fromBase64(base64).subarray(24_000);
  return {
    pause: frameEnergy(x, energyRankMask(x, 0.1, true), true, 0, 0, false),
    speech: frameEnergy(x, energyRankMask(x, 0.25, false), true, 0, 0, false),
  };
}

type Recorder = (page: Page, seconds: number) => Promise<string>;
const remoteMic =
  (identity: string): Recorder =>
  (page, seconds) =>
    page.evaluate(({ identity, seconds }) => window.lkReact.recordRemoteMic(identity, seconds), { identity, seconds });
const remotePlayed =
  (identity: string): Recorder =>
  (page, seconds) =>
    page.evaluate(({ identity, seconds }) => window.lkReact.recordRemotePlayed(identity, seconds), { identity, seconds });

/** Denoised (the hook on) against dry (the same hook switched off) as `record` hears it on `listener`. */
async function compare(
  hookPage: Page,
  who: string,
  listener: Page,
  record: Recorder,
): Promise<{ pauseCutDb: number; speechDb: number; contrastDb: number }> {
  const on = levels(await record(listener, 9.5));
  await setHook(hookPage, who, false);
  await hookPage.waitForFunction((w) => window.lkReact.hook(w)?.bypass === 'disabled', who);
  const off = levels(await record(listener, 9.5));
  await setHook(hookPage, who, true);
  return { pauseCutDb: db(off.pause / on.pause), speechDb: db(on.speech / off.speech), contrastDb: db(off.speech / off.pause) };
}

function expectDenoised(what: string, m: { pauseCutDb: number; speechDb: number; contrastDb: number }): void {
  const line = `${what}: pause cut ${m.pauseCutDb.toFixed(1)} dB, speech ${m.speechDb.toFixed(2)} dB, speech/pause contrast ${m.contrastDb.toFixed(1)} dB`;
  console.log(`measured: ${line}`);
  it.info().annotations.push({ type: 'measured', description: line });
  // The split into pauses and speech must mean something: speech well above the pauses.
  expect(m.contrastDb).toBeGreaterThan(6);
  // A pass-through scores 0 (± 1 dB between two windows of the looping fixture).
  expect(m.pauseCutDb).toBeGreaterThan(PASS_THROUGH_PAUSE_CUT_DB);
  expect(m.pauseCutDb).toBeGreaterThanOrEqual(FLOOR_DB);
  expect(Math.abs(m.speechDb)).toBeLessThanOrEqual(1);
}

/** alice's hook on her own microphone; bob in the room with alice's microphone subscribed. */
async function aliceAndBob(server: LoopbackServer, openExample: () => Promise<Example>, room: string, aliceCapture = CAPTURE) {
  const a = await openExample();
  const b = await openExample();
  await joinAs(server, a.page, room, 'alice', aliceCapture);
  await joinAs(server, b.page, room, 'bob');
  await b.page.waitForFunction(() => window.lkReact.hook('alice') !== null);
  await a.page.waitForFunction(() => window.lkReact.hook('bob') !== null);
  return { a, b };
}

it.describe('useNoiseCancellation in a components-react room (demo/react)', () => {
  it.describe.configure({ timeout: 240_000 });

  it('on the local microphone: the subscriber receives it denoised (pause cut ≥ the room floor, speech within 1 dB), toggled by setEnabled', async ({
    server,
    openExample,
  }) => {
    const { a, b } = await aliceAndBob(server, openExample, 'react-local');
    // Off until asked, like useKrispNoiseFilter: nothing is built yet.
    expect(await a.page.evaluate(() => window.lkReact.hook('local'))).toMatchObject({
      isEnabled: false,
      isPending: false,
      hasProcessor: false,
    });
    await setHook(a.page, 'local', true, 300);
    // What alice publishes is the processor's output: the SDK's sender sends it.
    expect(await a.page.evaluate(() => window.lkReact.localSendsProcessed())).toBe(true);
    expectDenoised('local mic heard by the subscriber', await compare(a.page, 'local', b.page, remoteMic('alice')));
    expect(await a.page.evaluate(() => window.lkReact.hook('local'))).toMatchObject({ isEnabled: true, isPending: false, error: null });
    expect(a.errors).toEqual([]);
  });

  it("on a remote participant's track: what the listener's room plays of it is denoised, toggled by setEnabled", async ({
    server,
    openExample,
  }) => {
    // alice without Chromium's own noise suppression: what reaches bob carries the fixture's
    // noise, not that suppressor's leftovers, as a remote microphone without it would.
    const { a, b } = await aliceAndBob(server, openExample, 'react-remote', { ...CAPTURE, noiseSuppression: false });
    await setHook(b.page, 'alice', true, 300);
    // The node runs in the listener's own webAudioMix context, inside the SDK's playback graph.
    expect(await b.page.evaluate(() => window.lkReact.remoteProcessorInRoomContext('alice'))).toBe(true);
    expectDenoised("alice's track as bob's room plays it", await compare(b.page, 'alice', b.page, remotePlayed('alice')));
    // alice's own hook never ran: the denoising was bob's.
    expect(await a.page.evaluate(() => window.lkReact.hook('local'))).toMatchObject({ isEnabled: false, hasProcessor: false });
    expect(b.errors).toEqual([]);
  });

  it('a second session in the same page after disconnect: both hooks build anew in the new AudioContext, settle, and denoise again', async ({
    server,
    openExample,
  }) => {
    const { a, b } = await aliceAndBob(server, openExample, 'react-rejoin');
    await setHook(a.page, 'local', true, 200);
    await setHook(b.page, 'alice', true, 200);
    // Both leave: Room.disconnect() and the AudioContext closed; both come back in new ones.
    await b.page.evaluate(() => window.lkReact.leave());
    await a.page.evaluate(() => window.lkReact.leave());
    // The local hook stays mounted: its session ended, nothing pending, no processor left.
    await a.page.waitForFunction(() => {
      const h = window.lkReact.hook('local');
      return !!h && !h.isPending && !h.hasProcessor && !h.isEnabled;
    });
    await joinAs(server, a.page, 'react-rejoin', 'alice');
    await joinAs(server, b.page, 'react-rejoin', 'bob');
    // The wish carried over: the same local hook sets a fresh processor on the new track.
    await a.page.waitForFunction(
      () => {
        const h = window.lkReact.hook('local');
        return !!h && !h.isPending && h.isEnabled && h.framesProcessed > 300 && h.contextState === 'running';
      },
      undefined,
      { timeout: 30_000 },
    );
    expect(await a.page.evaluate(() => window.lkReact.localSendsProcessed())).toBe(true);
    await b.page.waitForFunction(() => window.lkReact.hook('alice') !== null);
    await setHook(b.page, 'alice', true, 200);
    expect(await b.page.evaluate(() => window.lkReact.remoteProcessorInRoomContext('alice'))).toBe(true);
    expect(await b.page.evaluate(() => window.lkReact.hook('alice'))).toMatchObject({
      isPending: false,
      error: null,
      contextState: 'running',
    });
    expect(await a.page.evaluate(() => window.lkReact.hook('local'))).toMatchObject({ error: null });
    // Denoised again, for real, in the second session: alice's mic as bob receives it.
    await setHook(b.page, 'alice', false);
    expectDenoised('local mic in the second session', await compare(a.page, 'local', b.page, remoteMic('alice')));
    // Never "cannot connect to an AudioNode belonging to a different audio context", nor any other.
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
