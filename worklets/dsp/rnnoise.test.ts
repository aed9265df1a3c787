import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RnnoiseEngine, type RnnoiseExports } from './rnnoise';
import { DenoisePipeline } from './pipeline';
import { loadRnnoiseModule } from '../../cli/wasm-node';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settled(): { arrayBuffers: number; external: number; heapUsed: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { arrayBuffers: m.arrayBuffers, external: m.external, heapUsed: m.heapUsed };
}

/**
 * What the wasm allocator holds, seen from outside: wraps every wasm instance created while it
 * is installed so that each malloc/free and rnnoise_create/rnnoise_destroy through the exports
 * is counted. (rnnoise_create's own mallocs happen inside the module; the state pointer it
 * returns stands for them.) The counted exports are what SharedInstance calls.
 */
function countWasmAllocations(): { live: Map<number, string>; exports: () => RnnoiseExports; restore: () => void } {
  const Real = WebAssembly.Instance;
  const live = new Map<number, string>();
  let counted: RnnoiseExports | undefined;
  function Counting(module: WebAssembly.Module, imports?: WebAssembly.Imports): { exports: RnnoiseExports } {
    const ex = new Real(module, imports).exports as unknown as RnnoiseExports;
    counted = {
      ...ex,
      malloc: (bytes) => {
        const p = ex.malloc(bytes);
        live.set(p, `malloc(${bytes})`);
        return p;
      },
      free: (p) => {
        live.delete(p);
        ex.free(p);
      },
      rnnoise_create: (model) => {
        const st = ex.rnnoise_create(model);
        live.set(st, 'rnnoise_create');
        return st;
      },
      rnnoise_destroy: (st) => {
        live.delete(st);
        ex.rnnoise_destroy(st);
      },
    };
    return { exports: counted };
  }
  Object.defineProperty(WebAssembly, 'Instance', { value: Counting, configurable: true, writable: true });
  return {
    live,
    exports: () => counted ?? expect.unreachable('no wasm instance was created'),
    restore: () => Object.defineProperty(WebAssembly, 'Instance', { value: Real, configurable: true, writable: true }),
  };
}

/** Where the allocator's free space starts: a block larger than any freed hole comes from there. */
function heapTop(ex: RnnoiseExports): number {
  const probe = ex.malloc(1 << 20);
  ex.free(probe);
  return probe;
}

describe('engine memory', () => {
  it('does not grow over 1,000 create/process/destroy cycles: every state and buffer is freed inside the shared instance', () => {
    const module = loadRnnoiseModule();
    const frame = new Float32Array(128).fill(0.01);
    const out = new Float32Array(128);
    // A share key of this test's own, so the instance is created now, under the counting wrapper.
    const key = Symbol('engine-memory');
    const wasm = countWasmAllocations();
    try {
      const cycle = () => {
        const p = new DenoisePipeline(new RnnoiseEngine(module, key));
        for (let i = 0; i < 8; i++) p.process(frame, out);
        p.destroy();
      };
      // One engine stays alive, so the instance does too, and its heap shows any state leak.
      const anchor = new RnnoiseEngine(module, key);
      const ex = wasm.exports();
      expect([...wasm.live.values()].sort()).toEqual(['malloc(1920)', 'malloc(1920)', 'rnnoise_create']);
      for (let i = 0; i < 50; i++) cycle();
      const before = settled();
      const liveBefore = wasm.live.size;
      const topBefore = heapTop(ex);
      const wasmBefore = anchor.memoryBytes;
      for (let i = 0; i < 1000; i++) cycle();
      const after = settled();
      const topAfter = heapTop(ex);
      console.log(
        `engine memory over 1,000 cycles: live wasm allocations ${liveBefore} → ${wasm.live.size}, allocator top ${topBefore} → ${topAfter}, ` +
          `wasm memory ${wasmBefore} → ${anchor.memoryBytes} bytes, external ${((after.external - before.external) / 1024).toFixed(0)} KiB, JS heap ${((after.heapUsed - before.heapUsed) / 1024).toFixed(0)} KiB`,
      );
      // Only the anchor's state and two frame buffers are live: a single skipped free or destroy
      // leaves 1,000 more.
      expect(wasm.live.size).toBe(liveBefore);
      expect(liveBefore).toBe(3);
      // And the allocator's free space starts where it did: nothing leaked inside the module
      // either (a leaked state or buffer pushes this up by its size per cycle).
      expect(topAfter).toBe(topBefore);
      expect(anchor.memoryBytes).toBe(wasmBefore);
      expect(after.external - before.external).toBeLessThan(1024 * 1024);
      expect(after.heapUsed - before.heapUsed).toBeLessThan(8 * 1024 * 1024);
      anchor.destroy();
      expect(wasm.live.size).toBe(0);
    } finally {
      wasm.restore();
    }
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
