import { describe, expect, it } from 'vitest';
import { DenoiserError } from './errors';
import { resolveStrength, STRENGTH_PRESETS } from './strength';

describe('resolveStrength', () => {
  it('takes numbers from 0 to 1 and the preset names', () => {
    expect(resolveStrength(0)).toBe(0);
    expect(resolveStrength(1)).toBe(1);
    expect(resolveStrength(0.3)).toBe(0.3);
    expect(resolveStrength('balanced')).toBe(STRENGTH_PRESETS.balanced);
  });

  it('refuses out-of-range, NaN and unknown names with an invalid-option error carrying the value', () => {
    for (const bad of [1.01, -0.5, NaN, Infinity, 'loud', 'toString'] as const) {
      let caught: unknown;
      try {
        resolveStrength(bad as never);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(DenoiserError);
      expect((caught as DenoiserError).reason).toBe('invalid-option');
      expect((caught as DenoiserError).message).toContain(`(was ${JSON.stringify(bad)})`);
    }
  });
});
