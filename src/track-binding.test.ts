// Lifecycle units for TrackBinding. The seam: real livekit-client Room, LocalAudioTrack,
// RemoteAudioTrack and publication objects, but no server and no browser. tools/testing/rooms.ts
// stands in a fake MediaStreamTrack, sets the engine's private url/token and flags, and these
// tests emit the Room's and the engine's events themselves (what a signal connection would
// trigger). The real room path is covered by e2e/nc-room.spec.ts against the loopback server.
import { describe, expect, it, type RunnerTestCase, type RunnerTestSuite } from 'vitest';
import { RoomEvent } from 'livekit-client';
import { TrackBinding } from './track-binding';
import { DenoiserError } from './errors';
import { ENGINE_TOKEN_REFRESHED } from './room-adapter';
import {
  RecordingProcessor,
  type Call,
  SERVER_URL,
  disconnectParticipant,
  engineOf,
  fakeJwt,
  flushMicrotasks,
  localTrack,
  makeRoom,
  moveRoom,
  publishLocal,
  refreshToken,
  replaceEngine,
  subscribeRemote,
  unpublishLocal,
  unsubscribeRemote,
} from '../tools/testing/rooms';

// The Room itself listens for 'tokenRefreshed' on its engine; we count ours on top of that.
function tokenListeners(room: ReturnType<typeof makeRoom>): number {
  return engineOf(room).listenerCount(ENGINE_TOKEN_REFRESHED);
}

