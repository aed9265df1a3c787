// Page harness for the large-room spec. As a listener: one Room, one AudioContext, and every
// remote microphone bound on subscription to its own NoiseCancellation (TrackBinding.attach),
// with stats, binding ends and room events kept per participant; a second, ungated processor can
// be bound to any track as the always-on reference; the raw inputs and the outputs of several
// processors are recorded in the same render quanta. As a publisher: the fake microphone, muted
// on demand. Tokens come from the spec and are never logged or stored here.
import { Room, RoomEvent, Track, type LocalAudioTrack, type RemoteTrack, type RemoteTrackPublication } from 'livekit-client';
import { NoiseCancellation, TrackBinding, type EndReason, type ProcessorStats } from '../../src/index';
import { createRawMicTrack } from '../harness/room';
import { toBase64 } from '../../tools/testing/base64';
// The large-room bench's recorder worklet: sample-exact taps on the audio thread.
import recorderUrl from '../../tools/bench/pages/live-room.recorder.ts?worker&url';
import { RECORDER_PROCESSOR, type RecorderOptions } from '../../tools/bench/pages/live-room.names';

interface Bound {
  nc: NoiseCancellation;
  /** Stats events received (one every 200 ms, and on every change). */
  statsEvents: number;
  binding: TrackBinding | undefined;
  /** Why the binding ended, while its processor stays (autoCloseNoiseCancellation: false). */
  ended: EndReason | null;
}

/** A recording under way: every tap's samples, sample-exact in the context's frames. */
interface Recording {
  names: string[];
  startFrame: number;
  frames: number;
  done: Promise<Float32Array[]>;
}

let room: Room | undefined;
let ctx: AudioContext | undefined;
let mic: LocalAudioTrack | undefined;
const bound = new Map<string, Bound>();
const references = new Map<string, Bound>();
const events: string[] = [];
let recording: Recording | undefined;
let recorderLoaded: Promise<void> | undefined;
// Eight peers on a shared 2-core machine: the default 15 s for the peer connection is too short.
const CONNECT = { peerConnectionTimeout: 60_000 };

function audioContext(): AudioContext {
  ctx ??= new AudioContext({ sampleRate: 48_000 });
  return ctx;
}

/**
 * Creates a processor pulled by the graph (its output muted) and binds it to the track. The
 * processor outlives its binding (autoCloseNoiseCancellation: false), so an unsubscribed track's
 * processor still reports what it costs, and a track delivered again after a reconnect gets the
 * same processor. No overload protection: the governor's shedding is tested on its own
 * (governor.test.ts, auto-tier.spec.ts), and on a machine shared with other jobs it would shed a
 * talker for load this page did not make.
 */
async function create(track: RemoteTrack, gating: boolean): Promise<Bound> {
  const context = audioContext();
  const nc = await NoiseCancellation.create(context, { statsIntervalMs: 200, gating, overloadProtection: false });
  const entry: Bound = { nc, statsEvents: 0, binding: undefined, ended: null };
  nc.events.on('stats', () => entry.statsEvents++);
  const sink = context.createGain();
  sink.gain.value = 0;
  nc.node.connect(sink).connect(context.destination);
  attach(entry, track);
  if (context.state !== 'running') await context.resume();
  return entry;
}

/** Binds the entry's processor to `track`, ending its binding to an earlier track object first. */
function attach(entry: Bound, track: RemoteTrack): void {
  entry.binding?.close();
  const binding = TrackBinding.attach(room!, track, { processor: entry.nc, autoCloseNoiseCancellation: false });
  entry.binding = binding;
  entry.ended = null;
  binding.on('ended', (reason) => {
    if (entry.binding === binding) entry.ended = reason;
  });
}

function remoteMic(identity: string): RemoteTrackPublication | undefined {
  return room?.remoteParticipants.get(identity)?.getTrackPublication(Track.Source.Microphone);
}

function entryOf(identity: string, reference = false): Bound {
  const entry = (reference ? references : bound).get(identity);
  if (!entry) throw new Error(`no ${reference ? 'reference ' : ''}processor for ${identity}`);
  return entry;
}

/**
 * Taps each node into one input of the bench's recorder worklet, from a frame just ahead. On the
 * audio thread, so a busy main thread cannot drop a block of one tap and not of another (a
 * ScriptProcessor on a loaded machine does: the taps' samples then no longer line up).
 */
