// GTCRN above 8 kHz: what the 16 kHz model costs full-band speech, in Node. Every speech file in
// the repo (and the corpus) is a 16 kHz recording, so the item is synthesised: the LibriVox
// excerpt at 48 kHz plus a speech-driven band above 8 kHz (white noise high-passed at 8 kHz,
// shaped frame by frame by the envelope of the excerpt's own 4–8 kHz band, the fricative region,
// at HIGH_BAND_DB against the speech). Noise is added at 5 and 10 dB SNR. Scored: the band energy
// above 8 kHz of the output against the clean speech and against the input (speech frames), the
// speech level against the clean speech, and ΔSI-SDR at 48 kHz; for the mixture, GTCRN in our
// pipeline, and GTCRN with the dry band above 8 kHz put back, scaled per frame by the gain GTCRN
// applied to the 4–8 kHz band (a candidate, computed offline here; not in the product).
// Run alone: npx tsx tools/bench/gtcrn-band.ts [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isEntryPoint } from '../../cli/entry';
import { loadEngineModule } from '../../cli/wasm-node';
import { GtcrnEngine } from '../../worklets/dsp/gtcrn';
import { fft } from '../testing/metrics';
import { loadExcerpt, makeNoisySpeech, mulberry32, type NoiseKind } from '../testing/signals';
import { highBandDb, pipelineProcessor } from './engine-quality';
import { coarseLag, evaluateAtLag, shiftBy, SKIP_FRAMES } from './quality';
import { withSection } from './strength';

const RATE = 48_000;
const HOP = 480;
const WIN = 960;
/** The synthetic band above 8 kHz against the speech's energy (full-band speech: roughly −15 to −25 dB). */
export const HIGH_BAND_DB = -18;
const CASES: readonly { noise: NoiseKind; snrDb: number }[] = [
  { noise: 'white', snrDb: 5 },
  { noise: 'white', snrDb: 10 },
  { noise: 'pink', snrDb: 5 },
  { noise: 'pink', snrDb: 10 },
];
export const GTCRN_BAND_COMMAND = 'npx tsx tools/bench/gtcrn-band.ts --write';

/** `x` with every DFT bin outside [loHz, hiHz) zeroed (one FFT over the whole signal, zero-padded). */
function bandPass(x: Float32Array, loHz: number, hiHz: number): Float32Array {
  let n = 1;
  while (n < x.length) n *= 2;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re.set(x);
  fft(re, im);
  for (let k = 0; k <= n / 2; k++) {
    const hz = (k * RATE) / n;
    if (hz >= loHz && hz < hiHz) continue;
    re[k] = im[k] = 0;
    if (k > 0 && k < n / 2) re[n - k] = im[n - k] = 0;
  }
  fft(re, im, true);
  const out = new Float32Array(x.length);
  // The inverse transform here is unnormalised when its magnitude says so: scale by the round trip.
  const scale = roundTripScale(n);
  for (let i = 0; i < x.length; i++) out[i] = (re[i] as number) * scale;
  return out;
}

function roundTripScale(n: number): number {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re[0] = 1;
  fft(re, im);
  fft(re, im, true);
  return 1 / (re[0] as number);
}

/** Per hop of 480 samples, the RMS of `x` over a 960-sample window centred on it. */
function frameRms(x: Float32Array): Float64Array {
  const frames = Math.floor(x.length / HOP);
  const out = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let e = 0;
    let c = 0;
    for (let i = f * HOP - HOP / 2; i < f * HOP + WIN - HOP / 2; i++) {
      if (i < 0 || i >= x.length) continue;
      e += (x[i] as number) ** 2;
      c++;
    }
    out[f] = c ? Math.sqrt(e / c) : 0;
  }
  return out;
}

/** `x` times a per-hop gain, interpolated linearly between hop centres. */
function applyFrameGain(x: Float32Array, gain: Float64Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const pos = i / HOP - 0.5;
    const f = Math.max(0, Math.min(gain.length - 1, Math.floor(pos)));
    const g1 = gain[Math.min(gain.length - 1, f + 1)] as number;
    const g0 = gain[f] as number;
    const t = Math.max(0, Math.min(1, pos - f));
    out[i] = (x[i] as number) * (g0 + (g1 - g0) * t);
  }
  return out;
}