describe('TrackBinding lifecycle', () => {
  it('processor receives lifecycle callbacks on room attach: stream info once, credentials once', () => {
    const token = fakeJwt('alpha', 'me');
    const room = makeRoom('alpha', token);
    const track = localTrack();
    publishLocal(room, track, 'TR_local1');
    const p = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: p });
    expect(p.hooks()).toEqual(['info', 'credentials']);
    expect(p.infos()).toEqual([{ roomName: 'alpha', participantIdentity: room.localParticipant.identity, publicationSid: 'TR_local1' }]);
    expect(p.calls[2]).toEqual({ hook: 'credentials', credentials: { token, url: SERVER_URL } });
    expect(p.calls[0]).toMatchObject({ hook: 'attach-input', remote: false });
  });

  it('works for a remote subscribed track: identity and publication SID of the remote participant', () => {
    const room = makeRoom('alpha');
    const remote = subscribeRemote(room, 'bob', 'TR_bob1');
    const p = new RecordingProcessor();
    TrackBinding.attach(room, remote.track, { processor: p });
    expect(p.infos()).toEqual([{ roomName: 'alpha', participantIdentity: 'bob', publicationSid: 'TR_bob1' }]);
    expect(p.calls[0]).toMatchObject({ hook: 'attach-input', remote: true, trackId: remote.track.mediaStreamTrack.id });
  });

  it('callbacks refire on track room change, and the token listener swaps to the new room', () => {
    const roomA = makeRoom('alpha', fakeJwt('alpha', 'me'));
    const tokenB = fakeJwt('beta', 'me');
    const roomB = makeRoom('beta', tokenB);
    const baseA = tokenListeners(roomA);
    const baseB = tokenListeners(roomB);
    const [movedA, movedB] = [roomA.listenerCount(RoomEvent.Moved), roomB.listenerCount(RoomEvent.Moved)];
    const track = localTrack();
    publishLocal(roomA, track, 'TR_a');
    const p = new RecordingProcessor();
    const binding = TrackBinding.attach(roomA, track, { processor: p });
    expect(tokenListeners(roomA)).toBe(baseA + 1);
    p.reset();

    publishLocal(roomB, track, 'TR_b');
    binding.setRoom(roomB);
    expect(p.infos()).toEqual([{ roomName: 'beta', participantIdentity: roomB.localParticipant.identity, publicationSid: 'TR_b' }]);
    expect(p.tokens()).toEqual([tokenB]);
    expect(tokenListeners(roomA)).toBe(baseA);
    expect(tokenListeners(roomB)).toBe(baseB + 1);
    // The room-level listener (Moved, Reconnected) moves too.
    expect([roomA.listenerCount(RoomEvent.Moved), roomB.listenerCount(RoomEvent.Moved)]).toEqual([movedA, movedB + 1]);

    // The old room's refreshes no longer reach the processor; the new room's do.
    refreshToken(roomA, fakeJwt('alpha', 'me'));
    const tokenB2 = fakeJwt('beta', 'me');
    refreshToken(roomB, tokenB2);
    expect(p.tokens()).toEqual([tokenB, tokenB2]);
  });

  it('token refresh propagates to the processor of every binding of the track, through one engine listener', () => {
    const room = makeRoom('alpha');
    const base = tokenListeners(room);
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const p1 = new RecordingProcessor();
    const p2 = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: p1 });
    TrackBinding.attach(room, track, { processor: p2 });
    const fresh = fakeJwt('alpha', 'me', { iat: 2 });
    refreshToken(room, fresh);
    expect(p1.tokens().at(-1)).toBe(fresh);
    expect(p2.tokens().at(-1)).toBe(fresh);
    // One engine listener serves both bindings of the track.
    expect(tokenListeners(room)).toBe(base + 1);
  });

  it('the same token re-emitted before a reconnect attempt is not pushed twice', () => {
    const token = fakeJwt('alpha', 'me');
    const room = makeRoom('alpha', token);
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const p = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: p });
    refreshToken(room, token);
    refreshToken(room, token);
    expect(p.tokens()).toEqual([token]);
  });

  it('repeated setRoom with the same room does not double-register the listener', () => {
    const room = makeRoom('alpha');
    const base = tokenListeners(room);
    const baseRoom = room.listenerCount(RoomEvent.TrackUnsubscribed);
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const p = new RecordingProcessor();
    const binding = TrackBinding.attach(room, track, { processor: p });
    binding.setRoom(room);
    binding.setRoom(room);
    TrackBinding.attach(room, track, { processor: new RecordingProcessor() });
    expect(tokenListeners(room)).toBe(base + 1);
    // One room listener per binding, however often setRoom was called.
    expect(room.listenerCount(RoomEvent.TrackUnsubscribed)).toBe(baseRoom + 2);
  });

  it('re-registers the listener after the engine is replaced and its listeners stripped', async () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const p = new RecordingProcessor();
    const binding = TrackBinding.attach(room, track, { processor: p });
    const oldEngine = engineOf(room);
    await replaceEngine(room);
    expect(engineOf(room)).not.toBe(oldEngine);
    expect(oldEngine.listenerCount(ENGINE_TOKEN_REFRESHED)).toBe(0);
    const base = tokenListeners(room);

    room.emit(RoomEvent.Reconnected);
    expect(tokenListeners(room)).toBe(base + 1);
    const fresh = fakeJwt('alpha', 'me', { iat: 9 });
    refreshToken(room, fresh);
    expect(p.tokens().at(-1)).toBe(fresh);

    // setRoom with the same Room after the strip also re-registers, exactly once.
    await replaceEngine(room);
    binding.setRoom(room);
    binding.setRoom(room);
    expect(tokenListeners(room)).toBe(base + 1);
  });

  it('unregister stops metadata pushes and clears what it had pushed, once', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const p = new RecordingProcessor();
    const binding = TrackBinding.attach(room, track, { processor: p, autoCloseNoiseCancellation: false });
    binding.close();
    binding.close();
    expect(p.hooks()).toEqual(['info', 'credentials', 'info-cleared', 'credentials-cleared']);
    refreshToken(room, fakeJwt('alpha', 'me', { iat: 3 }));
    room.emit(RoomEvent.Moved, 'gamma');
    expect(p.hooks()).toHaveLength(4);
  });

  it('track leaving the room clears processor metadata', async () => {
    const room = makeRoom('alpha');
    const remote = subscribeRemote(room, 'bob', 'TR_bob');
    const p = new RecordingProcessor();
    TrackBinding.attach(room, remote.track, { processor: p });
    unsubscribeRemote(room, remote);
    expect(p.hooks()).toEqual(['info', 'credentials', 'info-cleared', 'credentials-cleared']);
    await flushMicrotasks();
  });

  it('fanout: a move and a token refresh reach every binding of the track', () => {
    // A local track: a move disconnects the remote participants, whose bindings then end.
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const ps = [new RecordingProcessor(), new RecordingProcessor(), new RecordingProcessor()];
    for (const p of ps) TrackBinding.attach(room, track, { processor: p });
    const moved = fakeJwt('beta', 'me');
    moveRoom(room, 'beta', moved);
    for (const p of ps) {
      expect(p.infos().at(-1)).toEqual({ roomName: 'beta', participantIdentity: room.localParticipant.identity, publicationSid: 'TR_1' });
      expect(p.tokens().at(-1)).toBe(moved);
    }
    const t = fakeJwt('beta', 'me', { iat: 5 });
    refreshToken(room, t);
    for (const p of ps) expect(p.tokens().at(-1)).toBe(t);
  });

  it('register before the track enters the room: pushed on entry', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    const p = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: p });
    expect(p.hooks()).toEqual([]);
    publishLocal(room, track, 'TR_late');
    expect(p.hooks()).toEqual(['info', 'credentials']);
    expect(p.infos()[0]?.publicationSid).toBe('TR_late');
  });

  it('attach, detach, attach again pushes correctly each time', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const p = new RecordingProcessor();
    for (let i = 0; i < 3; i++) {
      const b = TrackBinding.attach(room, track, { processor: p, autoCloseNoiseCancellation: false });
      b.close();
    }
    expect(p.hooks()).toEqual(Array(3).fill(['info', 'credentials', 'info-cleared', 'credentials-cleared']).flat());
    expect(p.closeCount).toBe(0);
  });

  it('no registered streams is safe: events with no bindings throw nothing and leave no listener', async () => {
    const room = makeRoom('alpha');
    const baseToken = tokenListeners(room);
    const baseSub = room.listenerCount(RoomEvent.TrackSubscribed);
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    TrackBinding.attach(room, track, { processor: new RecordingProcessor() }).close();
    expect(() => {
      refreshToken(room, fakeJwt('alpha', 'me'));
      room.emit(RoomEvent.Moved, 'beta');
      room.emit(RoomEvent.Disconnected);
    }).not.toThrow();
    await flushMicrotasks();
    expect(tokenListeners(room)).toBe(baseToken);
    expect(room.listenerCount(RoomEvent.TrackSubscribed)).toBe(baseSub);
  });

  it('unregister one of many only fans out to the remaining', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const a = new RecordingProcessor();
    const b = new RecordingProcessor();
    const bindingA = TrackBinding.attach(room, track, { processor: a });
    TrackBinding.attach(room, track, { processor: b });
    bindingA.close();
    a.reset();
    const t = fakeJwt('alpha', 'me', { iat: 7 });
    refreshToken(room, t);
    expect(a.calls).toEqual([]);
    expect(b.tokens().at(-1)).toBe(t);
  });

  it('close closes the processor once when autoClose is true', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    const p = new RecordingProcessor();
    const binding = TrackBinding.attach(room, track, { processor: p });
    binding.close();
    binding.close();
    expect(p.closeCount).toBe(1);
  });

  it('close leaves the processor open and usable when autoClose is false', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const p = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: p, autoCloseNoiseCancellation: false }).close();
    expect(p.closeCount).toBe(0);
    const other = localTrack();
    publishLocal(room, other, 'TR_2');
    TrackBinding.attach(room, other, { processor: p });
    expect(p.infos().at(-1)?.publicationSid).toBe('TR_2');
  });

  it('cleared hooks fire once, only after a matching update: unpublish racing localTrackUnpublished and disconnect', async () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    const publication = publishLocal(room, track, 'TR_1');
    const p = new RecordingProcessor();
    const binding = TrackBinding.attach(room, track, { processor: p });
    let cleared = 0;
    binding.on('cleared', () => cleared++);
    unpublishLocal(room, publication);
    room.emit(RoomEvent.LocalTrackUnpublished, publication, room.localParticipant);
    room.emit(RoomEvent.Disconnected);
    await flushMicrotasks();
    expect(p.count('info-cleared')).toBe(1);
    expect(p.count('credentials-cleared')).toBe(1);
    expect(cleared).toBe(1);
  });

  it('trackUnsubscribed racing participantDisconnected clears exactly once', async () => {
    const room = makeRoom('alpha');
    const remote = subscribeRemote(room, 'bob', 'TR_bob');
    const p1 = new RecordingProcessor();
    const p2 = new RecordingProcessor();
    TrackBinding.attach(room, remote.track, { processor: p1 });
    TrackBinding.attach(room, remote.track, { processor: p2 });
    unsubscribeRemote(room, remote);
    disconnectParticipant(room, remote);
    room.emit(RoomEvent.Disconnected);
    await flushMicrotasks();
    for (const p of [p1, p2]) {
      expect(p.count('info-cleared')).toBe(1);
      expect(p.count('credentials-cleared')).toBe(1);
      expect(p.closeCount).toBe(1);
    }
  });

  it('participantDisconnected alone clears and ends the binding of that participant only', async () => {
    const room = makeRoom('alpha');
    const bob = subscribeRemote(room, 'bob', 'TR_bob');
    const carol = subscribeRemote(room, 'carol', 'TR_carol');
    const pb = new RecordingProcessor();
    const pc = new RecordingProcessor();
    const bb = TrackBinding.attach(room, bob.track, { processor: pb });
    const bc = TrackBinding.attach(room, carol.track, { processor: pc });
    disconnectParticipant(room, bob);
    await flushMicrotasks();
    expect(pb.hooks()).toEqual(['info', 'credentials', 'info-cleared', 'credentials-cleared', 'close']);
    expect(bb.isEnded).toBe(true);
    expect(pc.count('info-cleared')).toBe(0);
    expect(bc.isEnded).toBe(false);
  });

  it('the token listener is removed only when the track leaves, and comes back when it returns', () => {
    const room = makeRoom('alpha');
    const base = tokenListeners(room);
    const track = localTrack();
    const pub = publishLocal(room, track, 'TR_1');
    TrackBinding.attach(room, track, { processor: new RecordingProcessor() });
    refreshToken(room, fakeJwt('alpha', 'me', { iat: 1 }));
    room.emit(RoomEvent.Reconnected);
    expect(tokenListeners(room)).toBe(base + 1);
    unpublishLocal(room, pub);
    expect(tokenListeners(room)).toBe(base);
    publishLocal(room, track, 'TR_2');
    expect(tokenListeners(room)).toBe(base + 1);
  });

  it('a republish with a new SID re-pushes the new publication SID, also to bindings created after it', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    const pub = publishLocal(room, track, 'TR_old');
    const before = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: before });
    unpublishLocal(room, pub);
    publishLocal(room, track, 'TR_new');
    expect(before.infos().map((i) => i.publicationSid)).toEqual(['TR_old', 'TR_new']);
    const after = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: after });
    expect(after.infos().map((i) => i.publicationSid)).toEqual(['TR_new']);
  });

  it('a full reconnect with a new engine and new SIDs re-pushes stream info and rebinds the token', async () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_before');
    const p = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: p });
    const rejoinToken = fakeJwt('alpha', 'me', { iat: 42 });
    await replaceEngine(room, rejoinToken);
    room.localParticipant.trackPublications.clear();
    publishLocal(room, track, 'TR_after');
    room.emit(RoomEvent.Reconnected);
    expect(p.infos().at(-1)?.publicationSid).toBe('TR_after');
    expect(p.tokens().at(-1)).toBe(rejoinToken);
    const later = fakeJwt('alpha', 'me', { iat: 43 });
    refreshToken(room, later);
    expect(p.tokens().at(-1)).toBe(later);
    const late = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: late });
    expect(late.infos()).toEqual([expect.objectContaining({ publicationSid: 'TR_after' })]);
  });

  it('RoomEvent.Moved pushes the new room name and the token carried by the move', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const p = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: p });
    const moved = fakeJwt('beta', 'me');
    moveRoom(room, 'beta', moved);
    expect(room.name).toBe('beta');
    expect(p.infos().at(-1)?.roomName).toBe('beta');
    expect(p.tokens().at(-1)).toBe(moved);
    // A later push (another binding) uses the moved token, not the engine's stale one.
    const q = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: q });
    expect(q.tokens()).toEqual([moved]);
  });

  it("trackUnsubscribed ends the bindings' audio after the event's other handlers ran", async () => {
    const room = makeRoom('alpha');
    const remote = subscribeRemote(room, 'bob', 'TR_bob');
    const p = new RecordingProcessor();
    const binding = TrackBinding.attach(room, remote.track, { processor: p });
    const seenByApp: string[] = [];
    room.on(RoomEvent.TrackUnsubscribed, () => {
      seenByApp.push(`ended=${binding.isEnded} closed=${p.closeCount} detached=${p.count('detach-input')}`);
    });
    const ended: string[] = [];
    binding.on('ended', (reason) => ended.push(reason));
    unsubscribeRemote(room, remote);
    expect(seenByApp).toEqual(['ended=false closed=0 detached=0']);
    await flushMicrotasks();
    expect(ended).toEqual(['track-unsubscribed']);
    expect(p.count('detach-input')).toBe(1);
    expect(p.closeCount).toBe(1);
  });

  it('a room disconnect clears every binding and leaves no listener behind', async () => {
    const room = makeRoom('alpha');
    const baseToken = tokenListeners(room);
    const counts = () =>
      [RoomEvent.TrackSubscribed, RoomEvent.TrackUnsubscribed, RoomEvent.Disconnected, RoomEvent.Moved].map((e) => room.listenerCount(e));
    const baseRoom = counts();
    const local = localTrack();
    publishLocal(room, local, 'TR_local');
    const bob = subscribeRemote(room, 'bob', 'TR_bob');
    const ps = [new RecordingProcessor(), new RecordingProcessor(), new RecordingProcessor()];
    TrackBinding.attach(room, local, { processor: ps[0]! });
    TrackBinding.attach(room, bob.track, { processor: ps[1]! });
    TrackBinding.attach(room, bob.track, { processor: ps[2]!, autoCloseNoiseCancellation: false });
    room.emit(RoomEvent.Disconnected);
    await flushMicrotasks();
    for (const p of ps) expect(p.hooks().slice(2, 4)).toEqual(['info-cleared', 'credentials-cleared']);
    expect(ps.map((p) => p.closeCount)).toEqual([1, 1, 0]);
    expect(tokenListeners(room)).toBe(baseToken);
    expect(counts()).toEqual(baseRoom);
  });

  it('refuses to bind a processor that already serves a live track, naming that track', () => {
    const room = makeRoom('alpha');
    const a = subscribeRemote(room, 'bob', 'TR_bob');
    const b = subscribeRemote(room, 'carol', 'TR_carol');
    const p = new RecordingProcessor();
    const first = TrackBinding.attach(room, a.track, { processor: p, autoCloseNoiseCancellation: false });
    expect(() => TrackBinding.attach(room, b.track, { processor: p })).toThrow(DenoiserError);
    expect(() => TrackBinding.attach(room, b.track, { processor: p })).toThrow(/TR_bob/);
    first.close();
    expect(() => TrackBinding.attach(room, b.track, { processor: p })).not.toThrow();
  });

  it('refuses a closed processor before touching the room', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const base = room.listenerCount(RoomEvent.TrackSubscribed);
    const p = new (class extends RecordingProcessor {
      override get isClosed(): boolean {
        return this.closeCount > 0;
      }
    })();
    p.close();
    expect(() => TrackBinding.attach(room, track, { processor: p })).toThrow(/processor is closed/);
    expect(p.hooks()).toEqual(['close']);
    expect(room.listenerCount(RoomEvent.TrackSubscribed)).toBe(base);
  });

  it('a processor that throws on attach leaves no half-built binding behind', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const base = [room.listenerCount(RoomEvent.TrackSubscribed), tokenListeners(room)];
    const p = new (class extends RecordingProcessor {
      override attachInput(): void {
        throw new Error('no audio here');
      }
    })();
    expect(() => TrackBinding.attach(room, track, { processor: p })).toThrow('no audio here');
    expect([room.listenerCount(RoomEvent.TrackSubscribed), tokenListeners(room)]).toEqual(base);
    expect(p.closeCount).toBe(0);
    // Not left marked busy either.
    const q = TrackBinding.attach(room, track, { processor: new RecordingProcessor() });
    expect(q.isEnded).toBe(false);
    expect(() => TrackBinding.attach(room, localTrack(), { processor: p })).not.toThrow();
  });

  it('offers no way to push from outside: only its track link reaches the processor (type-checked)', () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const p = new RecordingProcessor();
    const binding = TrackBinding.attach(room, track, { processor: p });
    // Never called: `tsc` fails here if any of these becomes public again.
    const forge = (): void => {
      // @ts-expect-error pushInfo is private
      binding.pushInfo({ roomName: 'forged', participantIdentity: 'x', publicationSid: 'y' });
      // @ts-expect-error pushCredentials is private
      binding.pushCredentials({ url: 'wss://forged.invalid', token: 'forged' });
      // @ts-expect-error clearPushed is private
      binding.clearPushed();
      // @ts-expect-error emit is protected
      binding.emit('cleared');
    };
    expect(typeof forge).toBe('function');
    expect(p.hooks()).toEqual(['info', 'credentials']);
  });

  it('uses the credential fallback when the room cannot tell its URL', () => {
    const room = makeRoom('alpha');
    engineOf(room).url = undefined;
    const track = localTrack();
    publishLocal(room, track, 'TR_1');
    const p = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: p, credentials: { url: 'wss://example.invalid' } });
    expect(p.calls.find((c) => c.hook === 'credentials')).toMatchObject({
      credentials: { url: 'wss://example.invalid' },
    });
  });
});

