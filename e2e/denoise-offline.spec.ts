// The BUILT worklet in every engine we can run (Chromium, Firefox ESR, WebKitGTK: the chromium,
// firefox and webkit projects of playwright.config.ts run this one file). An OfflineAudioContext
// renders seeded noise plus speech through NoiseCancellation, enabled and bypassed, and the two
// are compared; a real-time AudioContext at the engine's default rate does the same live.
import { expect, test, type DrivenPage } from './support/engines';
import { loadExcerpt, makeNoisySpeech } from '../tools/testing/signals';
import { fromBase64, toBase64 } from '../tools/testing/base64';
import { db, energyRankMask, frameEnergy, xcorrLag } from '../tools/testing/measure';
import type { LiveRequest, RenderRequest, RenderResult } from './pages/denoise';
import { DEV_PORT } from '../playwright.config';
import { pauseCutDb, pauseCutFloorDb } from '../tools/testing/pause-cut';

// Thresholds: the floors of tools/testing/pause-cut.ts (reasons there), the same for the three
// engines, which run the same wasm. A pass-through scores 0 dB.
const PAUSE_CUT_DB = pauseCutFloorDb('offline');
// Off 48 kHz the worklet resamples; a live context is also measured by energy rank.
const RESAMPLED_PAUSE_CUT_DB = pauseCutFloorDb('resampled');
// A denoiser that also ducks speech by more than 3 dB is audibly wrong.
const SPEECH_LEVEL_DB = 3;
// 448 samples of 128 → 480 reframing plus RNNoise's own 480 at 48 kHz (engines.md).
const DELAY_48K = 448 + 480;

async function render(page: DrivenPage, req: RenderRequest): Promise<RenderResult & { output: Float32Array }> {
  const result = await page.evaluate((r) => window.lkd.render(r), req);
  return { ...result, output: fromBase64(result.samples) };
}

/** Pause noise cut and speech level change of `on` against `off`, both delayed by `lag`. */
function pauseCutAndSpeech(mask: boolean[], on: Float32Array, off: Float32Array, lag: number, skip: number) {
  return {
    pauseCut: db(frameEnergy(off, mask, false, lag, skip) / frameEnergy(on, mask, false, lag, skip)),
    speechChange: db(frameEnergy(on, mask, true, lag, skip) / frameEnergy(off, mask, true, lag, skip)),
  };
}

function note(engine: string, what: string): void {
  console.log(`measured [${engine}]: ${what}`);
  test.info().annotations.push({ type: 'measured', description: what });
}

async function openHarness(page: DrivenPage, url = '/e2e/pages/denoise.html'): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
}

// Firefox and WebKitGTK are driven over WebDriver, and WebKitGTK renders slower: on a loaded
// 2-core machine an 8 s render pair has passed the 60 s default there.
test.beforeEach(({ engine }) => {
  test.slow(engine !== 'chromium', 'driven over WebDriver; slower renders on a loaded machine');
});

