// Every engine denoises a real remote track in Firefox: a Chromium publisher, a Firefox ESR
// listener running NoiseCancellation({ engine }), inside the network namespace of the
// firefox-room project (see e2e/firefox-room.spec.ts for why). The checks and their reasons are
// in e2e/support/engine-room.ts, shared with the Chromium listener's (e2e/engine-rooms.spec.ts).
import { test } from './support/engines';
import { startServer, type LoopbackServer } from '../tools/loopback-server/server';
import { CHROMIUM_PATH } from '../tools/testing/chromium';
import { ENGINE_ROOM_CASES, checkEngineRoom, enginePauseCutFloorDb, engineRoomChromiumArgs } from './support/engine-room';

const NETNS_ADDRESS = process.env.LK_NETNS_ADDRESS;

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: engineRoomChromiumArgs('firefox-engine-rooms-noisy-speech.wav') } });

let server: LoopbackServer;

test.beforeAll(async () => {
  if (!NETNS_ADDRESS) throw new Error('LK_NETNS_ADDRESS is unset: run this project through tools/testing/netns.sh (npm test does)');
  server = await startServer({ port: 0, tokenRefreshIntervalMs: 0, allowedCandidateAddresses: [NETNS_ADDRESS] });
});

test.afterAll(async () => {
  await server?.stop();
});

// Joining a room from Firefox in the namespace costs tens of seconds on this machine.
test.describe.configure({ timeout: 180_000 });

for (const c of ENGINE_ROOM_CASES) {
  test(`engine '${c.engine}' denoises a remote track in Firefox: ≥ ${enginePauseCutFloorDb(c)} dB less noise in pauses, speech level kept, stats name the engine and the delay cross-correlation measures`, async ({
    newDrivenPage,
  }) => {
    await checkEngineRoom(
      server,
      { publisher: () => newDrivenPage('chromium'), listener: () => newDrivenPage() },
      c,
      `ff-engine-room-${c.engine}`,
    );
  });
}
