// Guards src/room-adapter.ts, the one place that reads livekit-client internals. If a
// livekit-client upgrade moves any of them, these fail with the name of what moved.
import { describe, expect, it } from 'vitest';
import { Room } from 'livekit-client';
import { Room as RoomModel, RoomMovedResponse } from '@livekit/protocol';
import { ENGINE_ROOM_MOVED, ENGINE_TOKEN_REFRESHED, TokenWatcher, readConnection } from './room-adapter';

type SignalCallbacks = {
  join: (...args: unknown[]) => Promise<never>;
  onTokenRefresh?: (token: string) => void;
  onRoomMoved?: (res: RoomMovedResponse) => void;
};

/** Runs the real RTCEngine.join up to the network (which unit tests do not have). */
async function joinedRoom(url: string, token: string): Promise<{ room: Room; client: SignalCallbacks }> {
  const room = new Room();
  const engine = (room as unknown as { engine: { client: SignalCallbacks; join: (...a: unknown[]) => Promise<unknown> } }).engine;
  expect(engine, 'room.engine exists').toBeDefined();
  engine.client.join = () => Promise.reject(new Error('no network in unit tests'));
  await engine.join(url, token, { maxRetries: 0 }).catch(() => undefined);
  return { room, client: engine.client };
}

describe('livekit-client internals used by the room adapter', () => {
  it('room.engine keeps the server URL and token that join was given', async () => {
    const { room } = await joinedRoom('ws://127.0.0.1:7880', 'h.p.s1');
    expect(readConnection(room)).toEqual({ url: 'ws://127.0.0.1:7880', token: 'h.p.s1' });
  });

  it("a server token refresh updates engine.token and emits 'tokenRefreshed' with the new token", async () => {
    const { room, client } = await joinedRoom('ws://127.0.0.1:7880', 'h.p.s1');
    expect(typeof client.onTokenRefresh, 'signal client onTokenRefresh callback').toBe('function');
    const seen: string[] = [];
    const watcher = new TokenWatcher(room, (t) => seen.push(t));
    watcher.bind();
    client.onTokenRefresh!('h.p.s2');
    expect(seen).toEqual(['h.p.s2']);
    expect(readConnection(room).token).toBe('h.p.s2');
    expect(ENGINE_TOKEN_REFRESHED).toBe('tokenRefreshed');
  });

  it("a room move emits 'roomMoved' on the engine with the new token, and RoomEvent.Moved with the name", async () => {
    const { room, client } = await joinedRoom('ws://127.0.0.1:7880', 'h.p.s1');
    expect(typeof client.onRoomMoved, 'signal client onRoomMoved callback').toBe('function');
    const tokens: string[] = [];
    const names: string[] = [];
    const watcher = new TokenWatcher(room, (t) => tokens.push(t));
    watcher.bind();
    room.on('moved', (name: string) => names.push(name));
    client.onRoomMoved!(new RoomMovedResponse({ room: new RoomModel({ name: 'beta' }), token: 'h.p.moved', otherParticipants: [] }));
    expect(names).toEqual(['beta']);
    expect(tokens).toEqual(['h.p.moved']);
    expect(watcher.currentToken()).toBe('h.p.moved');
    expect(ENGINE_ROOM_MOVED).toBe('roomMoved');
  });

  it('unbinding removes exactly the listeners the watcher added', async () => {
    const { room } = await joinedRoom('ws://127.0.0.1:7880', 'h.p.s1');
    const engine = (room as unknown as { engine: { listenerCount(e: string): number } }).engine;
    const before = [engine.listenerCount(ENGINE_TOKEN_REFRESHED), engine.listenerCount(ENGINE_ROOM_MOVED)];
    const watcher = new TokenWatcher(room, () => undefined);
    watcher.bind();
    watcher.bind();
    expect([engine.listenerCount(ENGINE_TOKEN_REFRESHED), engine.listenerCount(ENGINE_ROOM_MOVED)]).toEqual([
      before[0]! + 1,
      before[1]! + 1,
    ]);
    watcher.unbind();
    expect([engine.listenerCount(ENGINE_TOKEN_REFRESHED), engine.listenerCount(ENGINE_ROOM_MOVED)]).toEqual(before);
  });
});
