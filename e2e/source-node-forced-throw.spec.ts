// createMediaStreamSource forced to throw in a real Chromium page (the page patches
// AudioContext.prototype.createMediaStreamSource, as Firefox refused mismatched rates for
// years): the remote speaker is still heard, and the processor's 'error' event says why, with
// the values. The speaker is an rtc-node publisher in this test process, so the signal is known.
// "Heard" is measured at the browser's real audio output: Chromium plays into a PulseAudio
// daemon this test starts for itself (its own socket, a null sink), and the test records that
// sink's monitor. Nothing else plays into it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test as base } from './support/room-fixtures';
import { loadExcerpt } from '../tools/testing/signals';
import { db } from '../tools/testing/measure';
import { xcorr } from '../tools/testing/metrics';
import { RATE } from '../tools/loopback-server/rtc-node-peer';
import { CHROMIUM_PATH, chromiumArgs } from '../tools/testing/chromium';

// Made by the `pulse` fixture, in the worker that runs the test (the runner also loads this file).
const pulseDir = join(tmpdir(), `lk-pulse-${process.pid}`);
const PULSE = `unix:${join(pulseDir, 'socket')}`;
const SINK = 'lkout';

// 4 s of speech, looped by the publisher.
const speech = loadExcerpt(RATE).subarray(0, 4 * RATE);

