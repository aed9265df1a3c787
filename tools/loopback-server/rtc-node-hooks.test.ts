// rtc-node's own FrameProcessor hook sequence on a received track, through the loopback server's
// token refresh, an unpublish + republish and a move, recorded to a JSON fixture so our
// TrackBinding's sequence can be compared with it. SIDs and tokens are replaced by their order
// of appearance (#1, #2): the fixture holds no token, and stays the same from run to run.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AudioFrame,
  AudioStream,
  FrameProcessor,
  RoomEvent,
  dispose,
  type RemoteTrack,
  type FrameProcessorCredentials,
  type FrameProcessorStreamInfo,
} from '@livekit/rtc-node';
import { startServer, type LoopbackServer } from './server';
import { publishWithRtcNode, subscribeWithRtcNode, RATE } from './rtc-node-peer';

/** An AudioStream with `proc` that stays open (drained in the background) until the track ends. */
function keepStream(track: RemoteTrack, proc: FrameProcessor<AudioFrame>): Promise<void> {
  // autoClose off: the processor stays open across tracks, like TrackBinding with autoClose=false.
  const stream = new AudioStream(track, { sampleRate: RATE, numChannels: 1, noiseCancellation: proc, autoCloseNoiseCancellation: false });
  const reader = stream.getReader();
  let first: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (first = resolve));
  void (async () => {
    for (;;) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      first();
      if (done) return;
    }
  })();
  return started;
}

const FIXTURE = new URL('./fixtures/rtc-node-frame-processor-hooks.json', import.meta.url);

type Hook =
  | { step: string; hook: 'onStreamInfoUpdated'; roomName: string; participantIdentity: string; publicationSid: string }
  | { step: string; hook: 'onCredentialsUpdated'; token: string; tokenRoom: string; url: string }
  | { step: string; hook: 'onStreamInfoCleared' | 'onCredentialsCleared' | 'close' };

class RecordingProcessor extends FrameProcessor<AudioFrame> {
  readonly hooks: Hook[] = [];
  step = 'subscribe';
  private readonly names = new Map<string, string>();
  private name(kind: string, value: string): string {
    if (!value) return '';
    let n = this.names.get(value);
    if (!n) {
      n = `${kind}#${[...this.names.keys()].filter((k) => this.names.get(k)!.startsWith(kind)).length + 1}`;
      this.names.set(value, n);
    }
    return n;
  }
  isEnabled(): boolean {
    return true;
  }
  setEnabled(): void {}
  process(frame: AudioFrame): AudioFrame {
    return frame;
  }
  override onStreamInfoUpdated(info: FrameProcessorStreamInfo): void {
    this.hooks.push({
      step: this.step,
      hook: 'onStreamInfoUpdated',
      roomName: info.roomName,
      participantIdentity: info.participantIdentity,
      publicationSid: this.name('TR', info.publicationSid),
    });
  }
  override onStreamInfoCleared(): void {
    this.hooks.push({ step: this.step, hook: 'onStreamInfoCleared' });
  }
  override onCredentialsUpdated(c: FrameProcessorCredentials): void {
    const payload = JSON.parse(Buffer.from(c.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { video?: { room?: string } };
    this.hooks.push({
      step: this.step,
      hook: 'onCredentialsUpdated',
      token: this.name('token', c.token),
      tokenRoom: payload.video?.room ?? '',
      url: c.url.replace(/:\d+/, ':PORT'),
    });
  }
  override onCredentialsCleared(): void {
    this.hooks.push({ step: this.step, hook: 'onCredentialsCleared' });
  }
  close(): void {
    this.hooks.push({ step: this.step, hook: 'close' });
  }
}

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
      proc.step = 'refresh';
      const refreshed = once(RoomEvent.TokenRefreshed);
      await server.refreshToken('listener', 'hooks');
      await refreshed;
      proc.step = 'unpublish';
      const unsubscribed = once(RoomEvent.TrackUnsubscribed);
      await pub.stop();
      await unsubscribed;
      proc.step = 'republish';
      const resubscribed = new Promise<RemoteTrack>((resolve) => sub.room.once(RoomEvent.TrackSubscribed, (t) => resolve(t)));
      pub = await publishWithRtcNode(server.url, await server.mintToken({ room: 'hooks', identity: 'speaker' }), tone, Infinity);
      await keepStream(await resubscribed, proc);
      proc.step = 'move';
      const moved = once(RoomEvent.Moved);
      await server.move('listener', 'hooks-2', 'hooks');
      await moved;
      proc.step = 'disconnect';
    } finally {
      await pub.stop();
      await sub.leave();
    }
    const recorded = JSON.stringify(proc.hooks, null, 2) + '\n';
    if (process.env.LK_RECORD_FIXTURES === '1') writeFileSync(FIXTURE, recorded);
    console.log(
      `rtc-node hooks:\n${proc.hooks.map((h) => `${h.step}: ${h.hook}${'publicationSid' in h ? ` ${h.participantIdentity} ${h.publicationSid} in ${h.roomName}` : ''}${'token' in h ? ` ${h.token} for ${h.tokenRoom}` : ''}`).join('\n')}`,
    );
    expect(JSON.parse(recorded)).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  });
});
