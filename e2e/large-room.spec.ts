// A large room as a listener hears it (issue 13): 8 participants through the embedded loopback
// server into one Chromium page, which binds every remote microphone to its own
// NoiseCancellation (TrackBinding.attach) in one AudioContext. Two talk (speech in noise at
// 10 dB SNR); six are silent: two send no audio at all, two digital silence, one −70 dBFS
// DTX-like noise, and one the same DTX-like noise until it starts talking. Later the browser
// talker mutes (the unsubscribe check is fixme: see its note). One room for every check, in order.
//
// Publishers: seven are @livekit/rtc-node clients in this test process (native Opus encoders fed
// 10 ms frames: a few % of a core for all seven, where seven livekit-client Rooms would each
// need a browser media pipeline, and the signal can be switched at a known frame); the talker
// who mutes is a livekit-client Room in a second page (rtc-node 1.1.0 has no mute), publishing
// Chromium's fake microphone.
import { expect, test, type BrowserContext, type Page } from './support/room-fixtures';
import { measureRecording } from './support/room-checks';
import { writeFakeMicWav } from './support/fake-mic';
import { loadExcerpt, makeNoisySpeech } from '../tools/testing/signals';
import { onsetLoss, quietTrack } from '../tools/testing/turns';
import { siSdr } from '../tools/testing/metrics';
import { FRAME, xcorrLag } from '../tools/testing/measure';
import { fromBase64 } from '../tools/testing/base64';
import { pauseCutFloorDb } from '../tools/testing/pause-cut';
import { RATE, type RtcNodePublisher } from '../tools/loopback-server/rtc-node-peer';
import { CHROMIUM_PATH, chromiumArgs } from '../tools/testing/chromium';
import type { ProcessorStats } from '../src/index';

const ROOM = 'large-room';
const TALKER_A = 'talker-a';
const TALKER_B = 'talker-b';
const NO_AUDIO = ['no-audio-1', 'no-audio-2'] as const;
const ZEROS = ['zeros-1', 'zeros-2'] as const;
const DTX = 'dtx';
const LATE = 'late-talker';
const ALL = [TALKER_A, TALKER_B, ...NO_AUDIO, ...ZEROS, DTX, LATE];
const SILENT = [...NO_AUDIO, ...ZEROS, DTX, LATE];
const TALKERS = [TALKER_A, TALKER_B];

const excerpt = loadExcerpt(RATE);
// The talkers: the fixture of nc-room.spec (speech turns of 2.5 s, 0.5 s pauses, looped).
const talkerA = makeNoisySpeech({ seed: 4242, noise: 'pink', snrDb: 10, seconds: 6, speech: excerpt.subarray(0, 120_000) });
const talkerB = makeNoisySpeech({ seed: 77, noise: 'white', snrDb: 10, seconds: 6, speech: excerpt.subarray(0, 120_000) });
// What the DTX-like participants send while silent: the comfort-noise level of turns.ts (−70 dBFS,
// 10 dB below the gate's threshold), looped.
const dtxNoise = quietTrack('dtx', 6 * RATE, 11, -70);

/**
 * The late talker's turns: three of 1.5 s every 2.5 s, on its DTX-like noise. Each turn starts
 * with the excerpt's first syllable (from the 10 ms frame before the first one within 15 dB of
 * the excerpt's level) and its room noise (pink, 10 dB SNR) at once, as a muted microphone that
 * opens mid-word would send; so the first 100 ms after each start hold speech.
 */
function lateTalkerTurns() {
  const level = excerpt.reduce((s, v) => s + v * v, 0) / excerpt.length;
  const frameLevel = (f: number) => excerpt.subarray(f * FRAME, (f + 1) * FRAME).reduce((s, v) => s + v * v, 0) / FRAME;
  let first = 0;
  while (frameLevel(first) < level / 10 ** 1.5) first++;
  const speech = excerpt.subarray(Math.max(0, first - 1) * FRAME, Math.max(0, first - 1) * FRAME + 1.5 * RATE);
  const turn = 2.5 * RATE;
  const mixture = quietTrack('dtx', 3 * turn, 13, -70);
  const clean = new Float32Array(mixture.length);
  const onsets = [0, turn, 2 * turn];
  onsets.forEach((at, k) => {
    const item = makeNoisySpeech({ seed: 900 + k, noise: 'pink', snrDb: 10, speech, gapSeconds: 0, seconds: 1.5 });
    mixture.set(item.mixture, at);
    clean.set(item.speech, at);
  });
  return { mixture, clean, onsets };
}
const late = lateTalkerTurns();

