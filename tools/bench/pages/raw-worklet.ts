// The cost floor for P1: RNNoise called straight from an AudioWorkletProcessor with the least
// work a float stream needs (scale into the wasm heap, run the frame, scale out), no reframing
// FIFO, no input checks, no dry path, no stats. Its output lags by one frame plus the engine's
// own, and is only good for timing.
import { FRAME_SIZE as FRAME } from '../../../worklets/dsp/engine';
import type { RnnoiseExports } from '../../../worklets/dsp/rnnoise';
import { rawEngine } from '../raw-engine';
import { RAW_PROCESSOR, scope } from './worklet-globals';

const SCALE = 32_768;

class RawRnnoise extends scope.AudioWorkletProcessor {
  private readonly ex: RnnoiseExports;
  private readonly state: number;
  private readonly inIndex: number;
  private readonly outIndex: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private heap: Float32Array;
  private pos = 0;

  constructor(options: { processorOptions?: unknown }) {
    super();
    const module = (options.processorOptions as { module: WebAssembly.Module }).module;
    const raw = rawEngine(module);
    this.ex = raw.ex;
    this.state = raw.state;
    this.inPtr = raw.inPtr;
    this.outPtr = raw.outPtr;
    this.inIndex = this.inPtr >> 2;
    this.outIndex = this.outPtr >> 2;
    this.heap = new Float32Array(this.ex.memory.buffer);
    this.port.postMessage('ready');
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    const output = outputs[0]?.[0];
    if (!input || !output) return true;
    if (this.heap.buffer !== this.ex.memory.buffer) this.heap = new Float32Array(this.ex.memory.buffer);
    const heap = this.heap;
    const inIndex = this.inIndex;
    const outIndex = this.outIndex;
    let pos = this.pos;
    for (let i = 0; i < input.length; i++) {
      heap[inIndex + pos] = (input[i] as number) * SCALE;
      output[i] = (heap[outIndex + pos] as number) / SCALE;
      if (++pos === FRAME) {
        this.ex.rnnoise_process_frame(this.state, this.outPtr, this.inPtr);
        pos = 0;
      }
    }
    this.pos = pos;
    return true;
  }
}

scope.registerProcessor(RAW_PROCESSOR, RawRnnoise);
