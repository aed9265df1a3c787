// Keeps a live AudioContext in real time when there are more tracks than the CPU can denoise.
// One governor per AudioWorkletGlobalScope (module state), which a browser makes one per
// AudioContext: so it is the one budget shared by every processor of that context.
// It compares how far the context's clock moved with how far the wall clock moved: a render
// thread that misses its deadlines falls behind. Then it caps the engines that run at three
// quarters of those running (never below one); after a quiet spell it lets one more back in at
// a time. Not for an OfflineAudioContext, which may render slower than real time.
//
// Who runs under the cap is decided by activity, not age: each processor reports whether its
// engine is gated (activity.ts: quiet input, no engine cost) and its activity level (the peak of
// its frame levels, decaying 20 dB/s: loud and recent talkers rank high). Gated tracks cost
// nothing and are never counted; the ungated ones run in order of level, so the person talking
// now keeps their engine and a quiet or long-silent track is the first to lose it. A running
// track keeps its place until a contender is HYSTERESIS_DB louder, so two talkers of similar
// level do not swap engines every quantum. Ties go to the older registration.
//
// Tracks of engine 'auto' (tiers.ts) have cheaper engines to fall back on, so an overload first
// steps them DOWN one tier (the quietest quarter of the running ones that can step, at least
// one), and sheds engines only once no running track can step down. When load falls it undoes
// the last first: shed engines come back, then stepped-down tracks step back UP, the loudest
// first, one tier per quiet spell, never above the tier their start-up measurement chose. A
// step up that is followed by an overload doubles the quiet spell the next one waits for (up to
// 8×): a tier the CPU cannot hold is not retried every few seconds.
import type { EngineActivity, EngineActivityReason } from '../protocol';
import { LEVEL_FLOOR_DB } from './activity';

export interface GovernorOptions {
  /** Lag of the audio clock behind the wall clock, per window, that counts as overload. */
  toleranceMs?: number;
  /** Measurement window. */
  windowMs?: number;
  /** Quiet time after the last overload before one more engine may run again. */
  recoverMs?: number;
}

export type GovernorEvent = 'overload' | 'recovered' | 'step-down' | 'step-up' | null;

/** A track's engine tiers, best (index 0) first. */
export interface TrackTiers {
  /** How many tiers it has (1 for a fixed engine). */
  count: number;
  /** The tier it starts on, and the best it may step back up to. */
  start: number;
  /** Measured cost of each tier, µs per 10 ms (tiers.ts measureCostUs), for loadUs(). */
  costsUs?: readonly number[];
}

/** What a processor tells the governor about its track, each render quantum. */
export interface TrackReport {
  /** The engine is gated: quiet input, so it costs nothing now. */
  gated: boolean;
  /** Why, when gated. */
  gateReason?: 'digital-silence' | 'below-threshold';
  /** Activity level, dBFS (LevelMeter). */
  levelDb: number;
}

// A gap this long between render quanta is a suspended or stalled context, not overload.
const STALL_MS = 500;
// A running engine yields its place only to a track this much louder: a 6 dB (double amplitude)
// margin is more than two talkers' level varies syllable to syllable at the meter's 20 dB/s decay.
export const HYSTERESIS_DB = 6;

interface Track {
  rank: number;
  report: TrackReport;
  allowed: boolean;
  /** The tier the governor wants it on (index into its tiers; higher is cheaper). */
  tier: number;
  ceiling: number;
  floor: number;
  costsUs: readonly number[];
}

// The longest a step up waits after failed ones, in quiet spells.
const MAX_BACKOFF = 8;

export class LoadGovernor {
  private readonly toleranceMs: number;
  private readonly windowMs: number;
  private readonly recoverMs: number;
  private readonly live: Track[] = [];
  // Scratch for ranking, sized as tracks come: no allocation per quantum once the room is full.
  private readonly order: Track[] = [];
  private nextRank = 0;
  private limit = Infinity;
  private dirty = false;
  private lastAudio = -1;
  private lastWall = 0;
  private windowAudio = 0;
  private windowWall = 0;
  private lastChange = -Infinity;
  private lastWasStepUp = false;
  private backoff = 1;