/**
 * Where each of the late talker's turns starts in its received audio: the first 10 ms frame
 * above −50 dBFS (well under the turn’s noise, about −30 dBFS; 20 dB above the DTX-like noise), searched from the
 * end of the turn before (the jitter buffer shortens the quiet spells between turns as it drains
 * the delay it built up: 1.9 s instead of 2.5 s, seen on a loaded machine), then refined by
 * cross-correlating the `n` samples there with what was sent, ±50 ms.
 */
function findTurns(raw: Float32Array, n: number): { starts: number[]; corr: number[] } {
  const frameDb = (f: number) => 10 * Math.log10(raw.subarray(f * FRAME, (f + 1) * FRAME).reduce((s, v) => s + v * v, 0) / FRAME);
  const frames = Math.floor(raw.length / FRAME);
  const slack = 0.05 * RATE;
  const starts: number[] = [];
  const corr: number[] = [];
  let f = 0;
  for (const sent of late.onsets) {
    while (f < frames && !(frameDb(f) > -50)) f++;
    if (f === frames)
      throw new Error(
        `the late talker's turn ${starts.length + 1} did not arrive: no 10 ms frame above −50 dBFS after ${(f * FRAME) / RATE} s`,
      );
    const from = Math.max(0, f * FRAME - slack);
    // xcorrLag reads maxLag samples past the span in both signals.
    const best = xcorrLag(late.mixture.subarray(sent, sent + n + 2 * slack), raw.subarray(from), 2 * slack, n);
    starts.push(from + best.lag);
    corr.push(best.corr);
    // On past this turn (1.5 s of speech in noise) before looking for the next.
    f = Math.ceil((from + best.lag + 1.6 * RATE) / FRAME);
  }
  return { starts, corr };
}

test.use({
  launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(writeFakeMicWav('large-room-talker-b.wav', talkerB.mixture)) },
});

type StatsOf = Record<string, ProcessorStats | undefined>;