async function startRecording(taps: [string, AudioNode][], seconds: number): Promise<Recording> {
  const context = audioContext();
  recorderLoaded ??= context.audioWorklet.addModule(recorderUrl);
  await recorderLoaded;
  const startFrame = Math.round((context.currentTime + 0.05) * context.sampleRate);
  const frames = Math.round(seconds * context.sampleRate);
  const recorder = new AudioWorkletNode(context, RECORDER_PROCESSOR, {
    numberOfInputs: taps.length,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    processorOptions: { startFrame, frames, inputs: taps.length } satisfies RecorderOptions,
  });
  const done = new Promise<Float32Array[]>((resolve) => {
    recorder.port.onmessage = (e: MessageEvent<Float32Array[]>) => {
      taps.forEach(([, node], i) => node.disconnect(recorder, 0, i));
      recorder.disconnect();
      resolve(e.data);
    };
  });
  taps.forEach(([, node], i) => node.connect(recorder, 0, i));
  recorder.connect(context.destination);
  return { names: taps.map(([name]) => name), startFrame, frames, done };
}

const harness = {
  async join(url: string, token: string): Promise<void> {
    room = new Room();
    // One chain per participant, so a second delivery of its track waits for the first bind.
    const chains = new Map<string, Promise<void>>();
    room.on(RoomEvent.TrackSubscribed, (track, _pub, p) => {
      if (track.kind !== Track.Kind.Audio) return;
      const id = p.identity;
      events.push(`subscribed ${id}`);
      const next = async (): Promise<void> => {
        const main = bound.get(id);
        if (!main) {
          bound.set(id, await create(track, true));
          return;
        }
        // The same publication again after a reconnect (a new track object): same processors.
        attach(main, track);
        const reference = references.get(id);
        if (reference) attach(reference, track);
      };
      chains.set(id, (chains.get(id) ?? Promise.resolve()).then(next));
    });
    for (const e of [RoomEvent.Reconnecting, RoomEvent.Reconnected, RoomEvent.SignalReconnecting, RoomEvent.Disconnected] as const) {
      room.on(e, () => events.push(e));
    }
    room.on(RoomEvent.TrackMuted, (_pub, p) => events.push(`muted ${p.identity}`));
    room.on(RoomEvent.TrackUnsubscribed, (_t, _pub, p) => events.push(`unsubscribed ${p.identity}`));
    await room.connect(url, token, CONNECT);
  },

  /** Publishes the fake microphone (no browser audio processing); returns its track SID. */
  async publishMic(url: string, token: string): Promise<string> {
    room = new Room();
    // A publisher only: subscribing to the seven others would decode them in this page too.
    await room.connect(url, token, { ...CONNECT, autoSubscribe: false });
    mic = await createRawMicTrack();
    const publication = await room.localParticipant.publishTrack(mic, { source: Track.Source.Microphone });
    return publication.trackSid;
  },

  /** livekit-client's mute: the track is disabled (it sends silence) and the server is told. */
  async muteMic(): Promise<void> {
    await mic!.mute();
  },

  /** Binds an always-on (ungated) processor to the participant's track too. */
  async addReference(identity: string): Promise<void> {
    const track = remoteMic(identity)?.track;
    if (!track) throw new Error(`no microphone track of ${identity}`);
    references.set(identity, await create(track, false));
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
  /** Per participant: why its binding ended (null while bound), whether its processor has an input, is closed. */
  bindings(): Record<string, { ended: EndReason | null; hasInput: boolean; closed: boolean }> {
    return Object.fromEntries([...bound].map(([id, e]) => [id, { ended: e.ended, hasInput: e.nc.hasInput, closed: e.nc.isClosed }]));
  },
  latency(identity: string): number {
    return entryOf(identity).nc.ready?.latencySamples ?? -1;
  },
  events(): string[] {
    return events;
  },

  /**
   * Starts recording, for each participant, its processor's input (the raw remote audio) and
   * output, and with `reference` the ungated processor's output: all in the same render quanta.
   * Poll recorded(), then take the samples with finishRecording().
   */
  async startRecording(identities: string[], seconds: number, reference?: string): Promise<void> {
    if (recording) throw new Error('a recording is under way');
    const taps: [string, AudioNode][] = [];
    for (const id of identities) {
      const { nc } = entryOf(id);
      if (!nc.inputNode) throw new Error(`the processor of ${id} has no input to record`);
      taps.push([`${id}:raw`, nc.inputNode], [`${id}:out`, nc.node]);
    }
    if (reference) taps.push([`${reference}:ref`, entryOf(reference, true).nc.node]);
    recording = await startRecording(taps, seconds);
  },
  /** Seconds recorded so far. */
  recorded(): number {
    if (!recording) return 0;
    const context = audioContext();
    return Math.min(recording.frames, Math.max(0, context.currentTime * context.sampleRate - recording.startFrame)) / context.sampleRate;
  },
  async finishRecording(): Promise<Record<string, string>> {
    const rec = recording;
    if (!rec) throw new Error('no recording under way');
    const buffers = await rec.done;
    recording = undefined;
    return Object.fromEntries(rec.names.map((name, i) => [name, toBase64(buffers[i]!)]));
  },
};

declare global {
  interface Window {
    lr: typeof harness;
  }
}

window.lr = harness;
document.body.dataset.ready = 'true';
