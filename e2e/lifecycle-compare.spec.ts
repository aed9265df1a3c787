// Our TrackBinding against rtc-node's own FrameProcessor, live in one run: an rtc-node speaker,
// and two listeners in the same loopback-server room, an rtc-node one (AudioStream + its
// FrameProcessor) and a Chromium page (real livekit-client Room + TrackBinding). Both go through
// the same steps at the same time: a server token refresh, an unpublish and republish, a move to
// another room and a disconnect. Each side logs its hooks normalised (tools/testing/hook-log.ts:
// SIDs and tokens as their order of appearance, the token as the room it grants). Per step the
// two logs must be equal, or differ exactly as a row of ACCEPTED says; any other difference fails.
import { RoomEvent, type RemoteParticipant, type RemoteTrack } from '@livekit/rtc-node';
import { expect, test } from './support/room-fixtures';
import type { Hook } from '../tools/testing/hook-log';
import { subscribeWithRtcNode, RATE, type RtcNodePublisher } from '../tools/loopback-server/rtc-node-peer';
import { RecordingProcessor, keepStream } from '../tools/loopback-server/rtc-node-recorder';

test.describe.configure({ timeout: 150_000 });

const STEPS = ['subscribe', 'refresh', 'unpublish', 'republish', 'move', 'disconnect'] as const;
type Step = (typeof STEPS)[number];

/** A hook without its step: what the comparison looks at. */
type Said = string;

/**
 * The deliberate differences, per step: what rtc-node says, what we say, and why. A row must
 * match both sides exactly; the README's Lifecycle table lists the same rows.
 */
type Processor = 'kept open' | 'autoClose';
const ACCEPTED: { processor: Processor; step: Step; rtcNode: Said[]; ours: Said[]; why: string }[] = [];

function said(h: Hook): Said {
  switch (h.hook) {
    case 'onStreamInfoUpdated':
      return `${h.hook} ${h.participantIdentity} ${h.publicationSid} in ${h.roomName}`;
    case 'onCredentialsUpdated':
      return `${h.hook} ${h.token} for ${h.tokenRoom} at ${h.url}`;
    default:
      return h.hook;
  }
}

function byStep(hooks: Hook[]): Record<Step, Said[]> {
  const out = Object.fromEntries(STEPS.map((s) => [s, [] as Said[]])) as Record<Step, Said[]>;
  for (const h of hooks) {
    const list = out[h.step as Step];
    if (!list) throw new Error(`a hook in an unknown step: ${JSON.stringify(h)}`);
    list.push(said(h));
  }
  return out;
}

/** Per step: 'same', 'accepted: why', or the difference that fails the test. */
function compareSteps(
  processor: Processor,
  rtcNode: Hook[],
  ours: Hook[],
): { processor: Processor; step: Step; verdict: string; rtcNode: Said[]; ours: Said[] }[] {
  const a = byStep(rtcNode);
  const b = byStep(ours);
  return STEPS.map((step) => {
    const x = a[step];
    const y = b[step];
    const same = (p: Said[], q: Said[]): boolean => p.length === q.length && p.every((v, i) => v === q[i]);
    if (same(x, y)) return { processor, step, verdict: 'same', rtcNode: x, ours: y };
    const row = ACCEPTED.find((r) => r.processor === processor && r.step === step && same(r.rtcNode, x) && same(r.ours, y));
    return { processor, step, verdict: row ? `accepted: ${row.why}` : 'DIFFERENT', rtcNode: x, ours: y };
  });
}

