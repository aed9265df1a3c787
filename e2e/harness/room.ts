// Browser-side helpers for e2e pages that drive a livekit-client Room: event recording, token
// refresh capture, microphone publishing without browser audio processing, and RMS measurement
// of a remote audio track. Pages import these; specs talk to the page through `window`.
import {
  LocalAudioTrack,
  RemoteAudioTrack,
  Room,
  RoomEvent,
  Track,
  createLocalAudioTrack,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type Participant,
} from 'livekit-client';

export type RecordedEvent =
  | { type: 'connected'; at: number }
  | { type: 'disconnected'; at: number; reason: number | undefined }
  | { type: 'reconnecting'; at: number }
  | { type: 'signalReconnecting'; at: number }
  | { type: 'reconnected'; at: number }
  | { type: 'participantConnected'; at: number; identity: string }
  | { type: 'participantDisconnected'; at: number; identity: string }
  | { type: 'trackSubscribed'; at: number; identity: string; trackSid: string; kind: string; remoteAudio: boolean }
  | { type: 'trackUnsubscribed'; at: number; identity: string; trackSid: string }
  | { type: 'trackMuted'; at: number; identity: string; trackSid: string }
  | { type: 'trackUnmuted'; at: number; identity: string; trackSid: string }
  | { type: 'moved'; at: number; roomName: string };

/** Records the room events the e2e specs assert on, in order. Returns an unsubscribe function. */
export function recordRoomEvents(room: Room, sink: (e: RecordedEvent) => void): () => void {
  const now = (): number => performance.now();
  const handlers: [RoomEvent, (...args: never[]) => void][] = [
    [RoomEvent.Connected, () => sink({ type: 'connected', at: now() })],
    [RoomEvent.Disconnected, (reason?: number) => sink({ type: 'disconnected', at: now(), reason })],
    [RoomEvent.Reconnecting, () => sink({ type: 'reconnecting', at: now() })],
    [RoomEvent.SignalReconnecting, () => sink({ type: 'signalReconnecting', at: now() })],
    [RoomEvent.Reconnected, () => sink({ type: 'reconnected', at: now() })],
    [RoomEvent.ParticipantConnected, (p: RemoteParticipant) => sink({ type: 'participantConnected', at: now(), identity: p.identity })],
    [
      RoomEvent.ParticipantDisconnected,
      (p: RemoteParticipant) => sink({ type: 'participantDisconnected', at: now(), identity: p.identity }),
    ],
    [
      RoomEvent.TrackSubscribed,
      (track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) =>
        sink({
          type: 'trackSubscribed',
          at: now(),
          identity: p.identity,
          trackSid: pub.trackSid,
          kind: track.kind,
          remoteAudio: track.kind === Track.Kind.Audio && track instanceof RemoteAudioTrack,
        }),
    ],
    [
      RoomEvent.TrackUnsubscribed,
      (_t: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) =>
        sink({ type: 'trackUnsubscribed', at: now(), identity: p.identity, trackSid: pub.trackSid }),
    ],
    [
      RoomEvent.TrackMuted,
      (pub: RemoteTrackPublication, p: Participant) =>
        sink({ type: 'trackMuted', at: now(), identity: p.identity, trackSid: pub.trackSid }),
    ],
    [
      RoomEvent.TrackUnmuted,
      (pub: RemoteTrackPublication, p: Participant) =>
        sink({ type: 'trackUnmuted', at: now(), identity: p.identity, trackSid: pub.trackSid }),
    ],
    [RoomEvent.Moved, (roomName: string) => sink({ type: 'moved', at: now(), roomName })],
  ];
  for (const [event, handler] of handlers) room.on(event, handler as never);
  return () => {
    for (const [event, handler] of handlers) room.off(event, handler as never);
  };
}

/**
 * Captures every `tokenRefreshed` value of the room's engine, also across engine re-creation.
 * The engine re-emits the current token before reconnect attempts, so callers compare values.
 */
export function watchTokenRefreshes(room: Room, sink: (token: string) => void): () => void {
  const hooked = new WeakSet<object>();
  const hook = (): void => {
    const engine = room.engine as unknown as { on(e: string, f: (t: string) => void): void } | undefined;
    if (!engine || hooked.has(engine)) return;
    hooked.add(engine);
    engine.on('tokenRefreshed', sink);
  };
  hook();
  room.on(RoomEvent.SignalConnected, hook);
  room.on(RoomEvent.Reconnected, hook);
  return () => {
    room.off(RoomEvent.SignalConnected, hook);
    room.off(RoomEvent.Reconnected, hook);
  };
}

/**
 * Microphone track with the browser's processing off, so the level that reaches the server is
 * the level of the fake capture file.
 */
export function createRawMicTrack(): Promise<LocalAudioTrack> {
  return createLocalAudioTrack({ echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 });
}

export interface RmsResult {
  rms: number;
  dbfs: number;
  samples: number;
}

export function toDbfs(rms: number): number {
  return 20 * Math.log10(Math.max(rms, 1e-12));
}

/**
 * Measures the RMS of a remote audio track over `windowMs`. The track is also attached to a
 * muted <audio> element: Chrome may feed Web Audio silence for an unattached remote track.
 */
export async function measureRemoteRms(track: RemoteTrack, windowMs: number, ctx: AudioContext): Promise<RmsResult> {
  const el = track.attach() as HTMLMediaElement;
  el.muted = true;
  document.body.appendChild(el);
  if (ctx.state !== 'running') await ctx.resume();
  const source = ctx.createMediaStreamSource(new MediaStream([track.mediaStreamTrack]));
  // ScriptProcessor is deprecated but needs no worklet file; fine for a test harness.
  const proc = ctx.createScriptProcessor(4096, 1, 1);
  const sink = ctx.createGain();
  sink.gain.value = 0;
  let sumSq = 0;
  let samples = 0;
  const wanted = Math.round((windowMs / 1000) * ctx.sampleRate);
  try {
    await new Promise<void>((resolve) => {
      proc.onaudioprocess = (ev) => {
        const data = ev.inputBuffer.getChannelData(0);
        for (let i = 0; i < data.length && samples < wanted; i++) {
          const v = data[i]!;
          sumSq += v * v;
          samples++;
        }
        if (samples >= wanted) resolve();
      };
      source.connect(proc);
      proc.connect(sink);
      sink.connect(ctx.destination);
    });
  } finally {
    proc.onaudioprocess = null;
    source.disconnect();
    proc.disconnect();
    sink.disconnect();
    track.detach(el);
    el.remove();
  }
  const rms = Math.sqrt(sumSq / Math.max(samples, 1));
  return { rms, dbfs: toDbfs(rms), samples };
}

/** The subscribed remote audio track of `identity`, if any. */
export function remoteAudioTrackOf(room: Room, identity: string): RemoteTrack | undefined {
  const p = room.remoteParticipants.get(identity);
  if (!p) return undefined;
  for (const pub of p.audioTrackPublications.values()) if (pub.track) return pub.track;
  return undefined;
}
