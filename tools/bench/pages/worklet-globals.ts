// The few AudioWorkletGlobalScope names the bench worklets use. bench/ type-checks with the DOM
// lib (as the pages do), which does not declare them; these match @types/audioworklet.
export interface WorkletProcessorBase {
  readonly port: MessagePort;
}

export interface WorkletScope {
  AudioWorkletProcessor: new () => WorkletProcessorBase;
  registerProcessor(name: string, ctor: new (options: { processorOptions?: unknown }) => WorkletProcessorBase): void;
  gc?: () => void;
}

export const scope = globalThis as unknown as WorkletScope;

/** Processor names of the bench worklets (the page imports these, not the worklet files). */
export const GC_PROCESSOR = 'lk-bench-gc';
export const ENGINE_RAW_PROCESSOR = 'lk-bench-engine-raw';
export const ENGINE_CORE_PROCESSOR = 'lk-bench-engine-core';
