import { describe, expect, it } from 'vitest';
import { LoadGovernor } from './governor';

const QUANTUM_S = 128 / 48_000;

/** Drives the governor like a render thread: `speed` < 1 means the clock falls behind. */
function run(g: LoadGovernor, from: { audio: number; wall: number }, seconds: number, speed: number) {
  const events: string[] = [];
  let { audio, wall } = from;
  const steps = Math.round(seconds / QUANTUM_S);
  for (let i = 0; i < steps; i++) {
    audio += QUANTUM_S * speed;
    wall += QUANTUM_S * 1000;
    // Several processors report the same quantum; only one report counts.
    for (let p = 0; p < 3; p++) {
      const e = g.observe(audio, wall);
      if (e) events.push(e);
    }
  }
  return { events, at: { audio, wall } };
}

describe('load governor', () => {
  it('never trips while the context keeps real time, or renders faster (offline)', () => {
    const g = new LoadGovernor();
    const ranks = Array.from({ length: 8 }, () => g.register());
    expect(run(g, { audio: 0, wall: 0 }, 30, 1).events).toEqual([]);
    expect(run(g, { audio: 100, wall: 100_000 }, 30, 20).events).toEqual([]);
    expect(ranks.every((r) => g.allowed(r))).toBe(true);
  });

  it('sheds the newest engines when the audio clock falls behind, then lets them back one at a time', () => {
    const g = new LoadGovernor({ recoverMs: 5000 });
    const ranks = Array.from({ length: 8 }, () => g.register());
    const slow = run(g, { audio: 0, wall: 0 }, 1.5, 0.9);
    expect(slow.events).toEqual(['overload']);
    expect(g.engineLimit).toBe(6);
    expect(ranks.map((r) => g.allowed(r))).toEqual([true, true, true, true, true, true, false, false]);
    const calm = run(g, slow.at, 12, 1);
    expect(calm.events).toEqual(['recovered', 'recovered']);
    expect(ranks.every((r) => g.allowed(r))).toBe(true);
  });

  it('keeps shedding while overload persists, down to the oldest engine', () => {
    const g = new LoadGovernor();
    const ranks = Array.from({ length: 10 }, () => g.register());
    run(g, { audio: 0, wall: 0 }, 8, 0.5);
    expect(g.engineLimit).toBe(1);
    expect(ranks.map((r) => g.allowed(r))).toEqual([true, ...Array(9).fill(false)]);
  });

  it('never sheds a lone engine: that would save nothing', () => {
    const g = new LoadGovernor();
    const only = g.register();
    expect(run(g, { audio: 0, wall: 0 }, 5, 0.5).events).toEqual(['overload', 'overload', 'overload', 'overload']);
    expect(g.allowed(only)).toBe(true);
  });

  it('treats a suspended context (no quanta for a while) as a pause, not as overload', () => {
    const g = new LoadGovernor();
    g.register();
    const first = run(g, { audio: 0, wall: 0 }, 2, 1);
    // Suspended for 10 s of wall time: the next quantum arrives much later.
    const resumed = run(g, { audio: first.at.audio, wall: first.at.wall + 10_000 }, 3, 1);
    expect([...first.events, ...resumed.events]).toEqual([]);
  });

  it('an engine that leaves frees its place for the next in line', () => {
    const g = new LoadGovernor();
    const [a, b, c] = [g.register(), g.register(), g.register()];
    run(g, { audio: 0, wall: 0 }, 1.5, 0.9);
    expect([g.allowed(a), g.allowed(b), g.allowed(c)]).toEqual([true, true, false]);
    g.unregister(a);
    expect([g.allowed(b), g.allowed(c)]).toEqual([true, true]);
  });
});
