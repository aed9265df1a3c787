// An app that uses only the FrameProcessor contract (a recorder, analytics): with the package's
// `sideEffects: false` its bundle must hold neither the worklet, the wasm nor livekit-client.
import { FrameProcessor } from 'lk-denoise';

class StreamLogger extends FrameProcessor {
  enabled = true;
  isEnabled() {
    return this.enabled;
  }
  setEnabled(enabled) {
    this.enabled = enabled;
  }
  onStreamInfoUpdated(info) {
    document.title = info.publicationSid;
  }
  close() {}
}

window.processor = new StreamLogger();
