// Writes a deterministic noisy-speech WAV (48 kHz, 16-bit, mono) for Chromium's
// --use-file-for-fake-audio-capture. Same arguments, same bytes.
//   tsx scripts/make-fixture-wav.ts <out.wav> [--noise white] [--snr 5] [--seed 1] [--seconds 10]
import { writeWavFile } from '../../cli/wav';
import { makeNoisySpeech, NOISE_KINDS, type NoiseKind } from '../testing/signals';

const USAGE = `Usage: tsx scripts/make-fixture-wav.ts <out.wav> [--noise ${NOISE_KINDS.join('|')}] [--snr dB] [--seed n] [--seconds s]`;

function fail(message: string): never {
  process.stderr.write(`make-fixture-wav: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
let out: string | undefined;
let noise: NoiseKind = 'white';
let snrDb = 5;
let seed = 1;
let seconds = 10;
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string;
  const value = (): string => args[++i] ?? fail(`${arg} needs a value`);
  const number = (): number => {
    const v = value();
    const n = Number(v);
    if (!Number.isFinite(n)) fail(`${arg} needs a number (was '${v}')`);
    return n;
  };
  if (arg === '--noise') {
    const v = value();
    if (!(NOISE_KINDS as readonly string[]).includes(v)) fail(`unknown noise '${v}'`);
    noise = v as NoiseKind;
  } else if (arg === '--snr') snrDb = number();
  else if (arg === '--seed') seed = number();
  else if (arg === '--seconds') seconds = number();
  else if (arg.startsWith('-')) fail(`unknown option ${arg}`);
  else if (out === undefined) out = arg;
  else fail(`unexpected argument '${arg}'`);
}
if (out === undefined) fail('missing output path');
if (!(seconds > 0)) fail(`--seconds must be positive (was ${seconds})`);

// Long pauses between repetitions give the e2e tests clear speech-free stretches to measure.
const item = makeNoisySpeech({ seed, noise, snrDb, seconds, sampleRate: 48_000, gapSeconds: 1 });
writeWavFile(out, {
  sampleRate: 48_000,
  channels: [item.mixture],
  format: { kind: 'int', bitsPerSample: 16, extensible: false, channelMask: 0 },
});
const active = item.speechActive.filter(Boolean).length;
process.stdout.write(
  `${out}: ${seconds} s of speech + ${noise} noise at ${snrDb} dB SNR (seed ${seed}), ${active}/${item.speechActive.length} frames speech-active\n`,
);
