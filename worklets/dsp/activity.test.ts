import { describe, expect, it } from 'vitest';
import { loadEngineModule, loadRnnoiseModule } from '../../cli/wasm-node';
import { alignByXcorr, siSdr } from '../../tools/testing/metrics';
import { makeNoise, makeNoisySpeech } from '../../tools/testing/signals';
import { onsetLoss, turnTakingTalkers } from '../../tools/testing/turns';
import { GatedEngine, LevelMeter } from './activity';
import { FRAME_SIZE, type FrameEngine } from './engine';
import { createEngine } from './engines';
import { DenoisePipeline } from './pipeline';
import { reframerDelay } from './reframer';
import { RnnoiseEngine } from './rnnoise';

/** Test double: an identity engine (delay 0) that records the id (first sample) of each frame it is given. */
class RecordingEngine implements FrameEngine {
  readonly delay = 0;
  seen: number[] = [];
  resets = 0;
  processFrame(input: Float32Array, output: Float32Array): number {
    this.seen.push(input[0] as number);
    if (input !== output) output.set(input);
    return 0;
  }
  reset(): void {
    this.resets++;
  }
  destroy(): void {}
}

const QUIET = 1e-4; // −80 dBFS, below the −60 dBFS threshold
const LOUD = 0.1; // −20 dBFS, speech level

/** A frame whose every sample is `level`, except the first, which is `id` (so frames can be told apart). */
function frame(level: number, id = level): Float32Array {
  const x = new Float32Array(FRAME_SIZE).fill(level);
  x[0] = id;
  return x;
}

describe('activity gate (with a recording test double for the engine)', () => {
  it('stops the engine after holdFrames quiet frames and passes the rest without it', () => {
    const inner = new RecordingEngine();
    const gate = new GatedEngine(inner, { holdFrames: 30 });
    const out = new Float32Array(FRAME_SIZE);
    for (let f = 0; f < 200; f++) gate.processFrame(frame(0), out);
    expect(gate.state).toBe('closed');
    expect(gate.reason).toBe('digital-silence');
    expect(gate.stats).toEqual({ engineFrames: 30, skippedFrames: 170, warmupFrames: 0, wakes: 0 });
  });

  it('names low-level noise "below-threshold", not digital silence', () => {
    const gate = new GatedEngine(new RecordingEngine(), { holdFrames: 4 });
    const out = new Float32Array(FRAME_SIZE);
    for (let f = 0; f < 10; f++) gate.processFrame(frame(QUIET), out);
    expect([gate.state, gate.reason]).toEqual(['closed', 'below-threshold']);
  });

  it('wakes on the first loud frame: the engine denoises that very frame, not the next', () => {
    const inner = new RecordingEngine();
    const gate = new GatedEngine(inner, { holdFrames: 5, lookbackFrames: 2 });
    const out = new Float32Array(FRAME_SIZE);
    for (let f = 0; f < 50; f++) gate.processFrame(frame(0), out);
    inner.seen = [];
    gate.processFrame(frame(LOUD, 0.5), out);
    // The two replayed quiet frames, then the loud one, all in this call.
    expect(inner.seen).toEqual([0, 0, 0.5]);
    expect(gate.state).toBe('open');
    expect(gate.stats.wakes).toBe(1);
    // The frame's last sample is all engine output (the crossfade ends there).
    expect(out[FRAME_SIZE - 1]).toBeCloseTo(LOUD, 6);
  });

  it('after a gap no longer than the look-back, the engine has seen every input frame in order', () => {
    const inner = new RecordingEngine();
    const gate = new GatedEngine(inner, { holdFrames: 3, lookbackFrames: 8 });
    const out = new Float32Array(FRAME_SIZE);
    const ids: number[] = [];
    // Frame ids stay below the threshold's amplitude, so they do not wake the gate.
    for (let f = 0; f < 9; f++) {
      ids.push(f * 1e-6);
      gate.processFrame(frame(QUIET, f * 1e-6), out);
    }
    expect(gate.state).toBe('closed');
    ids.push(0.5);
    gate.processFrame(frame(LOUD, 0.5), out);
    expect(inner.seen.map((x) => Math.fround(x))).toEqual(ids.map((x) => Math.fround(x)));
    expect(inner.resets).toBe(0);
  });

  it('after a longer gap, starts the engine over and warms it on the last lookbackFrames frames', () => {
    const inner = new RecordingEngine();
    const gate = new GatedEngine(inner, { holdFrames: 3, lookbackFrames: 4 });
    const out = new Float32Array(FRAME_SIZE);
    for (let f = 0; f < 20; f++) gate.processFrame(frame(QUIET, f * 1e-6), out);
    inner.seen = [];
    gate.processFrame(frame(LOUD, 0.5), out);
    expect(inner.resets).toBe(1);
    expect(inner.seen.map((x) => Math.fround(x))).toEqual([16e-6, 17e-6, 18e-6, 19e-6, 0.5].map((x) => Math.fround(x)));
  });

  it('opens again for every loud frame after each quiet spell', () => {
    const inner = new RecordingEngine();
    const gate = new GatedEngine(inner, { holdFrames: 5, lookbackFrames: 0 });
    const out = new Float32Array(FRAME_SIZE);
    for (let spell = 0; spell < 3; spell++) {
      for (let f = 0; f < 20; f++) gate.processFrame(frame(0), out);
      const before = gate.stats.engineFrames;
      for (let f = 0; f < 10; f++) gate.processFrame(frame(LOUD), out);
      expect(gate.stats.engineFrames - before).toBe(10);
    }
    expect(gate.stats.wakes).toBe(3);
  });
});

