// Strength on the main thread: a number from 0 to 1 or a preset name, checked before it reaches
// the worklet. The mapping and presets live with the DSP (worklets/dsp/strength.ts).
import { STRENGTH_PRESETS, type StrengthPreset } from '../worklets/dsp/strength';
import { DenoiserError } from './errors';

export { STRENGTH_PRESETS, strengthFloorDb, type StrengthPreset } from '../worklets/dsp/strength';

/** 0 (the input, equally delayed) … 1 (full suppression), or a preset name. */
export type Strength = number | StrengthPreset;

/** The strength as a number in [0, 1]; throws a DenoiserError naming the value otherwise. */
export function resolveStrength(value: Strength, option = 'strength'): number {
  if (typeof value === 'string' && Object.hasOwn(STRENGTH_PRESETS, value)) return STRENGTH_PRESETS[value];
  if (typeof value === 'number' && value >= 0 && value <= 1) return value;
  throw DenoiserError.invalidOption(
    option,
    value,
    `a number from 0 to 1 or one of ${Object.keys(STRENGTH_PRESETS)
      .map((k) => `'${k}'`)
      .join(', ')}`,
  );
}
