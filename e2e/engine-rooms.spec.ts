// Every engine denoises a real remote track in Chromium: a Chromium publisher, a Chromium
// listener running NoiseCancellation({ engine }), through the loopback server. The checks and
// their reasons are in e2e/support/engine-room.ts, shared with the Firefox listener's
// (e2e/firefox-engine-rooms.spec.ts).
import { test } from './support/engines';
import { startServer, type LoopbackServer } from '../tools/loopback-server/server';
import { CHROMIUM_PATH } from '../tools/testing/chromium';
import { ENGINE_ROOM_CASES, checkEngineRoom, enginePauseCutFloorDb, engineRoomChromiumArgs } from './support/engine-room';

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: engineRoomChromiumArgs('engine-rooms-noisy-speech.wav') } });

let server: LoopbackServer;

test.beforeAll(async () => {
  server = await startServer({ port: 0, tokenRefreshIntervalMs: 0 });
});

test.afterAll(async () => {
  await server?.stop();
});

test.describe.configure({ timeout: 120_000 });

for (const c of ENGINE_ROOM_CASES) {
  test(`engine '${c.engine}' denoises a remote track in Chromium: ≥ ${enginePauseCutFloorDb(c)} dB less noise in pauses, speech level kept, stats name the engine and the delay cross-correlation measures`, async ({
    newDrivenPage,
  }) => {
    const open = () => newDrivenPage('chromium');
    await checkEngineRoom(server, { publisher: open, listener: open }, c, `engine-room-${c.engine}`);
  });
}