describe('TrackBinding.attachParticipant', () => {
  it('follows the microphone across a full rejoin and moves the processor to the new track', async () => {
    const room = makeRoom('alpha');
    const first = subscribeRemote(room, 'bob', 'TR_bob1');
    const p = new RecordingProcessor();
    const follow = TrackBinding.attachParticipant(room, 'bob', { processor: p, autoCloseNoiseCancellation: false });
    expect(p.infos().map((i) => i.publicationSid)).toEqual(['TR_bob1']);

    // A full rejoin: everyone is unsubscribed and disconnected, then comes back with new objects.
    unsubscribeRemote(room, first);
    disconnectParticipant(room, first);
    await flushMicrotasks();
    expect(p.count('info-cleared')).toBe(1);
    expect(p.closeCount).toBe(0);
    const second = subscribeRemote(room, 'bob', 'TR_bob2');
    expect(p.infos().map((i) => i.publicationSid)).toEqual(['TR_bob1', 'TR_bob2']);
    const inputs = p.calls.flatMap((c) => (c.hook === 'attach-input' ? [c.trackId] : []));
    expect(inputs).toEqual([first.track.mediaStreamTrack.id, second.track.mediaStreamTrack.id]);
    expect(follow.binding?.track).toBe(second.track);
    follow.close();
    expect(p.closeCount).toBe(0);
  });

  it('closes the processor once at the end when autoClose is true', async () => {
    const room = makeRoom('alpha');
    subscribeRemote(room, 'bob', 'TR_bob1');
    const p = new RecordingProcessor();
    const follow = TrackBinding.attachParticipant(room, 'bob', { processor: p });
    room.emit(RoomEvent.Disconnected);
    await flushMicrotasks();
    expect(follow.isEnded).toBe(true);
    follow.close();
    expect(p.closeCount).toBe(1);
  });

  it('ignores other participants and other sources', () => {
    const room = makeRoom('alpha');
    const p = new RecordingProcessor();
    TrackBinding.attachParticipant(room, 'bob', { processor: p });
    subscribeRemote(room, 'carol', 'TR_carol');
    expect(p.calls).toEqual([]);
  });
});

