// Our DSP core (DenoisePipeline around any engine, built by worklets/dsp/engines.ts as the product
// builds it) in a bare AudioWorkletProcessor, without the product processor's messages, stats,
// credentials or channel handling: splits "ours" per engine into the DSP core and the rest.
import type { EngineFlavour } from '../../../src/types';
import { createEngine } from '../../../worklets/dsp/engines';
import { DenoisePipeline } from '../../../worklets/dsp/pipeline';
import { ENGINE_CORE_PROCESSOR, scope } from './worklet-globals';

class EngineCore extends scope.AudioWorkletProcessor {
  private readonly pipeline: DenoisePipeline;

  constructor(options: { processorOptions?: unknown }) {
    super();
    const { flavour, module } = options.processorOptions as { flavour: EngineFlavour; module: WebAssembly.Module };
    this.pipeline = new DenoisePipeline(createEngine(flavour, module), { blockSize: 128 });
    this.port.postMessage('ready');
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    const output = outputs[0]?.[0];
    if (input && output) this.pipeline.process(input, output, input.length);
    return true;
  }
}

scope.registerProcessor(ENGINE_CORE_PROCESSOR, EngineCore);