describe('activity level meter', () => {
  it('holds the loudest recent 10 ms frame and lets it fall 20 dB per second, at any sample rate', () => {
    for (const rate of [48_000, 44_100]) {
      const meter = new LevelMeter(rate);
      const frameLen = Math.round(rate / 100);
      meter.push(new Float32Array(frameLen).fill(0.1));
      expect(meter.levelDb).toBeCloseTo(-20, 3);
      // One second of digital silence: 100 frames, 0.2 dB each.
      for (let f = 0; f < 100; f++) meter.push(new Float32Array(frameLen));
      expect(meter.levelDb).toBeCloseTo(-40, 3);
      // A louder frame takes over at once.
      meter.push(new Float32Array(frameLen).fill(0.5));
      expect(meter.levelDb).toBeCloseTo(20 * Math.log10(0.5), 3);
    }
  });

  it('fed in render quanta that split its frames, gives the level of a plain per-sample meter, bit for bit', () => {
    // The meter written the plain way: one test per sample, the energy carried in a field.
    class PlainMeter {
      private fill = 0;
      private energy = 0;
      levelDb = -120;
      constructor(private readonly frame: number) {}
      push(block: Float32Array): void {
        for (const x of block) {
          this.energy += x * x;
          if (++this.fill === this.frame) {
            const db = this.energy > 0 ? 10 * Math.log10(this.energy / this.frame) : -Infinity;
            this.levelDb = Math.max(Math.max(-120, db), this.levelDb - 0.2);
            this.fill = this.energy = 0;
          }
        }
      }
    }
    // 480 and 441 samples a frame: 128-sample quanta end inside frames, and some quanta hold a frame end.
    for (const rate of [48_000, 44_100]) {
      const x = makeNoise('pink', 3 * rate, rate, 5);
      // Loud and quiet stretches, so the level both rises and decays.
      for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * (Math.floor(i / rate) % 2 ? 0.01 : 1);
      const meter = new LevelMeter(rate);
      const plain = new PlainMeter(Math.round(rate / 100));
      let changes = 0;
      for (let o = 0; o + 128 <= x.length; o += 128) {
        const before = meter.levelDb;
        meter.push(x.subarray(o, o + 128), 128);
        plain.push(x.subarray(o, o + 128));
        if (meter.levelDb !== plain.levelDb) throw new Error(`${rate} Hz, quantum at ${o}: ${meter.levelDb} != ${plain.levelDb}`);
        if (meter.levelDb !== before) changes++;
      }
      // A level per 10 ms frame, nearly all of them moved it.
      expect(changes).toBeGreaterThan(250);
    }
  });
});