test.describe('denoiser worklet in an OfflineAudioContext (production build)', () => {
  test.beforeEach(async ({ drivenPage }) => {
    await openHarness(drivenPage);
  });

  test('cuts noise in speech pauses by at least 20 dB against bypass, keeping speech level within 3 dB', async ({ drivenPage, engine }) => {
    const item = makeNoisySpeech({ seed: 1234, noise: 'pink', snrDb: 10, seconds: 12 });
    const samples = toBase64(item.mixture);
    const on = await render(drivenPage, { samples, sampleRate: 48_000 });
    const off = await render(drivenPage, { samples, sampleRate: 48_000, options: { enabled: false } });
    expect(on.errors).toEqual([]);
    // Every engine here validates wasm SIMD, so the default pick must be the SIMD build.
    expect(on.ready?.engine).toBe('rnnoise-simd');
    const lag = on.ready!.latencySamples;
    expect(lag).toBe(DELAY_48K);
    // Skip the first second: RNNoise adapts its noise estimate.
    const m = pauseCutAndSpeech(item.speechActive, on.output, off.output, lag, 100);
    note(engine, `pause noise cut ${m.pauseCut.toFixed(1)} dB, speech level ${m.speechChange.toFixed(2)} dB (${on.ready?.engine})`);
    expect(m.pauseCut).toBeGreaterThanOrEqual(PAUSE_CUT_DB);
    expect(Math.abs(m.speechChange)).toBeLessThanOrEqual(SPEECH_LEVEL_DB);
    expect(on.stats?.framesProcessed).toBeGreaterThan(1000);
    expect(off.stats?.bypass).toBe('disabled');
  });

  test('gating stops the engine on digital silence (engineFrames falls behind framesProcessed); gating: false runs it on every frame', async ({
    drivenPage,
  }) => {
    // 3 s of digital silence, then 2 s of noisy speech: the gate closes after its 30-frame hold.
    const item = makeNoisySpeech({ seed: 7, noise: 'white', snrDb: 20, seconds: 2 });
    const x = new Float32Array(5 * 48_000);
    x.set(item.mixture, 3 * 48_000);
    const samples = toBase64(x);
    const on = await render(drivenPage, { samples, sampleRate: 48_000 });
    const off = await render(drivenPage, { samples, sampleRate: 48_000, options: { gating: false } });
    expect(on.errors).toEqual([]);
    expect(off.errors).toEqual([]);
    // Always on: every frame through the pipeline is an engine frame.
    expect(off.stats!.engineFrames).toBe(off.stats!.framesProcessed);
    // Gated: of the 300 silent frames only the hold ran (30), plus ≤ 8 warm-up frames on wake.
    expect(off.stats!.framesProcessed - on.stats!.engineFrames).toBeGreaterThanOrEqual(300 - 30 - 8 - 20);
  });

  test('adds exactly 448 + 480 samples of delay, measured by cross-correlation', async ({ drivenPage, engine }) => {
    const item = makeNoisySpeech({ seed: 99, noise: 'white', snrDb: 20, seconds: 4 });
    const on = await render(drivenPage, { samples: toBase64(item.mixture), sampleRate: 48_000 });
    const { lag, corr } = xcorrLag(item.mixture, on.output, 1500, 48_000 * 3);
    note(engine, `lag ${lag} samples, correlation ${corr.toFixed(3)}`);
    expect(Math.abs(lag - DELAY_48K)).toBeLessThanOrEqual(2);
    expect(corr).toBeGreaterThan(0.5);
  });

  test('bypassed output is the input delayed by the same 928 samples', async ({ drivenPage }) => {
    const item = makeNoisySpeech({ seed: 7, noise: 'brown', snrDb: 5, seconds: 2 });
    const off = await render(drivenPage, { samples: toBase64(item.mixture), sampleRate: 48_000, options: { enabled: false } });
    let maxErr = 0;
    for (let i = DELAY_48K; i < item.mixture.length; i++)
      maxErr = Math.max(maxErr, Math.abs((off.output[i] as number) - (item.mixture[i - DELAY_48K] as number)));
    expect(maxErr).toBeLessThan(1e-6);
  });

  test('the scalar wasm build loads when SIMD is turned off and denoises like the SIMD one', async ({ drivenPage, engine }) => {
    // The first test shows the SIMD build is the one picked by default in every engine here.
    const item = makeNoisySpeech({ seed: 1234, noise: 'pink', snrDb: 10, seconds: 6 });
    const on = await render(drivenPage, { samples: toBase64(item.mixture), sampleRate: 48_000, options: { simd: false } });
    expect(on.errors).toEqual([]);
    expect(on.ready?.engine).toBe('rnnoise');
    // Against the input itself: bypass is exactly the input delayed (the test above).
    const delayed = new Float32Array(item.mixture.length);
    delayed.set(item.mixture.subarray(0, item.mixture.length - DELAY_48K), DELAY_48K);
    const m = pauseCutAndSpeech(item.speechActive, on.output, delayed, DELAY_48K, 100);
    note(engine, `rnnoise (scalar): pause noise cut ${m.pauseCut.toFixed(1)} dB, speech level ${m.speechChange.toFixed(2)} dB`);
    expect(m.pauseCut).toBeGreaterThanOrEqual(PAUSE_CUT_DB);
    expect(Math.abs(m.speechChange)).toBeLessThanOrEqual(SPEECH_LEVEL_DB);
  });

  test('at 44.1 kHz the worklet resamples for the engine, denoises, and its reported delay is the measured one', async ({
    drivenPage,
    engine,
  }) => {
    const rate = 44_100;
    const item = makeNoisySpeech({ seed: 3, noise: 'pink', snrDb: 10, seconds: 8, sampleRate: rate });
    const samples = toBase64(item.mixture);
    const on = await render(drivenPage, { samples, sampleRate: rate });
    const off = await render(drivenPage, { samples, sampleRate: rate, options: { enabled: false } });
    expect(on.errors).toEqual([]);
    expect(on.ready?.sampleRate).toBe(rate);
    const latency = on.ready!.latencySamples;
    const { lag } = xcorrLag(item.mixture, off.output, latency + 100, rate * 3);
    expect(Math.abs(lag - latency)).toBeLessThanOrEqual(2);
    // Against bypass at the same lag, over the clean speech's pauses (10 ms frames at 44.1 kHz).
    const cut = pauseCutDb(off.output, on.output, item.speechActive, { sampleRate: rate, lag: latency, skipFrames: 100 });
    note(engine, `44.1 kHz: latency ${latency} samples (measured ${lag}), pause cut ${cut.toFixed(1)} dB`);
    expect(cut).toBeGreaterThanOrEqual(RESAMPLED_PAUSE_CUT_DB);
  });
});

