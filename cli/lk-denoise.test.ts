// Spawns the real `lk-denoise` command (through tsx) on generated WAV files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { alignByXcorr, noiseAttenuationDb, siSdr, speechLevelChangeDb } from '../tools/testing/metrics';
import { pauseCutFloorDb } from '../tools/testing/pause-cut';
import { decodeWav, encodeWav, type WavFormat } from './wav';
import { makeNoisySpeech } from '../tools/testing/signals';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'cli/lk-denoise.ts');
const dir = mkdtempSync(join(tmpdir(), 'lk-denoise-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lkDenoise(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, bytes?: Uint8Array): string {
  const path = join(dir, name);
  if (bytes) writeFileSync(path, bytes);
  return path;
}

const int16: WavFormat = { kind: 'int', bitsPerSample: 16, extensible: false, channelMask: 0 };

describe('lk-denoise CLI', () => {
  // 10 s of speech with 1 s gaps in white noise at 10 dB SNR, 48 kHz.
  const item = makeNoisySpeech({ seed: 1, noise: 'white', snrDb: 10, seconds: 10, gapSeconds: 1 });
  const noisyPath = file('noisy48k.wav', encodeWav({ sampleRate: 48_000, channels: [item.mixture], format: int16 }));
  // What the file really holds, after 16-bit quantisation.
  const mixture = decodeWav(readFileSync(noisyPath)).channels[0] as Float32Array;

  // Classic RNNoise's floor holds for the other engines too: their pause cuts on the bench corpus
  // are higher (issue 12: medians 47 and 41 dB against classic's 31).
  it.each([[[]], [['--engine', 'rnnoise-0.2']], [['--engine=gtcrn']]])(
    `with %j removes at least ${pauseCutFloorDb('offline')} dB of noise in speech pauses of a 48 kHz noisy-speech file, delay-compensated`,
    (engineArgs: string[]) => {
      const out = file(`denoised48k${engineArgs.join('')}.wav`);
      const r = lkDenoise(noisyPath, out, ...engineArgs);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const y = decodeWav(readFileSync(out));
      expect(y.sampleRate).toBe(48_000);
      expect(y.format).toEqual(int16);
      const output = y.channels[0] as Float32Array;
      expect(output.length).toBe(mixture.length);
      // Lag 0 ± 1 against the clean speech: the pipeline latency has been removed.
      expect(Math.abs(alignByXcorr(item.speech, output, 2000).lag)).toBeLessThanOrEqual(1);
      // RNNoise learns the noise floor from scratch over about a second (the first gap only gets
      // 3–13 dB), so the first 1.5 s are left out of the pause measurement.
      const settled = item.speechActive.map((active, frame) => active || frame < 150);
      const attenuation = noiseAttenuationDb(mixture, output, settled);
      expect(attenuation).toBeGreaterThanOrEqual(pauseCutFloorDb('offline')); // reason: tools/testing/pause-cut.ts
      // And the speech is still there.
      expect(siSdr(item.speech, output)).toBeGreaterThan(siSdr(item.speech, mixture));
      expect(Math.abs(speechLevelChangeDb(item.speech, output, item.speechActive))).toBeLessThan(6);
    },
  );

  it('keeps rate, channels, 24-bit format and length of a 44.1 kHz stereo file, each channel aligned', () => {
    const left = makeNoisySpeech({ seed: 2, noise: 'pink', snrDb: 5, sampleRate: 44_100, seconds: 4.3 });
    const right = makeNoisySpeech({ seed: 3, noise: 'fan', snrDb: 5, sampleRate: 44_100, seconds: 4.3 });
    const format: WavFormat = { kind: 'int', bitsPerSample: 24, extensible: false, channelMask: 0 };
    const length = left.mixture.length - 7; // not a multiple of any block size
    const channels = [left.mixture.slice(0, length), right.mixture.slice(0, length)];
    const input = file('stereo441.wav', encodeWav({ sampleRate: 44_100, channels, format }));
    const out = file('stereo441-out.wav');
    const r = lkDenoise(input, out);
    expect(r.code).toBe(0);
    const y = decodeWav(readFileSync(out));
    expect(y.sampleRate).toBe(44_100);
    expect(y.format).toEqual(format);
    expect(y.channels).toHaveLength(2);
    expect(y.channels.map((c) => c.length)).toEqual([length, length]);
    for (const [c, src] of [left, right].entries()) {
      const denoised = y.channels[c] as Float32Array;
      expect(Math.abs(alignByXcorr(src.speech.subarray(0, length), denoised, 2000).lag)).toBeLessThanOrEqual(1);
      expect(siSdr(src.speech.subarray(0, length), denoised)).toBeGreaterThan(
        siSdr(src.speech.subarray(0, length), channels[c] as Float32Array),
      );
    }
  });

  it('passes a 48 kHz file through unchanged, bit for bit, with --bypass', () => {
    const out = file('bypass.wav');
    const r = lkDenoise(noisyPath, out, '--bypass', '--no-simd');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(bypass)');
    expect(Buffer.from(readFileSync(out)).equals(Buffer.from(readFileSync(noisyPath)))).toBe(true);
  });

  it('bypasses a 22.05 kHz float file of band-limited speech through the resamplers with under −70 dB of error', () => {
    // Clean speech from the 16 kHz excerpt has nothing above 8 kHz, inside the 9.9 kHz passband,
    // and its silent ends avoid the ringing a cut-off signal would get at the file edges.
    const speech = makeNoisySpeech({ seed: 4, noise: 'white', snrDb: 10, sampleRate: 22_050 }).speech;
    const format: WavFormat = { kind: 'float', bitsPerSample: 32, extensible: false, channelMask: 0 };
    const input = file('bypass22k.wav', encodeWav({ sampleRate: 22_050, channels: [speech], format }));
    const out = file('bypass22k-out.wav');
    expect(lkDenoise(input, out, '--bypass').code).toBe(0);
    const y = decodeWav(readFileSync(out));
    expect(y.format).toEqual(format);
    const back = y.channels[0] as Float32Array;
    expect(back.length).toBe(speech.length);
    let err = 0,
      sig = 0;
    for (let i = 0; i < back.length; i++) {
      err += ((back[i] as number) - (speech[i] as number)) ** 2;
      sig += (speech[i] as number) ** 2;
    }
    expect(10 * Math.log10(err / sig)).toBeLessThan(-70);
  });

  it('exits 1 naming the reason for a file that is not a WAV file', () => {
    const bad = file('id3.wav', Uint8Array.from([0x49, 0x44, 0x33, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    const r = lkDenoise(bad, file('x.wav'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not a RIFF file (starts with 'ID3\\x03')");
  });

  it('exits 1 naming the reason for a truncated file and an unsupported bit depth', () => {
    const whole = readFileSync(noisyPath);
    const r1 = lkDenoise(file('cut.wav', whole.subarray(0, 1000)), file('x.wav'));
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain(`data chunk truncated: header says ${whole.length - 44} bytes, file has 956`);
    const twelve = Uint8Array.from(whole.subarray(0, 2000));
    new DataView(twelve.buffer).setUint16(34, 12, true);
    new DataView(twelve.buffer).setUint32(40, 2000 - 44, true);
    const r2 = lkDenoise(file('12bit.wav', twelve), file('x.wav'));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('unsupported bits per sample 12');
  });

  it('exits 1 naming the rate for files at 4,294,967,295 Hz and 1 Hz, writing nothing', () => {
    // Both rates are valid WAV headers; the resampler supports 3000–768000 Hz (worklets/dsp/resampler.ts).
    const whole = readFileSync(noisyPath);
    for (const rate of [4_294_967_295, 1]) {
      const odd = Uint8Array.from(whole.subarray(0, 2000));
      new DataView(odd.buffer).setUint32(24, rate, true);
      new DataView(odd.buffer).setUint32(40, 2000 - 44, true);
      const out = join(dir, `rate-${rate}.wav`);
      const input = file(`rate-${rate}-in.wav`, odd);
      const r = lkDenoise(input, out);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`lk-denoise: ${input}: sample rate ${rate} Hz is not supported (an integer from 3000 to 768000 Hz)`);
      expect(() => readFileSync(out)).toThrow(/ENOENT/);
    }
  });

  it('exits 1 for a missing input file, naming it', () => {
    const missing = join(dir, 'missing.wav');
    const r = lkDenoise(missing, file('x.wav'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${missing}: no such file`);
  });

  it('exits 2 with the usage for wrong arguments, and 0 with it for --help', () => {
    const one = lkDenoise(noisyPath);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('expected an input and an output file (got 1 file argument)');
    expect(one.stderr).toContain('Usage: lk-denoise');
    const unknown = lkDenoise(noisyPath, file('x.wav'), '--fast');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --fast');
    const help = lkDenoise('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: lk-denoise <in.wav> <out.wav> [--engine E] [--no-simd] [--bypass]');
  });

  it('exits 2 for an --engine it does not know, naming the engines and the value', () => {
    const r = lkDenoise(noisyPath, file('x.wav'), '--engine', 'best');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--engine must be one of rnnoise, rnnoise-0.2, gtcrn, auto (was best)');
  });

  it('--engine auto runs the best tier offline (gtcrn: no real-time budget to step down for)', () => {
    // Half a second: the engine named is what counts here; the denoising is tested above.
    const short = file('short48k.wav', encodeWav({ sampleRate: 48_000, channels: [mixture.subarray(0, 24_000)], format: int16 }));
    const r = lkDenoise(short, file('auto.wav'), '--engine', 'auto');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(', gtcrn in ');
  });
});
