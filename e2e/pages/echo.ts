// Page harness for the echo-return-loss checks (e2e/echo.spec.ts). One Room per page. The far
// end publishes its fake microphone (a speech file) and records what comes back from the near
// end; the near end publishes its real default microphone (the PulseAudio loopback) with the
// browser's echo canceller on, and plays the far end's voice through one playback path.
// Tokens come from the spec and are never logged or stored here.
import { Room, Track, createLocalAudioTrack, type LocalAudioTrack, type RemoteAudioTrack, type RemoteTrack } from 'livekit-client';
import { NoiseCancellation, TrackBinding } from '../../src/index';
import { createRawMicTrack } from '../harness/room';
import { toBase64 } from '../../tools/testing/base64';
import { assertNever } from '../../worklets/protocol';

/** The README's playback paths of a remote voice, and livekit-client's own element (the control). */
export type PlaybackPath = 'element' | 'outputTrack' | 'node' | 'webAudioMix';

/** The near end's microphone processing: the browser's (livekit-client's defaults: echo
 * cancellation, noise suppression, gain control) or none (the calibration: pure loopback). */
export type MicProcessing = 'browser' | 'none';

let room: Room | undefined;
let ctx: AudioContext | undefined;
let mic: LocalAudioTrack | undefined;
// Undoes the current playback path; one teardown, safe to repeat.
let stopPlaying: (() => void) | undefined;

function audioContext(): AudioContext {
  ctx ??= new AudioContext({ sampleRate: 48_000 });
  return ctx;
}

function remoteMic(identity: string): RemoteTrack | undefined {
  return room?.remoteParticipants.get(identity)?.getTrackPublication(Track.Source.Microphone)?.track ?? undefined;
}

function remoteAudio(identity: string): RemoteAudioTrack {
  const track = remoteMic(identity);
  if (!track || track.kind !== Track.Kind.Audio) throw new Error(`no microphone track of ${identity} yet`);
  return track as RemoteAudioTrack;
}

async function running(): Promise<AudioContext> {
  const context = audioContext();
  if (context.state !== 'running') await context.resume();
  return context;
}

function playElement(srcObject: MediaStream): HTMLAudioElement {
  const element = document.createElement('audio');
  element.srcObject = srcObject;
  document.body.appendChild(element);
  void element.play();
  return element;
}

const harness = {
  async join(url: string, token: string, webAudioMix = false): Promise<void> {
    room = new Room(webAudioMix ? { webAudioMix: { audioContext: audioContext() } } : {});
    await room.connect(url, token);
  },

  /** Far end: the fake capture file, unprocessed. */
  async publishFixture(): Promise<void> {
    await room!.localParticipant.publishTrack(await createRawMicTrack(), { source: Track.Source.Microphone, dtx: false });
  },

  /** Near end: the default microphone (the loopback monitor), processed as asked, replacing
   * the one published before. */
  async publishMic(processing: MicProcessing): Promise<{ sid: string; echoCancellation: boolean | undefined }> {
    if (mic) await room!.localParticipant.unpublishTrack(mic, true);
    const on = processing === 'browser';
    mic = await createLocalAudioTrack({ echoCancellation: on, noiseSuppression: on, autoGainControl: on, channelCount: 1 });
    const publication = await room!.localParticipant.publishTrack(mic, { source: Track.Source.Microphone, dtx: false });
    return { sid: publication.trackSid, echoCancellation: mic.mediaStreamTrack.getSettings().echoCancellation };
  },

  /** The SID of `identity`'s subscribed microphone track, if any. */
  remoteMicSid(identity: string): string | undefined {
    const pub = room?.remoteParticipants.get(identity)?.getTrackPublication(Track.Source.Microphone);
    return pub?.track ? pub.trackSid : undefined;
  },

  /** Near end: plays `identity`'s voice through one path, as the README documents it. */
  async play(path: PlaybackPath, identity: string): Promise<void> {
    harness.stop();
    const track = remoteAudio(identity);
    const context = await running();
    switch (path) {
      case 'element': {
        // livekit-client's own <audio> element: the control.
        const element = track.attach();
        document.body.appendChild(element);
        stopPlaying = () => track.detach(element).remove();
        return;
      }
      case 'outputTrack': {
        const nc = await NoiseCancellation.create(context);
        const binding = TrackBinding.attach(room!, track, { processor: nc });
        const element = playElement(new MediaStream([nc.outputTrack]));
        stopPlaying = () => {
          element.pause();
          element.srcObject = null;
          element.remove();
          binding.close();
          nc.close();
        };
        return;
      }
      case 'node': {
        const nc = await NoiseCancellation.create(context);
        const binding = TrackBinding.attach(room!, track, { processor: nc });
        nc.node.connect(context.destination);
        stopPlaying = () => {
          binding.close();
          nc.close();
        };
        return;
      }
      case 'webAudioMix': {
        // The room was joined with webAudioMix: livekit-client wires source → plugins → gain →
        // its context's destination once the track is attached.
        const nc = await NoiseCancellation.create(context);
        track.setWebAudioPlugins([nc.node]);
        const element = track.attach();
        document.body.appendChild(element);
        const binding = TrackBinding.attach(room!, track, { processor: nc, connectAudio: false });
        stopPlaying = () => {
          track.detach(element).remove();
          track.setWebAudioPlugins([]);
          binding.close();
          nc.close();
        };
        return;
      }
      default:
        assertNever(path, 'playback path');
    }
  },

  /** Near end: stops the current playback path, if any. */
  stop(): void {
    const stop = stopPlaying;
    stopPlaying = undefined;
    stop?.();
  },

  /** Far end: records `identity`'s microphone as received here, once it carries audio. */
  async record(identity: string, seconds: number): Promise<{ samples: string; sampleRate: number }> {
    const track = remoteAudio(identity);
    const context = await running();
    // Chromium may feed Web Audio silence for a remote track no element plays (muted here: the
    // far end must play nothing).
    const element = track.attach();
    element.muted = true;
    const source = context.createMediaStreamSource(new MediaStream([track.mediaStreamTrack]));
    const proc = context.createScriptProcessor(4096, 1, 1);
    const mute = context.createGain();
    mute.gain.value = 0;
    const want = Math.round(seconds * context.sampleRate);
    const out = new Float32Array(want);
    let n = 0;
    await new Promise<void>((resolve) => {
      proc.onaudioprocess = (ev) => {
        const x = ev.inputBuffer.getChannelData(0);
        const take = Math.min(x.length, want - n);
        out.set(x.subarray(0, take), n);
        n += take;
        if (n >= want) resolve();
      };
      source.connect(proc).connect(mute).connect(context.destination);
    });
    proc.onaudioprocess = null;
    source.disconnect();
    proc.disconnect();
    mute.disconnect();
    track.detach(element);
    return { samples: toBase64(out), sampleRate: context.sampleRate };
  },

  async leave(): Promise<void> {
    await room?.disconnect();
  },
};

declare global {
  interface Window {
    echo: typeof harness;
  }
}

window.echo = harness;
document.body.dataset.ready = 'true';