  constructor(options: GovernorOptions = {}) {
    this.toleranceMs = options.toleranceMs ?? 50;
    this.windowMs = options.windowMs ?? 1000;
    this.recoverMs = options.recoverMs ?? 10_000;
  }

  /** A new engine; returns its rank (its id; among equals, older engines keep running longest). */
  register(tiers: TrackTiers = { count: 1, start: 0 }): number {
    const rank = this.nextRank++;
    const floor = Math.max(0, tiers.count - 1);
    const start = Math.min(floor, Math.max(0, tiers.start));
    this.live.push({
      rank,
      report: { gated: false, levelDb: LEVEL_FLOOR_DB },
      allowed: true,
      tier: start,
      ceiling: start,
      floor,
      costsUs: tiers.costsUs ?? [],
    });
    this.dirty = true;
    return rank;
  }

  unregister(rank: number): void {
    const i = this.live.findIndex((t) => t.rank === rank);
    if (i >= 0) this.live.splice(i, 1);
    if (this.live.length === 0) this.limit = Infinity;
    this.dirty = true;
  }

  /** The track's gate state and activity level; the ranking follows on the next question. */
  report(rank: number, report: TrackReport): void {
    const t = this.find(rank);
    if (!t) return;
    if (t.report.gated !== report.gated || t.report.levelDb !== report.levelDb || t.report.gateReason !== report.gateReason) {
      t.report.gated = report.gated;
      t.report.levelDb = report.levelDb;
      t.report.gateReason = report.gateReason;
      this.dirty = true;
    }
  }

  /** Whether the engine of this rank may run now. */
  allowed(rank: number): boolean {
    if (this.limit === Infinity) return this.find(rank) !== undefined;
    this.rerank();
    return this.find(rank)?.allowed ?? false;
  }

  /** The tier the governor wants this track on (its start tier unless stepped down). */
  tier(rank: number): number {
    return this.find(rank)?.tier ?? 0;
  }

  /**
   * The measured cost of the engines when their tracks talk, µs per 10 ms: each unshed track's
   * tier, gated ones too (quiet now, they cost as much once they talk; tracks registered without
   * costs count 0). What a new 'auto' track's start tier must fit beside.
   */
  loadUs(): number {
    if (this.limit !== Infinity) this.rerank();
    let sum = 0;
    for (const t of this.live) if (t.allowed) sum += t.costsUs[t.tier] ?? 0;
    return sum;
  }

  /** Whether the governor stepped this track below the tier it started on. */
  steppedDown(rank: number): boolean {
    const t = this.find(rank);
    return t !== undefined && t.tier > t.ceiling;
  }

  /** The track's state and why, in the form ProcessorStats carries. */
  activity(rank: number): EngineActivity {
    const t = this.find(rank);
    if (!t) return { state: 'bypassed', reason: 'bypassed', levelDb: LEVEL_FLOOR_DB };
    const levelDb = t.report.levelDb;
    if (t.report.gated) return { state: 'gated', reason: t.report.gateReason ?? 'below-threshold', levelDb };
    if (this.limit !== Infinity) this.rerank();
    if (this.limit !== Infinity && !t.allowed) return { state: 'shed', reason: 'overload', levelDb };
    if (t.tier > t.ceiling) return { state: 'stepped-down', reason: 'overload', levelDb };
    const reason: EngineActivityReason = this.limit === Infinity ? 'within-budget' : 'priority';
    return { state: 'active', reason, levelDb };
  }

  get engineLimit(): number {
    return this.limit;
  }

