#!/usr/bin/env node
// The `lk-denoise` command: denoise a WAV file offline with the same DSP core as the worklet.
// Exit codes: 0 done, 1 the input could not be read or processed, 2 bad arguments.
import { denoiseFile } from './denoise-file';
import { WavError } from './wav';
import { STRENGTH_PRESETS, type StrengthPreset } from '../worklets/dsp/strength';
import { isEntryPoint } from './entry';
import { ENGINE_CHOICES, TIER_ORDER, isEngineChoice, type EngineChoice, type EngineName } from '../worklets/protocol';

const USAGE = `Usage: lk-denoise <in.wav> <out.wav> [--engine E] [--no-simd] [--bypass] [--strength S]

Denoises a WAV file offline, using the same DSP core and engines as the lk-denoise AudioWorklet.
Any sample rate from 3000 to 768000 Hz (resampled to 48 kHz and back) and any channel count
(each channel denoised on its own). The output keeps the input's rate, channel count, sample format and length, and is
delay-compensated, so it lines up sample for sample with the input.

Options:
  --engine E  the model: ${ENGINE_CHOICES.join(', ')} (default rnnoise: classic RNNoise;
              rnnoise-0.2 cuts more noise for about 3× the CPU; gtcrn, a 16 kHz model, the
              most, for about 10×, and drops everything above 8 kHz; auto picks the best tier,
              ${TIER_ORDER[0]}: offline there is no real-time budget to step down for)
  --no-simd   with --engine rnnoise, use the scalar wasm instead of the SIMD build
  --bypass    skip denoising (output = input through the same resampling path)
  --strength S  share of the denoised signal: a number from 0 (the input) to 1 (full
              suppression, the default), or gentle | balanced | strong
  -h, --help  show this help`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command with its arguments (without node and script path). */
export function runCli(args: readonly string[]): CliResult {
  const positional: string[] = [];
  let simd = true;
  let choice: EngineChoice = 'rnnoise';
  let bypass = false;
  let strength = 1;
  for (let a = 0; a < args.length; a++) {
    const arg = args[a] as string;
    if (arg === '-h' || arg === '--help') return { code: 0, stdout: `${USAGE}\n`, stderr: '' };
    if (arg === '--no-simd') simd = false;
    else if (arg === '--bypass') bypass = true;
    else if (arg === '--engine' || arg.startsWith('--engine=')) {
      const value = arg === '--engine' ? args[++a] : arg.slice('--engine='.length);
      if (!isEngineChoice(value)) return usageError(`--engine must be one of ${ENGINE_CHOICES.join(', ')} (was ${value ?? 'nothing'})`);
      choice = value;
    } else if (arg === '--strength' || arg.startsWith('--strength=')) {
      const value = arg === '--strength' ? args[++a] : arg.slice('--strength='.length);
      const parsed = parseStrength(value);
      if (parsed === undefined)
        return usageError(`--strength must be a number from 0 to 1 or gentle, balanced, strong (was ${value ?? 'nothing'})`);
      strength = parsed;
    } else if (arg.startsWith('-') && arg !== '-') return usageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 2) {
    return usageError(`expected an input and an output file (got ${positional.length} file argument${positional.length === 1 ? '' : 's'})`);
  }
  const [inPath, outPath] = positional as [string, string];
  const engine: EngineName = choice === 'auto' ? (TIER_ORDER[0] as EngineName) : choice;
  const started = Date.now();
  try {
    const flavour = engine === 'rnnoise' ? (simd ? 'rnnoise-simd' : 'rnnoise') : engine;
    const { input, stats } = denoiseFile(inPath, outPath, { flavour, bypass, strength });
    const frames = input.channels[0]?.length ?? 0;
    const seconds = frames / input.sampleRate;
    const f = input.format;
    const summary =
      `${outPath}: ${input.channels.length} ch, ${input.sampleRate} Hz, ${f.bitsPerSample}-bit ${f.kind}, ` +
      `${seconds.toFixed(2)} s, ${flavour}${bypass ? ' (bypass)' : strength !== 1 ? ` (strength ${strength})` : ''} in ${((Date.now() - started) / 1000).toFixed(2)} s` +
      (stats.nonFiniteInputs > 0 ? `; ${stats.nonFiniteInputs} non-finite input samples replaced by 0` : '') +
      (stats.outOfRangeInputs > 0 ? `; ${stats.outOfRangeInputs} input samples beyond ±4 clamped` : '');
    return { code: 0, stdout: `${summary}\n`, stderr: '' };
  } catch (error) {
    return { code: 1, stdout: '', stderr: `lk-denoise: ${describe(error, inPath)}\n` };
  }
}

function parseStrength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (Object.hasOwn(STRENGTH_PRESETS, value)) return STRENGTH_PRESETS[value as StrengthPreset];
  // Number('') is 0: an empty value is a mistake, not a bypass.
  const n = value.trim() === '' ? NaN : Number(value);
  return n >= 0 && n <= 1 ? n : undefined;
}

function usageError(message: string): CliResult {
  return { code: 2, stdout: '', stderr: `lk-denoise: ${message}\n\n${USAGE}\n` };
}

function describe(error: unknown, inPath: string): string {
  if (error instanceof WavError) return `${inPath}: ${error.message}`;
  const e = error as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.path === 'string') {
    const what =
      e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.code;
    return `${e.path}: ${what}`;
  }
  return error instanceof Error ? error.message : String(error);
}

// Run only as the program, not when a test imports runCli.
if (isEntryPoint(import.meta.url)) {
  const result = runCli(process.argv.slice(2));
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  process.exitCode = result.code;
}
