// Soak page: one Room joined as the subscriber, one AudioContext, and `cycle(n)` runs n rounds of
// NoiseCancellation.create → TrackBinding.attach to the publisher's real remote track → wait
// until the worklet holds the pushed stream info and valid credentials → binding.close()
// (autoClose closes the processor) → wait for the worklet's 'closed' confirmation. Counters that
// a leak would move are exposed for the Node side, which adds heap/DOM/RSS readings over CDP.
import { Room, RoomEvent, Track, type RemoteTrack } from 'livekit-client';
import { NoiseCancellation, TrackBinding } from '../../src/index';
import { ENGINE_ROOM_MOVED, ENGINE_TOKEN_REFRESHED, engineListenerCount } from '../../src/room-adapter';

const ROOM_EVENTS = [
  RoomEvent.TrackSubscribed,
  RoomEvent.TrackUnsubscribed,
  RoomEvent.LocalTrackPublished,
  RoomEvent.LocalTrackUnpublished,
  RoomEvent.ParticipantDisconnected,
  RoomEvent.Disconnected,
  RoomEvent.Moved,
  RoomEvent.Reconnected,
  RoomEvent.SignalReconnecting,
];

let room: Room | undefined;
let ctx: AudioContext | undefined;
let sink: GainNode | undefined;
let done = 0;
let closedConfirmed = 0;
let notRunningEngine = 0;
let lastHasInput = false;
let lastCycleMs = 0;
const cycleMs: number[] = [];

// Objects still reachable after a forced GC: created minus finalized, per kind.
const created = { processors: 0, nodes: 0, bindings: 0 };
const finalized = { processors: 0, nodes: 0, bindings: 0 };
type Kind = keyof typeof created;
const registry = new FinalizationRegistry<Kind>((kind) => void finalized[kind]++);
function track<T extends object>(kind: Kind, value: T): T {
  created[kind]++;
  registry.register(value, kind);
  return value;
}

function remoteMic(identity: string): RemoteTrack | undefined {
  return room?.remoteParticipants.get(identity)?.getTrackPublication(Track.Source.Microphone)?.track ?? undefined;
}

async function oneCycle(identity: string): Promise<void> {
  const remote = remoteMic(identity);
  if (!remote || !room) throw new Error(`no microphone track of ${identity}`);
  const sid = room.remoteParticipants.get(identity)?.getTrackPublication(Track.Source.Microphone)?.trackSid;
  const t0 = performance.now();
  const nc = track('processors', await NoiseCancellation.create(ctx!, { statsIntervalMs: 1000 }));
  track('nodes', nc.node);
  nc.node.connect(sink!);
  const pushed = new Promise<void>((resolve, reject) => {
    const check = (): boolean => {
      const s = nc.stats;
      return !!s && s.publicationSid === sid && s.credentialState === 'valid' && s.streamInfo?.participantIdentity === identity;
    };
    const off = nc.events.on('stats', () => {
      if (!check()) return;
      off();
      offError();
      resolve();
    });
    const offError = nc.events.on('error', (e) => reject(new Error(`${e.reason}: ${e.message}`)));
  });
  const binding = track('bindings', TrackBinding.attach(room, remote, { processor: nc }));
  await pushed;
  if (nc.ready?.engine == null || nc.stats?.bypass !== null) notRunningEngine++;
  lastHasInput = nc.hasInput;
  const closed = nc.whenClosed();
  binding.close();
  await closed;
  closedConfirmed++;
  lastHasInput = nc.hasInput;
  lastCycleMs = performance.now() - t0;
  cycleMs.push(lastCycleMs);
}

const soak = {
  async join(url: string, token: string): Promise<void> {
    ctx = new AudioContext({ sampleRate: 48_000 });
    sink = ctx.createGain();
    sink.gain.value = 0;
    sink.connect(ctx.destination);
    if (ctx.state !== 'running') await ctx.resume();
    room = new Room();
    await room.connect(url, token);
  },

  async waitForTrack(identity: string): Promise<void> {
    if (remoteMic(identity)) return;
    await new Promise<void>((resolve) => {
      const on = (): void => {
        if (!remoteMic(identity)) return;
        room!.off(RoomEvent.TrackSubscribed, on);
        resolve();
      };
      room!.on(RoomEvent.TrackSubscribed, on);
    });
  },

  /** Runs `n` attach/close cycles; returns how many have run in total. */
  async cycle(identity: string, n: number): Promise<number> {
    for (let i = 0; i < n; i++) {
      await oneCycle(identity);
      done++;
    }
    return done;
  },

  /**
   * Control for the AudioHandlers counter: `n` plain MediaStreamAudioSourceNodes on the same
   * remote track, created, connected, disconnected and dropped, without the library.
   */
  controlSources(identity: string, n: number, clone = false): void {
    const remote = remoteMic(identity);
    if (!remote || !ctx) throw new Error(`no microphone track of ${identity}`);
    for (let i = 0; i < n; i++) {
      // With `clone`, each source gets its own clone of the track, stopped after the disconnect.
      const input = clone ? remote.mediaStreamTrack.clone() : remote.mediaStreamTrack;
      const source = ctx.createMediaStreamSource(new MediaStream([input]));
      source.connect(sink!);
      source.disconnect();
      if (clone) input.stop();
    }
  },

  /** Lets pending finalization callbacks run (call after a forced GC). */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  },

  counters() {
    const sorted = [...cycleMs].sort((a, b) => a - b);
    return {
      cycles: done,
      closedConfirmed,
      notRunningEngine,
      lastHasInput,
      roomListeners: ROOM_EVENTS.reduce((sum, e) => sum + (room?.listenerCount(e) ?? 0), 0),
      engineTokenListeners: room ? engineListenerCount(room, ENGINE_TOKEN_REFRESHED) + engineListenerCount(room, ENGINE_ROOM_MOVED) : 0,
      live: {
        processors: created.processors - finalized.processors,
        nodes: created.nodes - finalized.nodes,
        bindings: created.bindings - finalized.bindings,
      },
      created: { ...created },
      audioContextState: ctx?.state ?? 'none',
      cycleMsMedian: sorted[Math.floor(sorted.length / 2)] ?? 0,
      lastCycleMs,
    };
  },
};

declare global {
  interface Window {
    soak: typeof soak;
  }
}

window.soak = soak;
document.body.dataset.ready = 'true';