  /**
   * Called by every processor each render quantum with the context's clock (s) and the wall
   * clock (ms); only the first call per quantum counts.
   */
  observe(audioSeconds: number, wallMs: number): GovernorEvent {
    if (audioSeconds === this.lastAudio) return null;
    const stalled = wallMs - this.lastWall > STALL_MS || this.lastAudio < 0;
    this.lastAudio = audioSeconds;
    this.lastWall = wallMs;
    if (stalled) {
      this.windowAudio = audioSeconds;
      this.windowWall = wallMs;
      return null;
    }
    const wall = wallMs - this.windowWall;
    if (wall < this.windowMs) return null;
    const lag = wall - (audioSeconds - this.windowAudio) * 1000;
    this.windowAudio = audioSeconds;
    this.windowWall = wallMs;
    if (lag > this.toleranceMs) {
      if (this.lastWasStepUp) this.backoff = Math.min(MAX_BACKOFF, this.backoff * 2);
      this.lastWasStepUp = false;
      this.lastChange = wallMs;
      if (this.stepDown()) return 'step-down';
      const running = Math.min(this.limit, this.ungated());
      // One engine always stays: shedding the last saves nothing the CPU could use.
      this.limit = Math.max(1, Math.min(running - 1, Math.floor(running * 0.75)));
      this.dirty = true;
      return 'overload';
    }
    if (this.limit !== Infinity && wallMs - this.lastChange >= this.recoverMs) {
      this.limit = this.limit + 1 >= this.ungated() ? Infinity : this.limit + 1;
      this.lastChange = wallMs;
      this.dirty = true;
      if (this.limit === Infinity) for (const t of this.live) t.allowed = true;
      return 'recovered';
    }
    if (this.limit === Infinity && wallMs - this.lastChange >= this.recoverMs * this.backoff && this.stepUp()) {
      this.lastChange = wallMs;
      this.lastWasStepUp = true;
      return 'step-up';
    }
    return null;
  }

  /** One tier down for the quietest quarter (at least one) of the running tracks that can step; false if none can. */
  private stepDown(): boolean {
    const order = this.order;
    order.length = 0;
    for (const t of this.live) if (!t.report.gated && t.allowed && t.tier < t.floor) order.push(t);
    if (order.length === 0) return false;
    order.sort(byPriority);
    const n = Math.max(1, Math.floor(order.length / 4));
    for (let i = order.length - n; i < order.length; i++) (order[i] as Track).tier++;
    this.dirty = true;
    return true;
  }

  /** One tier up for the loudest stepped-down track (gated ones too: they cost nothing now); false if none is stepped down. */
  private stepUp(): boolean {
    let best: Track | undefined;
    for (const t of this.live) {
      if (t.tier > t.ceiling && (!best || byPriority(t, best) < 0)) best = t;
    }
    if (!best) {
      this.backoff = 1;
      return false;
    }
    best.tier--;
    this.dirty = true;
    return true;
  }

  private find(rank: number): Track | undefined {
    for (const t of this.live) if (t.rank === rank) return t;
    return undefined;
  }

  private ungated(): number {
    let n = 0;
    for (const t of this.live) if (!t.report.gated) n++;
    return n;
  }

  /** Under a cap: the `limit` ungated tracks of highest level run (a running one gets the margin). */
  private rerank(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const order = this.order;
    order.length = 0;
    for (const t of this.live) {
      // Gated tracks cost nothing: they may run the moment they wake, and are ranked then.
      if (t.report.gated) t.allowed = true;
      else order.push(t);
    }
    order.sort(byPriority);
    for (let i = 0; i < order.length; i++) (order[i] as Track).allowed = i < this.limit;
  }
}

function score(t: Track): number {
  return t.report.levelDb + (t.allowed ? HYSTERESIS_DB : 0);
}

// Module-level, so ranking every quantum under a cap allocates no closure.
function byPriority(a: Track, b: Track): number {
  return score(b) - score(a) || a.rank - b.rank;
}
