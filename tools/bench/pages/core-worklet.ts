// Our DSP core (DenoisePipeline around RnnoiseEngine) in a bare AudioWorkletProcessor, without
// the product processor's messages, stats, credentials or channel handling. Splits the cost of
// "ours" into the DSP core and the processor around it.
import { DenoisePipeline } from '../../../worklets/dsp/pipeline';
import { RnnoiseEngine } from '../../../worklets/dsp/rnnoise';
import { CORE_PROCESSOR, scope } from './worklet-globals';

class CoreProcessor extends scope.AudioWorkletProcessor {
  private readonly pipeline: DenoisePipeline;

  constructor(options: { processorOptions?: unknown }) {
    super();
    const module = (options.processorOptions as { module: WebAssembly.Module }).module;
    this.pipeline = new DenoisePipeline(new RnnoiseEngine(module), { blockSize: 128 });
    this.port.postMessage('ready');
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    const output = outputs[0]?.[0];
    if (input && output) this.pipeline.process(input, output, input.length);
    return true;
  }
}

scope.registerProcessor(CORE_PROCESSOR, CoreProcessor);
