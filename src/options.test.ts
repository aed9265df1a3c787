import { describe, expect, it } from 'vitest';
import { DenoiserError } from './errors';
import { validateOptions } from './options';

function thrown(run: () => void): DenoiserError {
  try {
    run();
  } catch (error) {
    if (error instanceof DenoiserError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('NoiseCancellation option checks', () => {
  it('refuse each out-of-range option with reason invalid-option, naming the option and carrying the value given', () => {
    const cases: [Parameters<typeof validateOptions>[0], string, unknown][] = [
      [{ maxProcessorsPerContext: 1.5 }, 'maxProcessorsPerContext', 1.5],
      [{ statsIntervalMs: 49 }, 'statsIntervalMs', 49],
      [{ crossfadeMs: 1001 }, 'crossfadeMs', 1001],
      [{ channelMode: 'stereo' as never }, 'channelMode', 'stereo'],
      // Names are exact.
      [{ engine: 'Auto' as never }, 'engine', 'Auto'],
      [{ engine: 'RNNoise' as never }, 'engine', 'RNNoise'],
      // A truthy string is not an on switch: 'false' would turn gating on.
      [{ gating: 'false' as never }, 'gating', 'false'],
      [{ gating: 0 as never }, 'gating', 0],
    ];
    for (const [options, name, value] of cases) {
      const error = thrown(() => validateOptions(options));
      expect(error.reason).toBe('invalid-option');
      expect(error.value).toBe(value);
      expect(error.message).toContain(name);
      expect(error.message).toContain(JSON.stringify(value));
    }
  });

  it('accept the documented edges', () => {
    expect(() =>
      validateOptions({ maxProcessorsPerContext: 0, statsIntervalMs: 50, crossfadeMs: 0, channelMode: 'per-channel' }),
    ).not.toThrow();
    expect(() => validateOptions({ crossfadeMs: 1000, channelMode: 'downmix' })).not.toThrow();
    for (const engine of ['rnnoise', 'rnnoise-0.2', 'gtcrn', 'auto'] as const) expect(() => validateOptions({ engine })).not.toThrow();
    for (const gating of [true, false]) expect(() => validateOptions({ gating })).not.toThrow();
  });
});
