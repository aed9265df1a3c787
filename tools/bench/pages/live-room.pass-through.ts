// The large-room graph's floor: one of these per track in place of a NoiseCancellation node
// costs what Chromium charges for an AudioWorkletNode that copies 128 samples a quantum, so the
// live-room runs can tell that cost apart from ours.
import { scope } from './worklet-globals';
import { PASS_THROUGH_PROCESSOR } from './live-room.names';

class PassThrough extends scope.AudioWorkletProcessor {
  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const x = inputs[0]?.[0];
    const y = outputs[0]?.[0];
    if (x && y) y.set(x);
    return true;
  }
}

scope.registerProcessor(PASS_THROUGH_PROCESSOR, PassThrough);
