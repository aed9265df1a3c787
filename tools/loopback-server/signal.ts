// One participant's signalling session: protobuf over one WebSocket, its media, its tracks.
import {
  AddTrackRequest,
  ClientConfigSetting,
  ClientConfiguration,
  DisconnectReason,
  JoinResponse,
  LeaveRequest,
  LeaveRequest_Action,
  MediaSectionsRequirement,
  ParticipantInfo,
  ParticipantInfo_State,
  ParticipantPermission,
  ParticipantUpdate,
  Pong,
  RequestResponse,
  RequestResponse_Reason,
  ReconnectResponse,
  RoomMovedResponse,
  ServerInfo,
  ServerInfo_Edition,
  SessionDescription,
  SignalRequest,
  SignalResponse,
  SignalTarget,
  TrackInfo,
  TrackPublishedResponse,
  TrackType,
} from '@livekit/protocol';
import type { WebSocket, RawData } from 'ws';
import type { JoinClaims } from './auth';
import type { CandidatePolicy } from './candidates';
import { Forwarder, ParticipantMedia, type PeerCounter, type TransportMode } from './media';
import { newSid, type PublishedTrack, type Room, type RoomMember, type RoomRegistry } from './room';
import { publishedAudioSections, type MediaSection } from './sdp';

export const SERVER_VERSION = '1.9.0';
/** ParticipantInfo versions only ever grow: the client ignores updates with an older version. */
let versionCounter = 0;
function nextVersion(): number {
  return ++versionCounter;
}

export interface SessionDeps {
  registry: RoomRegistry;
  counter: PeerCounter;
  candidatePolicy: CandidatePolicy;
  log: (line: string) => void;
  pingIntervalSeconds: number;
  pingTimeoutSeconds: number;
  tokenRefreshIntervalMs: number;
  /** 0: resume disabled (JoinResponse says so; a lost signal connection ends the session). */
  resumeWindowMs: number;
  /** Mints a token with the same grants as `claims`, for `room`. */
  mintToken(claims: JoinClaims, room: string): Promise<string>;
  /** Test hook: every token pushed to a client (refreshToken or roomMoved). */
  onTokenPushed(identity: string, room: string, token: string): void;
  onClosed(session: Session): void;
}

export interface JoinParams {
  mode: TransportMode;
  autoSubscribe: boolean;
  /** v1 only: the first publisher offer carried in join_request. */
  publisherOffer: SessionDescription | undefined;
}

export class Session implements RoomMember {
  readonly sid = newSid('PA');
  readonly identity: string;
  readonly autoSubscribe: boolean;
  readonly joinedAt = Date.now();
  private room: Room;
  private version = nextVersion();
  private readonly media: ParticipantMedia;
  private readonly tracks = new Map<string, PublishedTrack>(); // by track sid
  private lastSeen = Date.now();
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  /** Set while the signal connection is lost and a resume may still take the session over. */
  private resumeTimer: NodeJS.Timeout | undefined;
  /** What the server would have sent while the signal connection was lost; flushed on resume. */
  private readonly queued: SignalResponse['message'][] = [];
  /** false after an admin drop that forces a full rejoin. */
  private resumable = true;
  private state: ParticipantInfo_State = ParticipantInfo_State.JOINING;
  unknownMessages = 0;

  constructor(
    private ws: WebSocket,
    private claims: JoinClaims,
    private readonly params: JoinParams,
    private readonly deps: SessionDeps,
  ) {
    this.identity = claims.identity;
    this.autoSubscribe = params.autoSubscribe;
    this.room = deps.registry.getOrCreate(claims.room);
    this.media = new ParticipantMedia(
      params.mode,
      {
        sendAnswer: (sdp, id, midToTrackId) =>
          this.send({ case: 'answer', value: new SessionDescription({ type: 'answer', sdp, id, midToTrackId }) }),
        sendOffer: (sdp, id, midToTrackId) =>
          this.send({ case: 'offer', value: new SessionDescription({ type: 'offer', sdp, id, midToTrackId }) }),
        requestMediaSections: (numAudios) =>
          this.send({ case: 'mediaSectionsRequirement', value: new MediaSectionsRequirement({ numAudios, numVideos: 0 }) }),
        onPublisherOffer: (sections) => this.reconcilePublished(sections),
        onPublisherRtp: (mid, rtp) => {
          for (const t of this.tracks.values()) if (t.state === 'active' && t.mid === mid) t.forwarder.forward(rtp);
        },
        onFailure: (reason) => this.deps.log(`participant ${this.identity} in ${this.room.name}: ${reason}`),
        onIgnored: (what) => this.ignored(what),
      },
      deps.counter,
      deps.candidatePolicy,
    );
  }

