// The WAV file Chromium's fake microphone plays (--use-file-for-fake-audio-capture), one per spec.
import { mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWavFile } from '../../cli/wav';

/**
 * Writes `samples` (48 kHz mono) as a 16-bit WAV named `name` in the e2e temp folder; returns its path.
 * Written aside and renamed into place: another Playwright worker loading the same spec may be
 * launching a browser on that file meanwhile, and must never read it half written.
 */
export function writeFakeMicWav(name: string, samples: Float32Array): string {
  const dir = join(tmpdir(), 'lk-denoise-e2e');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const aside = `${path}.${process.pid}.tmp`;
  writeWavFile(aside, {
    sampleRate: 48_000,
    channels: [samples],
    format: { kind: 'int', bitsPerSample: 16, extensible: false, channelMask: 0 },
  });
  renameSync(aside, path);
  return path;
}
