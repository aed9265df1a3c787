import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RnnoiseEngine } from './rnnoise';
import { DenoisePipeline } from './pipeline';
import { loadRnnoiseModule } from '../../cli/wasm-node';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settled(): { arrayBuffers: number; external: number; heapUsed: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { arrayBuffers: m.arrayBuffers, external: m.external, heapUsed: m.heapUsed };
}

describe('engine memory', () => {
  it('does not grow over 1,000 create/process/destroy cycles: states are freed inside the shared instance', () => {
    const module = loadRnnoiseModule();
    const frame = new Float32Array(128).fill(0.01);
    const out = new Float32Array(128);
    const cycle = () => {
      const p = new DenoisePipeline(new RnnoiseEngine(module));
      for (let i = 0; i < 8; i++) p.process(frame, out);
      p.destroy();
    };
    // One engine stays alive, so the instance does too, and its heap shows any state leak.
    const anchor = new RnnoiseEngine(module);
    for (let i = 0; i < 50; i++) cycle();
    const before = settled();
    const wasmBefore = anchor.memoryBytes;
    for (let i = 0; i < 1000; i++) cycle();
    const after = settled();
    const wasmAfter = anchor.memoryBytes;
    console.log(
      `engine memory over 1,000 cycles: wasm ${wasmBefore} → ${wasmAfter} bytes, external ${((after.external - before.external) / 1024).toFixed(0)} KiB, JS heap ${((after.heapUsed - before.heapUsed) / 1024).toFixed(0)} KiB`,
    );
    expect(wasmAfter).toBe(wasmBefore);
    expect(after.external - before.external).toBeLessThan(1024 * 1024);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * 1024 * 1024);
    anchor.destroy();
  });
});

describe('engines sharing one wasm instance', () => {
  it('64 live engines cost their states, not 64 copies of the 16 MiB wasm memory, and stay independent', () => {
    const module = loadRnnoiseModule();
    const engines = Array.from({ length: 64 }, () => new RnnoiseEngine(module));
    const memory = engines[0]!.memoryBytes;
    console.log(`64 engines share ${(memory / 1048576).toFixed(1)} MiB of wasm memory`);
    expect(memory).toBeLessThan(32 * 1048576);
    // Independence: engine 0 fed noise, engine 1 fed silence, then both the same frame.
    const noise = new Float32Array(480).map((_, i) => Math.sin(i * 1.3) * 0.3);
    const silence = new Float32Array(480);
    const a = new Float32Array(480);
    const b = new Float32Array(480);
    const fresh = new RnnoiseEngine(module);
    for (let i = 0; i < 20; i++) engines[0]!.processFrame(noise, a);
    engines[1]!.processFrame(silence, b);
    engines[1]!.processFrame(noise, b);
    fresh.processFrame(silence, a);
    fresh.processFrame(noise, a);
    expect(Array.from(b)).toEqual(Array.from(a));
    for (const e of engines) e.destroy();
    fresh.destroy();
  });
});