// The other engines, through the same processor and pipeline: each loads its own wasm (RNNoise
// 0.2's extracted from emscripten JS at build time), reports its own delay, and that delay is the
// one measured. The floors are classic RNNoise's (both cut more on the bench corpus: issue 12).
const OTHER_ENGINES = [
  // 448 samples of 128 → 480 reframing plus RNNoise 0.2's two frames.
  { name: 'rnnoise-0.2', delay: 448 + 960 },
  // 640 samples of 128 → 768 reframing plus GTCRN's 890 (worklets/dsp/gtcrn.ts).
  { name: 'gtcrn', delay: 640 + 890 },
] as const;

for (const { name, delay } of OTHER_ENGINES) {
  test.describe(`the ${name} engine in an OfflineAudioContext (production build)`, () => {
    test.beforeEach(async ({ drivenPage }) => {
      await openHarness(drivenPage);
    });

    test(`cuts noise in speech pauses by at least ${PAUSE_CUT_DB} dB against bypass, with the ${delay}-sample delay it reports and measures`, async ({
      drivenPage,
      engine,
    }) => {
      // Up to 10× classic RNNoise's cost per frame (GTCRN), two renders: a longer budget.
      test.slow();
      const item = makeNoisySpeech({ seed: 1234, noise: 'pink', snrDb: 10, seconds: 8 });
      const samples = toBase64(item.mixture);
      const on = await render(drivenPage, { samples, sampleRate: 48_000, options: { engine: name } });
      const off = await render(drivenPage, { samples, sampleRate: 48_000, options: { engine: name, enabled: false } });
      expect(on.errors).toEqual([]);
      expect(on.ready?.engine).toBe(name);
      expect(on.stats?.engine).toBe(name);
      expect(on.ready?.latencySamples).toBe(delay);
      // Bypass is the input delayed by the latency; the denoised output lines up with it there.
      const { lag, corr } = xcorrLag(off.output, on.output, 300, 48_000 * 2);
      const measured = xcorrLag(item.mixture, off.output, delay + 300, 48_000 * 2).lag;
      const m = pauseCutAndSpeech(item.speechActive, on.output, off.output, delay, 100);
      note(
        engine,
        `${name}: latency ${delay}, measured ${measured} (on vs bypass ${lag}, corr ${corr.toFixed(2)}), pause cut ${m.pauseCut.toFixed(1)} dB, speech ${m.speechChange.toFixed(2)} dB`,
      );
      expect(measured).toBe(delay);
      expect(lag).toBe(0);
      expect(m.pauseCut).toBeGreaterThanOrEqual(PAUSE_CUT_DB);
      expect(Math.abs(m.speechChange)).toBeLessThanOrEqual(SPEECH_LEVEL_DB);
    });
  });
}

