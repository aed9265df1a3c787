// Resampler benchmark: the bounded-table resampler (worklets/dsp/resampler.ts) against the
// previous exact rational design (L phases, L = outRate / gcd), in one run: build time, memory,
// time per second of audio, and quality (passband ripple, worst tone SNR at the reported delay,
// alias rejection) for the rate pairs the worklet and the CLI meet. The previous design is read
// from git at PREVIOUS_COMMIT, so the figures always compare with the same code.
// Run: npx tsx tools/bench/resampler.ts [--write]  (--write updates BENCHMARKS.md)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Resampler } from '../../worklets/dsp/resampler';
import { measureQuality, streamThrough, type ResamplerQuality, type StreamingResampler } from '../testing/resampling';
import { mulberry32 } from '../testing/noise';
import { withSection } from './strength';
import { isEntryPoint } from '../../cli/entry';

export const RESAMPLER_COMMAND = 'npx tsx tools/bench/resampler.ts --write';
/** The last commit with the exact rational resampler. */
export const PREVIOUS_COMMIT = '8416dc0';

const PAIRS: readonly [number, number][] = [
  [44100, 48000],
  [48000, 44100],
  [16000, 48000],
  [48000, 16000],
  [8000, 48000],
  [48000, 8000],
  [96000, 48000],
  [48000, 96000],
  [96001, 48000],
  [48000, 96001],
];

type Make = (inRate: number, outRate: number) => StreamingResampler;

export interface DesignFigures {
  buildMs: number;
  /** Bytes of the typed arrays the constructed resampler holds (its tables and history). */
  memoryBytes: number;
  /** Streaming 128-sample blocks, ms per second of input audio: the median of REPS runs. */
  msPerSecond: number;
  quality: ResamplerQuality;
}

export interface ResamplerRow {
  inRate: number;
  outRate: number;
  phasesOld: number;
  phasesNew: number;
  exact: boolean;
  old: DesignFigures;
  new: DesignFigures;
}

// Timed runs per design, interleaved old/new so load on the shared machine hits both alike.
const REPS = 5;

