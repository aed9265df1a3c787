// A large room as a listener hears it: 8 participants through the embedded loopback server into
// one Chromium page, which binds every remote microphone to its own NoiseCancellation
// (TrackBinding.attach) in one AudioContext. Two talk (speech in noise at 10 dB SNR), six are
// silent: four send digital silence, one −70 dBFS DTX-like noise, and one sends digital silence
// until it starts talking. One talker mutes mid-test, and the listener unsubscribes one track.
//
// Publishers: seven are @livekit/rtc-node clients in this test process (native Opus encoders fed
// 10 ms frames: a few % of a core for all seven, where seven livekit-client Rooms would each
// need a browser media pipeline, and a signal can be switched at a known sample); the talker who
// mutes is a livekit-client Room in a second page (rtc-node 1.1.0 has no mute), publishing
// Chromium's fake microphone.
//
// WORK IN PROGRESS (helper A2, not in npm test yet): never passed on the shared 2-core machine at
// load average 30-40 (peer connections failed or dropped during setup). The mute, onset and
// unsubscribe tests of issue 13 are not written yet.
import { dispose } from '@livekit/rtc-node';
import { AudioFrame, AudioSource, LocalAudioTrack, Room, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import { expect, test, type BrowserContext, type Page } from './support/fixtures';
import { measureRecording } from './support/room-checks';
import { writeFakeMicWav } from './support/fake-mic';
import { loadExcerpt, makeNoisySpeech } from '../tools/testing/signals';
import { quietTrack } from '../tools/testing/turns';
import { FRAME } from '../tools/testing/measure';
import { fromBase64 } from '../tools/testing/base64';
import { pauseCutFloorDb } from '../tools/testing/pause-cut';
import { startServer, type LoopbackServer } from '../tools/loopback-server/server';
import { RATE, toInt16 } from '../tools/loopback-server/rtc-node-peer';
import { CHROMIUM_PATH, chromiumArgs } from '../tools/testing/chromium';
import type { ProcessorStats } from '../src/index';

const ROOM = 'large-room';
const excerpt = loadExcerpt(RATE).subarray(0, 120_000);
// The talkers: the fixture of nc-room.spec (speech turns of 2.5 s, 0.5 s pauses, looped).
const talkerA = makeNoisySpeech({ seed: 4242, noise: 'pink', snrDb: 10, seconds: 6, speech: excerpt });
const talkerB = makeNoisySpeech({ seed: 77, noise: 'white', snrDb: 10, seconds: 6, speech: excerpt });
const SILENT = ['silent-1', 'silent-2', 'silent-3', 'silent-4'] as const;
const DTX = 'dtx';
const LATE = 'late-talker';
const TALKER_A = 'talker-a';
const TALKER_B = 'talker-b';
const ALL = [TALKER_A, TALKER_B, ...SILENT, DTX, LATE];

test.use({
  launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(writeFakeMicWav('large-room-talker-b.wav', talkerB.mixture)) },
});

/**
 * An rtc-node publisher whose signal can be switched: it plays `signal` from its start (looped,
 * or once then digital silence). With no signal it captures nothing, so no packet is sent: what
 * a muted microphone or Opus DTX on silence sends, and what costs this machine least.
 */
interface Publisher {
  trackSid: string;
  play(signal: Float32Array, loop: boolean): void;
  stop(): Promise<void>;
}