test.describe('denoiser worklet in a real-time AudioContext at the default rate', () => {
  test('denoises live audio: pauses cut, and the output lags the input by the delay it reports', async ({ drivenPage, engine }) => {
    test.setTimeout(120_000);
    await openHarness(drivenPage);
    // 2.5 s speech turns with 0.5 s gaps: past the first second, 7 s hold two whole pauses.
    const item = makeNoisySpeech({ seed: 4242, noise: 'pink', snrDb: 10, seconds: 7, speech: loadExcerpt(48_000).subarray(0, 120_000) });
    const req: LiveRequest = { samples: toBase64(item.mixture), sampleRate: 48_000 };
    const r = await drivenPage.evaluate((q) => window.lkd.live(q), req);
    expect(r.errors).toEqual([]);
    expect(r.ready?.engine).toMatch(/^rnnoise/);
    expect(r.ready?.sampleRate).toBe(r.contextRate);
    const input = fromBase64(r.input);
    const output = fromBase64(r.output);
    const latency = r.ready!.latencySamples;
    const { lag, corr } = xcorrLag(input, output, latency + 200, input.length - latency - 400);
    // Skip RNNoise's first second of adaptation, then rank pauses in the input.
    const skip = Math.round(r.contextRate);
    const quiet = energyRankMask(input.subarray(skip), 0.1, true);
    const cut = db(
      frameEnergy(input.subarray(skip), quiet, true, 0, 0, false) / frameEnergy(output.subarray(skip), quiet, true, lag, 0, false),
    );
    note(
      engine,
      `live at ${r.contextRate} Hz: latency ${latency} samples, measured lag ${lag} (corr ${corr.toFixed(2)}), pause cut ${cut.toFixed(1)} dB`,
    );
    expect(Math.abs(lag - latency)).toBeLessThanOrEqual(2);
    expect(cut).toBeGreaterThanOrEqual(RESAMPLED_PAUSE_CUT_DB);
  });
});

test.describe('denoiser worklet served by vite dev', () => {
  test('the dev server serves the TypeScript worklet as JS and it denoises like the build', async ({ drivenPage, engine }) => {
    // What is checked is Vite's transform of the worklet, the same bytes for every engine.
    test.skip(engine !== 'chromium', 'the dev server serves every engine the same files');
    await openHarness(drivenPage, `http://127.0.0.1:${DEV_PORT}/e2e/pages/denoise.html`);
    const item = makeNoisySpeech({ seed: 1234, noise: 'pink', snrDb: 10, seconds: 8 });
    const samples = toBase64(item.mixture);
    const on = await render(drivenPage, { samples, sampleRate: 48_000 });
    const off = await render(drivenPage, { samples, sampleRate: 48_000, options: { enabled: false } });
    expect(on.errors).toEqual([]);
    expect(on.ready?.latencySamples).toBe(DELAY_48K);
    const { pauseCut } = pauseCutAndSpeech(item.speechActive, on.output, off.output, DELAY_48K, 100);
    expect(pauseCut).toBeGreaterThanOrEqual(PAUSE_CUT_DB);
  });

  test('the dev server serves RNNoise 0.2 extracted from its emscripten JS, and it denoises', async ({ drivenPage, engine }) => {
    test.skip(engine !== 'chromium', 'the dev server serves every engine the same files');
    await openHarness(drivenPage, `http://127.0.0.1:${DEV_PORT}/e2e/pages/denoise.html`);
    const item = makeNoisySpeech({ seed: 1234, noise: 'pink', snrDb: 10, seconds: 6 });
    const samples = toBase64(item.mixture);
    const on = await render(drivenPage, { samples, sampleRate: 48_000, options: { engine: 'rnnoise-0.2' } });
    const off = await render(drivenPage, { samples, sampleRate: 48_000, options: { engine: 'rnnoise-0.2', enabled: false } });
    expect(on.errors).toEqual([]);
    expect(on.ready?.engine).toBe('rnnoise-0.2');
    const { pauseCut } = pauseCutAndSpeech(item.speechActive, on.output, off.output, on.ready!.latencySamples, 100);
    expect(pauseCut).toBeGreaterThanOrEqual(PAUSE_CUT_DB);
  });
});