// Chromium's own PulseAudio daemon, for the worker, its default sink a null sink the test
// records. The browser's launch options depend on it, so the daemon is up before Chromium starts.
const test = base.extend<object, { pulse: void }>({
  pulse: [
    // oxlint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
    async ({}, use) => {
      mkdirSync(pulseDir, { recursive: true });
      const env = { ...process.env, HOME: pulseDir, XDG_RUNTIME_DIR: pulseDir, PULSE_RUNTIME_PATH: pulseDir };
      const pulse = spawn(
        'pulseaudio',
        [
          '-n',
          '--daemonize=no',
          '--exit-idle-time=-1',
          '--use-pid-file=false',
          '-L',
          `module-native-protocol-unix socket=${join(pulseDir, 'socket')} auth-anonymous=1`,
          '-L',
          `module-null-sink sink_name=${SINK} rate=${RATE} channels=1`,
          '-L',
          'module-always-sink',
        ],
        { env, stdio: 'ignore' },
      );
      await expect.poll(() => spawnSync('pactl', ['-s', PULSE, 'info']).status, { timeout: 15_000 }).toBe(0);
      spawnSync('pactl', ['-s', PULSE, 'set-default-sink', SINK]);
      await use();
      pulse.kill();
      rmSync(pulseDir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  // Playwright mutes Chromium by default (--mute-audio): this test listens, so it keeps the sound.
  launchOptions: [
    async ({ pulse }, use) => {
      void pulse;
      await use({
        executablePath: CHROMIUM_PATH,
        args: chromiumArgs(),
        ignoreDefaultArgs: ['--mute-audio'],
        env: { ...process.env, PULSE_SERVER: PULSE },
      });
    },
    { scope: 'worker' },
  ],
});
test.describe.configure({ timeout: 120_000 });

/** Records `seconds` of what the browser plays (the null sink's monitor), as 48 kHz mono float. */
async function recordOutput(seconds: number): Promise<Float32Array> {
  const rec = spawn('parecord', [
    '-s',
    PULSE,
    '-d',
    `${SINK}.monitor`,
    '--raw',
    '--format=float32le',
    `--rate=${RATE}`,
    '--channels=1',
    '--latency-msec=500',
  ]);
  const chunks: Buffer[] = [];
  let bytes = 0;
  const want = seconds * RATE * 4;
  await new Promise<void>((resolve, reject) => {
    rec.on('error', reject);
    rec.stdout.on('data', (b: Buffer) => {
      chunks.push(b);
      bytes += b.length;
      if (bytes >= want) resolve();
    });
  });
  rec.kill();
  const all = Buffer.concat(chunks).subarray(0, want);
  return new Float32Array(all.buffer.slice(all.byteOffset, all.byteOffset + all.length));
}

function energy(x: Float32Array, from = 0, to = x.length): number {
  let e = 0;
  for (let i = from; i < to; i++) e += (x[i] as number) ** 2;
  return e;
}

/** Where a window of `heard` best matches the looped `signal`: normalised correlation and level (dB) there. */
function matchLoop(signal: Float32Array, window: Float32Array): { corr: number; levelDb: number } {
  const looped = new Float32Array(2 * signal.length);
  looped.set(signal, 0);
  looped.set(signal, signal.length);
  const c = xcorr(window, looped, signal.length);
  let best = signal.length;
  for (let k = signal.length; k < c.length; k++) if ((c[k] as number) > (c[best] as number)) best = k;
  const at = best - signal.length;
  const e = energy(window);
  const ref = energy(looped, at, at + window.length);
  return { corr: (c[best] as number) / Math.sqrt(e * ref || 1), levelDb: db(e / ref) };
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] as number;

/**
 * The loudest eight 250 ms windows of `heard`, each matched on its own against the loop: short
 * windows ride out the jitter buffer's time stretch. The correlation is the upper quartile: on
 * a loaded 2-core machine some windows carry an output dropout, the intact ones score ≈ 1.
 */
function matchWindows(signal: Float32Array, heard: Float32Array): { corr: number; levelDb: number; dbfs: number } {
  const w = RATE / 4;
  const starts = Array.from({ length: Math.floor(heard.length / w) }, (_, i) => i * w);
  starts.sort((a, b) => energy(heard, b, b + w) - energy(heard, a, a + w));
  const windows = starts.slice(0, 8).map((s) => heard.subarray(s, s + w));
  const matches = windows.map((x) => matchLoop(signal, x));
  return {
    corr: quantile(
      matches.map((m) => m.corr),
      0.75,
    ),
    levelDb: quantile(
      matches.map((m) => m.levelDb),
      0.5,
    ),
    dbfs: quantile(
      windows.map((x) => db(energy(x) / w || 1e-30)),
      0.5,
    ),
  };
}

test('when createMediaStreamSource throws, the remote speech still reaches the audio output and an error event says why, with the rates', async ({
  server,
  openPage,
  rtcPublish,
}) => {
  const room = 'source-refused';
  await rtcPublish(room, 'speaker', speech);
  const page = await openPage('/e2e/pages/source-fallback.html');
  const token = await server.mintToken({ room, identity: 'listener' });
  await page.evaluate(({ url, token }) => window.fallback.join(url, token), { url: server.url, token });
  await page.waitForFunction(() => window.fallback.hasTrack('speaker'));
  await page.evaluate(() => window.fallback.forceSourceThrow());
  await page.evaluate(() => window.fallback.bind('speaker'));

  const heard = await recordOutput(6);
  const m = matchWindows(speech, heard);
  // The chance level of this measure: the same speech reversed in time (same spectrum and level,
  // another waveform), matched the same way.
  const chance = matchWindows(speech.slice().reverse(), heard);
  const summary = `forced createMediaStreamSource throw: output ${m.dbfs.toFixed(1)} dBFS (median of the loudest 250 ms windows), corr ${m.corr.toFixed(3)} (upper quartile) with the published speech (chance ${chance.corr.toFixed(3)}), level ${m.levelDb.toFixed(2)} dB vs published`;
  console.log(summary);
  test.info().annotations.push({ type: 'measured', description: summary });
  // Silence scores 0; unrelated speech-like audio scores the chance level (0.22-0.27 measured);
  // the speaker's own speech through Opus 0.84-1 per intact window. 0.6 sits between.
  expect(chance.corr, 'the measure must not match any speech-like audio').toBeLessThan(0.5);
  expect(m.corr).toBeGreaterThan(0.6);
  // A pass-through keeps the level (no gain anywhere on the path, ≈ 0 dB measured); 6 dB either
  // way allows for Opus, while silence would be -∞ dB.
  expect(Math.abs(m.levelDb)).toBeLessThan(6);
  await expect.poll(() => page.evaluate(() => window.fallback.errors().map((e) => e.reason))).toContain('source-node');
  const refusal = (await page.evaluate(() => window.fallback.errors())).find((e) => e.reason === 'source-node')!;
  expect(refusal.value).toMatchObject({
    contextRate: 44_100,
    message: 'NotSupportedError: Connecting AudioNodes from AudioContexts with different sample-rate is currently not supported.',
  });
  expect(Object.keys(refusal.value as object).sort()).toEqual(['contextRate', 'message', 'trackRate', 'trackSettings']);
  expect(refusal.message).toContain('44100 Hz');
  expect(refusal.message).toContain('audio passes through');
  expect(await page.evaluate(() => window.fallback.fallback())).toEqual({ element: true, hasInput: false });

  await page.evaluate(() => window.fallback.close());
});
