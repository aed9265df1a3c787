// Runs a full garbage collection in the AudioWorkletGlobalScope when a node of it is created
// (Chromium started with --js-flags=--expose-gc), so memory samples show what is really retained
// by the worklet rather than what V8 has not yet bothered to collect.
import { GC_PROCESSOR, scope } from './worklet-globals';

class GcProcessor extends scope.AudioWorkletProcessor {
  constructor() {
    super();
    const gc = scope.gc;
    if (gc) gc();
    this.port.postMessage(gc ? 'collected' : 'no-gc');
  }

  process(): boolean {
    return false;
  }
}

scope.registerProcessor(GC_PROCESSOR, GcProcessor);
