// Page harness for the lifecycle comparison (e2e/lifecycle-compare.spec.ts): a real Room, and a
// TrackBinding per subscribed track of the speaker, all on one recording FrameProcessor kept open
// across tracks (autoClose off), as rtc-node's AudioStream runs one FrameProcessor per track; and
// on the second track a second processor with autoClose on, to compare the close.
// The hook log normalises tokens as they arrive (tools/testing/hook-log.ts): none is stored.
import { Room, RoomEvent, Track, type RemoteParticipant, type RemoteTrack } from 'livekit-client';
import { FrameProcessor, TrackBinding, type Credentials, type StreamInfo } from '../../src/index';
import { readConnection } from '../../src/room-adapter';
import { HookLog } from '../../tools/testing/hook-log';

class Recorder extends FrameProcessor {
  readonly log = new HookLog();
  isEnabled = (): boolean => true;
  setEnabled = (): void => undefined;
  override onStreamInfoUpdated = (info: StreamInfo): void => this.log.streamInfoUpdated(info);
  override onStreamInfoCleared = (): void => this.log.mark('onStreamInfoCleared');
  override onCredentialsUpdated = (credentials: Credentials): void => this.log.credentialsUpdated(credentials);
  override onCredentialsCleared = (): void => this.log.mark('onCredentialsCleared');
  close = (): void => this.log.mark('close');
}

let room: Room | undefined;
const recorder = new Recorder();
// From the second track on, a processor with autoClose on (the default): the binding closes it.
const closing = new Recorder();
const bindings: TrackBinding[] = [];
const seen = { subscribed: 0, unsubscribed: 0, speakerLeft: 0, moved: 0, disconnected: 0 };
let tokenAtStep: string | undefined;

const harness = {
  async join(url: string, token: string, speaker: string): Promise<void> {
    room = new Room();
    room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant: RemoteParticipant) => {
      if (track.kind !== Track.Kind.Audio || participant.identity !== speaker) return;
      seen.subscribed++;
      bindings.push(TrackBinding.attach(room!, track, { processor: recorder, autoCloseNoiseCancellation: false }));
      if (seen.subscribed === 2) bindings.push(TrackBinding.attach(room!, track, { processor: closing }));
    });
    room.on(RoomEvent.TrackUnsubscribed, () => seen.unsubscribed++);
    room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
      if (p.identity === speaker) seen.speakerLeft++;
    });
    room.on(RoomEvent.Moved, () => seen.moved++);
    room.on(RoomEvent.Disconnected, () => seen.disconnected++);
    await room.connect(url, token);
  },

  /** Labels the hooks that follow, and remembers the token to tell when a refresh arrived. */
  step(name: string): void {
    recorder.log.step = name;
    closing.log.step = name;
    tokenAtStep = readConnection(room!).token;
  },

  /** Whether the engine holds another token than at the last step (never says which). */
  tokenChanged(): boolean {
    return readConnection(room!).token !== tokenAtStep;
  },

  seen(): typeof seen {
    return seen;
  },

  hooks(): { kept: HookLog['hooks']; closing: HookLog['hooks'] } {
    return { kept: recorder.log.hooks, closing: closing.log.hooks };
  },

  async leave(): Promise<void> {
    await room?.disconnect();
  },
};

declare global {
  interface Window {
    lifecycle: typeof harness;
  }
}

window.lifecycle = harness;
document.body.dataset.ready = 'true';
