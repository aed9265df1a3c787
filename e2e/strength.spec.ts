// Strength through the BUILT worklet in real Chromium: OfflineAudioContext renders of the same
// noisy speech at several strengths, against a disabled render (the dry path), and a live change
// whose ramp is read back sample by sample.
import { expect, test, type Page } from './support/fixtures';
import { makeNoisySpeech } from '../tools/testing/signals';
import { fromBase64, toBase64 } from '../tools/testing/base64';
import { db, frameEnergy } from '../tools/testing/measure';
import type { RenderRequest, RenderResult } from './pages/denoise';
import { STRENGTH_PRESETS, STRENGTH_RAMP_SECONDS, strengthFloorDb } from '../worklets/dsp/strength';

async function render(page: Page, req: RenderRequest): Promise<RenderResult & { output: Float32Array }> {
  const result = await page.evaluate((r) => window.lkd.render(r), req);
  return { ...result, output: fromBase64(result.samples) };
}

test.describe('strength in the worklet (production build)', () => {
  // Five offline renders on a shared 2-core machine: a budget, not a speed claim.
  test.describe.configure({ timeout: 240_000 });
  test.beforeEach(async ({ page }) => {
    await page.goto('/e2e/pages/denoise.html');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  });

  test('0 gives the equally delayed input back, and the pause cut grows with strength up to the floor', async ({ page }) => {
    const item = makeNoisySpeech({ seed: 99, noise: 'white', snrDb: 5, seconds: 8 });
    const samples = toBase64(item.mixture);
    const dry = await render(page, { samples, sampleRate: 48_000, options: { enabled: false } });
    const lag = dry.ready!.latencySamples;
    const strengths = [0, 0.5, STRENGTH_PRESETS.balanced, 1];
    const cuts: number[] = [];
    for (const strength of strengths) {
      const r = await render(page, { samples, sampleRate: 48_000, options: { strength } });
      expect(r.errors).toEqual([]);
      expect(r.stats?.strength).toBe(strength);
      if (strength === 0) {
        // Sample for sample the dry path: the mix weight 0 takes none of the engine's output.
        let worst = 0;
        for (let i = 0; i < r.output.length; i++) worst = Math.max(worst, Math.abs((r.output[i] as number) - (dry.output[i] as number)));
        expect(worst).toBeLessThanOrEqual(1e-7);
      }
      // Skip the first second: RNNoise adapts its noise estimate.
      cuts.push(
        db(frameEnergy(dry.output, item.speechActive, false, lag, 100) / frameEnergy(r.output, item.speechActive, false, lag, 100)),
      );
    }
    console.log(`measured: pause cut by strength ${strengths.map((s, k) => `${s.toFixed(2)}: ${cuts[k]!.toFixed(1)} dB`).join(', ')}`);
    test.info().annotations.push({
      type: 'measured',
      description: `pause cut by strength ${strengths.map((s, k) => `${s.toFixed(2)}: ${cuts[k]!.toFixed(1)} dB`).join(', ')}`,
    });
    expect(Math.abs(cuts[0]!)).toBeLessThan(1e-3);
    for (let k = 1; k < strengths.length; k++) {
      // Adjacent floors here are ≥ 6 dB apart; a cut that did not rise by 1 dB ignores strength.
      expect(cuts[k]).toBeGreaterThan(cuts[k - 1]! + 1);
      // wet and dry are positively correlated (per-band gains in [0, 1]): never past the floor.
      expect(cuts[k]).toBeLessThanOrEqual(strengthFloorDb(strengths[k]!) + 0.5);
    }
  });

  test('a live setStrength ramps in the worklet: the applied strength moves at most 1/960 per sample and arrives within 20 ms', async ({
    page,
  }) => {
    // A constant input: the engine removes it (wet ≈ 0) while the dry path keeps it, so the
    // output y = s·wet + (1 − s)·dry shows the applied strength s sample by sample.
    const length = 48_000;
    const x = new Float32Array(length).fill(0.25);
    const samples = toBase64(x);
    const wet = await render(page, { samples, sampleRate: 48_000 });
    const live = await render(page, { samples, sampleRate: 48_000, schedule: [{ at: 0.5, strength: 0 }] });
    expect(live.stats?.strength).toBe(0);
    const lag = wet.ready!.latencySamples;
    const ramp = Math.round(STRENGTH_RAMP_SECONDS * 48_000);
    const applied: number[] = [];
    for (let n = lag + 4800; n < length; n++) {
      const d = 0.25 - (wet.output[n] as number);
      // s is recoverable only where wet and dry differ enough; the fixture keeps them far apart.
      if (Math.abs(d) < 0.1) throw new Error(`sample ${n}: wet ${wet.output[n]} too close to dry to read the strength`);
      applied.push(((live.output[n] as number) - 0.25) / -d);
    }
    const first = applied.findIndex((s) => s < 1 - 1e-4);
    const last = applied.findIndex((s) => s < 1e-4);
    expect(first).toBeGreaterThan(0);
    // From the first sample off 1 to the first at 0: one full-range ramp (±1 sample of rounding).
    expect(last - first).toBeGreaterThanOrEqual(ramp - 2);
    expect(last - first).toBeLessThanOrEqual(ramp + 2);
    let worst = 0;
    for (let k = 1; k < applied.length; k++) worst = Math.max(worst, Math.abs(applied[k]! - applied[k - 1]!));
    // 1/960 per sample, with float32 rounding of y (~3e-8 / 0.1 in s).
    expect(worst).toBeLessThanOrEqual(1 / ramp + 1e-5);
  });
});