const publishers = new Map<string, RtcNodePublisher>();
const contexts: BrowserContext[] = [];
let listener: Page;
let speakerB: Page;
const t0 = Date.now();
const step = (what: string) => console.log(`[large-room] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const statsOf = (): Promise<StatsOf> => listener.evaluate(() => window.lr.stats());
/** A stats snapshot of every processor, with how many stats events each had sent by then. */
const snapshot = () =>
  listener.evaluate(
    (ids) => ({ stats: window.lr.stats(), events: Object.fromEntries(ids.map((id) => [id, window.lr.statsEvents(id)])) }),
    ALL,
  );
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/**
 * Waits, from snapshot `from`, until each of `running` has run its engine for `frames` more
 * frames and each of `watched` has sent two more stats events (so its figures are fresh, not the
 * ones it sent before the window), then returns the snapshot at the end of that window.
 */
async function engineWindow(from: Snapshot, running: string[], watched: string[], frames = 100): Promise<Snapshot> {
  await listener.waitForFunction(
    ({ from, running, watched, frames }) =>
      running.every((id) => (window.lr.stats()[id]?.engineFrames ?? 0) >= (from.stats[id]?.engineFrames ?? Infinity) + frames) &&
      watched.every((id) => window.lr.statsEvents(id) >= (from.events[id] ?? Infinity) + 2),
    { from, running, watched, frames },
    { timeout: 30_000 },
  );
  return snapshot();
}

/** What the listener saw, for a failure message: its room events, bindings and each processor's state. */
async function listenerState(): Promise<string> {
  const { events, bindings, stats } = await listener.evaluate(() => ({
    events: window.lr.events(),
    bindings: window.lr.bindings(),
    stats: window.lr.stats(),
  }));
  const states = Object.entries(stats).map(([id, s]) => `${id} ${gatedWhy(s)} engineFrames ${s?.engineFrames}`);
  return `events: ${events.join(', ')}; bindings: ${JSON.stringify(bindings)}; ${states.join('; ')}`;
}

/** Runs a wait on the listener; a timeout says what the listener saw. */
async function explained(what: string, wait: () => Promise<unknown>): Promise<void> {
  try {
    await wait();
  } catch (error) {
    throw new Error(`${what}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}; ${await listenerState()}`);
  }
}

const gatedWhy = (s: ProcessorStats | undefined) => (s?.activity.state === 'gated' ? s.activity.reason : s?.activity.state);

test.describe.configure({ mode: 'serial', timeout: 90_000 });

test.beforeAll(async ({ browser, server, rtcNode }) => {
  test.setTimeout(180_000);
  const { publishWithRtcNode } = await rtcNode();
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
  const signals: [string, Float32Array | null][] = [
    [TALKER_A, talkerA.mixture],
    ...NO_AUDIO.map((id): [string, null] => [id, null]),
    ...ZEROS.map((id): [string, Float32Array] => [id, new Float32Array(RATE)]),
    [DTX, dtxNoise],
    [LATE, quietTrack('dtx', 6 * RATE, 12, -70)],
  ];
  // One after another: seven joining at once timed out rtc-node's signal connection on a loaded machine.
  for (const [id, x] of signals) {
    publishers.set(id, await publishWithRtcNode(server.url, await server.mintToken({ room: ROOM, identity: id }), x, Infinity));
  }
  step('7 rtc-node publishers in');
  // The always-on reference for the late talker's onsets: an ungated processor on its track,
  // running from now on, as an engine without gating would have.
  await listener.waitForFunction((id) => window.lr.events().includes(`subscribed ${id}`), LATE, { timeout: 60_000 });
  await listener.evaluate((id) => window.lr.addReference(id), LATE);
});

test.afterAll(async () => {
  await Promise.all([...publishers.values()].map((p) => p.stop()));
  publishers.clear();
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

test('every one of the 8 remote microphones is bound: a processor per track, told its own stream info', async ({ server }) => {
  // Stats carry the stream info TrackBinding pushed: a track left unbound never reports.
  await listener.waitForFunction(
    (ids) => {
      const s = window.lr.stats();
      return ids.every((id) => s[id]?.streamInfo?.participantIdentity === id && window.lr.statsEvents(id) >= 3);
    },
    ALL,
    { timeout: 60_000 },
  );
  step('all bound');
  const stats = await statsOf();
  expect(Object.keys(stats).sort()).toEqual([...ALL].sort());
  // A reconnect on a loaded machine delivers each track again: the same processor follows it.
  const events = await listener.evaluate(() => window.lr.events());
  const again = events.filter((e) => !e.startsWith('subscribed') || events.indexOf(e) !== events.lastIndexOf(e));
  if (again.length > 0) console.log(`[large-room] listener room events besides one subscription each: ${[...new Set(again)].join(', ')}`);
  for (const id of ALL) expect(events, id).toContain(`subscribed ${id}`);
  // The server's view of each publication: each processor was told its own track's SID (after a
  // publisher's reconnect, its new one: polled until the two agree).
  const told = async () => {
    const published = new Map(server.listRooms().flatMap((r) => r.participants.map((p) => [p.identity, p.tracks[0]?.sid] as const)));
    const now = await statsOf();
    return Object.fromEntries(ALL.map((id) => [id, now[id]!.streamInfo?.publicationSid === published.get(id) && !!published.get(id)]));
  };
  await expect.poll(told, { timeout: 30_000 }).toEqual(Object.fromEntries(ALL.map((id) => [id, true])));
  const after = await statsOf();
  for (const id of ALL) {
    expect(after[id]!.streamInfo, id).toMatchObject({ roomName: ROOM, participantIdentity: id });
    expect(after[id]!.engine, id).not.toBeNull();
    expect(after[id]!.bypass, id).toBeNull();
  }
});

test('the six silent participants are gated and run no engine frame, while both talkers run theirs', async () => {
  // No audio at all and digital silence are zero input; the DTX-like noise sits 10 dB below
  // the gate's −60 dBFS threshold. The gate closes after 300 ms of quiet input.
  await listener.waitForFunction((ids) => ids.every((id) => window.lr.stats()[id]?.activity.state === 'gated'), SILENT, {
    timeout: 20_000,
  });
  const before = await snapshot();
  const after = await engineWindow(before, TALKERS, SILENT);
  step('silent gated');
  const summary = SILENT.map(
    (id) => `${id} ${gatedWhy(after.stats[id])} (frames ${before.stats[id]!.framesProcessed}→${after.stats[id]!.framesProcessed})`,
  ).join(', ');
  console.log(`[large-room] ${summary}`);
  test.info().annotations.push({ type: 'measured', description: summary });
  for (const id of SILENT) {
    expect(after.stats[id]!.activity.state, id).toBe('gated');
    expect(after.stats[id]!.engineFrames, id).toBe(before.stats[id]!.engineFrames);
  }
  for (const id of [...NO_AUDIO, ...ZEROS]) expect(after.stats[id]!.activity.reason, id).toBe('digital-silence');
  for (const id of TALKERS) expect(after.stats[id]!.activity.state, id).toBe('active');
});

test(`both talkers are denoised: ≥ ${pauseCutFloorDb('room')} dB less noise in their pauses, speech within 3 dB`, async () => {
  // RNNoise learns the noise over its first second; both talkers have run for longer by now.
  await listener.evaluate((ids) => window.lr.startRecording(ids, 9), TALKERS);
  const rec = await listener.evaluate(() => window.lr.finishRecording());
  step('talkers recorded');
  for (const id of TALKERS) {
    const m = measureRecording(fromBase64(rec[`${id}:raw`]!), fromBase64(rec[`${id}:out`]!));
    const summary = `${id}: pause cut ${m.pauseCutDb.toFixed(1)} dB, speech ${m.speechChangeDb.toFixed(2)} dB, lag ${m.lag}, contrast ${m.contrastDb.toFixed(1)} dB, dropouts ${(m.dropoutFraction * 100).toFixed(1)}%`;
    console.log(`[large-room] ${summary}`);
    test.info().annotations.push({ type: 'measured', description: summary });
    expect(m.contrastDb, `${id}: the input must hold speech and pauses`).toBeGreaterThan(6);
    // A pass-through scores 0 dB; the floor is the real-room one (tools/testing/pause-cut.ts).
    expect(m.pauseCutDb, id).toBeGreaterThanOrEqual(pauseCutFloorDb('room'));
    expect(Math.abs(m.speechChangeDb), id).toBeLessThanOrEqual(3);
  }
});

// fixme: in the final CI run of 2026-12-02 (this spec beside the second Playwright run) the turn
// finder placed the late talker's 2nd and 3rd turns wrongly (correlation −0.01 and 0.28, bound
// 0.8), and the check failed on that guard, not on the onset; it passed in the run before (0.97,
// 0.96, 0.96; pooled +6.18 dB). Until the finder is robust to what the network does to the turns'
// timing, the onset bound is held by the Node test (worklets/dsp/activity.test.ts).
test.fixme('a silent participant who starts talking is denoised from the first syllable: the first 100 ms of each turn within 1 dB SI-SDR of an always-on engine', async () => {
  const before = await statsOf();
  console.log(
    `[large-room] before the turns: late talker ${gatedWhy(before[LATE])}, ${JSON.stringify((await listener.evaluate(() => window.lr.bindings()))[LATE])}; events ${(await listener.evaluate(() => window.lr.events())).join(', ')}`,
  );
  expect(before[LATE]!.activity.state).toBe('gated');
  const latency = await listener.evaluate((id) => window.lr.latency(id), LATE);
  // 0.6 s before the first turn (onsetLoss leaves out onsets in the first 0.5 s), then the
  // 6.5 s of turns, and 2.4 s for the way through the network and the jitter buffer.
  await listener.evaluate((id) => window.lr.startRecording([id], 9.5, id), LATE);
  await listener.waitForFunction(() => window.lr.recorded() >= 0.6);
  void publishers.get(LATE)!.play(late.mixture, 1);
  const rec = await listener.evaluate(() => window.lr.finishRecording());
  step('late talker recorded');
  const raw = fromBase64(rec[`${LATE}:raw`]!);
  const out = fromBase64(rec[`${LATE}:out`]!);
  const ref = fromBase64(rec[`${LATE}:ref`]!);

  const n = 0.1 * RATE;
  const { starts, corr: found } = findTurns(raw, n);
  // Each window's clean speech, placed where that turn arrived.
  const arrived = starts.filter((s) => s + n + latency <= raw.length).length;
  if (arrived < starts.length) throw new Error(`only ${arrived} of the late talker's ${starts.length} turns arrived within the recording`);
  const clean = new Float32Array(raw.length);
  late.onsets.forEach((sent, k) => clean.set(late.clean.subarray(sent, sent + n), starts[k]!));
  const rawSdr = starts.map((s) => siSdr(clean.subarray(s, s + n), raw.subarray(s, s + n)));
  const loss = onsetLoss(clean, ref, out, starts, latency);
  const after = await statsOf();
  const summary = `late talker onsets at ${starts.map((s) => (s / RATE).toFixed(2)).join(', ')} s (corr ${found.map((c) => c.toFixed(2)).join(', ')}; raw SI-SDR ${rawSdr.map((d) => d.toFixed(1)).join(', ')} dB): on−off SI-SDR ${loss.deltas.map((d) => d.toFixed(2)).join(', ')} dB, pooled ${loss.pooled.toFixed(2)} dB, level ${loss.levelDb.toFixed(2)} dB`;
  console.log(`[large-room] ${summary}`);
  test.info().annotations.push({ type: 'measured', description: summary });
  // Every turn was found: correlation 0.8 is a waveform SNR of 4.4 dB, and Opus codes speech in
  // noise at 10 dB or better (rtc-node.test.ts); a window in the wrong place scores near 0. And
  // the clean speech placed there must explain the received window: it holds speech at 10 dB
  // SNR, 7–8 dB SI-SDR over the first 100 ms when sent, where a misplaced one scores below 0.
  expect(loss.deltas).toHaveLength(late.onsets.length);
  for (const c of found) expect(c).toBeGreaterThan(0.8);
  for (const d of rawSdr) expect(d).toBeGreaterThan(3);
  // Bound, as worklets/dsp/activity.test.ts: 1 dB on the onset windows joined, because 100 ms
  // windows move with the engine's state alone by about that much. Offline (Node, no Opus) these
  // turns score +0.8 dB; a gate that wakes 50 ms late scores −1.3 dB, one that stays closed
  // passes the onset on the held gain and loses far more. SI-SDR ignores scale, so the level too:
  // within 3 dB (half the energy) of always-on.
  expect(loss.pooled).toBeGreaterThan(-1);
  expect(loss.levelDb).toBeGreaterThan(-3);
  // The gate opened for the turns: the engine ran.
  expect(after[LATE]!.engineFrames).toBeGreaterThan(before[LATE]!.engineFrames + 100);
});