/** Bytes of every typed array among the object's own fields (the same count for both designs). */
function heldBytes(rs: object): number {
  let bytes = 0;
  for (const value of Object.values(rs)) if (ArrayBuffer.isView(value)) bytes += value.byteLength;
  return bytes;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

// CPU time of this process (ms), not wall time: the shared machine's load stretches the latter.
function cpuMs(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function build(make: Make, inRate: number, outRate: number): { rs: StreamingResampler; ms: number } {
  const c0 = process.cpuUsage();
  const rs = make(inRate, outRate);
  return { rs, ms: cpuMs(c0) };
}

function timeStream(rs: StreamingResampler, x: Float32Array): number {
  rs.reset();
  const c0 = process.cpuUsage();
  streamThrough(rs, x);
  return cpuMs(c0);
}

function measurePair(makes: readonly [Make, Make], inRate: number, outRate: number, audioSeconds: number): [DesignFigures, DesignFigures] {
  const built = makes.map((make) => build(make, inRate, outRate));
  const rng = mulberry32(inRate ^ outRate);
  const x = new Float32Array(Math.round(audioSeconds * inRate));
  for (let i = 0; i < x.length; i++) x[i] = rng() - 0.5;
  const times: number[][] = [[], []];
  for (const b of built) timeStream(b.rs, x.subarray(0, Math.floor(inRate / 10))); // warm-up
  for (let rep = 0; rep < REPS; rep++) built.forEach((b, k) => times[k]?.push(timeStream(b.rs, x) / audioSeconds));
  const figures = built.map((b, k) => ({
    buildMs: b.ms,
    memoryBytes: heldBytes(b.rs),
    msPerSecond: median(times[k] as number[]),
    quality: measureQuality(b.rs),
  }));
  return [figures[0] as DesignFigures, figures[1] as DesignFigures];
}

async function previousResampler(): Promise<{ make: Make; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'lk-resampler-'));
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const source = execFileSync('git', ['show', `${PREVIOUS_COMMIT}:worklets/dsp/resampler.ts`], { cwd: root, encoding: 'utf8' });
  const path = join(dir, 'previous-resampler.ts');
  writeFileSync(path, source);
  const mod = (await import(pathToFileURL(path).href)) as { Resampler: new (a: number, b: number) => StreamingResampler };
  return { make: (a, b) => new mod.Resampler(a, b), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ResamplerResults {
  /** The run's date (YYYY-MM-DD). */
  date: string;
  rows: ResamplerRow[];
}

export async function measureResampler(audioSeconds = 1): Promise<ResamplerResults> {
  const previous = await previousResampler();
  const rows: ResamplerRow[] = [];
  try {
    for (const [inRate, outRate] of PAIRS) {
      const current = new Resampler(inRate, outRate);
      const [oldFigures, newFigures] = measurePair([previous.make, (a, b) => new Resampler(a, b)], inRate, outRate, audioSeconds);
      rows.push({
        inRate,
        outRate,
        phasesOld: current.up,
        phasesNew: current.phaseCount,
        exact: current.exact,
        old: oldFigures,
        new: newFigures,
      });
      process.stderr.write(`[resampler] ${inRate} → ${outRate} done\n`);
    }
  } finally {
    previous.cleanup();
  }
  return { date: new Date().toISOString().slice(0, 10), rows };
}

const f1 = (x: number): string => x.toFixed(1);
const kb = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} kB`);

/** The "Resampler" section of BENCHMARKS.md. */
export function resamplerMarkdown({ rows, date }: ResamplerResults): string {
  const pair = (r: ResamplerRow): string => `${r.inRate} → ${r.outRate}`;
  const lines = [
    '## Resampler',
    '',
    `The worklet resamples a non-48 kHz context to the engine's 48 kHz and back; the CLI does the same for files. Previous design ` +
      `(commit ${PREVIOUS_COMMIT}): exact rational polyphase, one table row per phase, L = outRate / gcd(inRate, outRate) rows. ` +
      'Now: the same Kaiser design and delays, exact phases while L ≤ 512 (× the lower rate / the input rate), otherwise a fixed ' +
      'grid of phases with linear interpolation between neighbours. Node, one run, ' +
      `${date}; times are CPU time of the Node process; streaming is 1 s of noise in 128-sample blocks, median of 5 runs interleaved old/new; memory counts the typed arrays (tables, history) a resampler holds. ` +
      'The shared machine makes absolute times noisy: read the old/new ratio.',
    '',
    '| pair (Hz) | phases old / new | build old / new (ms) | memory old / new | ms per s of audio old / new |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${pair(r)} | ${r.phasesOld} / ${r.phasesNew}${r.exact ? '' : ' (interpolated)'} | ${f1(r.old.buildMs)} / ${f1(r.new.buildMs)} | ` +
        `${kb(r.old.memoryBytes)} / ${kb(r.new.memoryBytes)} | ${f1(r.old.msPerSecond)} / ${f1(r.new.msPerSecond)} |`,
    ),
    '',
    'Quality, measured through the streaming path (tools/testing/resampling.ts): ripple = the largest gain error of 12 tones from ' +
      '100 Hz to 0.9 × the lower Nyquist; SNR = the worst of those tones against the analytic sine at the reported delay ' +
      '(images, aliases, interpolation and delay errors all count); alias = the loudest output of 12 tones between the output ' +
      "and input Nyquist (downsampling only), re the input tone. Both designs target 90 dB; the tests' bars are ±0.1 dB, 80 dB, −80 dB.",
    '',
    '| pair (Hz) | ripple old / new (dB) | worst SNR old / new (dB) | 1 kHz SNR old / new (dB) | alias old / new (dB) |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const q = r.old.quality;
      const n = r.new.quality;
      const alias = q.worstAliasDb === null || n.worstAliasDb === null ? '—' : `${f1(q.worstAliasDb)} / ${f1(n.worstAliasDb)}`;
      return (
        `| ${pair(r)} | ${q.rippleDb.toFixed(4)} / ${n.rippleDb.toFixed(4)} | ${f1(q.worstSnrDb)} / ${f1(n.worstSnrDb)} | ` +
        `${f1(q.snr1kDb)} / ${f1(n.snr1kDb)} | ${alias} |`
      );
    }),
    '',
    'Rates outside 3,000–768,000 Hz (the AudioContext range) are refused naming the rate; the previous design took 45 s and 1 GB ' +
      'for a 1 Hz file and failed with "Invalid typed array length" at 4,294,967,295 Hz.',
    '',
    `Reproduce: \`${RESAMPLER_COMMAND}\`.`,
    '',
  ];
  return lines.join('\n');
}

if (isEntryPoint(import.meta.url)) {
  const section = resamplerMarkdown(await measureResampler());
  process.stdout.write(section);
  if (process.argv.includes('--write')) {
    const path = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
    writeFileSync(path, withSection(readFileSync(path, 'utf8'), 'Resampler', section));
  }
}
