// The demo's room session: fetches a dev token from the page's own backend (/api/token), joins,
// publishes the chosen local source, keeps one ParticipantCard per remote participant and logs
// every lifecycle step. Tokens are used for Room.connect() and nowhere else.
import {
  ConnectionState,
  DisconnectReason,
  Room,
  RoomEvent,
  Track,
  type LocalTrackPublication,
  type RemoteParticipant,
} from 'livekit-client';
import type { EngineChoice } from './engines';
import type { LogKind } from './log-view';
import { ParticipantCard } from './room-view';
import type { LocalSource } from './sample-source';
import type { TrackTable } from './track-table';

export type SessionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

export interface SessionDeps {
  context: AudioContext;
  log(kind: LogKind, message: string): void;
  unlockAudio(): Promise<void>;
  /** Where cards go. */
  cards: HTMLElement;
  /** The processed-tracks table (a row per card). */
  tracks: TrackTable;
  /** The engine picked when the session starts. */
  engine: EngineChoice;
  /** State changes, and the number of remote participants present. */
  onChange(state: SessionState, peers: number): void;
}

interface TokenReply {
  token: string;
  url: string;
}

async function fetchToken(room: string, identity: string): Promise<TokenReply> {
  const query = new URLSearchParams({ room, identity });
  const response = await fetch(`/api/token?${query}`, { cache: 'no-store' });
  const body = (await response.json().catch(() => ({}))) as Partial<TokenReply> & { error?: string };
  if (!response.ok || typeof body.token !== 'string' || typeof body.url !== 'string') {
    throw new Error(`/api/token answered ${response.status}: ${body.error ?? 'no token in the reply'}`);
  }
  return { token: body.token, url: body.url };
}

export class DemoSession {
  private room: Room | undefined;
  private url = '';
  private state: SessionState = 'disconnected';
  private readonly cards = new Map<string, ParticipantCard>();
  private source: LocalSource | undefined;
  private published: { track: MediaStreamTrack; publication: LocalTrackPublication } | undefined;
  private publishing: Promise<void> = Promise.resolve();
  private engine: EngineChoice;
  private muted = false;

  constructor(private readonly deps: SessionDeps) {
    this.engine = deps.engine;
  }

  /** Every card switches to `engine` (a new processor each); new cards start with it. */
  async setEngine(engine: EngineChoice): Promise<void> {
    this.engine = engine;
    await Promise.all([...this.cards.values()].map((card) => card.setEngine(engine, this.room)));
  }

  /** Mutes what this tab publishes (the others receive silence), or unmutes it. */
  async setMuted(muted: boolean): Promise<void> {
    this.muted = muted;
    const publication = this.published?.publication;
    if (publication) await (muted ? publication.mute() : publication.unmute());
  }

  get connected(): boolean {
    return this.state === 'connected' || this.state === 'reconnecting';
  }

  get roomName(): string {
    return this.room?.name ?? '';
  }

  async join(roomName: string, identity: string): Promise<void> {
    if (this.room) await this.leave();
    this.setState('connecting');
    const { log } = this.deps;
    let reply: TokenReply;
    try {
      reply = await fetchToken(roomName, identity);
    } catch (e) {
      this.setState('disconnected');
      throw e;
    }
    log('token', `dev token fetched from /api/token for ${identity} (valid 10 min)`);
    const room = new Room({ adaptiveStream: false, dynacast: false });
    this.room = room;
    this.url = reply.url;
    this.listen(room);
    try {
      await room.connect(reply.url, reply.token, { autoSubscribe: true });
    } catch (e) {
      if (this.room === room) this.room = undefined;
      this.setState('disconnected');
      throw e;
    }
    log('room', `joined room ${room.name} as ${room.localParticipant.identity} (${room.localParticipant.sid}) on ${reply.url}`);
    this.setState('connected');
    // Cards of participants who are not here any more go; the present ones (re)bind.
    for (const [identity, card] of this.cards) {
      if (!room.remoteParticipants.has(identity)) this.removeCard(card);
    }
    for (const participant of room.remoteParticipants.values()) this.participantPresent(room, participant);
    await this.publish();
  }

  async leave(): Promise<void> {
    const room = this.room;
    if (!room) return;
    await this.publishing.catch(() => undefined);
    await room.disconnect();
  }

  /** Switches what this tab publishes: unpublishes the old source, publishes the new one. */
  async setSource(source: LocalSource): Promise<void> {
    const old = this.source;
    this.source = source;
    if (old && old !== source) old.stop();
    await this.publish();
  }