describe('activity gate with classic RNNoise on talkers who speak in turns', () => {
  const module = loadRnnoiseModule('scalar');
  // 60 s: three talkers with 3 s turns, so each wakes 6–7 times after 7 s of −70 dBFS DTX-like noise.
  const seconds = 60;
  const talkers = turnTakingTalkers({ talkers: 3, seconds });

  function run(x: Float32Array, gating: boolean) {
    const p = new DenoisePipeline(new RnnoiseEngine(module), { gating });
    const y = new Float32Array(x.length);
    for (let o = 0; o + 128 <= x.length; o += 128) p.process(x.subarray(o, o + 128), y.subarray(o, o + 128), 128);
    const gateStats = p.gate ? { ...p.gate.stats } : null;
    p.destroy();
    return { y, latency: p.latency, gateStats };
  }

  const runs = talkers.map((t) => ({ off: run(t.mixture, false), on: run(t.mixture, true) }));

  it('denoises the first 100 ms of each turn within 1 dB SI-SDR and 3 dB level of an always-on engine', () => {
    // Bound: 1 dB on the onset windows joined, per talker: twice the 0.5 dB whole-track
    // budget, because 100 ms windows hold a twentieth of the speech and their SI-SDR moves with
    // the engine's state alone by about that much (an engine with no warm-up and no restart
    // measured −0.95 dB on the brown-noise talker). A gate that wakes too late or never passes
    // the onset on the held gain (≈ −15 dB) and loses far more. SI-SDR ignores scale, so the
    // level is checked too: within 3 dB (half the energy) of always-on, where the held gain
    // would sit ≈ 15 dB below. Measured (pink, white, brown): SI-SDR +2.60, +2.24, −0.76 dB;
    // level +2.23, +1.22, −0.12 dB (BENCHMARKS.md, Gating).
    talkers.forEach((t, i) => {
      const { off, on } = runs[i] as (typeof runs)[number];
      const loss = onsetLoss(t.speech, off.y, on.y, t.onsets, off.latency);
      expect(loss.deltas.length, t.noise).toBeGreaterThanOrEqual(5);
      expect(loss.pooled, t.noise).toBeGreaterThan(-1);
      expect(loss.levelDb, t.noise).toBeGreaterThan(-3);
    });
  });

  it('keeps each talker within 0.5 dB SI-SDR of gating off over the whole track (the issue target)', () => {
    talkers.forEach((t, i) => {
      const { off, on } = runs[i] as (typeof runs)[number];
      const delta = siSdr(t.speech, on.y.subarray(off.latency)) - siSdr(t.speech, off.y.subarray(off.latency));
      expect(delta, t.noise).toBeGreaterThan(-0.5);
    });
  });

  it('runs the engine only for speech, the hold and the warm-up: at most a third of the frames', () => {
    // Bound, per talker: each 9 s cycle holds one 2 s turn of speech (200 frames) plus at most
    // 30 hold and 8 warm-up frames: 238 of 900 engine frames, 26%. A third leaves room for the
    // partial cycle at the end; a gate that never closes runs all of them.
    const total = (seconds * 48_000) / FRAME_SIZE;
    for (const { on } of runs) {
      expect(on.gateStats).not.toBeNull();
      expect(on.gateStats!.engineFrames).toBeLessThan(total / 3);
      expect(on.gateStats!.wakes).toBeGreaterThanOrEqual(6);
    }
  });
});

