// Every engine through the one pipeline, with the real wasm: its output is the raw engine's on
// the same frames, bit for bit; the delay it reports is the one cross-correlation measures; and
// it cuts noise in speech pauses.
import { describe, expect, it } from 'vitest';
import type { EngineFlavour } from '../protocol';
import { createEngine } from './engines';
import { frameSizeOf } from './engine';
import { DenoisePipeline } from './pipeline';
import { reframerDelay } from './reframer';
import { INT16_SCALE } from './scale';
import { engineWasmBytes, extractEmbeddedWasm, loadEngineModule } from '../../cli/wasm-node';
import { makeNoisySpeech } from '../../tools/testing/signals';
import { alignByXcorr } from '../../tools/testing/metrics';
import { pauseCutDb, pauseCutFloorDb } from '../../tools/testing/pause-cut';

const BLOCK = 128;

/**
 * Each engine's raw module driven by hand, written from its exports and imports alone, with no
 * glue of ours in between: the reference the pipeline must reproduce. `frame` runs one frame in
 * place (float scale in, float scale out).
 */
interface RawEngine {
  frameSize: number;
  frame(samples: Float32Array): void;
}

function growable(): { get: () => WebAssembly.Memory; set: (m: WebAssembly.Memory) => void; grow: (want: number) => number } {
  let memory: WebAssembly.Memory | undefined;
  const get = (): WebAssembly.Memory => memory ?? expect.unreachable('memory used before instantiation');
  return {
    get,
    set: (m) => (memory = m),
    grow: (want) => {
      const m = get();
      if (want > m.buffer.byteLength) m.grow(Math.ceil((want - m.buffer.byteLength) / 65_536));
      return 1;
    },
  };
}

type Fn = (...args: number[]) => number;

function rawRnnoise(module: WebAssembly.Module, minified: boolean): RawEngine {
  const mem = growable();
  const memcpy = (d: number, s: number, n: number): void => void new Uint8Array(mem.get().buffer).copyWithin(d, s, s + n);
  const fail = (): never => expect.unreachable('assertion failed in the module');
  const imports: WebAssembly.Imports = minified
    ? { a: { a: mem.grow, b: memcpy } }
    : { env: { emscripten_memcpy_big: memcpy, emscripten_resize_heap: mem.grow, __assert_fail: fail } };
  const ex = new WebAssembly.Instance(module, imports).exports as Record<string, unknown>;
  const [memory, ctors, create, process, malloc] = minified
    ? [ex.c, ex.d, ex.h, ex.j, ex.e]
    : [ex.memory, ex.__wasm_call_ctors, ex.rnnoise_create, ex.rnnoise_process_frame, ex.malloc];
  mem.set(memory as WebAssembly.Memory);
  (ctors as () => void)();
  const state = (create as Fn)(0);
  const ip = (malloc as Fn)(480 * 4);
  const op = (malloc as Fn)(480 * 4);
  return {
    frameSize: 480,
    frame(samples) {
      let heap = new Float32Array(mem.get().buffer);
      for (let i = 0; i < 480; i++) heap[(ip >> 2) + i] = (samples[i] as number) * INT16_SCALE;
      (process as Fn)(state, op, ip);
      heap = new Float32Array(mem.get().buffer);
      for (let i = 0; i < 480; i++) samples[i] = (heap[(op >> 2) + i] as number) / INT16_SCALE;
    },
  };
}

function rawGtcrn(module: WebAssembly.Module): RawEngine {
  const mem = growable();
  const fail = (): never => expect.unreachable('assertion failed in the module');
  const ex = new WebAssembly.Instance(module, { a: { a: fail, b: mem.grow } }).exports as Record<string, Fn>;
  mem.set(ex.c as unknown as WebAssembly.Memory);
  (ex.d as Fn)();
  const state = (ex.e as Fn)();
  const ip = (ex.k as Fn)(768 * 4);
  const op = (ex.k as Fn)(768 * 4);
  return {
    frameSize: 768,
    frame(samples) {
      new Float32Array(mem.get().buffer).set(samples, ip >> 2);
      (ex.j as Fn)(state, ip, op);
      samples.set(new Float32Array(mem.get().buffer, op, 768));
    },
  };
}

const RAW: Record<Exclude<EngineFlavour, 'rnnoise'>, (m: WebAssembly.Module) => RawEngine> = {
  'rnnoise-simd': (m) => rawRnnoise(m, false),
  'rnnoise-0.2': (m) => rawRnnoise(m, true),
  gtcrn: rawGtcrn,
};

/** The added delay each engine should report through the pipeline at 128-sample blocks. */
const CASES = [
  { flavour: 'rnnoise-simd', frameSize: 480 },
  { flavour: 'rnnoise-0.2', frameSize: 480 },
  { flavour: 'gtcrn', frameSize: 768 },
] as const;

function runBlocks(pipeline: DenoisePipeline, x: Float32Array): Float32Array {
  const y = new Float32Array(BLOCK * Math.floor(x.length / BLOCK));
  for (let off = 0; off < y.length; off += BLOCK) pipeline.process(x.subarray(off, off + BLOCK), y.subarray(off, off + BLOCK), BLOCK);
  return y;
}

