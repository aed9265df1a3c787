// Echo return loss (ERL) per playback path, measured through a digital acoustic loopback
// (tools/testing/pulse.ts: a PulseAudio null sink whose monitor is the default microphone).
// The far end (Chromium, fake microphone playing a speech file) and the near end (Chromium with
// real devices, i.e. the loopback, echo cancellation on) share a room on the loopback server.
// The near end plays the far end's voice through one playback path; whatever its canceller lets
// through comes back to the far end in the near end's published microphone.
//   played   = the loopback sink's monitor, recorded here with pacat: what the near end played.
//   returned = the near end's microphone as the far end receives it.
//   ERL      = mean power of played / mean power of returned, over whole periods of the looped
//              fixture: every returned sound counts as echo, so the figure never flatters.
// The far end plays nothing into the loopback: its browser is not given the daemon's socket
// (the daemon listens on nothing else), and it records through a muted element and a gain of 0.
import { spawn } from 'node:child_process';
import { chromium } from '@playwright/test';
import { expect, test, type Browser, type BrowserContext, type Page } from './support/fixtures';
import { loadExcerpt, makeNoisySpeech } from '../tools/testing/signals';
import { startServer, type LoopbackServer } from '../tools/loopback-server/server';
import { BASE_ARGS, CHROMIUM_PATH, chromiumArgs } from '../tools/testing/chromium';
import { LOOPBACK_SINK, startPulseLoopback, type PulseLoopback } from '../tools/testing/pulse';
import { fromBase64 } from '../tools/testing/base64';
import { alignByXcorr } from '../tools/testing/metrics';
import { FRAME, db } from '../tools/testing/measure';
import { writeFakeMicWav } from './support/fake-mic';
import type { MicProcessing, PlaybackPath } from './pages/echo';

const RATE = 48_000;
// The far end's voice: public-domain speech, 2.5 s turns with 0.5 s pauses, looped every 6 s
// (noise 60 dB down: clean speech, so the canceller has nothing but echo to remove).
const FIXTURE_SECONDS = 6;
const fixture = makeNoisySpeech({
  seed: 1010,
  noise: 'white',
  snrDb: 60,
  seconds: FIXTURE_SECONDS,
  speech: loadExcerpt(RATE).subarray(0, 120_000),
}).mixture;
const wavPath = writeFakeMicWav('echo-far-end-speech.wav', fixture);

// The far end: the suite's Chromium with fake devices.
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wavPath) } });

// The near end's Chromium: no fake devices, so getUserMedia opens the default source (the loopback).
type Features = 'default' | 'ChromeWideEchoCancellation off';
function nearArgs(features: Features): string[] {
  const args = BASE_ARGS.filter((a) => a !== '--use-fake-device-for-media-stream');
  return features === 'default' ? args : [...args, '--disable-features=ChromeWideEchoCancellation'];
}

// A fresh canceller first estimates the echo path's delay, then adapts; on the shared 2-core
// machine a fresh page's took several seconds (one run measured 8 dB over seconds 3-9 on the
// path it met first). So nothing is measured for one whole fixture period after playback starts.
const SETTLE_SECONDS = 6;
// One whole period of the looped fixture: mean powers over it do not depend on where it starts.
const MEASURE_SECONDS = FIXTURE_SECONDS;

let server: LoopbackServer;
let pulse: PulseLoopback;

test.beforeAll(async () => {
  pulse = await startPulseLoopback();
  server = await startServer({ port: 0, tokenRefreshIntervalMs: 0 });
});

test.afterAll(async () => {
  // The daemon goes whatever the server does: a leaked one would outlive the run.
  await Promise.allSettled([server?.stop(), pulse?.stop()]);
});

const contexts: BrowserContext[] = [];
const browsers: Browser[] = [];

test.afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  await Promise.all(browsers.splice(0).map((b) => b.close()));
});

async function openPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto('/e2e/pages/echo.html');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return page;
}

