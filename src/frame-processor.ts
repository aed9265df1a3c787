// The contract shared with livekit/python-sdks #679 and @livekit/rtc-node: a processor learns
// which stream it serves and with which credentials through these hooks. Apps may subclass it;
// nothing here needs Web Audio, so subclasses run in Node too.
import type { Credentials, StreamInfo } from './types';

export abstract class FrameProcessor {
  abstract isEnabled(): boolean;
  abstract setEnabled(enabled: boolean): void;
  onStreamInfoUpdated(_info: StreamInfo): void {}
  onStreamInfoCleared(): void {}
  onCredentialsUpdated(_credentials: Credentials): void {}
  onCredentialsCleared(): void {}
  /** Frees the processor. Safe to call twice. */
  abstract close(): void;

  /** True once closed; a binding refuses a closed processor. Override when you track it. */
  get isClosed(): boolean {
    return false;
  }

  /**
   * Audio hand-over from a TrackBinding: the track whose audio this processor should run.
   * Processors that do not touch audio (recorders, analytics) keep the default no-op.
   */
  attachInput(_track: MediaStreamTrack, _options: { remote: boolean }): void {}
  /** The bound track left; stop reading it. */
  detachInput(): void {}
}
