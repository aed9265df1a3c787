// Page harness for the local-microphone TrackProcessor. One Room per page. The publisher page
// creates the mic with the browser's noise suppression ON (so the processor's job of turning it
// off shows), sets the processor on it, and switches devices, republishes, reconnects. The
// subscriber page records the remote microphone as it arrives. Tokens come from the spec and are
// never logged or stored here.
import { Room, Track, createLocalAudioTrack, type LocalAudioTrack, type LocalTrackPublication } from 'livekit-client';
import {
  createNoiseCancellationProcessor,
  type NoiseCancellationProcessorOptions,
  type NoiseCancellationTrackProcessor,
  type ProcessorStats,
} from '../../src/index';
import { remoteAudioTrackOf } from '../harness/room';
import { toBase64 } from '../../tools/testing/base64';

let room: Room | undefined;
let mic: LocalAudioTrack | undefined;
let publication: LocalTrackPublication | undefined;
let processor: NoiseCancellationTrackProcessor | undefined;
const errors: string[] = [];
const processing: boolean[] = [];
let recordCtx: AudioContext | undefined;
// A serial per NoiseCancellation the processor has run: tells a re-wired node from a rebuilt one.
const serials = new WeakMap<object, number>();
let nextSerial = 0;
function serialOf(value: object | undefined): number | null {
  if (!value) return null;
  let n = serials.get(value);
  if (n === undefined) serials.set(value, (n = ++nextSerial));
  return n;
}

function micTrack(): LocalAudioTrack {
  if (!mic) throw new Error('no microphone track yet');
  return mic;
}

const harness = {
  async join(url: string, token: string, options: { keepTracks?: boolean } = {}): Promise<void> {
    room = new Room({ stopLocalTrackOnUnpublish: !options.keepTracks });
    await room.connect(url, token);
  },

  async leave(): Promise<void> {
    await room?.disconnect();
  },

  /** A new mic track: no echo cancellation or AGC (levels stay comparable), NS on. */
  async publishMic(): Promise<string> {
    mic = await createLocalAudioTrack({ echoCancellation: false, autoGainControl: false, noiseSuppression: true, channelCount: 1 });
    publication = await room!.localParticipant.publishTrack(mic, { source: Track.Source.Microphone });
    return publication.trackSid;
  },

  /** Creates the processor once (or reuses it) and sets it on the current mic track. */
  async setProcessor(options: NoiseCancellationProcessorOptions = {}): Promise<void> {
    if (!processor) {
      processor = createNoiseCancellationProcessor({ statsIntervalMs: 200, ...options });
      processor.events.on('error', (e) => errors.push(`${e.reason}: ${e.message}`));
      processor.events.on('processing', (p) => processing.push(p));
    }
    await micTrack().setProcessor(processor);
  },

  async unpublish(stop: boolean): Promise<void> {
    await room!.localParticipant.unpublishTrack(micTrack(), stop);
    publication = undefined;
  },

  async republish(): Promise<string> {
    publication = await room!.localParticipant.publishTrack(micTrack(), { source: Track.Source.Microphone });
    return publication.trackSid;
  },

  /** Re-acquires the capture device: livekit-client calls processor.restart with the new track. */
  async restartDevice(): Promise<void> {
    // With a deviceId livekit-client keeps the other constraints; without, it asks for defaults.
    const deviceId = micTrack().getSourceTrackSettings().deviceId;
    await micTrack().restartTrack({ deviceId, echoCancellation: false, autoGainControl: false, noiseSuppression: true, channelCount: 1 });
  },

  /** The capture track itself (what the processor reads), for identity checks across restarts. */
  captureTrackId(): string | null {
    return (mic as unknown as { _mediaStreamTrack?: MediaStreamTrack } | undefined)?._mediaStreamTrack?.id ?? null;
  },

  setEnabled(enabled: boolean): void {
    processor!.setEnabled(enabled);
  },

  setStrength(strength: number): void {
    processor!.setStrength(strength);
  },

  /** Closes the AudioContext livekit-client created and gave the processor, under everyone's feet. */
  async closeContext(): Promise<void> {
    await processor!.audioContext!.close();
  },

  state() {
    const settings = mic?.getSourceTrackSettings() as (MediaTrackSettings & { voiceIsolation?: boolean }) | undefined;
    const sender = mic?.sender?.track;
    return {
      sid: publication?.trackSid ?? null,
      noiseSuppression: settings?.noiseSuppression ?? null,
      hasProcessor: mic?.getProcessor() === processor && processor !== undefined,
      processing: processor?.isProcessing ?? false,
      // What the sender really sends: the processor's output, or the capture track.
      sendsProcessed: !!sender && sender === processor?.processedTrack,
      sendsCapture: !!sender && sender === (mic as unknown as { _mediaStreamTrack?: MediaStreamTrack })._mediaStreamTrack,
      contextState: processor?.audioContext?.state ?? null,
      ncClosed: processor?.noiseCancellation?.isClosed ?? null,
      ncSerial: serialOf(processor?.noiseCancellation),
      errors,
      processingLog: processing,
    };
  },

  stats(): ProcessorStats | undefined {
    return processor?.stats;
  },

  async destroyProcessor(): Promise<void> {
    await micTrack().stopProcessor();
  },

  // Subscriber side.
  hasRemote(identity: string): boolean {
    return room ? remoteAudioTrackOf(room, identity) !== undefined : false;
  },

  /** Records `seconds` of `identity`'s microphone as this page receives it. */
  async recordRemote(identity: string, seconds: number): Promise<string> {
    const track = room ? remoteAudioTrackOf(room, identity) : undefined;
    if (!track) throw new Error(`no audio track of ${identity}`);
    recordCtx ??= new AudioContext({ sampleRate: 48_000 });
    const ctx = recordCtx;
    if (ctx.state !== 'running') await ctx.resume();
    // Chrome may feed Web Audio silence for a remote track that no media element plays.
    const el = track.attach() as HTMLMediaElement;
    el.muted = true;
    const source = ctx.createMediaStreamSource(new MediaStream([track.mediaStreamTrack]));
    const proc = ctx.createScriptProcessor(4096, 1, 1);
    const sink = ctx.createGain();
    sink.gain.value = 0;
    const want = Math.round(seconds * ctx.sampleRate);
    const out = new Float32Array(want);
    let n = 0;
    let started = false;
    await new Promise<void>((resolve) => {
      proc.onaudioprocess = (ev) => {
        const data = ev.inputBuffer.getChannelData(0);
        // A fresh subscription may deliver silence for a moment: start at the first audio.
        if (!started && !data.some((v) => Math.abs(v) > 1e-3)) return;
        started = true;
        const take = Math.min(data.length, want - n);
        out.set(data.subarray(0, take), n);
        n += take;
        if (n >= want) resolve();
      };
      source.connect(proc).connect(sink).connect(ctx.destination);
    });
    proc.onaudioprocess = null;
    source.disconnect();
    proc.disconnect();
    sink.disconnect();
    track.detach(el);
    return toBase64(out);
  },
};

declare global {
  interface Window {
    lm: typeof harness;
  }
}

window.lm = harness;
document.body.dataset.ready = 'true';
