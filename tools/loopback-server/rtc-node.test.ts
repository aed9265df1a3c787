// @livekit/rtc-node (the Rust core every native LiveKit SDK shares) through the loopback server:
// both clients are real, the server is real, tokens are real JWTs sent as Bearer headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispose } from '@livekit/rtc-node';
import { startServer, type LoopbackServer } from './server';
import { blockCorrelation, publishWithRtcNode, recordWithAudioStream, subscribeWithRtcNode, RATE } from './rtc-node-peer';
import { loadExcerpt, rms } from '../testing/signals';
import { alignByXcorr } from '../testing/metrics';

describe('rtc-node publisher to rtc-node subscriber through the loopback server', () => {
  let server: LoopbackServer;
  const lines: string[] = [];
  beforeAll(async () => {
    server = await startServer({ port: 0, log: (l) => lines.push(l) });
  });
  afterAll(async () => {
    await server.stop();
    await dispose();
  });

  it('delivers the published speech at its level and shape, through AudioSource and AudioStream', { timeout: 90_000 }, async () => {
    const speech = loadExcerpt(RATE).subarray(0, 4 * RATE);
    const sub = await subscribeWithRtcNode(server.url, await server.mintToken({ room: 'rtc-node', identity: 'listener' }), 'speaker');
    const pub = await publishWithRtcNode(server.url, await server.mintToken({ room: 'rtc-node', identity: 'speaker' }), speech, Infinity);
    try {
      const { publication } = await sub.track;
      expect(publication.sid).toBe(pub.trackSid);
      expect(
        server
          .listRooms()
          .find((r) => r.name === 'rtc-node')
          ?.participants.find((p) => p.identity === 'speaker')
          ?.tracks.map((t) => t.sid),
      ).toEqual([pub.trackSid]);
      // The speech loops, so any 5 s received hold one whole 4 s pass; find it by correlation.
      const heard = await recordWithAudioStream((await sub.track).track, 5);
      const aligned = alignByXcorr(speech, heard, RATE); // up to 1 s of network + jitter-buffer delay
      const levelDb = 20 * Math.log10(rms(aligned.x) / rms(speech));
      const shape = blockCorrelation(speech, heard, aligned.lag);
      // Correlation 0.8 is a waveform SNR of 4.4 dB; Opus at speech bitrates codes speech at
      // 10 dB or better (0.95). Silence, noise or another signal scores near 0.
      expect(shape).toBeGreaterThan(0.8);
      // Opus keeps the level within about 1 dB; a dropped channel or gain bug is off by 6 dB or more.
      expect(Math.abs(levelDb)).toBeLessThan(3);
      console.log(
        `rtc-node -> rtc-node: block correlation ${shape.toFixed(3)} (global ${aligned.peak.toFixed(3)}), level ${levelDb.toFixed(2)} dB, lag ${(aligned.lag / 48).toFixed(1)} ms`,
      );
    } finally {
      await pub.stop();
      await sub.leave();
    }
    expect(lines.filter((l) => l.includes('ignored: sending section'))).toEqual([]);
    await expect.poll(() => server.stats(), { timeout: 15_000 }).toMatchObject({ participants: 0, peerConnections: 0 });
  });
});