/** The excerpt made full-band: plus a speech-driven band above 8 kHz at HIGH_BAND_DB. */
export function fullBandSpeech(): Float32Array {
  const speech = loadExcerpt(RATE);
  const rand = mulberry32(8000);
  const white = new Float32Array(speech.length);
  for (let i = 0; i < white.length; i++) white[i] = rand() * 2 - 1;
  const shaped = applyFrameGain(bandPass(white, 8_000, 20_000), frameRms(bandPass(speech, 4_000, 8_000)));
  let es = 0;
  let eh = 0;
  for (let i = 0; i < speech.length; i++) {
    es += (speech[i] as number) ** 2;
    eh += (shaped[i] as number) ** 2;
  }
  const g = Math.sqrt((es / eh) * 10 ** (HIGH_BAND_DB / 10));
  const out = new Float32Array(speech.length);
  for (let i = 0; i < out.length; i++) out[i] = (speech[i] as number) + g * (shaped[i] as number);
  return out;
}

/**
 * The candidate: GTCRN's output plus the input's band above 8 kHz (delayed by `lag`), scaled per
 * frame by the amplitude gain GTCRN applied to 4–8 kHz, clamped to [0, 1].
 */
function withDryHighBand(mixture: Float32Array, output: Float32Array, lag: number): Float32Array {
  const delayed = new Float32Array(output.length);
  for (let i = lag; i < output.length; i++) delayed[i] = mixture[i - lag] as number;
  const inMid = frameRms(bandPass(delayed, 4_000, 8_000));
  const outMid = frameRms(bandPass(output, 4_000, 8_000));
  const gain = new Float64Array(inMid.length);
  for (let f = 0; f < gain.length; f++) gain[f] = Math.min(1, (inMid[f] as number) > 0 ? (outMid[f] as number) / (inMid[f] as number) : 0);
  const high = applyFrameGain(bandPass(delayed, 8_000, 24_000), gain);
  const out = new Float32Array(output.length);
  for (let i = 0; i < out.length; i++) out[i] = (output[i] as number) + (high[i] as number);
  return out;
}

export interface BandRow {
  path: string;
  /** Means over the cases. */
  highBandVsCleanDb: number;
  highBandVsInputDb: number;
  speechLevelDb: number;
  deltaSiSdrDb: number;
}

export interface GtcrnBandResults {
  date: string;
  highBandDb: number;
  /** The clean speech's band above 8 kHz against its whole energy (as measured). */
  cleanHighBandShareDb: number;
  cases: string[];
  rows: BandRow[];
}

export function measureGtcrnBand(): GtcrnBandResults {
  const speech = fullBandSpeech();
  const module = loadEngineModule('gtcrn');
  const gtcrn = pipelineProcessor(() => new GtcrnEngine(module));
  const sums = new Map<string, { n: number; vsClean: number; vsInput: number; level: number; dsi: number }>();
  const high = bandPass(speech, 8_000, 24_000);
  let eh = 0;
  let es = 0;
  for (let i = 0; i < speech.length; i++) {
    eh += (high[i] as number) ** 2;
    es += (speech[i] as number) ** 2;
  }
  for (const c of CASES) {
    const item = makeNoisySpeech({ seed: 31, noise: c.noise, snrDb: c.snrDb, speech, seconds: 12 });
    const raw = gtcrn(item.mixture);
    const lag = coarseLag(item.mixture, raw);
    const paths: [string, Float32Array, number][] = [
      ['input (mixture)', item.mixture, 0],
      ['GTCRN (our pipeline)', raw, lag],
      ['GTCRN + dry band above 8 kHz, gated by its 4–8 kHz gain (candidate)', withDryHighBand(item.mixture, raw, lag), lag],
    ];
    for (const [path, out, l] of paths) {
      const aligned = shiftBy(out, l, item.mixture.length);
      const ev = evaluateAtLag({ speech: item.speech, mixture: item.mixture, output: out, speechActive: item.speechActive }, l);
      const s = sums.get(path) ?? { n: 0, vsClean: 0, vsInput: 0, level: 0, dsi: 0 };
      s.n++;
      s.vsClean += highBandDb(item.speech, aligned, item.speechActive, SKIP_FRAMES);
      s.vsInput += highBandDb(item.mixture, aligned, item.speechActive, SKIP_FRAMES);
      s.level += ev.speechLevelChangeDb;
      s.dsi += ev.deltaSiSdr;
      sums.set(path, s);
    }
  }
  return {
    date: new Date().toISOString(),
    highBandDb: HIGH_BAND_DB,
    cleanHighBandShareDb: 10 * Math.log10(eh / es),
    cases: CASES.map((c) => `${c.noise} ${c.snrDb} dB`),
    rows: [...sums].map(([path, s]) => ({
      path,
      highBandVsCleanDb: s.vsClean / s.n,
      highBandVsInputDb: s.vsInput / s.n,
      speechLevelDb: s.level / s.n,
      deltaSiSdrDb: s.dsi / s.n,
    })),
  };
}

