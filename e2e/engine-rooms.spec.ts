// Every engine denoises a real remote track in Chromium: a Chromium publisher, a Chromium
// listener running NoiseCancellation({ engine }), through the loopback server. The checks and
// their reasons are in e2e/support/engine-room.ts, shared with the Firefox listener's
// (e2e/firefox-engine-rooms.spec.ts).
import { test } from './support/engines';
import { CHROMIUM_PATH } from '../tools/testing/chromium';
import { engineRoomChromiumArgs, engineRoomTests } from './support/engine-room';

test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: engineRoomChromiumArgs('engine-rooms-noisy-speech.wav') } });
test.describe.configure({ timeout: 120_000 });

engineRoomTests('Chromium');
