// Records the talkers' processed output inside the live graph, sample-exact from a given context
// frame, into buffers allocated up front (nothing is allocated or posted while it records), and
// posts them once, when full. Its output stays silent; it is connected only so it is pulled.
import { scope } from './worklet-globals';
import { RECORDER_PROCESSOR, type RecorderOptions } from './live-room.names';

const clock = globalThis as unknown as { currentFrame: number };

class Recorder extends scope.AudioWorkletProcessor {
  private readonly start: number;
  private readonly data: Float32Array[];
  private done = false;

  constructor(options: { processorOptions?: unknown }) {
    super();
    const o = options.processorOptions as RecorderOptions;
    this.start = o.startFrame;
    this.data = Array.from({ length: o.inputs }, () => new Float32Array(o.frames));
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.done) return false;
    const frames = this.data[0]?.length ?? 0;
    const f0 = clock.currentFrame;
    for (let k = 0; k < this.data.length; k++) {
      const ch = inputs[k]?.[0];
      const out = this.data[k] as Float32Array;
      if (!ch) continue; // a missing input stays zero, as silence would
      for (let i = Math.max(0, this.start - f0); i < ch.length; i++) {
        const at = f0 + i - this.start;
        if (at >= frames) break;
        out[at] = ch[i] as number;
      }
    }
    if (f0 + 128 - this.start >= frames) {
      this.done = true;
      this.port.postMessage(
        this.data,
        this.data.map((d) => d.buffer),
      );
    }
    return true;
  }
}

scope.registerProcessor(RECORDER_PROCESSOR, Recorder);
