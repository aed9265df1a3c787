// The per-track half of TrackBinding: what every binding of one track shares. The design follows
// @livekit/rtc-node's Track.setRoom: the track's room is held weakly, the old room's token
// listener is always removed and the new one always (re-)added, and pushes fan out to every
// binding of the track. The cleared hooks fire only after a matching update (each binding
// remembers what it pushed), so racing leave paths clear once.
import { RoomEvent, type Participant, type Room, type Track, type TrackPublication } from 'livekit-client';
import type { Credentials, StreamInfo } from './types';
import { locate } from './locate';
import { listen, unlisten, type RoomHandlers } from './room-events';
import { readConnection, TokenWatcher } from './room-adapter';
import type { TrackBindingOptions } from './track-binding';

/**
 * What the link needs of each binding of its track. A TrackBinding keeps its member private,
 * so only the link can push to its processor: no caller can forge a push or a binding event.
 */
export interface LinkMember {
  /** The binding's `credentials` option: used only when the Room cannot tell its URL or token. */
  readonly credentialFallback: TrackBindingOptions['credentials'];
  pushInfo(info: StreamInfo): void;
  pushCredentials(credentials: Credentials): void;
  clearPushed(): void;
}

/** Per-track state shared by every binding of that track: its room, its token and room-level listeners. */
export class TrackLink {
  private static readonly links = new WeakMap<Track, TrackLink>();

  static of(track: Track): TrackLink {
    let link = TrackLink.links.get(track);
    if (!link) TrackLink.links.set(track, (link = new TrackLink(track)));
    return link;
  }

  private readonly bindings = new Set<LinkMember>();
  private roomRef: WeakRef<Room> | undefined;
  private watcher: TokenWatcher | undefined;
  private info: StreamInfo | undefined;

  private constructor(private readonly track: Track) {}

  get room(): Room | undefined {
    return this.roomRef?.deref();
  }

  get streamInfo(): StreamInfo | undefined {
    return this.room ? this.info : undefined;
  }

  /** The track is (still, or again) in `room`, published as `publication` by `participant`. */
  setRoom(room: Room, participant: Participant, publication: TrackPublication): void;
  setRoom(room: null): void;
  setRoom(room: Room | null, participant?: Participant, publication?: TrackPublication): void {
    const old = this.room;
    if (old && old !== room) {
      this.watcher?.unbind();
      this.watcher = undefined;
      unlisten(old, this.roomHandlers);
    }
    if (!room) {
      this.roomRef = undefined;
      this.info = undefined;
      for (const b of this.bindings) b.clearPushed();
      return;
    }
    if (old !== room) listen(room, this.roomHandlers);
    this.roomRef = new WeakRef(room);
    this.info = {
      roomName: room.name,
      participantIdentity: participant?.identity ?? '',
      publicationSid: publication?.trackSid ?? '',
    };
    this.watcher ??= new TokenWatcher(room, this.onToken);
    this.watcher.bind();
    for (const b of this.bindings) this.pushTo(b);
  }

  // Room-level events concern the track, so the link hears them once, however many bindings
  // the track has: each processor is told each change once.
  private readonly onRoomChanged = (): void => {
    const room = this.room;
    if (room) this.refresh(room);
  };

  private readonly roomHandlers: RoomHandlers = [
    [RoomEvent.Moved, this.onRoomChanged],
    [RoomEvent.Reconnected, this.onRoomChanged],
    [RoomEvent.SignalReconnecting, this.onRoomChanged],
  ];

  /**
   * The room changed its name (RoomEvent.Moved) or reconnected: re-push what it now says. The
   * bindings drop what they already said, so a resume (same SIDs, same token) pushes nothing.
   */
  private refresh(room: Room): void {
    if (!this.info) return;
    const found = locate(room, this.track);
    this.info = {
      roomName: room.name,
      participantIdentity: found?.participant.identity ?? this.info.participantIdentity,
      publicationSid: found?.publication.trackSid ?? this.info.publicationSid,
    };
    this.watcher?.bind();
    for (const b of this.bindings) this.pushTo(b);
  }

  /**
   * Brings a new or re-attached binding up to date. Re-binds the token listener too: the engine
   * may have stripped it (closed) or been replaced since the track entered the room.
   */
  catchUp(binding: LinkMember): void {
    this.watcher?.bind();
    this.pushTo(binding);
  }

  private pushTo(binding: LinkMember): void {
    if (!this.info) return;
    binding.pushInfo(this.info);
    const credentials = this.credentialsFor(binding);
    if (credentials) binding.pushCredentials(credentials);
  }

  private credentialsFor(binding: LinkMember, token?: string): Credentials | undefined {
    const room = this.room;
    if (!room) return undefined;
    const fallback = binding.credentialFallback;
    const url = readConnection(room).url ?? fallback?.url;
    const fallbackToken = typeof fallback?.token === 'function' ? fallback.token() : fallback?.token;
    const value = token ?? this.watcher?.currentToken() ?? fallbackToken;
    return url && value ? { url, token: value } : undefined;
  }

  private readonly onToken = (token: string): void => {
    for (const b of this.bindings) {
      const credentials = this.credentialsFor(b, token);
      if (credentials) b.pushCredentials(credentials);
    }
  };

  add(binding: LinkMember): void {
    this.bindings.add(binding);
  }

  remove(binding: LinkMember): void {
    this.bindings.delete(binding);
    if (this.bindings.size > 0) return;
    // Nobody listens any more: leave no listener behind on the room or its engine.
    this.watcher?.unbind();
    this.watcher = undefined;
    const room = this.room;
    if (room) unlisten(room, this.roomHandlers);
    this.roomRef = undefined;
    this.info = undefined;
    TrackLink.links.delete(this.track);
  }
}
