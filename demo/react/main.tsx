// The React example: a components-react room with lk-denoise's hook on the local microphone (what
// is published is denoised) and on each remote participant (what is heard is denoised). Served
// by the demo's Vite build at /demo/react/; `npm run demo` starts its loopback LiveKit server.
//
// The one thing the hook needs from the Room for remote tracks: `webAudioMix: { audioContext }`,
// so the SDK plays remote audio through Web Audio, where the denoiser can sit. Each join gets a
// new AudioContext and Room (closed on leave), like an app that tears down per call.
import { StrictMode, useCallback, useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { RoomAudioRenderer, RoomContext, useMaybeRoomContext, useTracks, type TrackReference } from '@livekit/components-react';
import { Room, Track, type AudioCaptureOptions } from 'livekit-client';
// In an app: import { useNoiseCancellation } from 'lk-denoise/react';
import { useNoiseCancellation, type UseNoiseCancellationResult } from '../../src/react';
import { probe, type Session } from './probe';

async function connect(url: string, token: string, capture: AudioCaptureOptions = {}): Promise<Session> {
  // Created from the Join click (a user gesture), so it runs.
  const audioContext = new AudioContext();
  const room = new Room({ webAudioMix: { audioContext }, audioCaptureDefaults: capture });
  try {
    await room.connect(url, token);
    await room.localParticipant.setMicrophoneEnabled(true);
  } catch (error) {
    await room.disconnect();
    await audioContext.close();
    throw error;
  }
  return { room, audioContext };
}

function NoiseControl({ who, nc }: { who: string; nc: UseNoiseCancellationResult }) {
  const inCall = useMaybeRoomContext() !== undefined;
  useEffect(() => {
    probe.report(who, nc);
    return () => probe.report(who, undefined);
  }, [who, nc]);
  return (
    <div className="mic" data-who={who}>
      <span className="who">{who === 'local' ? 'My microphone (published)' : `${who} (heard)`}</span>
      <label>
        <input
          type="checkbox"
          checked={nc.isEnabled}
          disabled={nc.isPending || !inCall}
          onChange={(e) => void nc.setEnabled(e.target.checked)}
        />{' '}
        noise cancellation{nc.isPending ? '…' : ''}
      </label>
      {nc.stats ? <span className="stats">{nc.stats.framesProcessed} frames</span> : null}
      {nc.error ? <span className="error">{nc.error.message}</span> : null}
    </div>
  );
}

function LocalMic() {
  // Defaults to the local microphone, like useKrispNoiseFilter().
  const nc = useNoiseCancellation();
  return <NoiseControl who="local" nc={nc} />;
}

function RemoteMic({ trackRef }: { trackRef: TrackReference }) {
  const nc = useNoiseCancellation({ trackRef });
  return <NoiseControl who={trackRef.participant.identity} nc={nc} />;
}

function RemoteMics() {
  const mics = useTracks([Track.Source.Microphone]).filter((t) => !t.participant.isLocal);
  return (
    <>
      {mics.map((t) => (
        <RemoteMic key={t.publication.trackSid} trackRef={t} />
      ))}
      <RoomAudioRenderer />
    </>
  );
}

function App() {
  const [session, setSession] = useState<Session>();
  const [status, setStatus] = useState('');

  const join = useCallback(async (url: string, token: string, capture?: AudioCaptureOptions) => {
    const s = await connect(url, token, capture);
    probe.setSession(s);
    setSession(s);
  }, []);
  const leave = useCallback(async () => {
    if (!session) return;
    await session.room.disconnect();
    await session.audioContext.close();
    probe.setSession(undefined);
    setSession(undefined);
  }, [session]);
  useEffect(() => probe.connect(join, leave), [join, leave]);

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const query = new URLSearchParams({ room: String(form.get('room')), identity: String(form.get('identity')) });
    setStatus('joining…');
    void fetch(`/api/token?${query}`)
      .then(async (r) => {
        const body = (await r.json()) as { token?: string; url?: string; error?: string };
        if (!r.ok || !body.token || !body.url) throw new Error(body.error ?? `HTTP ${r.status}`);
        await join(body.url, body.token);
        setStatus('');
      })
      .catch((error: unknown) => setStatus(`could not join: ${error instanceof Error ? error.message : String(error)}`));
  };

  return (
    <main>
      <h1>lk-denoise · useNoiseCancellation in a components-react room</h1>
      {/* The local hook stays mounted across calls: its wish carries over, and each call's new
          Room, AudioContext and microphone track get a new processor. */}
      <RoomContext.Provider value={session?.room}>
        <LocalMic />
        {session ? <RemoteMics /> : null}
      </RoomContext.Provider>
      {session ? (
        <form onSubmit={(e) => (e.preventDefault(), void leave())}>
          <span>in room {session.room.name}</span>
          <button type="submit">Leave</button>
        </form>
      ) : (
        <form onSubmit={onSubmit}>
          <label>
            room <input name="room" defaultValue="react-example" />
          </label>
          <label>
            name <input name="identity" defaultValue={`guest-${Math.floor(Math.random() * 1000)}`} />
          </label>
          <button type="submit">Join</button>
          <span>{status}</span>
        </form>
      )}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
