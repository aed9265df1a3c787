// The BUILT worklet in real Chromium: an OfflineAudioContext renders seeded noise plus speech
// through NoiseCancellation, enabled and bypassed, and the two are compared.
import { expect, test, type Page } from './support/fixtures';
import { makeNoisySpeech } from '../tools/testing/signals';
import { fromBase64, toBase64 } from '../tools/testing/base64';
import { db, frameEnergy, xcorrLag } from '../tools/testing/measure';
import { pauseCutDb, pauseCutFloorDb } from '../tools/testing/pause-cut';
import type { RenderRequest, RenderResult } from './pages/denoise';
import { DEV_PORT } from '../playwright.config';

async function render(page: Page, req: RenderRequest): Promise<RenderResult & { output: Float32Array }> {
  const result = await page.evaluate((r) => window.lkd.render(r), req);
  return { ...result, output: fromBase64(result.samples) };
}

test.describe('denoiser worklet in an OfflineAudioContext (production build)', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/e2e/pages/denoise.html');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  });

  test(`cuts noise in speech pauses by at least ${pauseCutFloorDb('offline')} dB against bypass, keeping speech level within 3 dB`, async ({ page }) => {
    const item = makeNoisySpeech({ seed: 1234, noise: 'pink', snrDb: 10, seconds: 12 });
    const samples = toBase64(item.mixture);
    const on = await render(page, { samples, sampleRate: 48_000 });
    const off = await render(page, { samples, sampleRate: 48_000, options: { enabled: false } });
    expect(on.errors).toEqual([]);
    expect(on.ready?.engine).toMatch(/^rnnoise/);
    const lag = on.ready!.latencySamples;
    expect(lag).toBe(928);
    // Skip the first second: RNNoise adapts its noise estimate.
    const skip = 100;
    const pauseCut = pauseCutDb(off.output, on.output, item.speechActive, { lag, skipFrames: skip });
    const speechChange = db(frameEnergy(on.output, item.speechActive, true, lag, skip) / frameEnergy(off.output, item.speechActive, true, lag, skip));
    test.info().annotations.push({ type: 'measured', description: `pause noise cut ${pauseCut.toFixed(1)} dB, speech level ${speechChange.toFixed(2)} dB` });
    // The bench's path and metric on one clip: see tools/testing/pause-cut.ts.
    expect(pauseCut).toBeGreaterThanOrEqual(pauseCutFloorDb('offline'));
    expect(Math.abs(speechChange)).toBeLessThanOrEqual(3);
    expect(on.stats?.framesProcessed).toBeGreaterThan(1000);
    expect(off.stats?.bypass).toBe('disabled');
  });

  test('adds exactly 448 + 480 samples of delay, measured by cross-correlation', async ({ page }) => {
    const item = makeNoisySpeech({ seed: 99, noise: 'white', snrDb: 20, seconds: 4 });
    const on = await render(page, { samples: toBase64(item.mixture), sampleRate: 48_000 });
    const { lag, corr } = xcorrLag(item.mixture, on.output, 1500, 48_000 * 3);
    test.info().annotations.push({ type: 'measured', description: `lag ${lag} samples, correlation ${corr.toFixed(3)}` });
    expect(Math.abs(lag - 928)).toBeLessThanOrEqual(2);
    expect(corr).toBeGreaterThan(0.5);
  });

  test('bypassed output is the input delayed by the same 928 samples', async ({ page }) => {
    const item = makeNoisySpeech({ seed: 7, noise: 'brown', snrDb: 5, seconds: 2 });
    const off = await render(page, { samples: toBase64(item.mixture), sampleRate: 48_000, options: { enabled: false } });
    let maxErr = 0;
    for (let i = 928; i < item.mixture.length; i++) maxErr = Math.max(maxErr, Math.abs((off.output[i] as number) - (item.mixture[i - 928] as number)));
    expect(maxErr).toBeLessThan(1e-6);
  });
});

test.describe('denoiser worklet served by vite dev', () => {
  test('the dev server serves the TypeScript worklet as JS and it denoises like the build', async ({ page }) => {
    await page.goto(`http://127.0.0.1:${DEV_PORT}/e2e/pages/denoise.html`);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    const item = makeNoisySpeech({ seed: 1234, noise: 'pink', snrDb: 10, seconds: 8 });
    const samples = toBase64(item.mixture);
    const on = await render(page, { samples, sampleRate: 48_000 });
    const off = await render(page, { samples, sampleRate: 48_000, options: { enabled: false } });
    expect(on.errors).toEqual([]);
    expect(on.ready?.latencySamples).toBe(928);
    const cut = pauseCutDb(off.output, on.output, item.speechActive, { lag: 928, skipFrames: 100 });
    test.info().annotations.push({ type: 'measured', description: `pause noise cut ${cut.toFixed(1)} dB` });
    expect(cut).toBeGreaterThanOrEqual(pauseCutFloorDb('offline'));
  });
});
