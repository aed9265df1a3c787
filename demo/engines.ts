// The engines a listener can pick in the demo, and how the page names what the stats report: the
// build running (stats.engine) and each track's activity (stats.activity). Names the library adds
// later (a new state, reason or build) are shown as they come, so the page keeps working.
import type { EngineChoice, EngineFlavour, EngineTier, ProcessorStats } from '../src/index';

export type { EngineChoice };

export interface EngineOption {
  value: EngineChoice;
  label: string;
  /** What the listener should hear, in a sentence. */
  note: string;
}

export const ENGINE_OPTIONS: readonly EngineOption[] = [
  { value: 'rnnoise', label: 'RNNoise (classic)', note: 'The cheapest (about 1 % of a core per track); some residue in pauses.' },
  { value: 'rnnoise-0.2', label: 'RNNoise 0.2', note: 'The 2024 model: quieter pauses, more transient noise cut, about 4× the CPU.' },
  {
    value: 'gtcrn',
    label: 'GTCRN',
    note: 'A 16 kHz network: the most noise cut, about 9× the CPU and 32 ms delay; nothing above 8 kHz survives.',
  },
  {
    value: 'auto',
    label: 'Auto (by CPU budget)',
    note: 'Starts on the best engine this device has headroom for, steps down a tier when the audio thread falls behind, back up when it keeps up.',
  },
];

export function isEngineChoice(value: string | null): value is EngineChoice {
  return ENGINE_OPTIONS.some((o) => o.value === value);
}

/** The build stats.engine names; an unknown name (a newer library) is shown as it is. */
export function engineLabel(engine: EngineFlavour | null | undefined): string {
  if (engine === undefined) return 'loading…';
  if (engine === null) return 'none (pass-through)';
  const labels: Partial<Record<string, string>> = {
    'rnnoise-simd': 'RNNoise · wasm SIMD',
    rnnoise: 'RNNoise · wasm (no SIMD)',
    'rnnoise-0.2': 'RNNoise 0.2 · wasm',
    gtcrn: 'GTCRN · 16 kHz model',
  };
  return labels[engine] ?? engine;
}

/** With engine 'auto': which tier the track runs and why, e.g. "auto: stepped down from gtcrn". */
export function tierLabel(tier: EngineTier | null | undefined): string {
  if (!tier) return '';
  const switching = tier.target !== tier.running ? `, switching to ${tier.target}` : '';
  return tier.reason === 'stepped-down' ? ` (auto: stepped down from ${tier.chosen}${switching})` : ` (auto: headroom${switching})`;
}

// Why a track is in its state, in words; the raw reason is kept beside it for unknown ones.
const REASONS: Partial<Record<string, string>> = {
  'within-budget': 'the audio thread keeps real time',
  priority: 'engines are being shed; this track ranks within the limit',
  'digital-silence': 'its input is exact silence (muted, no audio)',
  'below-threshold': 'its input is far below speech level',
  overload: 'the audio thread fell behind; this track ranks last',
};

export interface ActivityView {
  state: string;
  why: string;
  level: string;
}

export function activityView(s: ProcessorStats): ActivityView {
  const { state, reason, levelDb } = s.activity;
  const why = reason === 'bypassed' ? `bypassed: ${s.bypass ?? 'unknown'}` : (REASONS[reason] ?? reason);
  return { state, why, level: Number.isFinite(levelDb) ? `${levelDb.toFixed(0)} dBFS` : '−∞ dBFS' };
}