  get roomName(): string {
    return this.room.name;
  }
  get canSubscribe(): boolean {
    return this.claims.canSubscribe;
  }
  get isClosed(): boolean {
    return this.closed;
  }
  get peerConnections(): number {
    return this.media.peerConnectionCount;
  }
  get mode(): TransportMode {
    return this.params.mode;
  }
  get socket(): WebSocket {
    return this.ws;
  }
  get awaitingResume(): boolean {
    return this.resumeTimer !== undefined;
  }

  private clientConfiguration(): ClientConfiguration {
    // Without resume the client must do full rejoins instead of retrying resume forever.
    const resume = this.deps.resumeWindowMs > 0 ? ClientConfigSetting.ENABLED : ClientConfigSetting.DISABLED;
    return new ClientConfiguration({ resumeConnection: resume });
  }

  private serverInfo(): ServerInfo {
    return new ServerInfo({ edition: ServerInfo_Edition.Standard, version: SERVER_VERSION, protocol: 16, nodeId: 'loopback' });
  }

  private attachSocket(ws: WebSocket): void {
    ws.on('message', (data, isBinary) => {
      if (ws === this.ws) this.onMessage(data, isBinary);
    });
    ws.on('close', () => this.onSocketGone(ws, 'signal connection closed'));
    ws.on('error', () => this.onSocketGone(ws, 'signal connection error'));
  }

