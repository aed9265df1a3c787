// Noise cancellation on a real remote track through the loopback server: publisher A
// sends noisy speech from Chromium's fake microphone, subscriber B binds NoiseCancellation to
// A's track with TrackBinding, and every check is a measurement on B's side.
import { expect, test, type Page, type RoomKit } from './support/room-fixtures';
import { loadExcerpt, makeNoisySpeech } from '../tools/testing/signals';
import { tokenHash } from '../worklets/dsp/credentials';
import type { LoopbackServer } from '../tools/loopback-server/server';
import { CHROMIUM_PATH, chromiumArgs } from '../tools/testing/chromium';
import { pauseCutFloorDb } from '../tools/testing/pause-cut';
import { playwrightPage } from './support/engines';
import { measureProcessor } from './support/room-checks';
import type { NcStartOptions, StatsCondition } from './pages/nc-room';
import { writeFakeMicWav } from './support/fake-mic';

// The fake microphone: seeded pink noise at 10 dB SNR over public-domain speech, looped. Short
// speech turns (2.5 s) with 0.5 s pauses put pauses in any 3.6 s window.
const item = makeNoisySpeech({ seed: 4242, noise: 'pink', snrDb: 10, seconds: 6, speech: loadExcerpt(48_000).subarray(0, 120_000) });
const wavPath = writeFakeMicWav('nc-room-noisy-speech.wav', item.mixture);

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wavPath) } });

const PAGE = '/e2e/pages/nc-room.html';

async function joinAs(
  server: LoopbackServer,
  page: Page,
  room: string,
  identity: string,
  ttlSeconds = 600,
  webAudioMix = false,
): Promise<void> {
  const token = await server.mintToken({ room, identity, ttlSeconds });
  await page.evaluate(({ url, token, webAudioMix }) => window.nc.join(url, token, webAudioMix), { url: server.url, token, webAudioMix });
}

/** A publishing noisy speech and B subscribed to it, B's processor bound as asked. */
async function pair({ server, openPage }: RoomKit, room: string, options: Omit<NcStartOptions, 'identity'> = {}) {
  const a = await openPage(PAGE);
  const b = await openPage(PAGE);
  await joinAs(server, a, room, 'alice');
  const sid = await a.evaluate(() => window.nc.publishMic());
  await joinAs(server, b, room, 'bob');
  await b.waitForFunction(() => window.nc.lifecycle().some((l) => l.startsWith('subscribed alice')));
  await b.evaluate((o) => window.nc.startNc(o), { identity: 'alice', ...options });
  return { a, b, sid };
}

/** Waits for stats meeting every condition (a function, not a string: the CSP forbids eval). */
async function waitStats(page: Page, conditions: StatsCondition[], timeout = 20_000): Promise<void> {
  await page.waitForFunction((c) => window.nc.statsMatch(c), conditions, { timeout });
}

/** Pause cut, speech level and delay of B's processor (e2e/support/room-checks.ts, shared with
 * the Firefox room checks). */
function measure(page: Page, seconds: number) {
  return measureProcessor(playwrightPage(page), seconds);
}

