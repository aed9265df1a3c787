// The Room seam for lifecycle units in Node. What is real: livekit-client's Room, its engine
// object, LocalAudioTrack, RemoteAudioTrack, RemoteParticipant and the publications, so the
// Room's own handlers run (a 'roomMoved' on the engine renames the room and emits
// RoomEvent.Moved; closing the engine strips its listeners). What is not: there is no server and
// no signal connection. A fake MediaStreamTrack (and MediaStream) stands in for the browser's;
// the engine's private url, token and state flags are set by hand; and the tests emit the
// Room's and the engine's events themselves, in the order a connection would.
import {
  LocalAudioTrack,
  LocalTrackPublication,
  RemoteAudioTrack,
  RemoteParticipant,
  RemoteTrackPublication,
  Room,
  RoomEvent,
  Track,
} from 'livekit-client';
import { Room as RoomModel, TrackInfo, TrackSource, TrackType } from '@livekit/protocol';
import { FrameProcessor } from '../../src/frame-processor';
import type { Credentials, StreamInfo } from '../../src/types';

let ids = 0;

class FakeMediaStreamTrack extends EventTarget {
  readonly kind = 'audio';
  readonly id = `mst-${++ids}`;
  enabled = true;
  muted = false;
  readyState = 'live';
  label = 'fake';
  getSettings() {
    return {};
  }
  getConstraints() {
    return {};
  }
  stop() {
    this.readyState = 'ended';
  }
  clone() {
    return new FakeMediaStreamTrack();
  }
}

if (!('MediaStream' in globalThis)) {
  (globalThis as Record<string, unknown>).MediaStream = class {
    constructor(private readonly tracks: unknown[] = []) {}
    getTracks() {
      return this.tracks;
    }
    getAudioTracks() {
      return this.tracks;
    }
  };
}

type Engine = {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
  close(): Promise<void>;
  url?: string;
  token?: string;
};

export const SERVER_URL = 'ws://127.0.0.1:7880';

/** The engine as the server would have left it: internals, but only in test support. */
export function engineOf(room: Room): Engine {
  return (room as unknown as { engine: Engine }).engine;
}

/** A room that "joined" `name` with `token`, as the signal connection would have set it up. */
export function makeRoom(name: string, token = fakeJwt(name, 'me')): Room {
  const room = new Room();
  setRoomName(room, name);
  const engine = engineOf(room);
  engine.url = SERVER_URL;
  engine.token = token;
  return room;
}

export function setRoomName(room: Room, name: string): void {
  engineOf(room).emit('roomUpdate', new RoomModel({ name, sid: `RM_${name}` }));
}

/** The server pushes a refreshed token. */
export function refreshToken(room: Room, token: string): void {
  engineOf(room).token = token;
  engineOf(room).emit('tokenRefreshed', token);
}

/** A full reconnect after a disconnect: the old engine closes (stripping listeners), a new one is made. */
export async function replaceEngine(room: Room, token?: string): Promise<void> {
  const old = engineOf(room);
  // A joined engine is no longer "newly created"; only then does the Room make a new one.
  Object.assign(old, { _isNewlyCreated: false, _isClosed: false });
  await old.close();
  (room as unknown as { maybeCreateEngine(): void }).maybeCreateEngine();
  const engine = engineOf(room);
  engine.url = SERVER_URL;
  engine.token = token ?? old.token;
}

/** The server moved the participant to another room (RoomEvent.Moved, new token). */
export function moveRoom(room: Room, name: string, token: string): void {
  engineOf(room).emit('roomMoved', {
    room: new RoomModel({ name, sid: `RM_${name}` }),
    token,
    participant: undefined,
    otherParticipants: [],
  });
}

function info(sid: string): TrackInfo {
  return new TrackInfo({ sid, name: 'microphone', type: TrackType.AUDIO, source: TrackSource.MICROPHONE });
}

export function localTrack(): LocalAudioTrack {
  return new LocalAudioTrack(new FakeMediaStreamTrack() as unknown as MediaStreamTrack, undefined, false);
}

export function publishLocal(room: Room, track: LocalAudioTrack, sid: string): LocalTrackPublication {
  const publication = new LocalTrackPublication(Track.Kind.Audio, info(sid), track);
  room.localParticipant.trackPublications.set(sid, publication);
  room.emit(RoomEvent.LocalTrackPublished, publication, room.localParticipant);
  return publication;
}