describe.each(CASES)('the $flavour engine in the pipeline', ({ flavour, frameSize }) => {
  const module = loadEngineModule(flavour);

  it('is bit-identical to calling its raw wasm by hand on the same frames', () => {
    // 4 s of noisy speech: the engine's state sees speech, pauses and noise.
    const x = makeNoisySpeech({ seed: 11, noise: 'pink', snrDb: 5, seconds: 4 }).mixture;
    const pipeline = new DenoisePipeline(createEngine(flavour, module));
    expect(pipeline.frameSize).toBe(frameSize);
    const y = runBlocks(pipeline, x);
    pipeline.destroy();

    const raw = RAW[flavour](module);
    const ref = new Float32Array(x.length);
    for (let f = 0; (f + 1) * frameSize <= x.length; f++) {
      const frame = x.slice(f * frameSize, (f + 1) * frameSize);
      raw.frame(frame);
      ref.set(frame, f * frameSize);
    }
    // The reframer delays the engine's output stream by its buffering and nothing else.
    const buffering = reframerDelay(BLOCK, frameSize);
    let compared = 0;
    for (let i = buffering; i - buffering + frameSize <= ref.length && i < y.length; i++) {
      if (y[i] !== ref[i - buffering]) throw new Error(`sample ${i}: pipeline ${y[i]} != raw engine ${ref[i - buffering]}`);
      compared++;
    }
    expect(compared).toBeGreaterThan(3 * 48_000);
  });

  it('adds exactly the delay it reports, as cross-correlation with the clean speech measures it', () => {
    // Speech in light noise (20 dB SNR): the output is nearly the speech, so the peak is sharp.
    const item = makeNoisySpeech({ seed: 5, noise: 'white', snrDb: 20, seconds: 4 });
    const engine = createEngine(flavour, module);
    const pipeline = new DenoisePipeline(engine);
    const y = runBlocks(pipeline, item.mixture);
    pipeline.destroy();
    const { lag, peak } = alignByXcorr(item.speech.subarray(0, y.length), y, 3000);
    expect(pipeline.latency).toBe(reframerDelay(BLOCK, frameSize) + engine.delay);
    expect(lag).toBe(pipeline.latency);
    // The peak is the speech itself (1 = the same shape), not a chance alignment: a sign-flipped
    // or garbled output scores near 0 or below. 0.8 leaves room for what denoising at 20 dB takes.
    expect(peak).toBeGreaterThan(0.8);
  });

  it(`cuts noise in speech pauses by at least ${pauseCutFloorDb('offline')} dB against the same pipeline bypassed`, () => {
    // The floor is classic RNNoise's (tools/testing/pause-cut.ts); the other engines cut more on
    // the bench corpus (issue 12: medians 47 and 41 dB against classic's 31), so it holds for them.
    const item = makeNoisySpeech({ seed: 7, noise: 'pink', snrDb: 5, seconds: 8 });
    const denoised = new DenoisePipeline(createEngine(flavour, module));
    const bypassed = new DenoisePipeline(createEngine(flavour, module), { enabled: false });
    const y = runBlocks(denoised, item.mixture);
    const b = runBlocks(bypassed, item.mixture);
    const cut = pauseCutDb(b, y, item.speechActive, { lag: denoised.latency, skipFrames: 100 });
    denoised.destroy();
    bypassed.destroy();
    expect(cut).toBeGreaterThan(pauseCutFloorDb('offline'));
  });
});

describe('engine wasm', () => {
  it('reads the same RNNoise 0.2 module out of the emscripten JS that the build emits', () => {
    const bytes = engineWasmBytes('rnnoise-0.2');
    expect(WebAssembly.validate(bytes)).toBe(true);
    // The module's imports are the two our glue provides, under the minified names it binds.
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => `${i.module}.${i.name}:${i.kind}`);
    expect(imports).toEqual(['a.a:function', 'a.b:function']);
  });

  it('refuses JS holding no embedded module, two of them, or base64 that is not wasm, naming the file', () => {
    const uri = (b64: string): string => `"data:application/octet-stream;base64,${b64}"`;
    const wasm = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]).toString('base64');
    expect(extractEmbeddedWasm(`var w = ${uri(wasm)};`, 'one.js')).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    expect(() => extractEmbeddedWasm('var w = "";', 'none.js')).toThrow('none.js: expected one embedded wasm module, found 0');
    expect(() => extractEmbeddedWasm(`${uri(wasm)} ${uri(wasm)}`, 'two.js')).toThrow('found 2');
    // "AGFzbQ" decodes to \0asm, but the version bytes after it are missing: still refused.
    expect(() => extractEmbeddedWasm(uri('AGFzbQ'), 'short.js')).toThrow('short.js: the embedded data is not a wasm module');
  });

  it('reframes 128-sample quanta into 768-sample frames at the minimum delay, 640 (the largest 128·k mod 768)', () => {
    const residues = Array.from({ length: 12 }, (_, k) => (128 * k) % 768);
    expect(reframerDelay(BLOCK, 768)).toBe(Math.max(...residues));
    expect(reframerDelay(BLOCK, 768)).toBe(640);
    expect(reframerDelay('variable', 768)).toBe(767);
  });

  it('gives every engine its own frame size: 480 for both RNNoise builds, 768 for GTCRN', () => {
    for (const { flavour, frameSize } of CASES) {
      const engine = createEngine(flavour, loadEngineModule(flavour));
      expect(frameSizeOf(engine)).toBe(frameSize);
      engine.destroy();
    }
  });
});
