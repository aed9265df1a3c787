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

  it('with equal activity, sheds the newest engines when the audio clock falls behind, then lets them back one at a time', () => {
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

  it('under overload sheds the quietest track, not the newest: the person talking now keeps the engine', () => {
    const g = new LoadGovernor();
    const ranks = [g.register(), g.register(), g.register(), g.register()];
    // The newest track is the one talking; the older ones are quieter.
    [-50, -45, -40, -20].forEach((levelDb, i) => g.report(ranks[i] as number, { gated: false, levelDb }));
    run(g, { audio: 0, wall: 0 }, 1.5, 0.9);
    expect(g.engineLimit).toBe(3);
    expect(ranks.map((r) => g.allowed(r))).toEqual([false, true, true, true]);
    expect(g.activity(ranks[0] as number)).toEqual({ state: 'shed', reason: 'overload', levelDb: -50 });
    expect(g.activity(ranks[3] as number)).toEqual({ state: 'active', reason: 'priority', levelDb: -20 });
  });

  it('gated tracks cost nothing: they are not counted against the cap and report why they are gated', () => {
    const g = new LoadGovernor();
    const talkers = [g.register(), g.register(), g.register()];
    const quiet = Array.from({ length: 5 }, () => g.register());
    [-25, -30, -35].forEach((levelDb, i) => g.report(talkers[i] as number, { gated: false, levelDb }));
    quiet.forEach((r, i) => g.report(r, { gated: true, gateReason: i % 2 ? 'below-threshold' : 'digital-silence', levelDb: -70 }));
    expect(g.activity(talkers[0] as number)).toEqual({ state: 'active', reason: 'within-budget', levelDb: -25 });
    run(g, { audio: 0, wall: 0 }, 1.5, 0.9);
    // Three engines ran (the gated five cost nothing): three quarters of three leaves two.
    expect(g.engineLimit).toBe(2);
    expect(talkers.map((r) => g.activity(r).state)).toEqual(['active', 'active', 'shed']);
    expect(quiet.map((r) => g.activity(r).reason)).toEqual([
      'digital-silence',
      'below-threshold',
      'digital-silence',
      'below-threshold',
      'digital-silence',
    ]);
    expect(quiet.every((r) => g.allowed(r))).toBe(true);
  });

  it('a track that starts talking takes the place of one that fell quiet, once it is 6 dB louder', () => {
    const g = new LoadGovernor({ recoverMs: 60_000 });
    const [a, b] = [g.register(), g.register()];
    g.report(a, { gated: false, levelDb: -30 });
    g.report(b, { gated: false, levelDb: -40 });
    run(g, { audio: 0, wall: 0 }, 1.5, 0.9);
    expect([g.allowed(a), g.allowed(b)]).toEqual([true, false]);
    // 3 dB louder than the running one: inside the margin, no swap (no flapping between talkers).
    g.report(b, { gated: false, levelDb: -27 });
    expect([g.allowed(a), g.allowed(b)]).toEqual([true, false]);
    // 10 dB louder: b takes the engine.
    g.report(b, { gated: false, levelDb: -20 });
    expect([g.allowed(a), g.allowed(b)]).toEqual([false, true]);
    expect(g.activity(a)).toEqual({ state: 'shed', reason: 'overload', levelDb: -30 });
  });

  it('a gated track that wakes under a cap competes by its level like the others', () => {
    const g = new LoadGovernor({ recoverMs: 60_000 });
    const [talker, other, sleeper] = [g.register(), g.register(), g.register()];
    g.report(talker, { gated: false, levelDb: -25 });
    g.report(other, { gated: false, levelDb: -45 });
    g.report(sleeper, { gated: true, gateReason: 'digital-silence', levelDb: -120 });
    run(g, { audio: 0, wall: 0 }, 1.5, 0.9);
    expect(g.engineLimit).toBe(1);
    expect([g.allowed(talker), g.allowed(other), g.allowed(sleeper)]).toEqual([true, false, true]);
    // The sleeper wakes quieter than the talker: it does not run.
    g.report(sleeper, { gated: false, levelDb: -50 });
    expect([g.allowed(talker), g.allowed(sleeper)]).toEqual([true, false]);
  });

  describe('tracks with engine tiers (auto)', () => {
    const TIERS = { count: 3, start: 0 };

    it('steps the quietest running track down a tier before it sheds any engine', () => {
      const g = new LoadGovernor({ recoverMs: 60_000 });
      const ranks = [g.register(TIERS), g.register(TIERS), g.register(TIERS), g.register(TIERS)];
      [-20, -30, -50, -40].forEach((levelDb, i) => g.report(ranks[i] as number, { gated: false, levelDb }));
      const slow = run(g, { audio: 0, wall: 0 }, 1.5, 0.9);
      expect(slow.events).toEqual(['step-down']);
      expect(g.engineLimit).toBe(Infinity);
      expect(ranks.map((r) => g.tier(r))).toEqual([0, 0, 1, 0]);
      expect(ranks.every((r) => g.allowed(r))).toBe(true);
      expect(g.activity(ranks[2] as number)).toEqual({ state: 'stepped-down', reason: 'overload', levelDb: -50 });
      expect(g.activity(ranks[0] as number)).toEqual({ state: 'active', reason: 'within-budget', levelDb: -20 });
    });

    it('sheds engines only once every running track is on its cheapest tier', () => {
      const g = new LoadGovernor({ recoverMs: 60_000 });
      const ranks = [g.register(TIERS), g.register(TIERS)];
      g.report(ranks[0] as number, { gated: false, levelDb: -20 });
      g.report(ranks[1] as number, { gated: false, levelDb: -40 });
      // Four tier steps (two tracks × two steps), then the shedding starts.
      const slow = run(g, { audio: 0, wall: 0 }, 5.5, 0.9);
      expect(slow.events).toEqual(['step-down', 'step-down', 'step-down', 'step-down', 'overload']);
      expect(ranks.map((r) => g.tier(r))).toEqual([2, 2]);
      expect(ranks.map((r) => g.allowed(r))).toEqual([true, false]);
    });

    it('gated tracks are not stepped down: they cost nothing now', () => {
      const g = new LoadGovernor({ recoverMs: 60_000 });
      const [talker, sleeper] = [g.register(TIERS), g.register(TIERS)];
      g.report(talker, { gated: false, levelDb: -25 });
      g.report(sleeper, { gated: true, gateReason: 'digital-silence', levelDb: -120 });
      run(g, { audio: 0, wall: 0 }, 1.5, 0.9);
      expect([g.tier(talker), g.tier(sleeper)]).toEqual([1, 0]);
    });

    it('after load falls, steps back up one tier per quiet spell, the loudest first, never above the start tier', () => {
      const g = new LoadGovernor({ recoverMs: 5000 });
      const ranks = [g.register({ count: 3, start: 1 }), g.register(TIERS)];
      g.report(ranks[0] as number, { gated: false, levelDb: -20 });
      g.report(ranks[1] as number, { gated: false, levelDb: -40 });
      const slow = run(g, { audio: 0, wall: 0 }, 3.5, 0.9);
      expect(slow.events).toEqual(['step-down', 'step-down', 'step-down']);
      expect(ranks.map((r) => g.tier(r))).toEqual([2, 2]);
      // Quiet: 5 s after the last step down, the louder track goes up first; a spell later the other.
      const calm = run(g, slow.at, 4, 1);
      expect(calm.events).toEqual([]);
      const up1 = run(g, calm.at, 2, 1);
      expect(up1.events).toEqual(['step-up']);
      expect(ranks.map((r) => g.tier(r))).toEqual([1, 2]);
      const rest = run(g, up1.at, 30, 1);
      expect(rest.events).toEqual(['step-up', 'step-up']);
      // The first track started on tier 1: it stays there, no step up to 0.
      expect(ranks.map((r) => g.tier(r))).toEqual([1, 0]);
      expect(ranks.map((r) => g.steppedDown(r))).toEqual([false, false]);
    });

    it('a step up that brings the overload back doubles the wait before the next', () => {
      const g = new LoadGovernor({ recoverMs: 5000 });
      const only = g.register(TIERS);
      g.report(only, { gated: false, levelDb: -20 });
      let at = run(g, { audio: 0, wall: 0 }, 1.5, 0.9).at;
      expect(g.tier(only)).toBe(1);
      at = run(g, at, 5.5, 1).at;
      expect(g.tier(only)).toBe(0);
      // Tier 0 overloads again: down, and now the step up waits 10 s, not 5.
      at = run(g, at, 1.5, 0.9).at;
      expect(g.tier(only)).toBe(1);
      const wait = run(g, at, 8, 1);
      expect(wait.events).toEqual([]);
      expect(run(g, wait.at, 3, 1).events).toEqual(['step-up']);
    });
  });
});