export function gtcrnBandMarkdown(r: GtcrnBandResults): string {
  const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
  const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
  return [
    '## GTCRN above 8 kHz',
    '',
    `Node, ${r.date.slice(0, 10)}. GTCRN is a 16 kHz model (\`gtcrn_process_48k\` resamples to 16 kHz and back inside), so the \`'gtcrn'\` tier is **wideband: nothing above 8 kHz survives it**. ` +
      'Every speech recording in the repo and the corpus is 16 kHz, so the item is synthesised (tools/bench/gtcrn-band.ts): the LibriVox excerpt at 48 kHz plus a speech-driven band above 8 kHz ' +
      `(white noise high-passed at 8 kHz, shaped per 10 ms by the envelope of the excerpt's own 4–8 kHz band, at ${r.highBandDb} dB against the speech; measured, that band is ${f(r.cleanHighBandShareDb)} dB of the clean speech's energy). ` +
      `Cases: ${r.cases.join(', ')}, 12 s each, means over them. Band energies are in speech frames (1024-point DFTs of 960 samples), against the clean speech and against the input; speech level is the output's against the clean speech in speech frames; ΔSI-SDR at 48 kHz. ` +
      "The candidate row puts the input's band above 8 kHz back, scaled per frame by the amplitude gain GTCRN applied to the 4–8 kHz band (clamped to 1), computed offline here.",
    '',
    '| path | > 8 kHz vs clean | > 8 kHz vs input | speech level vs clean | ΔSI-SDR (48 kHz) |',
    '| --- | --- | --- | --- | --- |',
    ...r.rows.map(
      (row) =>
        `| ${row.path} | ${f(row.highBandVsCleanDb)} dB | ${f(row.highBandVsInputDb)} dB | ${f2(row.speechLevelDb)} dB | ${f2(row.deltaSiSdrDb)} dB |`,
    ),
    '',
    "The product does not put the band back: the `gtcrn` tier stays wideband. The candidate is the way to full band if it is wanted (a band split at 8 kHz on the dry path, delayed to GTCRN's latency, times a per-frame gain from GTCRN's own 4–8 kHz change), " +
      'but these figures come from a synthetic band of shaped noise, not recorded full-band speech, so they show what the band is worth, not yet that the candidate keeps speech and drops noise there on real recordings.',
    '',
    `Reproduce this section alone: \`${GTCRN_BAND_COMMAND}\`.`,
    '',
  ].join('\n');
}

if (isEntryPoint(import.meta.url)) {
  const results = measureGtcrnBand();
  const section = gtcrnBandMarkdown(results);
  process.stdout.write(section);
  if (process.argv.includes('--write')) {
    const json = fileURLToPath(new URL('./results.json', import.meta.url));
    const all = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    writeFileSync(json, JSON.stringify({ ...all, gtcrnBand: results }, null, 1) + '\n');
    const md = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
    writeFileSync(md, withSection(readFileSync(md, 'utf8'), 'GTCRN above 8 kHz', section));
  }
}