  /** Publishes a clone of the current source's track (the room stops clones, never the source). */
  private publish(): Promise<void> {
    this.publishing = this.publishing
      .catch(() => undefined)
      .then(async () => {
        const room = this.room;
        const source = this.source;
        if (!room || room.state !== ConnectionState.Connected || !source) return;
        if (this.published) {
          const old = this.published;
          this.published = undefined;
          if (old.publication.track) await room.localParticipant.unpublishTrack(old.publication.track, true);
          old.track.stop();
        }
        const track = source.track.clone();
        const publication = await room.localParticipant.publishTrack(track, {
          source: Track.Source.Microphone,
          name: source.kind === 'mic' ? 'microphone' : 'noisy-sample',
          dtx: false,
          red: false,
        });
        this.published = { track, publication };
        this.deps.log('track', `published your ${source.label} as ${publication.trackSid}`);
        if (this.muted) await publication.mute();
      });
    return this.publishing;
  }

  private participantPresent(room: Room, participant: RemoteParticipant): void {
    let card = this.cards.get(participant.identity);
    if (!card) {
      card = new ParticipantCard(participant.identity, {
        context: this.deps.context,
        log: this.deps.log,
        unlockAudio: this.deps.unlockAudio,
        serverUrl: () => this.url,
        onDismiss: (c) => this.removeCard(c),
        engine: () => this.engine,
        trackRow: (identity) => this.deps.tracks.row(identity),
      });
      this.cards.set(participant.identity, card);
      this.deps.cards.append(card.element);
    }
    card.markReturned();
    const bound = card;
    void card
      .bind(room)
      .catch((e: unknown) => this.deps.log('error', `could not bind ${bound.identity}: ${e instanceof Error ? e.message : String(e)}`));
  }

  private removeCard(card: ParticipantCard): void {
    card.dispose();
    this.cards.delete(card.identity);
    this.deps.log('participant', `card for ${card.identity} dismissed`);
    this.emitChange();
  }

  private setState(state: SessionState): void {
    this.state = state;
    this.emitChange();
  }

  private emitChange(): void {
    this.deps.onChange(this.state, this.room?.remoteParticipants.size ?? 0);
  }

  private listen(room: Room): void {
    const { log } = this.deps;
    const current = (): boolean => this.room === room;
    room
      .on(RoomEvent.ParticipantConnected, (p) => {
        log('participant', `${p.identity} joined`);
        this.participantPresent(room, p);
        this.emitChange();
      })
      .on(RoomEvent.ParticipantDisconnected, (p) => {
        log('participant', `${p.identity} left`);
        this.cards.get(p.identity)?.markLeft();
        this.emitChange();
      })
      .on(RoomEvent.TrackSubscribed, (track, publication, p) => {
        if (track.kind !== Track.Kind.Audio) return;
        log('track', `subscribed to ${p.identity}'s ${publication.source} track ${publication.trackSid}`);
      })
      .on(RoomEvent.TrackUnsubscribed, (track, publication, p) => {
        if (track.kind !== Track.Kind.Audio) return;
        log('track', `unsubscribed from ${p.identity}'s track ${publication.trackSid}`);
      })
      .on(RoomEvent.LocalTrackUnpublished, (publication) => log('track', `unpublished your track ${publication.trackSid}`))
      .on(RoomEvent.SignalReconnecting, () => log('room', 'signal connection lost; reconnecting'))
      .on(RoomEvent.Reconnecting, () => {
        log('room', 'reconnecting');
        if (current()) this.setState('reconnecting');
      })
      .on(RoomEvent.Reconnected, () => {
        log('room', 'reconnected');
        if (current()) this.setState('connected');
      })
      // The token that comes with a move is never logged: only the new room name.
      .on(RoomEvent.Moved, (name) => log('room', `moved to room ${name}`))
      .on(RoomEvent.MediaDevicesError, (e) => log('error', `media devices: ${e.message}`))
      .on(RoomEvent.Disconnected, (reason) => {
        const why = reason === undefined ? 'unknown reason' : (DisconnectReason[reason] ?? String(reason));
        log('room', `left room ${room.name} (${why})`);
        this.published?.track.stop();
        this.published = undefined;
        if (current()) {
          this.room = undefined;
          this.setState('disconnected');
        }
      });
  }
}
