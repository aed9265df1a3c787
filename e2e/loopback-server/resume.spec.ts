// Resume (reconnect=1) against the loopback server: a dropped signal connection is taken over by
// the client's resume. livekit-client 2.23 reports a resume as RoomEvent.SignalReconnecting then
// Reconnected (RoomEvent.Reconnecting marks a full restart, so it must not appear), keeps its
// participant and track SIDs, and media never stops.
import { test, expect } from '../support/fixtures';
import { CHROMIUM_PATH, chromiumArgs } from '../../tools/testing/chromium';
import { startServer, type LoopbackServer } from '../../tools/loopback-server/server';
import { countEvents, expectHears, joinRoom, openHarness, waitForEvent, writeToneWav } from './helpers';

const wav = writeToneWav();
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wav.path) } });

// Two joins, two level checks and a resume: on a loaded 2-core machine joins alone take 10 s.
test.describe.configure({ timeout: 120_000 });

let server: LoopbackServer;
const lines: string[] = [];
test.beforeAll(async () => {
  server = await startServer({ port: 0, log: (l) => lines.push(l) });
});
test.afterAll(async () => {
  if (process.env.LK_SERVER_LOG === '1') console.log(lines.join('\n'));
  await server?.stop();
});
test.afterEach(async () => {
  await expect.poll(() => server.stats(), { timeout: 15_000 }).toMatchObject({ participants: 0, peerConnections: 0, sockets: 0 });
});

const sidsIn = (room: string): Record<string, { sid: string; tracks: string[] }> =>
  Object.fromEntries(
    (server.listRooms().find((r) => r.name === room)?.participants ?? []).map((p) => [
      p.identity,
      { sid: p.sid, tracks: p.tracks.map((t) => t.sid) },
    ]),
  );

for (const singlePeerConnection of [true, false]) {
  const path = singlePeerConnection ? '/rtc/v1' : '/rtc';
  const label = singlePeerConnection ? 'v1' : 'v0';

  for (const dropped of ['bob', 'alice'] as const) {
    const role = dropped === 'bob' ? 'subscriber' : 'publisher';
    test(`a ${role} whose signal connection drops resumes over ${path}: same SIDs, no unpublish, audio continues`, async ({ context }) => {
      const room = `resume-${label}-${role}`;
      const a = await openHarness(context);
      const b = await openHarness(context);
      await joinRoom(a, server, room, 'alice', { singlePeerConnection });
      await joinRoom(b, server, room, 'bob', { singlePeerConnection });
      const trackSid = await a.evaluate(() => window.roomHarness.publishMic());
      await waitForEvent(b, 'trackSubscribed', { identity: 'alice', trackSid, remoteAudio: true });
      await expectHears(b, 'alice', wav);
      const before = sidsIn(room);
      expect(before.alice?.tracks).toEqual([trackSid]);

      const page = dropped === 'bob' ? b : a;
      server.dropSignal(dropped, room, 'resume');
      await waitForEvent(page, 'signalReconnecting');
      await waitForEvent(page, 'reconnected');
      expect(lines.some((l) => l.includes(`participant ${dropped} resumed in room ${room}`))).toBe(true);

      // A resume is not a rejoin: no full-restart event, nobody left, nothing unpublished.
      expect(await countEvents(page, 'reconnecting')).toBe(0);
      for (const p of [a, b]) {
        expect(await countEvents(p, 'participantDisconnected')).toBe(0);
        expect(await countEvents(p, 'trackUnsubscribed')).toBe(0);
      }
      expect(await countEvents(b, 'trackSubscribed', { identity: 'alice' })).toBe(1);
      expect(sidsIn(room)).toEqual(before);
      // The tone keeps its level (1 dB, as in audio.spec) at the subscriber after the resume.
      await expectHears(b, 'alice', wav);
      await a.close();
      await b.close();
    });
  }
}

test('with resume disabled (resumeWindowSeconds: 0) a dropped signal connection becomes a full rejoin with a new participant SID', async ({
  context,
}) => {
  const noResume = await startServer({ port: 0, resumeWindowSeconds: 0, log: (l) => lines.push(l) });
  try {
    const a = await openHarness(context);
    const b = await openHarness(context);
    await joinRoom(a, noResume, 'no-resume', 'alice');
    const first = await joinRoom(b, noResume, 'no-resume', 'bob');
    await a.evaluate(() => window.roomHarness.publishMic());
    await waitForEvent(b, 'trackSubscribed', { identity: 'alice', remoteAudio: true });
    expect(() => noResume.dropSignal('bob', 'no-resume', 'resume')).toThrow(/resume is disabled/);
    noResume.dropSignal('bob', 'no-resume');
    await waitForEvent(b, 'reconnecting');
    await waitForEvent(b, 'reconnected');
    expect(await countEvents(b, 'signalReconnecting'), 'the client was told resume is disabled and never tries it').toBe(0);
    await expect.poll(() => countEvents(b, 'trackSubscribed', { identity: 'alice' })).toBe(2);
    const bob = noResume
      .listRooms()
      .find((r) => r.name === 'no-resume')
      ?.participants.find((p) => p.identity === 'bob');
    expect(bob?.sid).not.toBe(first.sid);
    await expectHears(b, 'alice', wav);
    await a.close();
    await b.close();
    await expect.poll(() => noResume.stats(), { timeout: 15_000 }).toMatchObject({ participants: 0, peerConnections: 0 });
  } finally {
    await noResume.stop();
  }
});
