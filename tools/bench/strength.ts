// Strength benchmark: for each preset (and the ends 0 and 1), the pause cut and speech level of
// the CLI's DSP core (cli/denoise-file.ts denoise48k, delay-compensated, so lag 0) over the
// corpus at one SNR. measureStrength() returns the figures; strengthMarkdown() renders the
// BENCHMARKS.md section. Run alone: npx tsx tools/bench/strength.ts [--snr 5] [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { denoise48k } from '../../cli/denoise-file';
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { RnnoiseEngine } from '../../worklets/dsp/rnnoise';
import { STRENGTH_PRESETS, strengthFloorDb } from '../../worklets/dsp/strength';
import { corpusClips, corpusSpecs, buildCorpusItem } from './corpus';
import { evaluateAtLag } from './quality';
import { mean } from './stats';
import { isEntryPoint } from '../../cli/entry';

export interface StrengthRow {
  /** Preset name, or the number as text for the ends. */
  label: string;
  strength: number;
  /** Mean noise attenuation in pauses (dB, positive = quieter). */
  pauseCutDb: number;
  /** Mean speech level change against the clean speech in speech frames (dB). */
  speechLevelDb: number;
}

export interface StrengthResults {
  snrDb: number;
  items: number;
  clips: number;
  noises: number;
  rows: StrengthRow[];
}

export const STRENGTH_COMMAND = 'npx tsx tools/bench/strength.ts --snr 5';

const SETTINGS: readonly { label: string; strength: number }[] = [
  { label: '0 (bypass)', strength: 0 },
  { label: 'gentle', strength: STRENGTH_PRESETS.gentle },
  { label: 'balanced', strength: STRENGTH_PRESETS.balanced },
  { label: 'strong (1)', strength: STRENGTH_PRESETS.strong },
];

/** Every corpus clip × noise at `snrDb`, each through the DSP core at every setting. */
export function measureStrength(snrDb = 5): StrengthResults {
  const module = loadRnnoiseModule('simd');
  const clips = corpusClips();
  const specs = corpusSpecs({ snrs: [snrDb] });
  const cuts = SETTINGS.map(() => [] as number[]);
  const levels = SETTINGS.map(() => [] as number[]);
  for (const spec of specs) {
    const item = buildCorpusItem(spec, clips);
    SETTINGS.forEach((setting, k) => {
      const { output, pipeline } = denoise48k(item.mixture, new RnnoiseEngine(module), false, setting.strength);
      pipeline.destroy();
      const e = evaluateAtLag({ speech: item.speech, mixture: item.mixture, output, speechActive: item.speechActive }, 0);
      cuts[k]?.push(e.noiseAttenuationDb);
      levels[k]?.push(e.speechLevelChangeDb);
    });
  }
  return {
    snrDb,
    items: specs.length,
    clips: clips.length,
    noises: new Set(specs.map((s) => s.noise)).size,
    rows: SETTINGS.map((s, k) => ({
      label: s.label,
      strength: s.strength,
      pauseCutDb: mean(cuts[k] ?? []),
      speechLevelDb: mean(levels[k] ?? []),
    })),
  };
}

function fixed(v: number, digits = 1): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '∞';
}

/** The "Strength" section of BENCHMARKS.md. */
export function strengthMarkdown(r: StrengthResults): string {
  const lines = [
    '## Strength',
    '',
    `Pause cut and speech level per strength setting: the CLI's DSP core (same code as the worklet), ` +
      `${r.items} corpus items (${r.clips} clip${r.clips === 1 ? '' : 's'} × ${r.noises} noises) at ${r.snrDb} dB SNR, ` +
      'means over items, first second left out. Strength s mixes s of the denoised signal with 1 − s of the ' +
      'equally delayed input, so where the engine removes a pause entirely the cut is at most the floor ' +
      '−20·log10(1 − s). Speech level is against the clean speech: at 0 the speech frames still carry the noise.',
    '',
    '| setting | strength | floor (dB) | pause cut (dB) | speech level (dB) |',
    '| --- | --- | --- | --- | --- |',
    ...r.rows.map(
      (row) =>
        `| ${row.label} | ${row.strength.toFixed(3)} | ${fixed(strengthFloorDb(row.strength))} | ${fixed(row.pauseCutDb)} | ${fixed(row.speechLevelDb, 2)} |`,
    ),
    '',
    `Reproduce: \`${STRENGTH_COMMAND}\`.`,
    '',
  ];
  return lines.join('\n');
}

/** Replaces (or appends) the "## Strength" section of a Markdown file's text. */
export function withStrengthSection(markdown: string, section: string): string {
  return withSection(markdown, 'Strength', section);
}

/** Replaces (or appends) the "## <title>" section of a Markdown file's text. */
export function withSection(markdown: string, title: string, section: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) return `${markdown.trimEnd()}\n\n${section}`;
  const next = markdown.indexOf('\n## ', start + 1);
  return `${markdown.slice(0, start + 1)}${section}${next < 0 ? '' : markdown.slice(next + 1)}`;
}

/** The "## <title>" section of a Markdown file's text, up to the next section, or null. */
export function sectionOf(markdown: string, title: string): string | null {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) return null;
  const next = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start + 1, next < 0 ? undefined : next + 1);
}

if (isEntryPoint(import.meta.url)) {
  const args = process.argv.slice(2);
  const snrAt = args.indexOf('--snr');
  const snr = snrAt >= 0 ? Number(args[snrAt + 1]) : 5;
  if (!Number.isFinite(snr)) throw new RangeError(`--snr must be a number (was ${args[snrAt + 1]})`);
  const section = strengthMarkdown(measureStrength(snr));
  process.stdout.write(section);
  if (args.includes('--write')) {
    const path = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
    writeFileSync(path, withStrengthSection(readFileSync(path, 'utf8'), section));
  }
}