async function launchNearEnd(features: Features): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: nearArgs(features),
    // Playwright mutes headless Chromium's output; the near end must play into the loopback.
    ignoreDefaultArgs: ['--mute-audio'],
    env: { ...process.env, ...pulse.env },
  });
  browsers.push(browser);
  return browser;
}

async function join(page: Page, room: string, identity: string, webAudioMix = false): Promise<void> {
  const token = await server.mintToken({ room, identity, ttlSeconds: 600 });
  await page.evaluate(({ url, token, webAudioMix }) => window.echo.join(url, token, webAudioMix), { url: server.url, token, webAudioMix });
}

/** `seconds` of the loopback sink's monitor (what the near end plays), float32 at 48 kHz. */
function recordMonitor(seconds: number): Promise<Float32Array> {
  const want = Math.round(seconds * RATE) * 4;
  return new Promise((resolve, reject) => {
    const child = spawn(
      'pacat',
      [
        '--record',
        '--raw',
        `--device=${LOOPBACK_SINK}.monitor`,
        '--format=float32le',
        `--rate=${RATE}`,
        '--channels=1',
        '--latency-msec=20',
      ],
      { env: { ...process.env, ...pulse.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const chunks: Buffer[] = [];
    let have = 0;
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      chunks.push(c);
      have += c.length;
      if (have >= want) child.kill('SIGTERM');
    });
    child.on('close', () => {
      if (have < want) return reject(new Error(`pacat recorded ${have} of ${want} bytes: ${err}`));
      const bytes = Buffer.concat(chunks).subarray(0, want);
      resolve(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + want)));
    });
  });
}

function power(x: Float32Array): number {
  let e = 0;
  for (const v of x) e += v * v;
  return e / Math.max(1, x.length);
}

/** 10 ms frame RMS, mean removed: an envelope that survives the jitter buffer's small time
 * stretches, which make sample-level correlation over seconds meaningless. */
function envelope(x: Float32Array): Float32Array {
  const frames = Math.floor(x.length / FRAME);
  const env = new Float32Array(frames);
  for (let f = 0; f < frames; f++) env[f] = Math.sqrt(power(x.subarray(f * FRAME, (f + 1) * FRAME)));
  const mean = env.reduce((a, v) => a + v, 0) / Math.max(1, frames);
  return env.map((v) => v - mean);
}

/** Normalised correlation of the envelopes of `ref` and `x` at their best alignment within ±maxLag samples. */
function envelopeCorrelation(ref: Float32Array, x: Float32Array, maxLag: number): number {
  const { ref: r, x: aligned } = alignByXcorr(envelope(ref), envelope(x), Math.round(maxLag / FRAME));
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < r.length; i++) {
    xy += (r[i] as number) * (aligned[i] as number);
    xx += (r[i] as number) ** 2;
    yy += (aligned[i] as number) ** 2;
  }
  return xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
}

const fixtureTwice = new Float32Array(2 * fixture.length);
fixtureTwice.set(fixture, 0);
fixtureTwice.set(fixture, fixture.length);

interface EchoMeasurement {
  /** Mean power of played / returned, dB. */
  erlDb: number;
  /** Played power against the far end's fixture, dB: a path that plays the voice at unity is ≈ 0. */
  playedLevelDb: number;
  /** How closely the played audio's envelope follows the fixture's (1 = same shape). */
  playedCorr: number;
  /** How closely the returned audio's envelope follows the played audio's (an uncancelled echo is near 1). */
  returnedCorr: number;
  /** Share of returned samples that are not exactly 0. */
  returnedLive: number;
}

interface NearEnd {
  page: Page;
  identity: string;
  micSid: string;
}

/** A near-end page in the room, its loopback microphone published with `processing`. */
async function openNearEnd(
  browser: Browser,
  room: string,
  identity: string,
  webAudioMix: boolean,
  processing: MicProcessing,
): Promise<NearEnd> {
  const page = await openPage(browser);
  await join(page, room, identity, webAudioMix);
  await page.waitForFunction(() => window.echo.remoteMicSid('far') !== undefined);
  const near: NearEnd = { page, identity, micSid: '' };
  await publishNearMic(near, processing);
  return near;
}