test.describe('noise cancellation on a remote track in a real room', () => {
  test.describe.configure({ timeout: 120_000 });
  test(`denoises the remote track end to end: ≥ ${pauseCutFloorDb('room')} dB less noise in pauses, speech within 3 dB, 928 samples added`, async ({
    server,
    openPage,
  }) => {
    const { b } = await pair({ server, openPage }, 'nc-e2e-quality');
    // RNNoise learns the noise over its first second or so; measure after that.
    await waitStats(b, [
      ['framesProcessed', '>', 300],
      ['credentialState', '=', 'valid'],
    ]);
    const m = await measure(b, 9);
    const summary = `pause cut ${m.pauseCutDb.toFixed(1)} dB, speech ${m.speechChangeDb.toFixed(2)} dB, lag ${m.lag}, speech/pause contrast ${m.contrastDb.toFixed(1)} dB`;
    console.log(`measured: ${summary}`);
    test.info().annotations.push({ type: 'measured', description: summary });
    expect(m.contrastDb).toBeGreaterThan(6);
    expect(m.pauseCutDb).toBeGreaterThanOrEqual(pauseCutFloorDb('room')); // reason: tools/testing/pause-cut.ts
    expect(Math.abs(m.speechChangeDb)).toBeLessThanOrEqual(3);
    expect(Math.abs(m.lag - 928)).toBeLessThanOrEqual(2);
  });

  test('a server-pushed token refresh reaches the worklet: its token id changes to the new token', async ({ server, openPage }) => {
    const { b } = await pair({ server, openPage }, 'nc-e2e-refresh');
    await waitStats(b, [
      ['credentialState', '=', 'valid'],
      ['token.identity', '=', 'bob'],
    ]);
    const before = (await b.evaluate(() => window.nc.stats()))!.token!.id;
    const fresh = await server.refreshToken('bob', 'nc-e2e-refresh');
    const expected = tokenHash(fresh);
    expect(expected).not.toBe(before);
    await waitStats(b, [
      ['token.id', '=', expected],
      ['credentialState', '=', 'valid'],
    ]);
    const stats = (await b.evaluate(() => window.nc.stats()))!;
    expect(stats.token?.identity).toBe('bob');
    expect(stats.token?.room).toBe('nc-e2e-refresh');
    expect(JSON.stringify(stats)).not.toContain(fresh);
  });

  test('the publisher leaving clears stream info and credentials; rejoining re-pushes the NEW publication SID', async ({
    server,
    openPage,
  }) => {
    const { a, b, sid } = await pair({ server, openPage }, 'nc-e2e-rejoin', { autoClose: false });
    await waitStats(b, [
      ['publicationSid', '=', sid],
      ['credentialState', '=', 'valid'],
    ]);
    await a.evaluate(() => window.nc.leave());
    await waitStats(b, [
      ['streamInfo', '=', null],
      ['credentialState', '=', 'none'],
    ]);
    const a2 = await openPage(PAGE);
    await joinAs(server, a2, 'nc-e2e-rejoin', 'alice');
    const sid2 = await a2.evaluate(() => window.nc.publishMic());
    expect(sid2).not.toBe(sid);
    await waitStats(b, [
      ['publicationSid', '=', sid2],
      ['credentialState', '=', 'valid'],
    ]);
    const stats = (await b.evaluate(() => window.nc.stats()))!;
    expect(stats.streamInfo).toEqual({ roomName: 'nc-e2e-rejoin', participantIdentity: 'alice', publicationSid: sid2 });
    expect((await b.evaluate(() => window.nc.processor())).closed).toBe(false);
  });

  test('a full reconnect forced by the server: audio flows again through the same processor, metadata re-pushed, nothing left behind', async ({
    server,
    openPage,
  }) => {
    const { b, sid } = await pair({ server, openPage }, 'nc-e2e-reconnect', { autoClose: false });
    await waitStats(b, [
      ['publicationSid', '=', sid],
      ['framesProcessed', '>', 100],
    ]);
    const listenersBefore = await b.evaluate(() => window.nc.listenerCounts());
    server.dropSignal('bob', 'nc-e2e-reconnect');
    await b.waitForFunction(() => window.nc.lifecycle().includes('reconnected'), undefined, { timeout: 30_000 });
    // After the rejoin the stream is re-pushed (with the SID the server now reports) and frames flow.
    await waitStats(b, [
      ['streamInfo.participantIdentity', '=', 'alice'],
      ['credentialState', '=', 'valid'],
    ]);
    const framesAfter = (await b.evaluate(() => window.nc.stats()))!.framesProcessed;
    await waitStats(b, [['framesProcessed', '>', framesAfter + 100]]);
    const m = await measure(b, 3.6);
    expect(m.outRms).toBeGreaterThan(0.001);
    expect(await b.evaluate(() => window.nc.listenerCounts())).toEqual(listenersBefore);
    expect(await b.evaluate(() => window.nc.processor())).toEqual({ closed: false, closedEvents: 0, hasInput: true });
    const reSid = await b.evaluate(() => window.nc.currentSid());
    expect((await b.evaluate(() => window.nc.stats()))!.publicationSid).toBe(reSid);
  });

  test('autoClose=false reuses the processor for the republished track', async ({ server, openPage }) => {
    const { a, b, sid } = await pair({ server, openPage }, 'nc-e2e-reuse', { autoClose: false });
    await waitStats(b, [['publicationSid', '=', sid]]);
    await a.evaluate(() => window.nc.unpublishMic());
    await waitStats(b, [['streamInfo', '=', null]]);
    const sid2 = await a.evaluate(() => window.nc.publishMic());
    await waitStats(b, [['publicationSid', '=', sid2]]);
    const frames = (await b.evaluate(() => window.nc.stats()))!.framesProcessed;
    await waitStats(b, [['framesProcessed', '>', frames + 100]]);
    expect(await b.evaluate(() => window.nc.processor())).toEqual({ closed: false, closedEvents: 0, hasInput: true });
  });

  test('autoClose=true frees the processor when its track is unpublished: the worklet confirms it closed', async ({ server, openPage }) => {
    const { a, b, sid } = await pair({ server, openPage }, 'nc-e2e-free', { autoClose: true, mode: 'track' });
    await waitStats(b, [['publicationSid', '=', sid]]);
    await a.evaluate(() => window.nc.unpublishMic());
    await b.waitForFunction(() => window.nc.processor().closedEvents === 1);
    expect(await b.evaluate(() => window.nc.processor())).toEqual({ closed: true, closedEvents: 1, hasInput: false });
    expect(await b.evaluate(() => window.nc.lifecycle())).toContain('ended track-unsubscribed');
  });

  test('works as a RemoteAudioTrack Web Audio plugin in a webAudioMix room, with the binding pushing only metadata', async ({
    server,
    openPage,
  }) => {
    const a = await openPage(PAGE);
    const b = await openPage(PAGE);
    await joinAs(server, a, 'nc-e2e-plugin', 'alice');
    const sid = await a.evaluate(() => window.nc.publishMic());
    await joinAs(server, b, 'nc-e2e-plugin', 'bob', 600, true);
    await b.waitForFunction(() => window.nc.lifecycle().some((l) => l.startsWith('subscribed alice')));
    await b.evaluate(() => window.nc.startNc({ identity: 'alice', asPlugin: true, mode: 'track' }));
    // Speech reaching the engine through livekit-client's own graph shows up as voice activity.
    await waitStats(b, [
      ['publicationSid', '=', sid],
      ['credentialState', '=', 'valid'],
      ['framesProcessed', '>', 200],
      ['vad', '>', 0.5],
    ]);
    expect((await b.evaluate(() => window.nc.processor())).hasInput).toBe(false);
  });

  test('requireCredentials: passes through until credentials arrive, denoises while valid, passes through after an unrefreshed expiry, never silent', async ({
    server,
    openPage,
  }) => {
    const a = await openPage(PAGE);
    const b = await openPage(PAGE);
    await joinAs(server, a, 'nc-e2e-require', 'alice');
    await a.evaluate(() => window.nc.publishMic());
    // B's token expires in 40 s and the server pushes no refresh.
    await joinAs(server, b, 'nc-e2e-require', 'bob', 40);
    await b.waitForFunction(() => window.nc.lifecycle().some((l) => l.startsWith('subscribed alice')));
    await b.evaluate(() => window.nc.startNc({ identity: 'alice', requireCredentials: true, deferBinding: true }));
    await waitStats(b, [
      ['framesProcessed', '=', 0],
      ['bypass', '=', 'credentials'],
      ['credentialState', '=', 'none'],
    ]);
    const before = await measure(b, 3.6);
    expect(before.contrastDb).toBeGreaterThan(6);
    expect(Math.abs(before.pauseCutDb)).toBeLessThan(3);
    expect(before.outRms).toBeGreaterThan(0.001);

    await b.evaluate(() => window.nc.bind());
    await waitStats(b, [
      ['credentialState', '=', 'valid'],
      ['bypass', '=', null],
      ['framesProcessed', '>', 300],
    ]);
    const during = await measure(b, 3.6);
    expect(during.contrastDb).toBeGreaterThan(6);
    // The window must have fallen inside the token's lifetime for this to mean anything.
    expect((await b.evaluate(() => window.nc.stats()))!.credentialState).toBe('valid');
    expect(during.pauseCutDb).toBeGreaterThan(pauseCutFloorDb('roomShortWindow')); // reason: tools/testing/pause-cut.ts

    await waitStats(
      b,
      [
        ['credentialState', '=', 'expired'],
        ['bypass', '=', 'credentials'],
      ],
      60_000,
    );
    const after = await measure(b, 3.6);
    expect(after.contrastDb).toBeGreaterThan(6);
    expect(Math.abs(after.pauseCutDb)).toBeLessThan(3);
    expect(after.outRms).toBeGreaterThan(0.001);
    // The bypass reasons went credentials → none → credentials, and never another way.
    const reasons = await b.evaluate(() => window.nc.statsLog().map((s) => s.bypass));
    const changes = reasons.filter((r, i) => i === 0 || r !== reasons[i - 1]);
    expect(changes).toEqual(['credentials', null, 'credentials']);
  });
});
