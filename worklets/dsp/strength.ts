// Suppression strength: how much of the time-aligned dry signal is mixed back into the denoised
// one. Pure (no worklet or DOM globals): the worklet, the CLI and Node tests share it.
//
// Mapping: output = s·wet + (1 − s)·dry, with wet and dry delayed alike. s = 1 is full
// suppression, s = 0 is the delayed input exactly. Where the engine removes a pause entirely
// (wet ≈ 0) the pause keeps (1 − s) of its amplitude, so strength sets a floor on the
// attenuation: floorDb(s) = −20·log10(1 − s), e.g. 0.9 → 20 dB. Where the engine keeps speech
// (wet ≈ dry) the mix leaves it as it is, whatever s.

/** Named strengths; their measured pause cut and speech level are in BENCHMARKS.md. */
export const STRENGTH_PRESETS = {
  /** Attenuation floor 10 dB: noise is turned down, not removed. */
  gentle: 1 - 10 ** (-10 / 20),
  /** Attenuation floor 20 dB. */
  balanced: 1 - 10 ** (-20 / 20),
  /** The engine's full cut. */
  strong: 1,
} as const;

export type StrengthPreset = keyof typeof STRENGTH_PRESETS;

/** A full-range change (0 → 1) takes this long; smaller changes proportionally less. 20 ms is
 * well past the ~5 ms below which a gain step is heard as a click. */
export const STRENGTH_RAMP_SECONDS = 0.02;

/** The attenuation floor (dB, positive) that strength `s` leaves where the engine cuts fully. */
export function strengthFloorDb(s: number): number {
  return s >= 1 ? Infinity : -20 * Math.log10(1 - s);
}

/** Moves `value` toward `target` by at most `step`. */
export function approach(value: number, target: number, step: number): number {
  return value < target ? Math.min(target, value + step) : Math.max(target, value - step);
}

/**
 * The strength actually applied, ramped per sample toward the last one asked for, so that a live
 * change moves the mix by at most `step` per sample and never clicks.
 */
export class StrengthRamp {
  private value: number;
  private goal: number;
  /** Largest change of the applied strength per sample. */
  readonly step: number;

  constructor(initial = 1, rampSamples = Math.round(STRENGTH_RAMP_SECONDS * 48_000)) {
    this.value = this.goal = clampStrength(initial, 1);
    this.step = rampSamples > 0 ? 1 / rampSamples : 1;
  }

  /** What was last asked for. Non-finite values are ignored; the rest are clamped to [0, 1]. */
  get target(): number {
    return this.goal;
  }

  /** The strength applied to the next sample. */
  get current(): number {
    return this.value;
  }

  get steady(): boolean {
    return this.value === this.goal;
  }

  set(strength: number): void {
    this.goal = clampStrength(strength, this.goal);
  }

  /** Advances one sample and returns the strength for it. */
  next(): number {
    if (this.value !== this.goal) this.value = approach(this.value, this.goal, this.step);
    return this.value;
  }
}

function clampStrength(s: number, fallback: number): number {
  if (!Number.isFinite(s)) return fallback;
  return s < 0 ? 0 : s > 1 ? 1 : s;
}
