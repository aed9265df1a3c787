// Leak check: many join/publish/leave cycles leave no peer connection or socket behind.
import { test, expect } from '../support/fixtures';
import { CHROMIUM_PATH, chromiumArgs } from '../../tools/testing/chromium';
import { startServer, type LoopbackServer } from '../../tools/loopback-server/server';
import { countEvents, joinRoom, openHarness, tokenFor, writeToneWav } from './helpers';

const wav = writeToneWav();
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wav.path) } });

let server: LoopbackServer;
test.beforeAll(async () => {
  server = await startServer({ port: 0, log: process.env.LK_SERVER_LOG === '1' });
});
test.afterAll(async () => {
  await server?.stop();
});

const CYCLES = 50;

test(`${CYCLES} join/publish/leave cycles leave no peer connections or sockets open and the server still answers`, async ({ context }) => {
  test.setTimeout(180_000);
  const listener = await openHarness(context);
  await joinRoom(listener, server, 'soak', 'listener');
  const cycler = await openHarness(context);
  const token = await tokenFor(server, 'soak', 'cycler');
  for (let i = 0; i < CYCLES; i++) {
    // Alternate the signalling paths so both layouts are soaked.
    const singlePeerConnection = i % 2 === 0;
    await cycler.evaluate(
      async (o) => {
        await window.roomHarness.join(o);
        await window.roomHarness.publishMic();
      },
      { url: server.url, token, singlePeerConnection },
    );
    await expect.poll(() => countEvents(listener, 'trackSubscribed', { identity: 'cycler' })).toBe(i + 1);
    await cycler.evaluate(() => window.roomHarness.leave());
    await expect.poll(() => countEvents(listener, 'participantDisconnected', { identity: 'cycler' })).toBe(i + 1);
  }
  // Only the listener remains: one socket, one peer connection (single PC layout).
  await expect.poll(() => server.stats(), { timeout: 15_000 }).toMatchObject({ participants: 1, sockets: 1, peerConnections: 1 });
  const health = await fetch(`${server.httpUrl}/rtc/validate?access_token=${encodeURIComponent(token)}`);
  expect(health.status).toBe(200);
  await listener.evaluate(() => window.roomHarness.leave());
  await expect.poll(() => server.stats(), { timeout: 15_000 }).toMatchObject({ rooms: 0, participants: 0, sockets: 0, peerConnections: 0 });
});
