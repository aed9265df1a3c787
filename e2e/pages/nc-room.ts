// Page harness for noise cancellation on a real remote track: one Room per page, a
// NoiseCancellation bound through TrackBinding, and a recorder that captures the raw remote
// audio and the processor's output in the same render quanta. Tokens come from the spec and
// are never logged or stored here.
import { Room, RoomEvent, Track, type LocalTrackPublication, type RemoteAudioTrack, type RemoteTrack } from 'livekit-client';
import {
  NoiseCancellation,
  TrackBinding,
  type NoiseCancellationOptions,
  type ParticipantBinding,
  type ProcessorStats,
} from '../../src/index';
import { createRawMicTrack } from '../harness/room';
import { fromBase64, toBase64 } from '../../tools/testing/base64';

export interface NcStartOptions extends NoiseCancellationOptions {
  /** Follow the participant across new tracks (default) or bind one track. */
  mode?: 'participant' | 'track';
  identity: string;
  autoClose?: boolean;
  /** Create and wire the processor, but bind it to the room only on bind(). */
  deferBinding?: boolean;
  /** Run the processor as the track's Web Audio plugin (rooms joined with webAudioMix). */
  asPlugin?: boolean;
}

export type StatsCondition = [path: string, op: '=' | '>', value: string | number | boolean | null];

let room: Room | undefined;
let ctx: AudioContext | undefined;
let nc: NoiseCancellation | undefined;
let follow: ParticipantBinding | undefined;
let trackBinding: TrackBinding | undefined;
let micPublication: LocalTrackPublication | undefined;
const statsLog: ProcessorStats[] = [];
const lifecycle: string[] = [];
let closedEvents = 0;
let startOptions: NcStartOptions | undefined;
let analyser: AnalyserNode | undefined;
let analysed: AudioNode | undefined;

function audioContext(): AudioContext {
  ctx ??= new AudioContext({ sampleRate: 48_000 });
  return ctx;
}

function remoteMic(identity: string): RemoteTrack | undefined {
  const pub = room?.remoteParticipants.get(identity)?.getTrackPublication(Track.Source.Microphone);
  return pub?.track ?? undefined;
}

