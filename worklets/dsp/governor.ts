// Keeps a live AudioContext in real time when there are more tracks than the CPU can denoise.
// One governor per AudioWorkletGlobalScope (module state), shared by every processor in it.
// It compares how far the context's clock moved with how far the wall clock moved: a render
// thread that misses its deadlines falls behind. Then it sheds engines, newest first, down to
// three quarters of those running (never below one); after a quiet spell it lets one more back
// in at a time. Not for an OfflineAudioContext, which may render slower than real time.

export interface GovernorOptions {
  /** Lag of the audio clock behind the wall clock, per window, that counts as overload. */
  toleranceMs?: number;
  /** Measurement window. */
  windowMs?: number;
  /** Quiet time after the last overload before one more engine may run again. */
  recoverMs?: number;
}

export type GovernorEvent = 'overload' | 'recovered' | null;

// A gap this long between render quanta is a suspended or stalled context, not overload.
const STALL_MS = 500;

export class LoadGovernor {
  private readonly toleranceMs: number;
  private readonly windowMs: number;
  private readonly recoverMs: number;
  private readonly live: number[] = [];
  private nextRank = 0;
  private limit = Infinity;
  private lastAudio = -1;
  private lastWall = 0;
  private windowAudio = 0;
  private windowWall = 0;
  private lastChange = -Infinity;

  constructor(options: GovernorOptions = {}) {
    this.toleranceMs = options.toleranceMs ?? 50;
    this.windowMs = options.windowMs ?? 1000;
    this.recoverMs = options.recoverMs ?? 10_000;
  }

  /** A new engine; returns its rank (older engines keep running longest). */
  register(): number {
    const rank = this.nextRank++;
    this.live.push(rank);
    return rank;
  }

  unregister(rank: number): void {
    const i = this.live.indexOf(rank);
    if (i >= 0) this.live.splice(i, 1);
    if (this.live.length === 0) this.limit = Infinity;
  }

  /** Whether the engine of this rank may run now. */
  allowed(rank: number): boolean {
    if (this.limit === Infinity) return true;
    const position = this.live.indexOf(rank);
    return position >= 0 && position < this.limit;
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
      const running = Math.min(this.limit, this.live.length);
      // One engine always stays: shedding the last saves nothing the CPU could use.
      this.limit = Math.max(1, Math.min(running - 1, Math.floor(running * 0.75)));
      this.lastChange = wallMs;
      return 'overload';
    }
    if (this.limit !== Infinity && wallMs - this.lastChange >= this.recoverMs) {
      this.limit = this.limit + 1 >= this.live.length ? Infinity : this.limit + 1;
      this.lastChange = wallMs;
      return 'recovered';
    }
    return null;
  }
}
