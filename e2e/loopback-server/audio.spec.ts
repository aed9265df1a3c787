import { test, expect, type Page } from '../support/fixtures';
import { CHROMIUM_PATH, chromiumArgs } from '../../tools/testing/chromium';
import { expectHears, joinRoom, openHarness, startTarget, waitForEvent, writeToneWav, type Target } from './helpers';

const wav = writeToneWav();
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wav.path) } });

// These checks also run against a real server when LIVEKIT_URL/KEY/SECRET are set.
let target: Target;
test.beforeAll(async () => {
  target = await startTarget();
});
test.afterAll(async () => {
  await target?.stop();
});

async function expectServerEmpty(): Promise<void> {
  if (!target.server) return;
  const server = target.server;
  await expect.poll(() => server.stats()).toMatchObject({ participants: 0, peerConnections: 0, sockets: 0 });
}

for (const singlePeerConnection of [true, false]) {
  const path = singlePeerConnection ? '/rtc/v1' : '/rtc';
  test(`a subscriber hears the publisher's microphone at the injected level over ${path}`, async ({ context }) => {
    const room = target.room(`audio-${singlePeerConnection ? 'v1' : 'v0'}`);
    const a: Page = await openHarness(context);
    const b: Page = await openHarness(context);
    await joinRoom(a, target, room, 'alice', { singlePeerConnection });
    await joinRoom(b, target, room, 'bob', { singlePeerConnection });
    await a.evaluate(() => window.roomHarness.publishMic());
    await waitForEvent(b, 'trackSubscribed', { identity: 'alice', kind: 'audio', remoteAudio: true });
    const heard = await expectHears(b, 'alice', wav);
    if (target.server) {
      // Loopback only: the selected ICE pair ends at the server on 127.0.0.1.
      for (const page of [a, b])
        expect(await page.evaluate(() => window.roomHarness.connectedServerAddress())).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    test.info().annotations.push({ type: 'rms', description: `heard ${heard.toFixed(2)} dBFS, injected ${wav.dbfs.toFixed(2)} dBFS` });
    expect(Math.abs(heard - wav.dbfs)).toBeLessThanOrEqual(1);
    await a.evaluate(() => window.roomHarness.leave());
    await b.evaluate(() => window.roomHarness.leave());
    await expectServerEmpty();
  });
}

test('three participants each hear the other two', async ({ context }) => {
  const names = ['alice', 'bob', 'carol'] as const;
  const room = target.room('trio');
  const pages = [];
  for (const name of names) {
    const page = await openHarness(context);
    await joinRoom(page, target, room, name);
    await page.evaluate(() => window.roomHarness.publishMic());
    pages.push(page);
  }
  for (const [i, page] of pages.entries()) {
    for (const other of names.filter((n) => n !== names[i])) {
      await waitForEvent(page, 'trackSubscribed', { identity: other, remoteAudio: true });
      const heard = await expectHears(page, other, wav);
      test.info().annotations.push({
        type: 'rms',
        description: `${names[i]} hears ${other} at ${heard.toFixed(2)} dBFS (injected ${wav.dbfs.toFixed(2)})`,
      });
    }
  }
  if (target.server)
    expect(
      target.server
        .listRooms()
        .find((r) => r.name === room)
        ?.participants.map((p) => p.tracks.length),
    ).toEqual([1, 1, 1]);
  for (const page of pages) await page.close();
  await expectServerEmpty();
});
