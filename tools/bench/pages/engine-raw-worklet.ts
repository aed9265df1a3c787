// The per-engine cost floor: any engine (engine-floor.ts) called straight from an
// AudioWorkletProcessor with the least work a float stream needs: scale into the wasm heap, run
// the frame when it is full, scale out. No reframing FIFO, no input checks, no dry path, no
// stats. Its output lags by one frame plus the engine's own, and is only good for timing.
import type { EngineFlavour } from '../../../src/types';
import { engineFloor, type EngineFloor } from '../engine-floor';
import { ENGINE_RAW_PROCESSOR, scope } from './worklet-globals';

class EngineRaw extends scope.AudioWorkletProcessor {
  private readonly floor: EngineFloor;
  private heap: Float32Array;
  private pos = 0;

  constructor(options: { processorOptions?: unknown }) {
    super();
    const { flavour, module } = options.processorOptions as { flavour: EngineFlavour; module: WebAssembly.Module };
    this.floor = engineFloor(flavour, module);
    this.heap = new Float32Array(this.floor.memory.buffer);
    this.port.postMessage('ready');
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    const output = outputs[0]?.[0];
    if (!input || !output) return true;
    const f = this.floor;
    if (this.heap.buffer !== f.memory.buffer) this.heap = new Float32Array(f.memory.buffer);
    const heap = this.heap;
    const { inIndex, outIndex, scale, frameSize } = f;
    let pos = this.pos;
    for (let i = 0; i < input.length; i++) {
      heap[inIndex + pos] = (input[i] as number) * scale;
      output[i] = (heap[outIndex + pos] as number) / scale;
      if (++pos === frameSize) {
        f.run();
        pos = 0;
      }
    }
    this.pos = pos;
    return true;
  }
}

scope.registerProcessor(ENGINE_RAW_PROCESSOR, EngineRaw);