async function publish(server: LoopbackServer, identity: string, signal: Float32Array | null): Promise<Publisher> {
  const room = new Room();
  await room.connect(server.url, await server.mintToken({ room: ROOM, identity }), { autoSubscribe: false, dynacast: false });
  const source = new AudioSource(RATE, 1);
  const track = LocalAudioTrack.createAudioTrack('mic', source);
  const publication = await room.localParticipant!.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  let current = { signal: signal ?? new Float32Array(0), loop: true, at: 0 };
  let stopped = false;
  let wake = (): void => undefined;
  const silence = new Int16Array(FRAME);
  const feeding = (async () => {
    while (!stopped) {
      const { signal: x, loop } = current;
      if (x.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (current.at + FRAME > x.length && loop) current.at = 0;
      const frame = current.at + FRAME <= x.length ? toInt16(x, current.at, FRAME) : silence;
      current.at += FRAME;
      // captureFrame waits while AudioSource's queue is full: this paces the feed in real time.
      await source.captureFrame(new AudioFrame(frame, RATE, 1, FRAME));
    }
  })();
  return {
    trackSid: publication.sid!,
    play: (x, loop) => {
      current = { signal: x, loop, at: 0 };
      wake();
    },
    stop: async () => {
      stopped = true;
      wake();
      await feeding.catch(() => undefined);
      await room.disconnect();
      await track.close();
    },
  };
}

let server: LoopbackServer;
const publishers = new Map<string, Publisher>();
const contexts: BrowserContext[] = [];
let listener: Page;
let speakerB: Page;

type StatsOf = Record<string, ProcessorStats | undefined>;
const statsOf = (): Promise<StatsOf> => listener.evaluate(() => window.lr.stats());

test.describe.configure({ mode: 'serial', timeout: 120_000 });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  server = await startServer({ port: 0, tokenRefreshIntervalMs: 0 });
  const signals: [string, Float32Array | null][] = [
    [TALKER_A, talkerA.mixture],
    ...SILENT.map((id): [string, null] => [id, null]),
    [DTX, quietTrack('dtx', 6 * RATE, 11, -70)],
    [LATE, null],
  ];
  const t0 = Date.now();
  const step = (what: string) => console.log(`[large-room] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const page = async (): Promise<Page> => {
    const context = await browser.newContext();
    contexts.push(context);
    const p = await context.newPage();
    await p.goto('/e2e/pages/large-room.html');
    await expect(p.locator('body')).toHaveAttribute('data-ready', 'true');
    return p;
  };
  // The listener first: each publisher then adds one track to its established connection.
  listener = await page();
  const token = await server.mintToken({ room: ROOM, identity: 'listener' });
  await listener.evaluate(({ url, token }) => window.lr.join(url, token), { url: server.url, token });
  step('listener joined');
  speakerB = await page();
  const tokenB = await server.mintToken({ room: ROOM, identity: TALKER_B });
  await speakerB.evaluate(({ url, token }) => window.lr.publishMic(url, token), { url: server.url, token: tokenB });
  step('talker-b publishing');
  for (const [id, x] of signals) publishers.set(id, await publish(server, id, x));
  step('7 rtc-node publishers in');
});

test.afterAll(async () => {
  await Promise.all([...publishers.values()].map((p) => p.stop()));
  publishers.clear();
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  await server?.stop();
  await dispose();
});

test('every one of the 8 remote microphones is bound: each processor reports stats for its own publication', async () => {
  // Stats carry the stream info TrackBinding pushed: a track left unbound never reports.
  await listener.waitForFunction(
    (ids) => {
      const s = window.lr.stats();
      return ids.every((id) => s[id]?.streamInfo?.participantIdentity === id && window.lr.statsEvents(id) >= 3);
    },
    ALL,
    { timeout: 90_000 },
  );
  const stats = await statsOf();
  expect(Object.keys(stats).sort()).toEqual([...ALL].sort());
  // The server's view of each publication (a publisher that had to republish has a new SID).
  const published = new Map(server.listRooms().flatMap((r) => r.participants.map((p) => [p.identity, p.tracks[0]?.sid] as const)));
  for (const id of ALL) {
    expect(stats[id]!.streamInfo, id).toEqual({ roomName: ROOM, participantIdentity: id, publicationSid: published.get(id) });
    expect(stats[id]!.engine, id).not.toBeNull();
  }
});

test('the six silent participants are gated (digital silence, and the DTX-like one below threshold) while both talkers run their engines', async () => {
  const gated = (s: StatsOf, id: string, reason: string) => s[id]?.activity.state === 'gated' && s[id]?.activity.reason === reason;
  await listener.waitForFunction(
    ({ silent, dtx }) => {
      const s = window.lr.stats();
      const is = (id: string, reason: string) => s[id]?.activity.state === 'gated' && s[id]?.activity.reason === reason;
      return silent.every((id) => is(id, 'digital-silence')) && is(dtx, 'below-threshold');
    },
    { silent: [...SILENT, LATE], dtx: DTX },
    { timeout: 90_000 },
  );
  const before = await statsOf();
  for (const id of [...SILENT, LATE]) expect(gated(before, id, 'digital-silence'), id).toBe(true);
  expect(gated(before, DTX, 'below-threshold')).toBe(true);
  // A gated engine runs no frame: one more second of audio through each pipeline, no engine frame.
  await listener.waitForFunction(
    ({ ids, was }) => ids.every((id) => (window.lr.stats()[id]?.framesProcessed ?? 0) > (was[id] ?? Infinity) + 100),
    { ids: [...SILENT, DTX, LATE], was: Object.fromEntries([...SILENT, DTX, LATE].map((id) => [id, before[id]!.framesProcessed])) },
  );
  const after = await statsOf();
  for (const id of [...SILENT, DTX, LATE]) {
    expect(after[id]!.engineFrames, id).toBe(before[id]!.engineFrames);
    expect(after[id]!.activity.state, id).toBe('gated');
  }
  for (const id of [TALKER_A, TALKER_B]) {
    expect(after[id]!.activity.state, id).toBe('active');
    expect(after[id]!.engineFrames, id).toBeGreaterThan(before[id]!.engineFrames);
  }
});

test(`both talkers are denoised: ≥ ${pauseCutFloorDb('room')} dB less noise in their pauses, speech within 3 dB`, async () => {
  // RNNoise learns the noise over its first second; both talkers have run for longer by now.
  const rec = await listener.evaluate((ids) => window.lr.record(ids, 9), [TALKER_A, TALKER_B]);
  for (const id of [TALKER_A, TALKER_B]) {
    const m = measureRecording(fromBase64(rec[`${id}:raw`]!), fromBase64(rec[`${id}:out`]!));
    const summary = `${id}: pause cut ${m.pauseCutDb.toFixed(1)} dB, speech ${m.speechChangeDb.toFixed(2)} dB, lag ${m.lag}, contrast ${m.contrastDb.toFixed(1)} dB, dropouts ${(m.dropoutFraction * 100).toFixed(1)}%`;
    console.log(summary);
    test.info().annotations.push({ type: 'measured', description: summary });
    expect(m.contrastDb, `${id}: the input must hold speech and pauses`).toBeGreaterThan(6);
    // A pass-through scores 0 dB; the floor is the real-room one (tools/testing/pause-cut.ts).
    expect(m.pauseCutDb, id).toBeGreaterThanOrEqual(pauseCutFloorDb('room'));
    expect(Math.abs(m.speechChangeDb), id).toBeLessThanOrEqual(3);
  }
});
