// rtc-node's own FrameProcessor, recording its hooks into a HookLog (tools/testing/hook-log.ts),
// and the AudioStream that runs it on a received track. Test tooling: the reference side of the
// lifecycle comparison (rtc-node-hooks.test.ts, e2e/lifecycle-compare.spec.ts).
import {
  AudioStream,
  FrameProcessor,
  type AudioFrame,
  type FrameProcessorCredentials,
  type FrameProcessorStreamInfo,
  type RemoteTrack,
} from '@livekit/rtc-node';
import { HookLog } from '../testing/hook-log';
import { RATE } from './rtc-node-peer';

export class RecordingProcessor extends FrameProcessor<AudioFrame> {
  readonly log = new HookLog();
  isEnabled(): boolean {
    return true;
  }
  setEnabled(): void {}
  process(frame: AudioFrame): AudioFrame {
    return frame;
  }
  override onStreamInfoUpdated(info: FrameProcessorStreamInfo): void {
    this.log.streamInfoUpdated(info);
  }
  override onStreamInfoCleared(): void {
    this.log.mark('onStreamInfoCleared');
  }
  override onCredentialsUpdated(credentials: FrameProcessorCredentials): void {
    this.log.credentialsUpdated(credentials);
  }
  override onCredentialsCleared(): void {
    this.log.mark('onCredentialsCleared');
  }
  close(): void {
    this.log.mark('close');
  }
}

/**
 * An AudioStream with `proc` that stays open (drained in the background) until the track ends.
 * autoClose off (the default here) keeps the processor open across tracks, like TrackBinding
 * with autoCloseNoiseCancellation false.
 */
export function keepStream(track: RemoteTrack, proc: FrameProcessor<AudioFrame>, autoClose = false): Promise<void> {
  const stream = new AudioStream(track, {
    sampleRate: RATE,
    numChannels: 1,
    noiseCancellation: proc,
    autoCloseNoiseCancellation: autoClose,
  });
  const reader = stream.getReader();
  let first: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (first = resolve));
  void (async () => {
    for (;;) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      first();
      if (done) return;
    }
  })();
  return started;
}
