// Follows a participant's track of one source across the new track objects that an unpublish,
// republish or full rejoin delivers, moving the processor to each through a new TrackBinding.
import { RoomEvent, Track, type RemoteParticipant, type RemoteTrack, type RemoteTrackPublication, type Room } from 'livekit-client';
import { TypedEmitter } from './emitter';
import type { FrameProcessor } from './frame-processor';
// A cycle with track-binding.ts (its static attachParticipant builds one of these); neither
// module touches the other at load time, only inside methods.
import { TrackBinding, type EndReason, type TrackBindingOptions } from './track-binding';

export type ParticipantBindingEvents = {
  trackChanged: [binding: TrackBinding];
  ended: [reason: EndReason];
};

/** Follows a participant's microphone (or another source) across new track objects. */
export class ParticipantBinding extends TypedEmitter<ParticipantBindingEvents> {
  readonly processor: FrameProcessor;
  readonly source: Track.Source;
  private readonly options: TrackBindingOptions;
  private current: TrackBinding | undefined;
  private roomRef: WeakRef<Room> | undefined;
  private ended = false;

  constructor(
    room: Room,
    readonly identity: string,
    options: TrackBindingOptions & { source?: Track.Source },
  ) {
    super();
    this.processor = options.processor;
    this.source = options.source ?? Track.Source.Microphone;
    this.options = options;
    this.roomRef = new WeakRef(room);
    room.on(RoomEvent.TrackSubscribed, this.onTrackSubscribed).on(RoomEvent.Disconnected, this.onDisconnected);
    const participant = room.remoteParticipants.get(identity);
    const publication = participant?.getTrackPublication(this.source);
    if (publication?.track && publication.track.kind === Track.Kind.Audio) this.follow(room, publication.track);
  }

  /** The binding of the participant's current track, if it has one. */
  get binding(): TrackBinding | undefined {
    return this.current?.isEnded ? undefined : this.current;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private follow(room: Room, track: Track): void {
    this.current?.close();
    this.current = TrackBinding.attach(room, track, { ...this.options, autoCloseNoiseCancellation: false });
    this.emit('trackChanged', this.current);
  }

  private readonly onTrackSubscribed = (track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant): void => {
    const room = this.roomRef?.deref();
    if (!room || participant.identity !== this.identity || publication.source !== this.source) return;
    if (track.kind !== Track.Kind.Audio) return;
    this.follow(room, track);
  };

  private readonly onDisconnected = (): void => {
    // The inner binding clears itself on the same event; end once its handlers ran.
    queueMicrotask(() => this.end('room-disconnected'));
  };

  close(): void {
    this.end('closed');
  }

  private end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    const room = this.roomRef?.deref();
    room?.off(RoomEvent.TrackSubscribed, this.onTrackSubscribed).off(RoomEvent.Disconnected, this.onDisconnected);
    this.roomRef = undefined;
    this.current?.close();
    this.current = undefined;
    if (this.options.autoCloseNoiseCancellation ?? true) this.processor.close();
    this.emit('ended', reason);
    this.removeAllListeners();
  }
}
