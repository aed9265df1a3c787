// rtc-node's own FrameProcessor hook sequence on a received track, through the loopback server's
// token refresh, an unpublish + republish and a move, recorded to a JSON fixture so our
// TrackBinding's sequence can be compared with it. SIDs and tokens are replaced by their order
// of appearance (#1, #2): the fixture holds no token, and stays the same from run to run.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomEvent, dispose, type RemoteTrack } from '@livekit/rtc-node';
import { startServer, type LoopbackServer } from './server';
import { publishWithRtcNode, subscribeWithRtcNode, RATE } from './rtc-node-peer';
import { RecordingProcessor, keepStream } from './rtc-node-recorder';

const FIXTURE = new URL('./fixtures/rtc-node-frame-processor-hooks.json', import.meta.url);

describe('rtc-node FrameProcessor hook sequence (the reference for TrackBinding)', () => {
  let server: LoopbackServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, tokenRefreshIntervalMs: 0 });
  });
  afterAll(async () => {
    await server.stop();
    await dispose();
  });

  it('records the hooks through a token refresh, an unpublish + republish, a move and a disconnect', { timeout: 120_000 }, async () => {
    const tone = new Float32Array(RATE).map((_, i) => 0.2 * Math.sin((2 * Math.PI * 440 * i) / RATE));
    const proc = new RecordingProcessor();
    const sub = await subscribeWithRtcNode(server.url, await server.mintToken({ room: 'hooks', identity: 'listener' }), 'speaker');
    let pub = await publishWithRtcNode(server.url, await server.mintToken({ room: 'hooks', identity: 'speaker' }), tone, Infinity);
    const once = (event: RoomEvent): Promise<void> => new Promise((resolve) => sub.room.once(event, () => resolve()));
    try {
      await keepStream((await sub.track).track, proc);
      proc.log.step = 'refresh';
      const refreshed = once(RoomEvent.TokenRefreshed);
      await server.refreshToken('listener', 'hooks');
      await refreshed;
      proc.log.step = 'unpublish';
      const unsubscribed = once(RoomEvent.TrackUnsubscribed);
      await pub.stop();
      await unsubscribed;
      proc.log.step = 'republish';
      const resubscribed = new Promise<RemoteTrack>((resolve) => sub.room.once(RoomEvent.TrackSubscribed, (t) => resolve(t)));
      pub = await publishWithRtcNode(server.url, await server.mintToken({ room: 'hooks', identity: 'speaker' }), tone, Infinity);
      await keepStream(await resubscribed, proc);
      proc.log.step = 'move';
      const moved = once(RoomEvent.Moved);
      await server.move('listener', 'hooks-2', 'hooks');
      await moved;
      proc.log.step = 'disconnect';
    } finally {
      await pub.stop();
      await sub.leave();
    }
    const recorded = JSON.stringify(proc.log.hooks, null, 2) + '\n';
    if (process.env.LK_RECORD_FIXTURES === '1') writeFileSync(FIXTURE, recorded);
    console.log(
      `rtc-node hooks:\n${proc.log.hooks.map((h) => `${h.step}: ${h.hook}${'publicationSid' in h ? ` ${h.participantIdentity} ${h.publicationSid} in ${h.roomName}` : ''}${'token' in h ? ` ${h.token} for ${h.tokenRoom}` : ''}`).join('\n')}`,
    );
    expect(JSON.parse(recorded)).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  });
});
