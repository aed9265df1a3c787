// werift peer connections for one participant, and RTP forwarding between participants.
//
// Two layouts, chosen by the signalling path the client used:
// - 'single' (/rtc/v1): one PC. The client always offers, the server always answers. To send a
//   track the server asks the client for receive sections (mediaSectionsRequirement) and binds
//   the track to a free recvonly section in the client's next offer.
// - 'dual' (/rtc): the client's publisher PC offers to `pub`; the server's `sub` PC offers the
//   subscribed tracks to the client's subscriber PC.
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpPacket,
  useSdesMid,
  type MediaStreamTrack,
  type RTCRtpSender,
  type RTCRtpTransceiver,
} from 'werift';
import type { CandidatePolicy } from './candidates';
import { parseMediaSections, patchLocalSdp, isLiveSection, remoteSends, type MediaSection } from './sdp';

export type TransportMode = 'single' | 'dual';
export type SignalTarget = 'publisher' | 'subscriber';

/** Fan-out point of one published track: each subscriber registers a sink. */
export class Forwarder {
  private readonly sinks = new Set<(packet: Buffer) => void>();
  packets = 0;
  add(sink: (packet: Buffer) => void): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }
  get sinkCount(): number {
    return this.sinks.size;
  }
  forward(rtp: RtpPacket): void {
    this.packets++;
    if (this.sinks.size === 0) return;
    // Serialised once; every sink parses its own copy because werift rewrites headers in place.
    const bytes = rtp.serialize();
    for (const sink of this.sinks) {
      try {
        sink(bytes);
      } catch {
        // One broken subscriber must not stop the others (or throw into werift's socket loop).
      }
    }
  }
  clear(): void {
    this.sinks.clear();
  }
}

export interface SubscribeSource {
  trackSid: string;
  publisherSid: string;
  forwarder: Forwarder;
}

type DownTrack =
  | { state: 'pending'; source: SubscribeSource }
  | { state: 'bound'; source: SubscribeSource; transceiver: RTCRtpTransceiver; detach: () => void };

export interface MediaCallbacks {
  sendAnswer(sdp: string, id: number, midToTrackId: Record<string, string>): void;
  sendOffer(sdp: string, id: number, midToTrackId: Record<string, string>): void;
  requestMediaSections(numAudios: number): void;
  /** Media sections of every publisher offer after it was applied (publish/unpublish detection). */
  onPublisherOffer(sections: MediaSection[]): void;
  onPublisherRtp(mid: string, rtp: RtpPacket): void;
  onFailure(reason: string): void;
  /** Something the client sent that the server refused or ignored, and why (always logged). */
  onIgnored(what: string): void;
}

/** Counts open peer connections per server instance (leak checks read it). */
export interface PeerCounter {
  open: number;
}

function createPeer(counter: PeerCounter, policy: CandidatePolicy): RTCPeerConnection {
  counter.open++;
  const binding = policy.iceBinding();
  return new RTCPeerConnection({
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
      // Only so the client's pre-created video receive sections negotiate (to inactive).
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96 })],
    },
    // mid lets Chromium demultiplex several audio sections on one BUNDLE transport.
    headerExtensions: { audio: [useSdesMid()], video: [] },
    iceUseIpv6: false,
    iceAdditionalHostAddresses: binding.iceAdditionalHostAddresses,
    ...(binding.iceInterfaceAddresses ? { iceInterfaceAddresses: binding.iceInterfaceAddresses } : {}),
    iceFilterCandidatePair: (pair) => policy.allows(pair.localCandidate.host) && policy.allows(pair.remoteCandidate.host),
  });
}

/** Subscriber media is matched by the client through `a=msid:<PA_sid>|<TR_sid> <TR_sid>`. */
function labelSender(sender: RTCRtpSender, source: SubscribeSource): void {
  sender.streamId = `${source.publisherSid}|${source.trackSid}`;
  (sender as { trackId: string }).trackId = source.trackSid;
}

function sinkFor(sender: RTCRtpSender): (bytes: Buffer) => void {
  return (bytes) => {
    const packet = RtpPacket.deSerialize(bytes);
    // The publisher's extension ids belong to its own connection; werift would merge them in.
    packet.header.extensions = [];
    packet.header.extension = false;
    sender.sendRtp(packet).catch(() => undefined);
  };
}

/**
 * werift's addTransceiver (also used inside setRemoteDescription) recycles inactive transceivers
 * and steals their mid. Marking every existing one as used keeps mids stable.
 */
function markAllUsed(pc: RTCPeerConnection): void {
  for (const t of pc.getTransceivers()) t.usedForSender = true;
}

