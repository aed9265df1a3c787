// Room lifecycle driven by the server: dropped signal, unpublish/republish, kick, mute, move.
import { test, expect } from '../support/fixtures';
import { CHROMIUM_PATH, chromiumArgs } from '../../tools/testing/chromium';
import { startServer, type LoopbackServer } from '../../tools/loopback-server/server';
import { countEvents, expectHears, joinRoom, openHarness, waitForEvent, writeToneWav } from './helpers';

const wav = writeToneWav();
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wav.path) } });

let server: LoopbackServer;
test.beforeAll(async () => {
  server = await startServer({ port: 0, log: process.env.LK_SERVER_LOG === '1' });
});
test.afterAll(async () => {
  await server?.stop();
});
test.afterEach(async () => {
  // Every test leaves through its pages closing; nothing may stay open on the server.
  await expect.poll(() => server.stats(), { timeout: 15_000 }).toMatchObject({ participants: 0, peerConnections: 0, sockets: 0 });
});

for (const singlePeerConnection of [true, false]) {
  const path = singlePeerConnection ? '/rtc/v1' : '/rtc';
  const label = singlePeerConnection ? 'v1' : 'v0';

  test(`a subscriber whose signal connection is dropped rejoins, is re-subscribed and hears audio again over ${path}`, async ({
    context,
  }) => {
    const a = await openHarness(context);
    const b = await openHarness(context);
    await joinRoom(a, server, `drop-${label}`, 'alice', { singlePeerConnection });
    const first = await joinRoom(b, server, `drop-${label}`, 'bob', { singlePeerConnection });
    await a.evaluate(() => window.roomHarness.publishMic());
    await waitForEvent(b, 'trackSubscribed', { identity: 'alice', remoteAudio: true });
    await expectHears(b, 'alice', wav);

    server.dropSignal('bob', `drop-${label}`);
    await waitForEvent(b, 'reconnected');
    await expect.poll(() => countEvents(b, 'trackSubscribed', { identity: 'alice' })).toBe(2);
    const rooms = server.listRooms();
    const bob = rooms.find((r) => r.name === `drop-${label}`)?.participants.find((p) => p.identity === 'bob');
    expect(bob?.sid, 'a full rejoin gets a new participant sid').not.toBe(first.sid);
    await expectHears(b, 'alice', wav);
    await a.close();
    await b.close();
  });

  test(`unpublish then republish: the subscriber gets TrackUnsubscribed then TrackSubscribed and hears audio over ${path}`, async ({
    context,
  }) => {
    const a = await openHarness(context);
    const b = await openHarness(context);
    await joinRoom(a, server, `republish-${label}`, 'alice', { singlePeerConnection });
    await joinRoom(b, server, `republish-${label}`, 'bob', { singlePeerConnection });
    const sid1 = await a.evaluate(() => window.roomHarness.publishMic());
    await waitForEvent(b, 'trackSubscribed', { identity: 'alice', trackSid: sid1 });

    await a.evaluate(() => window.roomHarness.unpublishMic());
    await waitForEvent(b, 'trackUnsubscribed', { identity: 'alice', trackSid: sid1 });
    expect(
      server
        .listRooms()
        .find((r) => r.name === `republish-${label}`)
        ?.participants.find((p) => p.identity === 'alice')?.tracks,
    ).toEqual([]);

    const sid2 = await a.evaluate(() => window.roomHarness.republishMic());
    expect(sid2).not.toBe(sid1);
    await waitForEvent(b, 'trackSubscribed', { identity: 'alice', trackSid: sid2, remoteAudio: true });
    await expectHears(b, 'alice', wav);
    await a.close();
    await b.close();
  });

  test(`a kicked participant is disconnected and the others see its track and itself leave over ${path}`, async ({ context }) => {
    const a = await openHarness(context);
    const b = await openHarness(context);
    await joinRoom(a, server, `kick-${label}`, 'alice', { singlePeerConnection });
    await joinRoom(b, server, `kick-${label}`, 'bob', { singlePeerConnection });
    const sid = await a.evaluate(() => window.roomHarness.publishMic());
    await waitForEvent(b, 'trackSubscribed', { identity: 'alice', trackSid: sid });

    server.kick('alice', `kick-${label}`);
    await waitForEvent(a, 'disconnected');
    const reason = await a.evaluate(() => {
      const e = window.roomHarness.events().find((x) => x.type === 'disconnected');
      return window.roomHarness.disconnectReasonName(e && e.type === 'disconnected' ? e.reason : undefined);
    });
    expect(reason).toBe('PARTICIPANT_REMOVED');
    await waitForEvent(b, 'trackUnsubscribed', { identity: 'alice', trackSid: sid });
    await waitForEvent(b, 'participantDisconnected', { identity: 'alice' });
    await a.close();
    await b.close();
  });
}

test('muting the microphone reaches the other participant as TrackMuted and TrackUnmuted', async ({ context }) => {
  const a = await openHarness(context);
  const b = await openHarness(context);
  await joinRoom(a, server, 'mute', 'alice');
  await joinRoom(b, server, 'mute', 'bob');
  const sid = await a.evaluate(() => window.roomHarness.publishMic());
  await waitForEvent(b, 'trackSubscribed', { identity: 'alice', trackSid: sid });
  await a.evaluate(() => window.roomHarness.setMicMuted(true));
  await waitForEvent(b, 'trackMuted', { identity: 'alice', trackSid: sid });
  await a.evaluate(() => window.roomHarness.setMicMuted(false));
  await waitForEvent(b, 'trackUnmuted', { identity: 'alice', trackSid: sid });
  await a.close();
  await b.close();
});

test('a participant moved to another room gets RoomEvent.Moved with the new room and token, and hears that room', async ({ context }) => {
  const a = await openHarness(context);
  const b = await openHarness(context);
  const c = await openHarness(context);
  await joinRoom(a, server, 'move-from', 'alice');
  await joinRoom(b, server, 'move-from', 'bob');
  await joinRoom(c, server, 'move-to', 'carol');
  await c.evaluate(() => window.roomHarness.publishMic());

  const token = await server.move('bob', 'move-to', 'move-from');
  await waitForEvent(b, 'moved', { roomName: 'move-to' });
  const tokens = await b.evaluate(() => window.roomHarness.tokenRefreshes());
  expect(tokens.includes(token), 'the engine got exactly the token minted for the new room').toBe(true);
  await waitForEvent(a, 'participantDisconnected', { identity: 'bob' });
  await waitForEvent(b, 'trackSubscribed', { identity: 'carol', remoteAudio: true });
  await expectHears(b, 'carol', wav);
  await waitForEvent(c, 'participantConnected', { identity: 'bob' });
  await a.close();
  await b.close();
  await c.close();
});