describe.each([
  { flavour: 'gtcrn', frameSize: 768 },
  { flavour: 'rnnoise-0.2', frameSize: 480 },
] as const)('activity gate around the $flavour engine ($frameSize-sample frames)', ({ flavour, frameSize }) => {
  const module = loadEngineModule(flavour);
  const HOLD = 30;
  // 2 s of speech in white noise at 20 dB SNR, then a pause of −70 dBFS white noise (DTX-like,
  // 10 dB below the gate's −60 dBFS threshold in every frame), then 2 s more of the speech.
  // The pause starts and ends on frame edges for both frame sizes (3840 = 5·768 = 8·480).
  const item = makeNoisySpeech({ seed: 5, noise: 'white', snrDb: 20, seconds: 4 });
  const pauseStart = 96_000;
  const pauseEnd = pauseStart + 19 * 3840;
  const quiet = makeNoise('white', pauseEnd - pauseStart, 48_000, 3);
  const quietRms = Math.sqrt(quiet.reduce((s, v) => s + v * v, 0) / quiet.length);
  const x = new Float32Array(item.mixture.length + pauseEnd - pauseStart);
  x.set(item.mixture.subarray(0, pauseStart));
  for (let i = 0; i < quiet.length; i++) x[pauseStart + i] = ((quiet[i] as number) / quietRms) * 10 ** (-70 / 20);
  x.set(item.mixture.subarray(pauseStart), pauseEnd);
  const frameQuiet = (f: number): boolean => {
    let e = 0;
    for (let i = f * frameSize; i < (f + 1) * frameSize; i++) e += (x[i] as number) ** 2;
    return e / frameSize <= 1e-6;
  };

  it('stops the engine after the hold, passes the pause without it, and wakes on the first loud frame', () => {
    const q0 = pauseStart / frameSize;
    const q1 = pauseEnd / frameSize;
    // Preconditions: the frames around the pause are loud, every pause frame is quiet.
    expect(frameQuiet(q0 - 1) || frameQuiet(q1)).toBe(false);
    for (let f = q0; f < q1; f++) expect(frameQuiet(f), `frame ${f}`).toBe(true);

    const gate = new GatedEngine(createEngine(flavour, module), { holdFrames: HOLD });
    expect(gate.frameSize).toBe(frameSize);
    const out = new Float32Array(frameSize);
    const feed = (f: number): void => void gate.processFrame(x.subarray(f * frameSize, (f + 1) * frameSize), out);
    for (let f = 0; f < q0 + HOLD - 1; f++) feed(f);
    expect(gate.state).toBe('open');
    feed(q0 + HOLD - 1);
    expect(gate.state).toBe('closed');
    expect(gate.reason).toBe('below-threshold');
    for (let f = q0 + HOLD; f < q1; f++) feed(f);
    // Every frame before the pause and the hold ran the engine; none of the rest of the pause did.
    expect(gate.stats).toEqual({ engineFrames: q0 + HOLD, skippedFrames: q1 - q0 - HOLD, warmupFrames: 0, wakes: 0 });
    feed(q1);
    expect(gate.state).toBe('open');
    // The gap was longer than the look-back: 8 replayed frames, then this frame denoised.
    expect(gate.stats).toEqual({ engineFrames: q0 + HOLD + 9, skippedFrames: q1 - q0 - HOLD, warmupFrames: 8, wakes: 1 });
    gate.destroy();
  });

  it('stays time-aligned with the always-on pipeline: lag 0 on the speech after the wake, the engine delay on the pause', () => {
    const run = (gating: boolean): { y: Float32Array; latency: number } => {
      const p = new DenoisePipeline(createEngine(flavour, module), { gating: gating && { holdFrames: HOLD } });
      const y = new Float32Array(x.length);
      for (let o = 0; o + 128 <= x.length; o += 128) p.process(x.subarray(o, o + 128), y.subarray(o, o + 128), 128);
      p.destroy();
      return { y, latency: p.latency };
    };
    const on = run(false);
    const gated = run(true);
    expect(gated.latency).toBe(on.latency);
    const lat = on.latency;

    // The speech after the wake, from its first frame: the same engine on the same input, so the
    // outputs have the same shape (peak near 1; the restarted engine's first frames differ a
    // little, which the turn-taking test above bounds at 1 dB SI-SDR) at lag 0.
    const a = pauseEnd + lat;
    const b = x.length - 2 * frameSize;
    const speech = alignByXcorr(on.y.subarray(a, b), gated.y.subarray(a, b), 2000);
    expect(speech.lag).toBe(0);
    expect(speech.peak).toBeGreaterThan(0.9);

    // While closed, the output is the input delayed by the pipeline's latency (the reframer's and
    // the engine's) times the held gain: an exact scaled copy. The output of the held frames
    // (after the closing crossfade, before the wake) against the pause input around `latency`
    // earlier, ±480 samples (both windows inside the pause: speech would swamp the normalised peak).
    const rd = reframerDelay(128, frameSize);
    const outStart = pauseStart + (HOLD + 1) * frameSize + rd;
    const outEnd = pauseEnd - frameSize + rd;
    const inStart = outStart - lat - 480;
    const held = alignByXcorr(gated.y.subarray(outStart, outEnd), x.subarray(inStart, outEnd - lat + 480), 480);
    // Output sample outStart + n copies input sample inStart + n + lag: `lat` earlier.
    expect(inStart + held.lag).toBe(outStart - lat);
    // The peak is normalised by the whole input window, 960 samples longer than the output's:
    // an exact scaled copy scores the square root of their length ratio, 0.99 of that leaves float
    // rounding. (A misaligned or chopped copy of white noise scores near 0.)
    expect(held.peak).toBeGreaterThan(0.99 * Math.sqrt((outEnd - outStart) / (outEnd - outStart + 960)));
  });
});
