// TrackBinding follows a livekit-client Room on behalf of one audio track and tells a
// FrameProcessor through its hooks: stream info and credentials updated or cleared. This file
// is the per-binding half (one processor: its room listeners, what it was told, its ending);
// the per-track state that every binding of a track shares is TrackLink (track-link.ts).
import {
  RoomEvent,
  Track,
  type LocalTrackPublication,
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type Room,
} from 'livekit-client';
import type { Credentials, StreamInfo } from './types';
import { DenoiserError } from './errors';
import { TypedEmitter } from './emitter';
import { FrameProcessor } from './frame-processor';
import { locate } from './locate';
import { listen, unlisten, type RoomHandlers } from './room-events';
import { ParticipantBinding } from './participant-binding';
import { TrackLink, type LinkMember } from './track-link';

export interface TrackBindingOptions {
  processor: FrameProcessor;
  /** Close the processor when the binding ends (default true). False keeps it for the next track. */
  autoCloseNoiseCancellation?: boolean;
  /**
   * Hand the track's MediaStreamTrack to the processor (default true). Set false when the
   * processor is wired another way, e.g. RemoteAudioTrack.setWebAudioPlugins([nc.node]).
   */
  connectAudio?: boolean;
  /** Used only when the Room cannot tell its server URL or token. */
  credentials?: { url?: string; token?: string | (() => string | undefined) };
}

export type EndReason = 'closed' | 'track-unsubscribed' | 'participant-disconnected' | 'room-disconnected';

export type TrackBindingEvents = {
  streamInfoUpdated: [info: StreamInfo];
  /** Never carries the token: only the URL. */
  credentialsUpdated: [summary: { url: string }];
  cleared: [];
  ended: [reason: EndReason];
};

// One live binding per processor: a processor runs one track's audio at a time.
const busy = new WeakMap<FrameProcessor, TrackBinding>();

export class TrackBinding extends TypedEmitter<TrackBindingEvents> {
  /**
   * Binds `processor` to `track` as seen from `room`. Works for remote (subscribed) and local
   * (published) audio tracks; the track may enter the room later.
   */
  static attach(room: Room, track: Track, options: TrackBindingOptions): TrackBinding {
    return new TrackBinding(room, track, options);
  }

  /**
   * Follows a participant's track of `source` (default microphone) across unpublish/republish
   * and full rejoins, which deliver new track objects. The processor moves to each new track.
   */
  static attachParticipant(room: Room, identity: string, options: TrackBindingOptions & { source?: Track.Source }): ParticipantBinding {
    return new ParticipantBinding(room, identity, options);
  }

  readonly processor: FrameProcessor;
  readonly autoClose: boolean;
  private readonly connectAudio: boolean;
  private readonly link: TrackLink;
  private readonly member: LinkMember;
  private roomRef: WeakRef<Room> | undefined;
  private pushedInfo: StreamInfo | null = null;
  private pushedCredentials: Credentials | null = null;
  private inputAttached = false;
  private ended = false;
  private autoCloseOnEnd = true;

  private constructor(
    room: Room,
    readonly track: Track,
    options: TrackBindingOptions,
  ) {
    super();
    if (!(options.processor instanceof FrameProcessor)) {
      throw DenoiserError.invalidOption('processor', typeof options.processor, 'a FrameProcessor');
    }
    if (track.kind !== Track.Kind.Audio) throw DenoiserError.trackKind(track.kind);
    if (options.processor.isClosed) throw DenoiserError.processorClosed();
    const holder = busy.get(options.processor);
    if (holder && !holder.ended) throw DenoiserError.processorBusy(holder.track.sid ?? 'unpublished');
    this.processor = options.processor;
    this.autoClose = options.autoCloseNoiseCancellation ?? true;
    this.connectAudio = options.connectAudio ?? true;
    // The link's only way in: pushes reach the processor through this, never from outside.
    this.member = {
      credentialFallback: options.credentials,
      pushInfo: (info) => this.pushInfo(info),
      pushCredentials: (credentials) => this.pushCredentials(credentials),
      clearPushed: () => this.clearPushed(),
    };
    busy.set(this.processor, this);
    this.link = TrackLink.of(track);
    this.link.add(this.member);
    try {
      this.watch(room);
    } catch (error) {
      // Nothing half-built stays behind: no listeners, no busy mark, the processor untouched.
      this.autoCloseOnEnd = false;
      this.end('closed');
      throw error;
    }
  }

