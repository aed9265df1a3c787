// Room harness page: exposes `window.roomHarness` for Playwright specs (e2e/sfu). One Room per
// page; tokens are passed in by the spec and never logged.
import { DisconnectReason, Room, Track, type LocalAudioTrack, type LocalTrackPublication } from 'livekit-client';
import {
  createRawMicTrack,
  measureRemoteRms,
  recordRoomEvents,
  remoteAudioTrackOf,
  watchTokenRefreshes,
  type RecordedEvent,
  type RmsResult,
} from '../harness/room';

export interface JoinOptions {
  url: string;
  token: string;
  /** livekit-client default is true (/rtc/v1); false uses /rtc with two peer connections. */
  singlePeerConnection?: boolean;
  autoSubscribe?: boolean;
}

export interface RoomHarness {
  join(opts: JoinOptions): Promise<{ identity: string; sid: string; roomName: string }>;
  /** Resolves with the error message if connect fails (for refusal checks). */
  tryJoin(opts: JoinOptions): Promise<{ ok: true } | { ok: false; message: string; status: number | undefined }>;
  publishMic(): Promise<string>;
  unpublishMic(): Promise<void>;
  republishMic(): Promise<string>;
  setMicMuted(muted: boolean): Promise<void>;
  leave(): Promise<void>;
  events(): RecordedEvent[];
  tokenRefreshes(): string[];
  state(): string;
  roomName(): string;
  remoteIdentities(): string[];
  remoteAudioSids(): { identity: string; trackSid: string; subscribed: boolean }[];
  measureRms(identity: string, windowMs: number): Promise<RmsResult>;
  disconnectReasonName(reason: number | undefined): string;
  /** `ip:port` of the server side of the primary transport's selected ICE pair. */
  connectedServerAddress(): Promise<string | undefined>;
}

let room: Room | undefined;
let mic: LocalAudioTrack | undefined;
let micPublication: LocalTrackPublication | undefined;
const events: RecordedEvent[] = [];
const tokens: string[] = [];
let ctx: AudioContext | undefined;

function currentRoom(): Room {
  if (!room) throw new Error('not joined: call join() first');
  return room;
}

async function connect(opts: JoinOptions): Promise<Room> {
  const r = new Room({ singlePeerConnection: opts.singlePeerConnection ?? true, adaptiveStream: false, dynacast: false });
  recordRoomEvents(r, (e) => events.push(e));
  watchTokenRefreshes(r, (t) => tokens.push(t));
  room = r;
  await r.connect(opts.url, opts.token, { autoSubscribe: opts.autoSubscribe ?? true });
  return r;
}

const harness: RoomHarness = {
  async join(opts) {
    const r = await connect(opts);
    document.getElementById('status')!.textContent = 'joined';
    return { identity: r.localParticipant.identity, sid: r.localParticipant.sid, roomName: r.name };
  },
  async tryJoin(opts) {
    try {
      await connect(opts);
      return { ok: true };
    } catch (e) {
      const err = e as { message?: string; status?: number };
      return { ok: false, message: String(err.message ?? e), status: err.status };
    }
  },
  async publishMic() {
    const r = currentRoom();
    mic ??= await createRawMicTrack();
    micPublication = await r.localParticipant.publishTrack(mic, { source: Track.Source.Microphone, red: false, dtx: false });
    return micPublication.trackSid;
  },
  async unpublishMic() {
    const r = currentRoom();
    if (!mic) throw new Error('no microphone track published');
    await r.localParticipant.unpublishTrack(mic, false);
    micPublication = undefined;
  },
  async republishMic() {
    return harness.publishMic();
  },
  async setMicMuted(muted) {
    if (!mic) throw new Error('no microphone track');
    if (muted) await mic.mute();
    else await mic.unmute();
  },
  async leave() {
    await room?.disconnect();
    mic?.stop();
    mic = undefined;
  },
  events: () => events,
  tokenRefreshes: () => tokens,
  state: () => room?.state ?? 'none',
  roomName: () => room?.name ?? '',
  remoteIdentities: () => [...currentRoom().remoteParticipants.keys()],
  remoteAudioSids: () =>
    [...currentRoom().remoteParticipants.values()].flatMap((p) =>
      [...p.audioTrackPublications.values()].map((pub) => ({ identity: p.identity, trackSid: pub.trackSid, subscribed: !!pub.track })),
    ),
  async measureRms(identity, windowMs) {
    const track = remoteAudioTrackOf(currentRoom(), identity);
    if (!track) throw new Error(`no subscribed audio track from '${identity}'`);
    ctx ??= new AudioContext({ sampleRate: 48000 });
    return measureRemoteRms(track, windowMs, ctx);
  },
  connectedServerAddress: () => currentRoom().engine.getConnectedServerAddress(),
  disconnectReasonName: (reason) => (reason === undefined ? 'undefined' : (DisconnectReason[reason] ?? String(reason))),
};

declare global {
  interface Window {
    roomHarness: RoomHarness;
  }
}
window.roomHarness = harness;
