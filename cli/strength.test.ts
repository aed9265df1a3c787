// `lk-denoise --strength`: spawns the real command (through tsx) on a generated WAV file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { noiseAttenuationDb } from '../tools/testing/metrics';
import { makeNoisySpeech } from '../tools/testing/signals';
import { decodeWav, writeWavFile } from './wav';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'cli/lk-denoise.ts');
const dir = mkdtempSync(join(tmpdir(), 'lk-denoise-strength-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lkDenoise(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each test spawns the command several times (tsx start-up each); on a shared machine that is a
// budget, not a speed claim.
describe('lk-denoise --strength', { timeout: 120_000 }, () => {
  const item = makeNoisySpeech({ seed: 7, noise: 'white', snrDb: 5, seconds: 8, gapSeconds: 1 });
  const input = join(dir, 'noisy.wav');
  writeWavFile(input, {
    sampleRate: 48_000,
    channels: [item.mixture],
    format: { kind: 'float', bitsPerSample: 32, extensible: false, channelMask: 0 },
  });
  const settled = item.speechActive.map((active, f) => active || f < 150);

  function cutAt(strength: string): number {
    const out = join(dir, `out-${strength}.wav`);
    const r = lkDenoise(input, out, '--strength', strength);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const y = decodeWav(readFileSync(out)).channels[0] as Float32Array;
    return noiseAttenuationDb(item.mixture, y, settled);
  }

  it('gives the input back at 0 and cuts pauses by about the preset floor at balanced (20 dB)', () => {
    // 0: the 32-bit float file round-trips exactly, so the cut is 0 up to float rounding.
    expect(Math.abs(cutAt('0'))).toBeLessThan(1e-3);
    // balanced: floor 20 dB; the engine alone cuts white noise by > 30 dB, so the mix lands
    // within 1 dB under the floor (never above it: wet and dry are positively correlated).
    const balanced = cutAt('balanced');
    expect(balanced).toBeGreaterThan(19);
    expect(balanced).toBeLessThanOrEqual(20.5);
  });

  it('refuses a strength outside 0..1 or an unknown name with exit code 2, naming the value', () => {
    for (const bad of ['1.5', 'loud', '']) {
      const r = lkDenoise(input, join(dir, 'never.wav'), '--strength', bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`(was ${bad})`);
    }
    const missing = lkDenoise(input, join(dir, 'never.wav'), '--strength');
    expect(missing.code).toBe(2);
  });
});
