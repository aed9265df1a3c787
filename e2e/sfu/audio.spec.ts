import { test, expect, type Page } from '@playwright/test';
import { CHROMIUM_PATH, chromiumArgs } from '../chromium';
import { startServer, type LoopbackServer } from '../../sfu/server';
import { expectHears, joinRoom, openHarness, waitForEvent, writeToneWav } from './helpers';


const wav = writeToneWav();
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wav.path) } });

let server: LoopbackServer;
test.beforeAll(async () => {
  server = await startServer({ port: 0, log: process.env.SFU_LOG === '1' });
});
test.afterAll(async () => {
  await server?.stop();
});

for (const singlePeerConnection of [true, false]) {
  const path = singlePeerConnection ? '/rtc/v1' : '/rtc';
  test(`a subscriber hears the publisher's microphone at the injected level over ${path}`, async ({ context }) => {
    const room = `audio-${singlePeerConnection ? 'v1' : 'v0'}`;
    const a: Page = await openHarness(context);
    const b: Page = await openHarness(context);
    await joinRoom(a, server, room, 'alice', { singlePeerConnection });
    await joinRoom(b, server, room, 'bob', { singlePeerConnection });
    await a.evaluate(() => window.roomHarness.publishMic());
    await waitForEvent(b, 'trackSubscribed', { identity: 'alice', kind: 'audio', remoteAudio: true });
    const heard = await expectHears(b, 'alice', wav);
    test.info().annotations.push({ type: 'rms', description: `heard ${heard.toFixed(2)} dBFS, injected ${wav.dbfs.toFixed(2)} dBFS` });
    expect(Math.abs(heard - wav.dbfs)).toBeLessThanOrEqual(1);
    await a.evaluate(() => window.roomHarness.leave());
    await b.evaluate(() => window.roomHarness.leave());
    await expect.poll(() => server.stats()).toMatchObject({ participants: 0, peerConnections: 0, sockets: 0 });
  });
}

test('three participants each hear the other two', async ({ context }) => {
  const names = ['alice', 'bob', 'carol'] as const;
  const pages = [];
  for (const name of names) {
    const page = await openHarness(context);
    await joinRoom(page, server, 'trio', name);
    await page.evaluate(() => window.roomHarness.publishMic());
    pages.push(page);
  }
  for (const [i, page] of pages.entries()) {
    for (const other of names.filter((n) => n !== names[i])) {
      await waitForEvent(page, 'trackSubscribed', { identity: other, remoteAudio: true });
      const heard = await expectHears(page, other, wav);
      test.info().annotations.push({ type: 'rms', description: `${names[i]} hears ${other} at ${heard.toFixed(2)} dBFS (injected ${wav.dbfs.toFixed(2)})` });
    }
  }
  expect(server.listRooms().find((r) => r.name === 'trio')?.participants.map((p) => p.tracks.length)).toEqual([1, 1, 1]);
  for (const page of pages) await page.close();
  await expect.poll(() => server.stats()).toMatchObject({ participants: 0, peerConnections: 0, sockets: 0 });
});