test('a muted publication costs nothing: its engine runs no frame while a talker runs its own', async () => {
  // The browser talker mutes while its engine runs: livekit-client disables the track (it sends
  // silence) and the server says TrackMuted.
  await explained('talker-b running its engine', () =>
    listener.waitForFunction((id) => window.lr.stats()[id]?.activity.state === 'active', TALKER_B, { timeout: 20_000 }),
  );
  const running = await snapshot();
  await speakerB.evaluate(() => window.lr.muteMic());
  await explained('TrackMuted, and the muted track gated', () =>
    listener.waitForFunction(
      (id) => window.lr.events().includes(`muted ${id}`) && window.lr.stats()[id]?.activity.state === 'gated',
      TALKER_B,
      { timeout: 20_000 },
    ),
  );
  const before = await snapshot();
  const after = await engineWindow(before, [TALKER_A], [TALKER_B]);
  step('muted');
  const summary = `muted ${TALKER_B}: ${gatedWhy(after.stats[TALKER_B])}, engine frames ${running.stats[TALKER_B]!.engineFrames}→${before.stats[TALKER_B]!.engineFrames}→${after.stats[TALKER_B]!.engineFrames}; ${TALKER_A} ${before.stats[TALKER_A]!.engineFrames}→${after.stats[TALKER_A]!.engineFrames}`;
  console.log(`[large-room] ${summary}`);
  test.info().annotations.push({ type: 'measured', description: summary });
  // The muted track still delivers (silent) audio, which the gate keeps from the engine.
  expect(after.stats[TALKER_B]!.activity.state).toBe('gated');
  expect(after.stats[TALKER_B]!.engineFrames).toBe(before.stats[TALKER_B]!.engineFrames);
  expect(after.stats[TALKER_B]!.framesProcessed).toBeGreaterThan(before.stats[TALKER_B]!.framesProcessed);
});

// Not yet: after RemoteTrackPublication.setSubscribed(false) the listener saw no TrackUnsubscribed
// within 20 s from the loopback server (its binding never ended; seen once, 07:08 UTC, not yet
// looked into). The page's unsubscribe() and bindings() are in place for it.
test.fixme('an unsubscribed track costs nothing: its binding ends, its kept processor has no input and runs no frame', () => {});