test("TrackBinding's hooks through refresh, republish, move and disconnect match rtc-node's FrameProcessor's, live, but for the accepted differences", async ({
  server,
  openPage,
  rtcPublish,
}) => {
  const room = 'lifecycle';
  const tone = new Float32Array(RATE).map((_, i) => 0.2 * Math.sin((2 * Math.PI * 440 * i) / RATE));
  const proc = new RecordingProcessor();
  // From the republish on, a second processor with autoClose on, on both sides.
  const closing = new RecordingProcessor();
  const sub = await subscribeWithRtcNode(server.url, await server.mintToken({ room, identity: 'listener' }), 'speaker');
  const page = await openPage('/e2e/pages/lifecycle.html');
  const webToken = await server.mintToken({ room, identity: 'web-listener' });
  await page.evaluate(({ url, token }) => window.lifecycle.join(url, token, 'speaker'), { url: server.url, token: webToken });
  const once = (event: RoomEvent): Promise<void> => new Promise((resolve) => sub.room.once(event, () => resolve()));
  const step = async (name: Step): Promise<void> => {
    proc.log.step = name;
    closing.log.step = name;
    await page.evaluate((n) => window.lifecycle.step(n), name);
  };
  let pub: RtcNodePublisher | undefined;
  const seen = (): Promise<ReturnType<typeof window.lifecycle.seen>> => page.evaluate(() => window.lifecycle.seen());
  try {
    pub = await rtcPublish(room, 'speaker', tone);
    await keepStream((await sub.track).track, proc);
    await expect.poll(async () => (await seen()).subscribed).toBe(1);

    await step('refresh');
    const refreshed = once(RoomEvent.TokenRefreshed);
    await server.refreshToken('listener', room);
    await server.refreshToken('web-listener', room);
    await refreshed;
    await page.waitForFunction(() => window.lifecycle.tokenChanged());

    await step('unpublish');
    const unsubscribed = once(RoomEvent.TrackUnsubscribed);
    const speakerLeft = new Promise<void>((resolve) =>
      sub.room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => p.identity === 'speaker' && resolve()),
    );
    await pub.stop();
    await Promise.all([unsubscribed, speakerLeft]);
    await expect.poll(async () => await seen()).toMatchObject({ unsubscribed: 1, speakerLeft: 1 });

    await step('republish');
    const resubscribed = new Promise<RemoteTrack>((resolve) => sub.room.once(RoomEvent.TrackSubscribed, (t) => resolve(t)));
    pub = await rtcPublish(room, 'speaker', tone);
    const track2 = await resubscribed;
    await keepStream(track2, proc);
    await keepStream(track2, closing, true);
    await expect.poll(async () => (await seen()).subscribed).toBe(2);

    await step('move');
    const moved = once(RoomEvent.Moved);
    await server.move('listener', `${room}-2`, room);
    await server.move('web-listener', `${room}-2`, room);
    await moved;
    await expect.poll(async () => (await seen()).moved).toBe(1);

    await step('disconnect');
  } finally {
    await pub?.stop();
    await sub.leave();
    await page.evaluate(() => window.lifecycle.leave());
  }
  await expect.poll(async () => (await seen()).disconnected).toBe(1);

  const ours = await page.evaluate(() => window.lifecycle.hooks());
  const verdicts = [...compareSteps('kept open', proc.log.hooks, ours.kept), ...compareSteps('autoClose', closing.log.hooks, ours.closing)];
  const table = verdicts
    .map(
      (v) => `${v.processor}, ${v.step}: ${v.verdict}\n  rtc-node: ${v.rtcNode.join(', ') || '-'}\n  ours:     ${v.ours.join(', ') || '-'}`,
    )
    .join('\n');
  console.log(`lifecycle, rtc-node vs TrackBinding:\n${table}`);
  test.info().annotations.push({ type: 'measured', description: table });
  // The comparison means something only if rtc-node said something in every step it is known to.
  expect(proc.log.hooks.length, 'rtc-node must have logged its hooks').toBeGreaterThan(4);
  expect(
    closing.log.hooks.map((h) => h.hook),
    'the autoClose processor must have been closed',
  ).toContain('close');
  expect(
    verdicts.filter((v) => v.verdict === 'DIFFERENT'),
    table,
  ).toEqual([]);
  // Every accepted difference must still occur: a row that no longer matches is stale.
  for (const row of ACCEPTED) {
    expect(verdicts.find((v) => v.processor === row.processor && v.step === row.step)?.verdict, table).toBe(`accepted: ${row.why}`);
  }
});