async function publishNearMic(near: NearEnd, processing: MicProcessing): Promise<void> {
  const mic = await near.page.evaluate((p) => window.echo.publishMic(p), processing);
  // The browser applies the processing asked for. Open: nothing here proves the microphone is the
  // loopback; a planted run whose near end kept Chromium's fake device scored 0.0 dB in the
  // calibration too (its beep happened to match the level), so the calibration shows the level only.
  expect(mic.echoCancellation).toBe(processing === 'browser');
  near.micSid = mic.sid;
}

/** Plays the far end's voice at the near end through `path` and measures the echo returned. */
async function measurePath(far: Page, near: NearEnd, path: PlaybackPath): Promise<EchoMeasurement> {
  await near.page.evaluate((p) => window.echo.play(p, 'far'), path);
  await far.waitForFunction(({ id, sid }) => window.echo.remoteMicSid(id) === sid, { id: near.identity, sid: near.micSid });
  const total = SETTLE_SECONDS + MEASURE_SECONDS;
  const [played, rec] = await Promise.all([
    recordMonitor(total),
    far.evaluate(({ id, s }) => window.echo.record(id, s), { id: near.identity, s: total }),
  ]);
  await near.page.evaluate(() => window.echo.stop());
  const settle = SETTLE_SECONDS * RATE;
  const p = played.subarray(settle);
  const r = fromBase64(rec.samples).subarray(settle);
  return {
    erlDb: db(power(p) / Math.max(power(r), 1e-12)),
    playedLevelDb: db(power(p) / power(fixture)),
    playedCorr: envelopeCorrelation(p, fixtureTwice, fixture.length),
    // The round trip far → near → far stays well under 1.5 s (half the fixture's 3 s repeat).
    returnedCorr: envelopeCorrelation(p, r, 1.5 * RATE),
    returnedLive: r.filter((v) => v !== 0).length / Math.max(1, r.length),
  };
}

function report(label: string, m: EchoMeasurement): void {
  const line = `measured [${label}]: ERL ${m.erlDb.toFixed(1)} dB, played ${m.playedLevelDb.toFixed(1)} dB vs fixture (envelope corr ${m.playedCorr.toFixed(2)}), returned envelope corr ${m.returnedCorr.toFixed(2)}, returned non-zero ${(100 * m.returnedLive).toFixed(0)} %`;
  console.log(line);
  test.info().annotations.push({ type: 'measured', description: line });
}

async function farEnd(browser: Browser, room: string): Promise<Page> {
  const far = await openPage(browser);
  await join(far, room, 'far');
  await far.evaluate(() => window.echo.publishFixture());
  return far;
}

/** Every path of one near-end configuration: the plain-room paths on one page, webAudioMix on another. */
async function measureAll(browser: Browser, features: Features, room: string, calibrate: boolean) {
  const far = await farEnd(browser, room);
  const nearBrowser = await launchNearEnd(features);
  const results = new Map<string, EchoMeasurement>();
  const run = async (near: NearEnd, path: PlaybackPath, label: string = path) => {
    const m = await measurePath(far, near, path);
    report(`${features}, ${label}`, m);
    results.set(label, m);
  };
  // Each microphone setting on a page of its own: one run that republished the microphone on the
  // same page had the near end's output fall silent afterwards.
  if (calibrate) {
    const raw = await openNearEnd(nearBrowser, room, 'near-raw', false, 'none');
    await run(raw, 'element', 'unprocessed microphone');
    await raw.page.evaluate(() => window.echo.leave());
  }
  const plain = await openNearEnd(nearBrowser, room, 'near', false, 'browser');
  for (const path of ['element', 'outputTrack', 'node'] as const) await run(plain, path);
  await plain.page.evaluate(() => window.echo.leave());
  await run(await openNearEnd(nearBrowser, room, 'near-mix', true, 'browser'), 'webAudioMix');
  return results;
}