  /** The room this binding watches for its track. */
  get room(): Room | undefined {
    return this.roomRef?.deref();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** What the processor was last told (null after a clear). */
  get streamInfo(): StreamInfo | null {
    return this.pushedInfo;
  }

  /** The server URL of the credentials last pushed (never the token), or null after a clear. */
  get credentialsUrl(): string | null {
    return this.pushedCredentials?.url ?? null;
  }

  /**
   * Follow the track in another Room object (an app moving a local track between rooms). The
   * token listener moves with it; none is left on the old room.
   */
  setRoom(room: Room): void {
    if (this.ended) throw DenoiserError.bindingClosed();
    this.watch(room);
  }

  private watch(room: Room): void {
    const previous = this.room;
    if (previous) unlisten(previous, this.roomHandlers());
    this.roomRef = new WeakRef(room);
    listen(room, this.roomHandlers());
    const found = locate(room, this.track);
    if (found) {
      this.attachInput(found.remote);
      if (this.link.room === room) this.link.catchUp(this.member);
      else this.link.setRoom(room, found.participant, found.publication);
    } else if (this.link.room) {
      this.link.catchUp(this.member);
    }
  }

  /** Ends the binding: cleared hooks (if anything was pushed), audio released, auto-close. */
  close(): void {
    this.end('closed');
  }

  private pushInfo(info: StreamInfo): void {
    if (this.ended) return;
    // Like credentials: an unchanged value is not said again (a resume, a re-attach).
    const last = this.pushedInfo;
    if (last && sameStreamInfo(last, info)) return;
    this.pushedInfo = info;
    this.processor.onStreamInfoUpdated(info);
    this.emit('streamInfoUpdated', info);
  }

  private pushCredentials(credentials: Credentials): void {
    if (this.ended) return;
    const last = this.pushedCredentials;
    // The engine re-emits the same token before every reconnect attempt; say it once.
    if (last && last.token === credentials.token && last.url === credentials.url) return;
    this.pushedCredentials = credentials;
    this.processor.onCredentialsUpdated(credentials);
    this.emit('credentialsUpdated', { url: credentials.url });
  }

  /** Fires each cleared hook once, and only after a matching update. */
  private clearPushed(): void {
    const hadInfo = this.pushedInfo !== null;
    const hadCredentials = this.pushedCredentials !== null;
    this.pushedInfo = null;
    this.pushedCredentials = null;
    if (hadInfo) this.processor.onStreamInfoCleared();
    if (hadCredentials) this.processor.onCredentialsCleared();
    if (hadInfo || hadCredentials) this.emit('cleared');
  }

  private attachInput(remote: boolean): void {
    if (this.inputAttached || !this.connectAudio || this.ended) return;
    const media = this.track.mediaStreamTrack;
    if (!media) return;
    this.inputAttached = true;
    this.processor.attachInput(media, { remote });
  }

  private end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.clearPushed();
    const room = this.room;
    if (room) unlisten(room, this.roomHandlers());
    this.roomRef = undefined;
    this.link.remove(this.member);
    if (this.inputAttached) {
      this.inputAttached = false;
      this.processor.detachInput();
    }
    if (busy.get(this.processor) === this) busy.delete(this.processor);
    if (this.autoClose && this.autoCloseOnEnd) this.processor.close();
    this.emit('ended', reason);
    this.removeAllListeners();
  }

  /** The track is gone for good: clear now, end once the event's other handlers have run. */
  private leaveAndEnd(room: Room, reason: EndReason): void {
    if (this.link.room === room) this.link.setRoom(null);
    else this.clearPushed();
    queueMicrotask(() => this.end(reason));
  }

  // One table for on and off, so the two can never disagree.
  private roomHandlers(): RoomHandlers {
    return [
      [RoomEvent.TrackSubscribed, this.onTrackSubscribed],
      [RoomEvent.TrackUnsubscribed, this.onTrackUnsubscribed],
      [RoomEvent.LocalTrackPublished, this.onLocalTrackPublished],
      [RoomEvent.LocalTrackUnpublished, this.onLocalTrackUnpublished],
      [RoomEvent.ParticipantDisconnected, this.onParticipantDisconnected],
      // Each binding ends on its own; the cleared hooks still fire once (see clearPushed).
      [RoomEvent.Disconnected, this.onDisconnected],
      // Moved, Reconnected and SignalReconnecting concern the track, not one binding: the
      // TrackLink handles them once per track.
    ];
  }

  // Listeners are arrow-function fields so `off` gets the same reference.
  private readonly onTrackSubscribed = (track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant): void => {
    const room = this.room;
    if (track !== this.track || !room) return;
    this.attachInput(true);
    this.link.setRoom(room, participant, publication);
  };

  private readonly onTrackUnsubscribed = (track: RemoteTrack): void => {
    const room = this.room;
    if (track === this.track && room) this.leaveAndEnd(room, 'track-unsubscribed');
  };

  private readonly onLocalTrackPublished = (publication: LocalTrackPublication, participant: Participant): void => {
    const room = this.room;
    if (publication.track !== this.track || !room) return;
    this.attachInput(false);
    this.link.setRoom(room, participant, publication);
  };

  // A local track may be published again (a republish, a full reconnect): clear, keep watching.
  private readonly onLocalTrackUnpublished = (publication: LocalTrackPublication): void => {
    if (publication.track === this.track && this.link.room === this.room) this.link.setRoom(null);
  };

  private readonly onParticipantDisconnected = (participant: RemoteParticipant): void => {
    const room = this.room;
    const info = this.link.streamInfo;
    if (!room || this.link.room !== room || !info) return;
    if (participant.identity === info.participantIdentity) this.leaveAndEnd(room, 'participant-disconnected');
  };

  private readonly onDisconnected = (): void => {
    const room = this.room;
    if (room) this.leaveAndEnd(room, 'room-disconnected');
  };
}

function sameStreamInfo(a: StreamInfo, b: StreamInfo): boolean {
  return a.roomName === b.roomName && a.participantIdentity === b.participantIdentity && a.publicationSid === b.publicationSid;
}