export function unpublishLocal(room: Room, publication: LocalTrackPublication): void {
  room.localParticipant.trackPublications.delete(publication.trackSid);
  room.emit(RoomEvent.LocalTrackUnpublished, publication, room.localParticipant);
}

export interface Remote {
  participant: RemoteParticipant;
  track: RemoteAudioTrack;
  publication: RemoteTrackPublication;
}

export function remoteParticipant(room: Room, identity: string): RemoteParticipant {
  let participant = room.remoteParticipants.get(identity);
  if (!participant) {
    const client = (room as unknown as { engine: { client: unknown } }).engine.client;
    participant = new RemoteParticipant(client as never, `PA_${identity}`, identity);
    room.remoteParticipants.set(identity, participant);
    room.emit(RoomEvent.ParticipantConnected, participant);
  }
  return participant;
}

/** A remote participant publishes a mic and we subscribe: a NEW track object every time. */
export function subscribeRemote(room: Room, identity: string, sid: string): Remote {
  const participant = remoteParticipant(room, identity);
  const track = new RemoteAudioTrack(
    new FakeMediaStreamTrack() as unknown as MediaStreamTrack,
    sid,
    undefined as unknown as RTCRtpReceiver,
  );
  const publication = new RemoteTrackPublication(Track.Kind.Audio, info(sid), true);
  publication.setTrack(track);
  (participant as unknown as { addTrackPublication(p: RemoteTrackPublication): void }).addTrackPublication(publication);
  room.emit(RoomEvent.TrackSubscribed, track, publication, participant);
  return { participant, track, publication };
}

export function unsubscribeRemote(room: Room, remote: Remote): void {
  remote.participant.trackPublications.delete(remote.publication.trackSid);
  remote.participant.audioTrackPublications.delete(remote.publication.trackSid);
  room.emit(RoomEvent.TrackUnsubscribed, remote.track, remote.publication, remote.participant);
}

export function disconnectParticipant(room: Room, remote: Remote): void {
  room.remoteParticipants.delete(remote.participant.identity);
  room.emit(RoomEvent.ParticipantDisconnected, remote.participant);
}

/** A JWT-shaped token (unsigned: nothing here verifies it). */
export function fakeJwt(room: string, identity: string, extra: Record<string, unknown> = {}): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: identity, video: { room }, exp: 4102444800, ...extra })}.sig${++ids}`;
}

export type Call =
  | { hook: 'info'; info: StreamInfo }
  | { hook: 'info-cleared' }
  | { hook: 'credentials'; credentials: Credentials }
  | { hook: 'credentials-cleared' }
  | { hook: 'attach-input'; trackId: string; remote: boolean }
  | { hook: 'detach-input' }
  | { hook: 'close' };

/** The recording FrameProcessor test double. */
export class RecordingProcessor extends FrameProcessor {
  readonly calls: Call[] = [];
  private enabled = true;
  closeCount = 0;

  isEnabled(): boolean {
    return this.enabled;
  }
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
  }
  override onStreamInfoUpdated(info: StreamInfo): void {
    this.calls.push({ hook: 'info', info });
  }
  override onStreamInfoCleared(): void {
    this.calls.push({ hook: 'info-cleared' });
  }
  override onCredentialsUpdated(credentials: Credentials): void {
    this.calls.push({ hook: 'credentials', credentials });
  }
  override onCredentialsCleared(): void {
    this.calls.push({ hook: 'credentials-cleared' });
  }
  override attachInput(track: MediaStreamTrack, options: { remote: boolean }): void {
    this.calls.push({ hook: 'attach-input', trackId: track.id, remote: options.remote });
  }
  override detachInput(): void {
    this.calls.push({ hook: 'detach-input' });
  }
  close(): void {
    this.closeCount++;
    this.calls.push({ hook: 'close' });
  }

  count(hook: Call['hook']): number {
    return this.calls.filter((c) => c.hook === hook).length;
  }
  infos(): StreamInfo[] {
    return this.calls.flatMap((c) => (c.hook === 'info' ? [c.info] : []));
  }
  tokens(): string[] {
    return this.calls.flatMap((c) => (c.hook === 'credentials' ? [c.credentials.token] : []));
  }
  /** Hooks only, without the audio hand-over. */
  hooks(): Call['hook'][] {
    return this.calls.map((c) => c.hook).filter((h) => h !== 'attach-input' && h !== 'detach-input');
  }
  reset(): void {
    this.calls.length = 0;
  }
}

/** Resolves after the microtasks queued so far (the bindings' deferred ends) have run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => queueMicrotask(resolve));
}