// Margins, from what a pass-through scores. The unprocessed calibration is an ideal digital loop:
// it returns the played voice at ERL ≈ 0 dB; PASS_THROUGH_DB bounds it (half or double the power,
// room for two Opus legs and a loaded machine's dropouts). A path is CANCELLED when it scores at
// least CANCELLED_DB: a tenth of the echo power or less, 4 dB clear of the pass-through band. A
// path is NOT cancelled when it stays inside the pass-through band.
const PASS_THROUGH_DB = 6;
const CANCELLED_DB = 10;
// Each path must really play the far end's voice: a silent path would score any ERL. The codec,
// the denoiser (speech within 3 dB, e2e/nc-room.spec.ts) and dropouts cost a few dB; 10 dB down
// is no longer "playing the voice".
const PLAYED_FLOOR_DB = -10;

function expectPlayed(results: Map<string, EchoMeasurement>): void {
  for (const [label, m] of results)
    expect(m.playedLevelDb, `${label}: the path plays the far end's voice`).toBeGreaterThan(PLAYED_FLOOR_DB);
}

test.describe('echo return loss per playback path (Chromium, PulseAudio loopback)', () => {
  test.describe.configure({ timeout: 300_000 });
  // Opt-in for now: on the shared 2-core machine at load 30 the canceller itself fails at random
  // (the control measured 7.7-45 dB across runs, and a near end's output fell silent mid-run),
  // so in npm test it would fail for reasons outside this project. LK_ECHO=1 runs it.
  test.skip(process.env.LK_ECHO !== '1', 'echo return loss runs with LK_ECHO=1 (unstable on a heavily loaded machine)');

  test(`default features: the loop returns an uncancelled voice at 0 ± ${PASS_THROUGH_DB} dB, and livekit-client's element, nc.outputTrack in <audio>, nc.node to destination and the webAudioMix plugin each cancel ≥ ${CANCELLED_DB} dB`, async ({
    browser,
  }) => {
    const results = await measureAll(browser, 'default', 'echo-default', true);
    expectPlayed(results);
    // The loop works: without the browser's processing the near end sends the far end's voice back whole.
    expect(
      Math.abs(results.get('unprocessed microphone')!.erlDb),
      'calibration: an unprocessed loop is a pass-through',
    ).toBeLessThanOrEqual(PASS_THROUGH_DB);
    // The control: livekit-client's own element, which every canceller knows as the far end.
    expect(results.get('element')!.erlDb, 'control: the canceller is working').toBeGreaterThanOrEqual(CANCELLED_DB);
    // Chrome-wide echo cancellation references all of Chromium's output, Web Audio included.
    for (const path of ['outputTrack', 'node', 'webAudioMix']) {
      expect(results.get(path)!.erlDb, `${path}: cancelled with default features`).toBeGreaterThanOrEqual(CANCELLED_DB);
    }
  });

  test(`--disable-features=ChromeWideEchoCancellation: livekit-client's element still cancels ≥ ${CANCELLED_DB} dB; nc.outputTrack in <audio>, nc.node and webAudioMix are NOT cancelled (within ${PASS_THROUGH_DB} dB of a pass-through)`, async ({
    browser,
  }) => {
    const results = await measureAll(browser, 'ChromeWideEchoCancellation off', 'echo-off', false);
    expectPlayed(results);
    expect(results.get('element')!.erlDb, 'control: the per-page canceller knows WebRTC playout').toBeGreaterThanOrEqual(CANCELLED_DB);
    // The documented limit (README, "Echo cancellation"): the per-page canceller references only
    // WebRTC playout, so audio that leaves through Web Audio comes back. If Chromium starts
    // cancelling these, this fails and the README must change.
    for (const path of ['outputTrack', 'node', 'webAudioMix']) {
      expect(results.get(path)!.erlDb, `${path}: not cancelled with the feature off`).toBeLessThanOrEqual(PASS_THROUGH_DB);
    }
  });
});
