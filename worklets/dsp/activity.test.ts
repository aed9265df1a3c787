import { describe, expect, it } from 'vitest';
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { siSdr } from '../../tools/testing/metrics';
import { onsetLoss, turnTakingTalkers } from '../../tools/testing/turns';
import { GatedEngine, LevelMeter } from './activity';
import { FRAME_SIZE, type FrameEngine } from './engine';
import { DenoisePipeline } from './pipeline';
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
