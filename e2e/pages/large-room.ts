// Page harness for the large-room spec. As a listener: one Room, one AudioContext, and every
// remote microphone bound on subscription to its own NoiseCancellation (TrackBinding.attach),
// with stats and room events kept per participant; a second, ungated processor can be bound to
// any track as the always-on reference; the raw inputs and the outputs of several processors
// are recorded in the same render quanta. As a publisher: the fake microphone, muted on demand.
// Tokens come from the spec and are never logged or stored here.
import { Room, RoomEvent, Track, type LocalAudioTrack, type RemoteTrack, type RemoteTrackPublication } from 'livekit-client';
import { NoiseCancellation, TrackBinding, type ProcessorStats } from '../../src/index';
import { createRawMicTrack } from '../harness/room';
import { toBase64 } from '../../tools/testing/base64';

interface Bound {
  nc: NoiseCancellation;
  /** Stats events received (one every 200 ms, and on every change). */
  statsEvents: number;
  closed: boolean;
}

let room: Room | undefined;
let ctx: AudioContext | undefined;
let mic: LocalAudioTrack | undefined;
const bound = new Map<string, Bound>();
const references = new Map<string, Bound>();
const events: string[] = [];
// Eight peers on a shared 2-core machine: the default 15 s for the peer connection is too short.
const CONNECT = { peerConnectionTimeout: 60_000 };

function audioContext(): AudioContext {
  ctx ??= new AudioContext({ sampleRate: 48_000 });
  return ctx;
}

/** Creates a processor pulled by the graph (its output muted) and binds it to the track. */
async function bind(track: RemoteTrack, gating: boolean): Promise<Bound> {
  const context = audioContext();
  const nc = await NoiseCancellation.create(context, { statsIntervalMs: 200, gating });
  const entry: Bound = { nc, statsEvents: 0, closed: false };
  nc.events.on('stats', () => entry.statsEvents++);
  nc.events.on('closed', () => (entry.closed = true));
  const sink = context.createGain();
  sink.gain.value = 0;
  nc.node.connect(sink).connect(context.destination);
  TrackBinding.attach(room!, track, { processor: nc });
  if (context.state !== 'running') await context.resume();
  return entry;
}

function remoteMic(identity: string): RemoteTrackPublication | undefined {
  return room?.remoteParticipants.get(identity)?.getTrackPublication(Track.Source.Microphone);
}

function entryOf(identity: string, reference = false): Bound {
  const entry = (reference ? references : bound).get(identity);
  if (!entry) throw new Error(`no ${reference ? 'reference ' : ''}processor for ${identity}`);
  return entry;
}

const harness = {
  async join(url: string, token: string): Promise<void> {
    room = new Room();
    room.on(RoomEvent.TrackSubscribed, (track, _pub, p) => {
      if (track.kind !== Track.Kind.Audio) return;
      events.push(`subscribed ${p.identity}`);
      void bind(track, true).then((entry) => bound.set(p.identity, entry));
    });
    room.on(RoomEvent.TrackMuted, (_pub, p) => events.push(`muted ${p.identity}`));
    room.on(RoomEvent.TrackUnsubscribed, (_t, _pub, p) => events.push(`unsubscribed ${p.identity}`));
    await room.connect(url, token, CONNECT);
  },

  /** Publishes the fake microphone (no browser audio processing); returns its track SID. */
  async publishMic(url: string, token: string): Promise<string> {
    room = new Room();
    await room.connect(url, token, CONNECT);
    mic = await createRawMicTrack();
    const publication = await room.localParticipant.publishTrack(mic, { source: Track.Source.Microphone, dtx: false });
    return publication.trackSid;
  },

  async muteMic(): Promise<void> {
    await mic!.mute();
  },

  /** Binds an always-on (ungated) processor to the participant's track too. */
  async addReference(identity: string): Promise<void> {
    const track = remoteMic(identity)?.track;
    if (!track) throw new Error(`no microphone track of ${identity}`);
    references.set(identity, await bind(track, false));
  },

  unsubscribe(identity: string): void {
    const pub = remoteMic(identity);
    if (!pub) throw new Error(`no microphone publication of ${identity}`);
    pub.setSubscribed(false);
  },

  /** Latest stats of each bound participant (undefined until its processor first reported). */
  stats(reference = false): Record<string, ProcessorStats | undefined> {
    return Object.fromEntries([...(reference ? references : bound)].map(([id, e]) => [id, e.nc.stats]));
  },
  statsEvents(identity: string): number {
    return entryOf(identity).statsEvents;
  },
  closed(identity: string): boolean {
    return entryOf(identity).closed;
  },
  latency(identity: string): number {
    return entryOf(identity).nc.ready?.latencySamples ?? -1;
  },
  events(): string[] {
    return events;
  },

  /**
   * Records, for each participant, its processor's input (the raw remote audio) and output, and
   * with `reference` the ungated processor's output: all in the same render quanta.
   */
  async record(identities: string[], seconds: number, reference?: string): Promise<Record<string, string>> {
    const context = audioContext();
    const taps: [string, AudioNode][] = [];
    for (const id of identities) {
      const { nc } = entryOf(id);
      if (!nc.inputNode) throw new Error(`the processor of ${id} has no input to record`);
      taps.push([`${id}:raw`, nc.inputNode], [`${id}:out`, nc.node]);
    }
    if (reference) taps.push([`${reference}:ref`, entryOf(reference, true).nc.node]);
    const merger = context.createChannelMerger(taps.length);
    taps.forEach(([, node], i) => node.connect(merger, 0, i));
    const proc = context.createScriptProcessor(4096, taps.length, 1);
    const mute = context.createGain();
    mute.gain.value = 0;
    const want = Math.round(seconds * context.sampleRate);
    const buffers = taps.map(() => new Float32Array(want));
    let n = 0;
    await new Promise<void>((resolve) => {
      proc.onaudioprocess = (ev) => {
        const take = Math.min(ev.inputBuffer.length, want - n);
        buffers.forEach((b, c) => b.set(ev.inputBuffer.getChannelData(c).subarray(0, take), n));
        n += take;
        if (n >= want) resolve();
      };
      merger.connect(proc).connect(mute).connect(context.destination);
    });
    proc.onaudioprocess = null;
    taps.forEach(([, node]) => node.disconnect(merger));
    merger.disconnect();
    proc.disconnect();
    mute.disconnect();
    return Object.fromEntries(taps.map(([name], i) => [name, toBase64(buffers[i]!)]));
  },
};

declare global {
  interface Window {
    lr: typeof harness;
  }
}

window.lr = harness;
document.body.dataset.ready = 'true';