export class ParticipantMedia {
  private readonly pub: RTCPeerConnection;
  private sub: RTCPeerConnection | undefined;
  private readonly downTracks = new Map<string, DownTrack>();
  /** Transceivers that once carried a subscribed track; never reused (see loopback-server.md). */
  private readonly parked = new Set<RTCRtpTransceiver>();
  private readonly hookedTransceivers = new WeakSet<RTCRtpTransceiver>();
  private readonly hookedTracks = new WeakSet<MediaStreamTrack>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private subOfferId = 0;
  private subNeedsOffer = false;
  private requestedSections = 0;

  constructor(
    readonly mode: TransportMode,
    private readonly cb: MediaCallbacks,
    private readonly counter: PeerCounter,
    private readonly policy: CandidatePolicy,
  ) {
    this.pub = createPeer(counter, policy);
    this.watchState(this.pub, 'publisher');
  }

  get peerConnectionCount(): number {
    return (this.closed ? 0 : 1) + (this.sub && !this.closed ? 1 : 0);
  }

  private watchState(pc: RTCPeerConnection, label: string): void {
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' && !this.closed) this.cb.onFailure(`${label} peer connection failed`);
    });
  }

  /** Runs PC operations one at a time; werift does not tolerate overlapping negotiations. */
  private enqueue(what: string, fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await fn();
      } catch (e) {
        if (!this.closed) this.cb.onFailure(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    this.chain = next;
    return next;
  }

  handlePublisherOffer(sdp: string, id: number): Promise<void> {
    return this.enqueue('publisher offer', async () => {
      const offer = this.remoteSdp(sdp, 'publisher offer');
      markAllUsed(this.pub);
      await this.pub.setRemoteDescription({ type: 'offer', sdp: offer });
      const sections = parseMediaSections(offer);
      const byMid = new Map(sections.filter((s) => s.mid !== undefined).map((s) => [s.mid!, s]));
      for (const t of this.pub.getTransceivers()) {
        if (t.mid !== null && remoteSends(byMid.get(t.mid))) this.hookPublisherTransceiver(t);
      }
      if (this.mode === 'single') this.bindPendingToOffer(byMid);
      const answer = await this.pub.createAnswer();
      await this.pub.setLocalDescription(answer);
      const local = this.pub.localDescription?.sdp;
      if (!local) throw new Error('werift produced no local description');
      this.cb.sendAnswer(patchLocalSdp(local, this.policy), id, this.mode === 'single' ? this.midToTrackId() : {});
      this.cb.onPublisherOffer(sections);
      if (this.mode === 'single') this.requestSectionsIfNeeded();
    });
  }

  handleSubscriberAnswer(sdp: string): Promise<void> {
    return this.enqueue('subscriber answer', async () => {
      const sub = this.sub;
      if (!sub) throw new Error('answer for a subscriber PC that does not exist');
      await sub.setRemoteDescription({ type: 'answer', sdp: this.remoteSdp(sdp, 'subscriber answer') });
      if (this.subNeedsOffer) await this.offerToSubscriber();
    });
  }

  addIceCandidate(candidateInit: string, target: SignalTarget): void {
    let init: { candidate?: string; sdpMid?: string; sdpMLineIndex?: number };
    try {
      init = JSON.parse(candidateInit) as typeof init;
    } catch {
      // Garbage candidate: ignored, the client keeps working with the others.
      return this.cb.onIgnored(`trickle (${target}): candidateInit is not JSON`);
    }
    if (!init.candidate) return this.cb.onIgnored(`trickle (${target}): no candidate (end of candidates)`);
    const refusal = this.policy.refusal(init.candidate);
    if (refusal) return this.cb.onIgnored(`trickle (${target}) refused: ${refusal}`);
    const pc = target === 'subscriber' && this.mode === 'dual' ? this.sub : this.pub;
    if (!pc) return this.cb.onIgnored(`trickle (${target}): no such peer connection yet`);
    void this.enqueue('trickle', async () => {
      await pc.addIceCandidate({ candidate: init.candidate, sdpMid: init.sdpMid, sdpMLineIndex: init.sdpMLineIndex });
    });
  }

  private remoteSdp(sdp: string, what: string): string {
    return this.policy.filterSdp(sdp, (why) => this.cb.onIgnored(`${what}: candidate dropped: ${why}`));
  }

  subscribe(source: SubscribeSource): void {
    if (this.closed || this.downTracks.has(source.trackSid)) return;
    this.downTracks.set(source.trackSid, { state: 'pending', source });
    switch (this.mode) {
      case 'single':
        void this.enqueue('subscribe', async () => this.requestSectionsIfNeeded());
        return;
      case 'dual':
        void this.enqueue('subscribe', async () => {
          const down = this.downTracks.get(source.trackSid);
          if (!down || down.state !== 'pending') return;
          const sub = this.ensureSub();
          markAllUsed(sub);
          const t = sub.addTransceiver('audio', { direction: 'sendonly' });
          t.usedForSender = true;
          this.bind(source, t);
          await this.offerToSubscriber();
        });
        return;
    }
  }

  unsubscribe(trackSid: string): void {
    const down = this.downTracks.get(trackSid);
    if (!down) return;
    this.downTracks.delete(trackSid);
    if (down.state === 'pending') return;
    down.detach();
    this.parked.add(down.transceiver);
    // Never removeTrack (it can close the shared DTLS transport): park the section instead.
    down.transceiver.setDirection('inactive');
    if (this.mode === 'dual') void this.enqueue('unsubscribe', () => this.offerToSubscriber());
    // single: the next client offer is answered with the section inactive; nothing to send now.
  }

  get subscribedTrackSids(): string[] {
    return [...this.downTracks.keys()];
  }

  private ensureSub(): RTCPeerConnection {
    if (!this.sub) {
      this.sub = createPeer(this.counter, this.policy);
      this.watchState(this.sub, 'subscriber');
    }
    return this.sub;
  }

  private bind(source: SubscribeSource, t: RTCRtpTransceiver): void {
    labelSender(t.sender, source);
    t.setDirection('sendonly');
    const detach = source.forwarder.add(sinkFor(t.sender));
    this.downTracks.set(source.trackSid, { state: 'bound', source, transceiver: t, detach });
  }

  private bindPendingToOffer(byMid: Map<string, MediaSection>): void {
    const bound = new Set<RTCRtpTransceiver>();
    for (const d of this.downTracks.values()) if (d.state === 'bound') bound.add(d.transceiver);
    const free = this.pub.getTransceivers().filter((t) => {
      const section = t.mid !== null ? byMid.get(t.mid) : undefined;
      return t.kind === 'audio' && section?.direction === 'recvonly' && isLiveSection(section) && !bound.has(t) && !this.parked.has(t);
    });
    for (const d of this.downTracks.values()) {
      if (d.state !== 'pending') continue;
      const t = free.shift();
      if (!t) break;
      this.bind(d.source, t);
    }
    this.requestedSections = 0;
  }

  private requestSectionsIfNeeded(): void {
    let pending = 0;
    for (const d of this.downTracks.values()) if (d.state === 'pending') pending++;
    const missing = pending - this.requestedSections;
    if (missing <= 0) return;
    this.requestedSections += missing;
    this.cb.requestMediaSections(missing);
  }

  private async offerToSubscriber(): Promise<void> {
    const sub = this.sub;
    if (!sub) return;
    if (sub.signalingState !== 'stable') {
      this.subNeedsOffer = true; // re-offer once the outstanding answer arrives
      return;
    }
    this.subNeedsOffer = false;
    markAllUsed(sub);
    const offer = await sub.createOffer();
    await sub.setLocalDescription(offer);
    const local = sub.localDescription?.sdp;
    if (!local) throw new Error('werift produced no local offer');
    this.cb.sendOffer(patchLocalSdp(local, this.policy), ++this.subOfferId, this.midToTrackId());
  }

  private midToTrackId(): Record<string, string> {
    const map: Record<string, string> = {};
    for (const d of this.downTracks.values()) {
      if (d.state === 'bound' && d.transceiver.mid !== null) map[d.transceiver.mid] = d.source.trackSid;
    }
    return map;
  }

  private hookPublisherTransceiver(t: RTCRtpTransceiver): void {
    const hookTrack = (track: MediaStreamTrack): void => {
      if (this.hookedTracks.has(track)) return;
      this.hookedTracks.add(track);
      track.onReceiveRtp.subscribe((rtp) => {
        if (!this.closed && t.mid !== null) this.cb.onPublisherRtp(t.mid, rtp);
      });
    };
    for (const track of t.receiver.tracks) hookTrack(track);
    if (this.hookedTransceivers.has(t)) return;
    this.hookedTransceivers.add(t);
    t.onTrack.subscribe((track) => hookTrack(track));
  }

  /** Safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const d of this.downTracks.values()) if (d.state === 'bound') d.detach();
    this.downTracks.clear();
    for (const pc of [this.pub, this.sub]) {
      if (!pc) continue;
      this.counter.open--;
      pc.close().catch(() => undefined);
    }
  }
}
