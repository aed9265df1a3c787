// Page harness for a context that refuses the track: the page makes
// AudioContext.prototype.createMediaStreamSource throw (as Firefox did when the context's rate
// differed from the stream's), binds a NoiseCancellation to a remote track and plays its output
// track as an app would; the spec records the browser's audio output. Tokens come from the spec
// and are never logged or stored here.
import { Room, Track } from 'livekit-client';
import { NoiseCancellation, TrackBinding, type DenoiserError } from '../../src/index';

// Firefox's words, from the years it refused mismatched rates.
const REFUSAL = 'Connecting AudioNodes from AudioContexts with different sample-rate is currently not supported.';

let room: Room | undefined;
let nc: NoiseCancellation | undefined;
let binding: TrackBinding | undefined;
const errors: { reason: string; message: string; value: unknown }[] = [];

const harness = {
  async join(url: string, token: string): Promise<void> {
    room = new Room();
    await room.connect(url, token);
  },

  forceSourceThrow(): void {
    AudioContext.prototype.createMediaStreamSource = function refuse(): never {
      throw new DOMException(REFUSAL, 'NotSupportedError');
    };
  },

  /** What an app does: a context (at 44.1 kHz, unlike the 48 kHz track), the processor bound to the speaker's track, its output played. */
  async bind(identity: string): Promise<void> {
    const context = new AudioContext({ sampleRate: 44_100 });
    await context.resume();
    nc = await NoiseCancellation.create(context);
    nc.events.on('error', (e: DenoiserError) => errors.push({ reason: e.reason, message: e.message, value: e.value }));
    const track = room!.remoteParticipants.get(identity)?.getTrackPublication(Track.Source.Microphone)?.track;
    if (!track) throw new Error(`no microphone track of ${identity} yet`);
    const speaker = new Audio();
    speaker.srcObject = new MediaStream([nc.outputTrack]);
    await speaker.play();
    binding = TrackBinding.attach(room!, track, { processor: nc });
  },

  errors(): typeof errors {
    return errors;
  },

  hasTrack(identity: string): boolean {
    return room?.remoteParticipants.get(identity)?.getTrackPublication(Track.Source.Microphone)?.track !== undefined;
  },

  fallback(): { element: boolean; hasInput: boolean } {
    return { element: nc?.fallbackElement !== undefined, hasInput: nc?.hasInput ?? true };
  },

  close(): void {
    binding?.close();
  },
};

declare global {
  interface Window {
    fallback: typeof harness;
  }
}

window.fallback = harness;
document.body.dataset.ready = 'true';