// Issue 10 item 3: with k bindings on one track, each processor hears each change once.
describe('TrackBinding pushes each change once per processor', () => {
  type Scenario = {
    name: string;
    /** Drives the room after the k bindings caught up; returns nothing. */
    run(
      room: ReturnType<typeof makeRoom>,
      publication: ReturnType<typeof publishLocal>,
      track: ReturnType<typeof localTrack>,
    ): Promise<void> | void;
    /** The hooks each processor must hear during `run`, in order. */
    expected: Call['hook'][];
  };

  const scenarios: Scenario[] = [
    {
      // What livekit-client does on a full reconnect: Reconnecting, the local tracks unpublished
      // and published again under new SIDs, Reconnected.
      name: 'a full rejoin (new publication SID)',
      run(room, publication, track) {
        room.emit(RoomEvent.SignalReconnecting);
        room.emit(RoomEvent.Reconnecting);
        unpublishLocal(room, publication);
        publishLocal(room, track, 'TR_rejoined');
        room.emit(RoomEvent.Reconnected);
      },
      expected: ['info-cleared', 'credentials-cleared', 'info', 'credentials'],
    },
    {
      // A resume keeps the peer connections and SIDs; the engine re-emits the same token before
      // its reconnect attempt.
      name: 'a resume (same SIDs, same token)',
      run(room) {
        room.emit(RoomEvent.SignalReconnecting);
        room.emit(RoomEvent.Reconnecting);
        refreshToken(room, engineOf(room).token!);
        room.emit(RoomEvent.Reconnected);
      },
      expected: [],
    },
    {
      name: 'a resume during which the server refreshed the token',
      run(room) {
        room.emit(RoomEvent.SignalReconnecting);
        room.emit(RoomEvent.Reconnecting);
        refreshToken(room, fakeJwt('alpha', 'me', { iat: 77 }));
        room.emit(RoomEvent.Reconnected);
      },
      expected: ['credentials'],
    },
    {
      name: 'a move to another room',
      run(room) {
        moveRoom(room, 'beta', fakeJwt('beta', 'me'));
      },
      expected: ['info', 'credentials'],
    },
    {
      name: 'a token refresh',
      run(room) {
        refreshToken(room, fakeJwt('alpha', 'me', { iat: 78 }));
      },
      expected: ['credentials'],
    },
  ];

  for (const k of [1, 2, 5]) {
    for (const scenario of scenarios) {
      it(`${scenario.name}, with ${k} binding(s) on the track: each processor hears it once`, async () => {
        const room = makeRoom('alpha');
        const roomLevel = [RoomEvent.Moved, RoomEvent.Reconnected, RoomEvent.SignalReconnecting] as const;
        const base = roomLevel.map((e) => room.listenerCount(e));
        const track = localTrack();
        const publication = publishLocal(room, track, 'TR_1');
        const ps = Array.from({ length: k }, () => new RecordingProcessor());
        for (const p of ps) TrackBinding.attach(room, track, { processor: p });
        for (const p of ps) expect(p.hooks()).toEqual(['info', 'credentials']);
        for (const p of ps) p.reset();
        await scenario.run(room, publication, track);
        await flushMicrotasks();
        for (const p of ps) expect(p.hooks()).toEqual(scenario.expected);
        // Room-level events are heard once per track, not once per binding.
        expect(roomLevel.map((e) => room.listenerCount(e))).toEqual(base.map((n) => n + 1));
      });
    }
  }

  it('no processor receives the same stream info twice in a row, through every scenario back to back', async () => {
    const room = makeRoom('alpha');
    const track = localTrack();
    let publication = publishLocal(room, track, 'TR_1');
    const ps = Array.from({ length: 5 }, () => new RecordingProcessor());
    const bindings = ps.map((p) => TrackBinding.attach(room, track, { processor: p }));
    const late: RecordingProcessor[] = [];
    for (const scenario of scenarios) {
      await scenario.run(room, publication, track);
      await flushMicrotasks();
      publication = [...room.localParticipant.trackPublications.values()].find((pub) => pub.track === track)!;
      // The same room bound again, and a binding attached mid-way, must not repeat either.
      for (const b of bindings) b.setRoom(room);
      const p = new RecordingProcessor();
      TrackBinding.attach(room, track, { processor: p });
      late.push(p);
    }
    for (const p of [...ps, ...late]) {
      const infos = p.calls.filter((c) => c.hook === 'info' || c.hook === 'info-cleared');
      for (let i = 1; i < infos.length; i++) {
        const [before, now] = [infos[i - 1]!, infos[i]!];
        if (before.hook === 'info' && now.hook === 'info') expect(now.info).not.toEqual(before.info);
      }
    }
    for (const p of ps) {
      // It did hear every change of the stream, in order.
      expect(p.infos().map((i) => `${i.roomName}/${i.publicationSid}`)).toEqual(['alpha/TR_1', 'alpha/TR_rejoined', 'beta/TR_rejoined']);
    }
  });
});