const harness = {
  async join(url: string, token: string, webAudioMix = false): Promise<{ identity: string }> {
    room = new Room(webAudioMix ? { webAudioMix: { audioContext: audioContext() } } : {});
    room.on(RoomEvent.Reconnecting, () => lifecycle.push('reconnecting'));
    room.on(RoomEvent.Reconnected, () => lifecycle.push('reconnected'));
    room.on(RoomEvent.TrackSubscribed, (_t, pub, p) => lifecycle.push(`subscribed ${p.identity} ${pub.trackSid}`));
    await room.connect(url, token);
    return { identity: room.localParticipant.identity };
  },

  async publishMic(): Promise<string> {
    const track = await createRawMicTrack();
    micPublication = await room!.localParticipant.publishTrack(track, { source: Track.Source.Microphone });
    return micPublication.trackSid;
  },

  /**
   * Publishes base64 float32 samples, looped, as the microphone: for browsers whose fake
   * capture device plays a tone rather than a file (Firefox), so they can publish noisy speech.
   */
  async publishSamples(samples: string, sampleRate: number): Promise<string> {
    const context = audioContext();
    if (context.state !== 'running') await context.resume();
    const input = fromBase64(samples);
    const buffer = context.createBuffer(1, input.length, sampleRate);
    buffer.copyToChannel(input, 0);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.loop = true;
    const dest = context.createMediaStreamDestination();
    source.connect(dest);
    source.start();
    const [track] = dest.stream.getAudioTracks();
    micPublication = await room!.localParticipant.publishTrack(track!, { source: Track.Source.Microphone, dtx: false });
    return micPublication.trackSid;
  },

  async unpublishMic(): Promise<void> {
    const track = micPublication?.track;
    if (track) await room!.localParticipant.unpublishTrack(track, false);
    micPublication = undefined;
  },

  async leave(): Promise<void> {
    await room?.disconnect();
  },

  async startNc(options: NcStartOptions): Promise<void> {
    startOptions = options;
    nc = await NoiseCancellation.create(audioContext(), { statsIntervalMs: 200, ...options });
    nc.events.on('stats', (s) => statsLog.push(s));
    nc.events.on('closed', () => closedEvents++);
    // The processor's output must be pulled by the graph to run in real time.
    const sink = audioContext().createGain();
    sink.gain.value = 0;
    nc.node.connect(sink).connect(audioContext().destination);
    if (audioContext().state !== 'running') await audioContext().resume();
    if (options.asPlugin) {
      const track = remoteMic(options.identity);
      if (!track || track.kind !== Track.Kind.Audio) throw new Error(`no microphone track of ${options.identity} yet`);
      // livekit-client wires source → plugins → gain → destination once the track is attached.
      (track as RemoteAudioTrack).setWebAudioPlugins([nc.node]);
      track.attach();
      trackBinding = TrackBinding.attach(room!, track, {
        processor: nc,
        connectAudio: false,
        autoCloseNoiseCancellation: options.autoClose ?? true,
      });
      return;
    }
    if (options.deferBinding) {
      const track = remoteMic(options.identity);
      if (!track) throw new Error(`no microphone track of ${options.identity} yet`);
      nc.attachInput(track.mediaStreamTrack, { remote: true });
    } else {
      harness.bind();
    }
  },

  bind(): void {
    const options = startOptions!;
    const common = { processor: nc!, autoCloseNoiseCancellation: options.autoClose ?? true };
    if ((options.mode ?? 'participant') === 'participant') {
      follow = TrackBinding.attachParticipant(room!, options.identity, common);
      follow.on('trackChanged', (b) => lifecycle.push(`bound ${b.streamInfo?.publicationSid ?? '?'}`));
    } else {
      const track = remoteMic(options.identity);
      if (!track) throw new Error(`no microphone track of ${options.identity} yet`);
      trackBinding = TrackBinding.attach(room!, track, common);
      trackBinding.on('ended', (reason) => lifecycle.push(`ended ${reason}`));
    }
  },

  /** Records the processor's input (the raw remote microphone) and its output side by side. */
  async record(seconds: number): Promise<{ raw: string; out: string; sampleRate: number }> {
    const context = audioContext();
    const source = nc?.inputNode;
    if (!source) throw new Error('the processor has no input to record');
    const merger = context.createChannelMerger(2);
    source.connect(merger, 0, 0);
    nc!.node.connect(merger, 0, 1);
    const proc = context.createScriptProcessor(4096, 2, 1);
    const mute = context.createGain();
    mute.gain.value = 0;
    const want = Math.round(seconds * context.sampleRate);
    const raw = new Float32Array(want);
    const out = new Float32Array(want);
    let n = 0;
    await new Promise<void>((resolve) => {
      proc.onaudioprocess = (ev) => {
        const a = ev.inputBuffer.getChannelData(0);
        const b = ev.inputBuffer.getChannelData(1);
        const take = Math.min(a.length, want - n);
        raw.set(a.subarray(0, take), n);
        out.set(b.subarray(0, take), n);
        n += take;
        if (n >= want) resolve();
      };
      merger.connect(proc).connect(mute).connect(context.destination);
    });
    proc.onaudioprocess = null;
    source.disconnect(merger);
    nc!.node.disconnect(merger);
    merger.disconnect();
    proc.disconnect();
    mute.disconnect();
    return { raw: toBase64(raw), out: toBase64(out), sampleRate: context.sampleRate };
  },

  /** RMS of the processor's input over the last ~40 ms (0 before any input). */
  inputRms(): number {
    const source = nc?.inputNode;
    if (!source) return 0;
    if (!analyser || analysed !== source) {
      analyser?.disconnect();
      analyser = audioContext().createAnalyser();
      analyser.fftSize = 2048;
      source.connect(analyser);
      analysed = source;
    }
    const buf = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(buf);
    return Math.sqrt(buf.reduce((sum, v) => sum + v * v, 0) / buf.length);
  },

  stats(): ProcessorStats | undefined {
    return nc?.stats;
  },
  /** Whether the latest stats meet every condition: [path, '=' | '>', value]. */
  statsMatch(conditions: StatsCondition[]): boolean {
    const stats = nc?.stats;
    if (!stats) return false;
    return conditions.every(([path, op, value]) => {
      const actual = path
        .split('.')
        .reduce<unknown>((o, k) => (o === null || o === undefined ? undefined : (o as Record<string, unknown>)[k]), stats);
      return op === '=' ? actual === value : typeof actual === 'number' && actual > (value as number);
    });
  },
  statsLog(): ProcessorStats[] {
    return statsLog;
  },
  lifecycle(): string[] {
    return lifecycle;
  },
  setEnabled(enabled: boolean): void {
    nc!.setEnabled(enabled);
  },
  processor(): { closed: boolean; closedEvents: number; hasInput: boolean } {
    return { closed: nc?.isClosed ?? true, closedEvents, hasInput: nc?.hasInput ?? false };
  },
  currentSid(): string | undefined {
    return follow?.binding?.streamInfo?.publicationSid ?? trackBinding?.streamInfo?.publicationSid;
  },
  /** Room listener counts for the events a binding uses: leak checks across reconnects. */
  listenerCounts(): number[] {
    const events = [RoomEvent.TrackSubscribed, RoomEvent.TrackUnsubscribed, RoomEvent.Disconnected, RoomEvent.ParticipantDisconnected];
    return events.map((e) => room?.listenerCount(e) ?? 0);
  },
};

declare global {
  interface Window {
    nc: typeof harness;
  }
}

window.nc = harness;
document.body.dataset.ready = 'true';
