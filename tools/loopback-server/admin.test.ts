// Admin controls over HTTP, driven against raw protobuf WebSocket clients (no browser).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisconnectReason, ParticipantInfo_State, SignalResponse } from '@livekit/protocol';
import { TokenVerifier } from 'livekit-server-sdk';
import WebSocket from 'ws';
import { startServer, type LoopbackServer } from './server';

const KEY = 'adminkey';
const SECRET = 'admin-test-secret-that-is-long-enough-42';

interface Client {
  ws: WebSocket;
  messages: SignalResponse[];
  closed: Promise<void>;
}

describe('admin endpoint', () => {
  let server: LoopbackServer;
  beforeAll(async () => {
    // Resume off: these checks count sessions right after a socket closes, which a resume window
    // would keep (resume has its own tests in signal.test.ts and e2e/loopback-server/resume.spec.ts).
    server = await startServer({ port: 0, apiKey: KEY, apiSecret: SECRET, resumeWindowSeconds: 0, tokenRefreshIntervalMs: 0 });
  });
  afterAll(() => server.stop());

  async function connect(room: string, identity: string): Promise<Client> {
    const token = await server.mintToken({ room, identity });
    const ws = new WebSocket(`${server.url}/rtc?access_token=${token}`);
    const messages: SignalResponse[] = [];
    ws.on('message', (d) => messages.push(SignalResponse.fromBinary(new Uint8Array(d as Buffer))));
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    await expect.poll(() => messages.some((m) => m.message.case === 'join')).toBe(true);
    return { ws, messages, closed };
  }

  const post = (action: string, body: object): Promise<Response> =>
    fetch(`${server.httpUrl}/admin/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('lists rooms and participants, and the other participant sees joins with growing versions', async () => {
    const a = await connect('admin-r1', 'a');
    const b = await connect('admin-r1', 'b');
    const res = await fetch(`${server.httpUrl}/admin/rooms`, { headers: { authorization: `Bearer ${SECRET}` } });
    const { rooms } = (await res.json()) as { rooms: { name: string; participants: { identity: string }[] }[] };
    expect(
      rooms
        .find((r) => r.name === 'admin-r1')
        ?.participants.map((p) => p.identity)
        .sort(),
    ).toEqual(['a', 'b']);
    const update = a.messages.find((m) => m.message.case === 'update');
    expect(update?.message.case === 'update' && update.message.value.participants[0]?.identity).toBe('b');
    const join = a.messages.find((m) => m.message.case === 'join');
    const aVersion = join?.message.case === 'join' ? (join.message.value.participant?.version ?? 0) : 0;
    const bVersion = update?.message.case === 'update' ? (update.message.value.participants[0]?.version ?? 0) : 0;
    expect(bVersion).toBeGreaterThan(aVersion);
    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
  });

  it('kick sends leave(PARTICIPANT_REMOVED) and tells the others the participant left', async () => {
    const a = await connect('admin-kick', 'a');
    const b = await connect('admin-kick', 'b');
    expect((await post('kick', { identity: 'a', room: 'admin-kick' })).status).toBe(200);
    await a.closed;
    const leave = a.messages.find((m) => m.message.case === 'leave');
    expect(leave?.message.case === 'leave' && leave.message.value.reason).toBe(DisconnectReason.PARTICIPANT_REMOVED);
    await expect
      .poll(() =>
        b.messages.some(
          (m) =>
            m.message.case === 'update' &&
            m.message.value.participants.some((p) => p.identity === 'a' && p.state === ParticipantInfo_State.DISCONNECTED),
        ),
      )
      .toBe(true);
    b.ws.close();
    await b.closed;
    await expect.poll(() => server.stats()).toMatchObject({ participants: 0, sockets: 0, peerConnections: 0 });
  });

  it('drop closes the signal socket without a leave', async () => {
    const a = await connect('admin-drop', 'a');
    expect((await post('drop', { identity: 'a' })).status).toBe(200);
    await a.closed;
    expect(a.messages.some((m) => m.message.case === 'leave')).toBe(false);
    await expect.poll(() => server.stats()).toMatchObject({ participants: 0, sockets: 0, peerConnections: 0 });
  });

  it('move sends roomMoved with a token for the new room keeping the identity', async () => {
    const a = await connect('admin-from', 'a');
    expect((await post('move', { identity: 'a', to: 'admin-to' })).status).toBe(200);
    await expect.poll(() => a.messages.some((m) => m.message.case === 'roomMoved')).toBe(true);
    const moved = a.messages.find((m) => m.message.case === 'roomMoved');
    if (moved?.message.case !== 'roomMoved') throw new Error('no roomMoved');
    expect(moved.message.value.room?.name).toBe('admin-to');
    const claims = await new TokenVerifier(KEY, SECRET).verify(moved.message.value.token);
    expect(claims.sub).toBe('a');
    expect(claims.video?.room).toBe('admin-to');
    expect(server.listRooms().map((r) => r.name)).toEqual(['admin-to']);
    a.ws.close();
    await a.closed;
  });

  it('answers unknown participants with 404 and a missing target room with 400', async () => {
    expect((await post('drop', { identity: 'nobody' })).status).toBe(404);
    const a = await connect('admin-400', 'a');
    const res = await post('move', { identity: 'a' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'missing target room' });
    a.ws.close();
    await a.closed;
  });
});