// The lifecycle contract of ARCHITECTURE.md, item by item: each is named by the tests of this
// file that check it. Renaming or dropping one of those tests fails here.
const CONTRACT: [item: string, tests: string[]][] = [
  [
    '1. attaching while the track is in a room pushes stream info once and credentials once',
    ['processor receives lifecycle callbacks on room attach: stream info once, credentials once'],
  ],
  [
    "2. a move to another room pushes that room's info and credentials; the token listener moves with it",
    ['callbacks refire on track room change, and the token listener swaps to the new room'],
  ],
  [
    '3. a token refresh pushes the new credentials to every binding of that track',
    ['token refresh propagates to the processor of every binding of the track, through one engine listener'],
  ],
  [
    '4. binding to the same room again registers no second listener; re-registers after the engine strips them',
    [
      'repeated setRoom with the same room does not double-register the listener',
      're-registers the listener after the engine is replaced and its listeners stripped',
    ],
  ],
  [
    '5. when the track leaves, both cleared hooks fire exactly once, even when two leave paths race',
    [
      'track leaving the room clears processor metadata',
      'cleared hooks fire once, only after a matching update: unpublish racing localTrackUnpublished and disconnect',
      'trackUnsubscribed racing participantDisconnected clears exactly once',
      'participantDisconnected alone clears and ends the binding of that participant only',
    ],
  ],
  [
    '6. register before the track is in the room, then it enters: pushed on entry',
    ['register before the track enters the room: pushed on entry'],
  ],
  ['7. attach, detach, attach again: the pushes are correct each time', ['attach, detach, attach again pushes correctly each time']],
  [
    '8. fan-out to every binding of a track; closing one stops only its own pushes',
    ['fanout: a move and a token refresh reach every binding of the track', 'unregister one of many only fans out to the remaining'],
  ],
  [
    '9. close with autoClose true closes the processor once; with false never, and it stays usable',
    ['close closes the processor once when autoClose is true', 'close leaves the processor open and usable when autoClose is false'],
  ],
  [
    '10. a republish or full reconnect with new SIDs re-pushes the NEW publication SID, also to later bindings',
    [
      'a republish with a new SID re-pushes the new publication SID, also to bindings created after it',
      'a full reconnect with a new engine and new SIDs re-pushes stream info and rebinds the token',
    ],
  ],
  [
    '11. RoomEvent.Moved pushes the new room name and token',
    ['RoomEvent.Moved pushes the new room name and the token carried by the move'],
  ],
  [
    '12. a room disconnect clears every binding and leaves no listener behind',
    ['a room disconnect clears every binding and leaves no listener behind'],
  ],
];

function testNames(suite: RunnerTestSuite | { tasks: (RunnerTestCase | RunnerTestSuite)[] }): string[] {
  return suite.tasks.flatMap((t) => (t.type === 'suite' ? testNames(t) : [t.name]));
}

describe('the lifecycle contract (ARCHITECTURE.md items 1-12)', () => {
  it('names, for every item, tests of this file that check it, and each of those tests exists', ({ task }) => {
    const names = new Set(testNames(task.file));
    expect(CONTRACT.map(([item]) => Number.parseInt(item, 10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const missing = CONTRACT.flatMap(([item, tests]) => tests.filter((t) => !names.has(t)).map((t) => `${item}: ${t}`));
    expect(missing).toEqual([]);
  });
});
