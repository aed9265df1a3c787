// Every engine denoises a real remote track in Firefox: a Chromium publisher, a Firefox ESR
// listener running NoiseCancellation({ engine }), inside the network namespace of the
// firefox-room project (see e2e/firefox-room.spec.ts for why; playwright.config.ts FIREFOX_ROOM).
// The checks and their reasons are in e2e/support/engine-room.ts, shared with the Chromium
// listener's (e2e/engine-rooms.spec.ts).
import { test } from './support/engines';
import { CHROMIUM_PATH } from '../tools/testing/chromium';
import { engineRoomChromiumArgs, engineRoomTests } from './support/engine-room';

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: engineRoomChromiumArgs('firefox-engine-rooms-noisy-speech.wav') } });
// Joining a room from Firefox in the namespace costs tens of seconds on this machine.
test.describe.configure({ timeout: 180_000 });

engineRoomTests('Firefox', () => {
  const address = process.env.LK_NETNS_ADDRESS;
  if (!address) throw new Error('LK_NETNS_ADDRESS is unset: run this project through tools/testing/netns.sh (npm test does)');
  return [address];
});
