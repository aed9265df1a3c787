// A suspended AudioContext is reported, and a real user click makes the audio flow. Chromium runs
// with --autoplay-policy=document-user-activation-required (Chrome's own policy, without the
// media-engagement exceptions), as a browser treats a page the user has not touched yet: an
// AudioContext made without a gesture starts 'suspended' and renders nothing. (Chromium's
// user-gesture-required policy holds Web Audio only in cross-origin iframes.)
// The page (e2e/pages/suspended.ts) makes its context on load; the test never evaluates
// anything before the click, since Playwright's evaluate runs as a user gesture.
import { expect, test, type Page } from './support/fixtures';
import { BASE_ARGS, CHROMIUM_PATH } from '../tools/testing/chromium';
import type { SuspendedState } from './pages/suspended';

// Our shared args lift the autoplay policy for every other spec: put it back here.
const args = [...BASE_ARGS.filter((a) => !a.startsWith('--autoplay-policy=')), '--autoplay-policy=document-user-activation-required'];
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args } });

const snapshot = (page: Page): Promise<SuspendedState> => page.evaluate(() => window.suspended.snapshot());

// RNNoise frames (10 ms each) the worklet must count before we call the audio flowing: 0.5 s,
// several stats reports (every 100 ms), so not a lone first report.
const FLOWING_FRAMES = 50;
// Output over input energy of the processor. Silence (a context that renders nothing, a worklet
// that outputs nothing) scores exactly 0, a pass-through 1. -20 dB says the tone is clearly there:
// the 150 Hz sawtooth is voice-like (harmonic), which RNNoise keeps rather than removes (one run
// measured 0.91; the bound is not fitted to it).
const MIN_OUT_OVER_IN = 0.01;

test.describe('NoiseCancellation in a context the autoplay policy holds', () => {
  test("reports 'suspended' and runs nothing until a click calls resume(), then reports 'running' and denoised audio flows", async ({
    page,
  }) => {
    await page.goto('/e2e/pages/suspended.html');
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    // create() tells 'context-state' from a task it queued before resolving: a task queued now
    // runs after it (task order, not a delay).
    await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    const held = await snapshot(page);
    expect(held.contextLog).toEqual(['suspended']);
    expect(held.events).toEqual(['suspended']);
    expect(held.contextState).toBe('suspended');
    expect(held.errors).toEqual([]);
    // A suspended context runs no worklet (no stats) and no audio callback.
    expect(held.stats).toBeNull();
    expect(held.callbacks).toBe(0);
    expect(held.resumeCalls).toBe(0);

    // A real input event (CDP mouse events), the user gesture the policy waits for.
    await page.click('#resume');
    await page.waitForFunction((n) => (window.suspended.snapshot().stats?.framesProcessed ?? 0) > n, FLOWING_FRAMES);
    const resumed = await snapshot(page);
    expect(resumed.resumeCalls).toBe(1);
    expect(resumed.events).toEqual(['suspended', 'running']);
    expect(resumed.contextState).toBe('running');
    expect(resumed.stats?.contextState).toBe('running');
    expect(resumed.errors).toEqual([]);
    expect(resumed.callbacks).toBeGreaterThan(0);
    expect(resumed.inEnergy).toBeGreaterThan(0);
    const ratio = resumed.outEnergy / resumed.inEnergy;
    test.info().annotations.push({ type: 'out/in energy', description: ratio.toExponential(2) });
    expect(ratio).toBeGreaterThan(MIN_OUT_OVER_IN);
  });
});