  /** A lost signal connection (no leave): keep everything for a resume, or end the session. */
  private onSocketGone(ws: WebSocket, why: string): void {
    if (ws !== this.ws || this.closed || this.awaitingResume) return;
    if (this.deps.resumeWindowMs <= 0 || !this.resumable) return this.close(DisconnectReason.SIGNAL_CLOSE, why, false);
    const seconds = this.deps.resumeWindowMs / 1000;
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.close(DisconnectReason.SIGNAL_CLOSE, `${why}; no resume within ${seconds} s`, false);
    }, this.deps.resumeWindowMs);
    this.deps.log(`participant ${this.identity} in room ${this.room.name}: ${why}; kept ${seconds} s for a resume`);
  }

  /**
   * Resume (reconnect=1): the new signal connection takes over this session. Participant,
   * tracks, SIDs and peer connections stay; the client may restart ICE with its next offer.
   */
  resume(ws: WebSocket, claims: JoinClaims, publisherOffer: SessionDescription | undefined): void {
    const old = this.ws;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    this.ws = ws;
    this.claims = claims; // the client reconnects with its newest token
    this.lastSeen = Date.now();
    if (old !== ws && old.readyState !== old.CLOSED) old.terminate(); // it may not have noticed yet
    this.attachSocket(ws);
    this.send({
      case: 'reconnect',
      value: new ReconnectResponse({ iceServers: [], clientConfiguration: this.clientConfiguration(), serverInfo: this.serverInfo() }),
    });
    for (const message of this.queued.splice(0)) this.send(message);
    if (publisherOffer) void this.media.handlePublisherOffer(publisherOffer.sdp, publisherOffer.id);
    this.deps.log(`participant ${this.identity} resumed in room ${this.room.name} (${this.params.mode === 'single' ? '/rtc/v1' : '/rtc'})`);
  }

  start(): void {
    this.attachSocket(this.ws);
    this.state = ParticipantInfo_State.ACTIVE;
    this.send({
      case: 'join',
      value: new JoinResponse({
        room: this.room.info(),
        participant: this.info(),
        otherParticipants: this.room.othersOf(this).map((m) => m.info()),
        serverVersion: SERVER_VERSION,
        serverInfo: this.serverInfo(),
        subscriberPrimary: false,
        pingInterval: this.deps.pingIntervalSeconds,
        pingTimeout: this.deps.pingTimeoutSeconds,
        clientConfiguration: this.clientConfiguration(),
      }),
    });
    // The first offer is queued before the room subscribes us, so its receive sections can be
    // bound to already-published tracks without an extra round trip.
    if (this.params.publisherOffer) void this.media.handlePublisherOffer(this.params.publisherOffer.sdp, this.params.publisherOffer.id);
    this.room.add(this);
    this.deps.log(`participant ${this.identity} joined room ${this.room.name} (${this.params.mode === 'single' ? '/rtc/v1' : '/rtc'})`);
    this.timers.push(
      setInterval(() => {
        if (!this.awaitingResume && Date.now() - this.lastSeen > this.deps.pingTimeoutSeconds * 1000) {
          this.deps.log(`participant ${this.identity} ping timeout`);
          this.ws.terminate();
          this.close(DisconnectReason.SIGNAL_CLOSE, 'ping timeout', false);
        }
      }, 1000),
    );
    if (this.deps.tokenRefreshIntervalMs > 0) {
      this.timers.push(setInterval(() => void this.refreshToken(), this.deps.tokenRefreshIntervalMs));
    }
  }

  // ---- RoomMember -------------------------------------------------------------------------

  info(): ParticipantInfo {
    return new ParticipantInfo({
      sid: this.sid,
      identity: this.identity,
      name: this.claims.name,
      metadata: this.claims.metadata,
      attributes: this.claims.attributes,
      state: this.state,
      tracks: this.activeTracks().map((t) => t.info),
      version: this.version,
      joinedAt: BigInt(Math.floor(this.joinedAt / 1000)),
      joinedAtMs: BigInt(this.joinedAt),
      isPublisher: this.activeTracks().length > 0,
      permission: new ParticipantPermission({
        canPublish: this.claims.canPublish,
        canSubscribe: this.claims.canSubscribe,
        canPublishData: this.claims.canPublishData,
      }),
    });
  }

  activeTracks(): PublishedTrack[] {
    return [...this.tracks.values()].filter((t) => t.state === 'active');
  }

  sendUpdate(infos: ParticipantInfo[]): void {
    this.send({ case: 'update', value: new ParticipantUpdate({ participants: infos }) });
  }

  subscribeTo(publisherSid: string, track: PublishedTrack): void {
    this.media.subscribe({ trackSid: track.sid, publisherSid, forwarder: track.forwarder });
  }

  unsubscribeFrom(trackSid: string): void {
    this.media.unsubscribe(trackSid);
  }

  disconnect(reason: DisconnectReason, why: string): void {
    this.close(reason, why, true);
  }

  // ---- controls ---------------------------------------------------------------------------

  /** Pushes a fresh token with the same grants; resolves to it so tests can compare values. */
  async refreshToken(): Promise<string | undefined> {
    if (this.closed) return undefined;
    const token = await this.deps.mintToken(this.claims, this.room.name);
    if (this.closed) return undefined;
    this.send({ case: 'refreshToken', value: token });
    this.deps.onTokenPushed(this.identity, this.room.name, token);
    return token;
  }

  /**
   * Drops the signal connection without a leave. 'rejoin' also ends the session, so the client's
   * resume attempt is refused and it does a full rejoin; 'resume' keeps it for a resume.
   */
  dropSignal(mode: 'resume' | 'rejoin'): void {
    if (mode === 'rejoin') {
      this.resumable = false;
      this.ws.terminate();
      this.close(DisconnectReason.SIGNAL_CLOSE, 'signal dropped by admin (full rejoin forced)', false);
      return;
    }
    this.ws.terminate();
    this.onSocketGone(this.ws, 'signal dropped by admin');
  }

  /** Moves this participant (and its published tracks) to another room; returns the new token. */
  async moveTo(target: Room): Promise<string> {
    if (this.closed) throw new Error(`participant ${this.identity} is no longer connected`);
    if (target === this.room) throw new Error(`participant ${this.identity} is already in room ${target.name}`);
    const token = await this.deps.mintToken(this.claims, target.name);
    const from = this.room;
    for (const sid of this.media.subscribedTrackSids) this.media.unsubscribe(sid);
    this.version = nextVersion();
    from.remove(this, this.departedInfo(DisconnectReason.MIGRATION));
    this.deps.registry.dropIfEmpty(from);
    this.room = target;
    this.version = nextVersion();
    this.send({
      case: 'roomMoved',
      value: new RoomMovedResponse({
        room: target.info(),
        token,
        participant: this.info(),
        otherParticipants: target.othersOf(this).map((m) => m.info()),
      }),
    });
    this.deps.onTokenPushed(this.identity, target.name, token);
    target.add(this);
    this.deps.log(`participant ${this.identity} moved from room ${from.name} to ${target.name}`);
    return token;
  }

  // ---- signalling -------------------------------------------------------------------------

  private send(message: SignalResponse['message']): void {
    if (this.awaitingResume) {
      if (this.queued.length < 1000) this.queued.push(message);
      return;
    }
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(new SignalResponse({ message }).toBinary());
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    this.lastSeen = Date.now();
    let req: SignalRequest;
    try {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      req = isBinary ? SignalRequest.fromBinary(bytes) : SignalRequest.fromJsonString(bytes.toString('utf8'));
    } catch (e) {
      // Garbage frames are dropped; the session stays up (a client bug must not kill the server).
      this.unknownMessages++;
      return this.ignored(`undecodable ${isBinary ? 'binary' : 'text'} frame: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.handle(req);
  }

  private handle(req: SignalRequest): void {
    const msg = req.message;
    switch (msg.case) {
      case 'offer':
        void this.media.handlePublisherOffer(msg.value.sdp, msg.value.id);
        return;
      case 'answer':
        void this.media.handleSubscriberAnswer(msg.value.sdp);
        return;
      case 'trickle':
        this.media.addIceCandidate(msg.value.candidateInit, msg.value.target === SignalTarget.SUBSCRIBER ? 'subscriber' : 'publisher');
        return;
      case 'addTrack':
        this.addTrack(msg.value);
        return;
      case 'mute': {
        const track = this.tracks.get(msg.value.sid);
        if (!track) return this.ignored(`mute for unknown track ${msg.value.sid}`);
        if (track.info.muted === msg.value.muted) return;
        track.info.muted = msg.value.muted;
        this.version = nextVersion();
        this.room.announce(this);
        return;
      }
      case 'leave':
        this.close(DisconnectReason.CLIENT_INITIATED, 'client left', false);
        return;
      case 'ping':
        this.send({ case: 'pong', value: BigInt(Date.now()) });
        return;
      case 'pingReq':
        this.send({ case: 'pongResp', value: new Pong({ lastPingTimestamp: msg.value.timestamp, timestamp: BigInt(Date.now()) }) });
        return;
      case 'subscription':
        // Manual subscription (autoSubscribe=false clients).
        for (const trackSid of msg.value.trackSids) {
          if (!msg.value.subscribe) {
            this.media.unsubscribe(trackSid);
            continue;
          }
          if (!this.canSubscribe) {
            this.ignored(`subscription to ${trackSid} refused: token lacks the canSubscribe grant`);
            continue;
          }
          const publisher = this.room.othersOf(this).find((o) => o.activeTracks().some((t) => t.sid === trackSid));
          const track = publisher?.activeTracks().find((t) => t.sid === trackSid);
          if (!publisher || !track) this.ignored(`subscription to unknown track ${trackSid} in room ${this.room.name}`);
          else this.subscribeTo(publisher.sid, track);
        }
        return;
      case 'trackSetting':
      case 'updateLayers':
      case 'subscriptionPermission':
      case 'syncState':
      case 'simulate':
      case 'updateMetadata':
      case 'updateAudioTrack':
      case 'updateVideoTrack':
      case 'publishDataTrackRequest':
      case 'unpublishDataTrackRequest':
      case 'updateDataSubscription':
      case 'storeDataBlobRequest':
      case 'getDataBlobRequest':
        // Accepted and ignored: no effect on an audio-only loopback server.
        return this.ignored(`request '${msg.case}' has no effect on this audio-only server`);
      case undefined:
        this.unknownMessages++;
        return this.ignored('request of an unknown type (empty or newer than @livekit/protocol 1.52)');
      default: {
        const unhandled: never = msg;
        this.unknownMessages++;
        this.ignored(`request '${String((unhandled as { case: unknown }).case)}' is not handled`);
      }
    }
  }

  /** Every request the server refuses or ignores is logged with its reason (never a token). */
  private ignored(what: string): void {
    this.deps.log(`participant ${this.identity} in room ${this.room.name}: ignored: ${what}`);
  }

  private addTrack(req: AddTrackRequest): void {
    const refuse = (message: string): void => {
      this.ignored(`addTrack ${req.cid} refused: ${message}`);
      this.send({
        case: 'requestResponse',
        value: new RequestResponse({ reason: RequestResponse_Reason.NOT_ALLOWED, message, request: { case: 'addTrack', value: req } }),
      });
    };
    if (!this.claims.canPublish) return refuse('token lacks the canPublish grant');
    if (req.type !== TrackType.AUDIO) return refuse(`only audio tracks are supported, got track type ${TrackType[req.type]}`);
    const sid = newSid('TR');
    const info = new TrackInfo({
      sid,
      type: TrackType.AUDIO,
      name: req.name,
      source: req.source,
      muted: req.muted,
      mimeType: 'audio/opus',
      stream: req.stream,
      disableDtx: req.disableDtx,
      stereo: req.stereo,
      disableRed: true, // the server negotiates plain Opus only
      audioFeatures: req.audioFeatures,
    });
    this.tracks.set(sid, { sid, cid: req.cid, info, state: 'pending', mid: undefined, forwarder: new Forwarder() });
    this.send({ case: 'trackPublished', value: new TrackPublishedResponse({ cid: req.cid, track: info }) });
  }

  /**
   * Publishing sends no "unpublished" message: the client just renegotiates. A track is active
   * while its section is sending; a pending track becomes active when a new sending section
   * appears (matched by msid = cid, else by order).
   */
  private reconcilePublished(sections: MediaSection[]): void {
    if (this.closed) return;
    const sending = publishedAudioSections(sections);
    for (const s of sections) {
      if (s.kind === 'video' && s.direction !== 'recvonly' && s.direction !== 'inactive' && s.port !== 0) {
        this.ignored(`sending video section mid=${s.mid ?? '?'}: this server forwards audio only`);
      }
    }
    const sendingMids = new Set(sending.map((s) => s.mid!));
    for (const track of [...this.tracks.values()]) {
      if (track.state === 'active' && (!track.mid || !sendingMids.has(track.mid))) {
        this.tracks.delete(track.sid);
        track.forwarder.clear();
        this.version = nextVersion();
        this.room.trackRemoved(this, track.sid);
        this.deps.log(`track ${track.sid} unpublished by ${this.identity}`);
      }
    }
    const boundMids = new Set(this.activeTracks().map((t) => t.mid));
    for (const section of sending) {
      if (boundMids.has(section.mid)) continue;
      const pending = [...this.tracks.values()].filter((t) => t.state === 'pending');
      const track = pending.find((t) => t.cid === section.msidTrackId) ?? pending[0];
      if (!track) {
        this.ignored(`sending section mid=${section.mid ?? '?'} (msid track ${section.msidTrackId ?? 'none'}) matches no addTrack request`);
        continue;
      }
      track.state = 'active';
      track.mid = section.mid;
      track.info.mid = section.mid ?? '';
      boundMids.add(section.mid);
      this.version = nextVersion();
      this.room.trackActivated(this, track);
      this.deps.log(`track ${track.sid} published by ${this.identity} in room ${this.room.name}`);
    }
  }

  private departedInfo(reason: DisconnectReason): ParticipantInfo {
    const info = this.info();
    info.state = ParticipantInfo_State.DISCONNECTED;
    info.disconnectReason = reason;
    info.version = nextVersion();
    return info;
  }

  /** Leaves the room and frees everything. Safe to call more than once. */
  close(reason: DisconnectReason, why: string, sendLeave: boolean): void {
    if (this.closed) return;
    if (sendLeave) {
      this.send({
        case: 'leave',
        value: new LeaveRequest({ canReconnect: false, reason, action: LeaveRequest_Action.DISCONNECT }),
      });
    }
    this.closed = true;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    this.queued.length = 0;
    this.state = ParticipantInfo_State.DISCONNECTED;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.room.remove(this, this.departedInfo(reason));
    this.deps.registry.dropIfEmpty(this.room);
    for (const track of this.tracks.values()) track.forwarder.clear();
    this.media.close();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(1000);
    this.deps.log(`participant ${this.identity} left room ${this.room.name} (${why})`);
    this.deps.onClosed(this);
  }
}
