// A browser publishes, an @livekit/rtc-node AudioStream (in this test process) receives it,
// through the loopback server.
import { dispose } from '@livekit/rtc-node';
import { expect, test } from './support/fixtures';
import { CHROMIUM_PATH, chromiumArgs } from '../tools/testing/chromium';
import { rms } from '../tools/testing/signals';
import { startServer, type LoopbackServer } from '../tools/loopback-server/server';
import { recordWithAudioStream, subscribeWithRtcNode, tonalFraction, RATE } from '../tools/loopback-server/rtc-node-peer';
import { joinRoom, openHarness, writeToneWav } from './loopback-server/helpers';

// Steady tones: they keep level and frequencies through Opus and through a jitter buffer that
// stretches time on a loaded machine (which smears any waveform match of speech).
const tone = writeToneWav('rtc-node-tone.wav');
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(tone.path) } });

let server: LoopbackServer;
test.beforeAll(async () => {
  server = await startServer({ port: 0, tokenRefreshIntervalMs: 0 });
});
test.afterAll(async () => {
  await server?.stop();
  await dispose();
});

test('an rtc-node AudioStream hears a browser publisher: level within 1 dB, the tones hold over 90 % of the power', async ({ context }) => {
  const room = 'browser-to-rtc-node';
  const sub = await subscribeWithRtcNode(server.url, await server.mintToken({ room, identity: 'rtc-listener' }), 'browser-speaker');
  try {
    const a = await openHarness(context);
    await joinRoom(a, server, room, 'browser-speaker');
    const sid = await a.evaluate(() => window.roomHarness.publishMic());
    const { publication, track } = await sub.track;
    expect(publication.sid).toBe(sid);
    const heard = await recordWithAudioStream(track, 4);
    // A freshly subscribed track may start with silence: measure the last 3 s.
    const tail = heard.subarray(heard.length - 3 * RATE);
    const levelDb = 20 * Math.log10(rms(tail)) - tone.dbfs;
    const tonal = tonalFraction(tail, [440, 1000]);
    const summary = `browser -> rtc-node: level ${levelDb.toFixed(2)} dB from the injected tone, tonal power fraction ${tonal.toFixed(3)}`;
    console.log(summary);
    test.info().annotations.push({ type: 'measured', description: summary });
    // audio.spec's bound: Opus keeps a steady tone's level within 1 dB.
    expect(Math.abs(levelDb)).toBeLessThanOrEqual(1);
    // The tones score ~1 (Opus coding noise lies 20 dB or more below them); the speech fixture
    // scores 0.1 and white noise 0.004.
    expect(tonal).toBeGreaterThan(0.9);
  } finally {
    await sub.leave();
  }
});
