// Guards src/room-adapter.ts, the one place that reads livekit-client internals. If a
// livekit-client upgrade moves any of them, these fail with the name of what moved. The version
// matrix (tools/testing/vitest.matrix.config.ts) runs this file against every version we claim.
import { describe, expect, it } from 'vitest';
import { ConnectionState, EngineEvent, Room, version } from 'livekit-client';
import { Room as RoomModel, RoomMovedResponse } from '@livekit/protocol';
import { ENGINE_ROOM_MOVED, ENGINE_TOKEN_REFRESHED, TESTED_RANGE, TokenWatcher, readConnection } from './room-adapter';
import pkg from '../package.json' with { type: 'json' };
import { TrackBinding } from './track-binding';
import { RecordingProcessor, SERVER_URL, fakeJwt, localTrack, makeRoom, publishLocal } from '../tools/testing/rooms';
import { captureWarnings } from '../tools/testing/warnings';

// Every lk-denoise warning of this file's tests; a version we claim must produce none.
const warnings = captureWarnings();

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
    expect(warnings, `livekit-client ${version} is recognised`).toEqual([]);
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
    expect(warnings, `livekit-client ${version} is recognised`).toEqual([]);
  });

  it("livekit-client's own EngineEvent names, and the Room's own engine listeners, use the adapter's event names", () => {
    expect({ token: EngineEvent.TokenRefreshed, moved: EngineEvent.RoomMoved }).toEqual({
      token: ENGINE_TOKEN_REFRESHED,
      moved: ENGINE_ROOM_MOVED,
    });
    // The Room handles both itself, so a fresh engine already has a listener under each name.
    const engine = (new Room() as unknown as { engine: { listenerCount(e: string): number } }).engine;
    expect([engine.listenerCount(ENGINE_TOKEN_REFRESHED), engine.listenerCount(ENGINE_ROOM_MOVED)]).toEqual([1, 1]);
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

// Units with a test double: a Room whose internals are not the ones the adapter knows, as a
// future livekit-client might have them. The adapter must warn once and carry on.
describe('room adapter on unrecognised livekit-client internals (room doubles)', () => {
  /** A real Room with its engine swapped for `engine` (the double). */
  function roomWithEngine(engine: unknown, state = ConnectionState.Disconnected): Room {
    const room = makeRoom('alpha');
    Object.assign(room, { engine, state });
    return room;
  }

  it('an engine that is not an event emitter (double): one warning naming the version and the piece, no throw, no token', () => {
    const rooms = [roomWithEngine({ url: SERVER_URL }), roomWithEngine({})];
    for (const room of rooms) {
      const watcher = new TokenWatcher(room, () => undefined);
      expect(() => (watcher.bind(), watcher.bind(), watcher.unbind())).not.toThrow();
      expect(watcher.currentToken()).toBeUndefined();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`livekit-client ${version} `);
    expect(warnings[0]).toContain('room.engine is not an event emitter');
  });

  it("the warnings' tested range is package.json's livekit-client peer range", () => {
    expect(TESTED_RANGE).toBe(pkg.peerDependencies['livekit-client']);
  });

  it('a connected room whose engine holds no url or token (double): one warning, and nothing read', () => {
    const room = roomWithEngine({ on() {}, off() {}, listenerCount: () => 0 }, ConnectionState.Connected);
    expect(readConnection(room)).toEqual({ url: undefined, token: undefined });
    expect(readConnection(room)).toEqual({ url: undefined, token: undefined });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`livekit-client ${version} `);
    expect(warnings[0]).toContain('no string url/token');
  });

  it('a TrackBinding on such a room (double) still pushes stream info, and credentials from the credentials option', () => {
    const room = roomWithEngine({}, ConnectionState.Connected);
    const track = localTrack();
    publishLocal(room, track, 'TR_local1');
    const token = fakeJwt('alpha', 'me');
    const p = new RecordingProcessor();
    expect(() => TrackBinding.attach(room, track, { processor: p, credentials: { url: SERVER_URL, token: () => token } })).not.toThrow();
    expect(p.infos()).toEqual([{ roomName: 'alpha', participantIdentity: room.localParticipant.identity, publicationSid: 'TR_local1' }]);
    expect(p.tokens()).toEqual([token]);
  });
});
