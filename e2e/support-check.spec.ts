// The support check in every engine we drive (Chromium, Firefox ESR, WebKitGTK): on the harness
// page it must say supported, and NoiseCancellation must then really start its engine; with a
// requirement taken away from the page it must say unsupported and name that requirement.
// A real insecure context cannot be made here (tests may reach 127.0.0.1 only, which is secure),
// so that case shadows window.isSecureContext: it shows the check reads it, nothing more.
import { expect, test, type DrivenPage } from './support/engines';
import type { SupportRequirement } from '../src/support';

async function openHarness(page: DrivenPage, url = '/e2e/pages/denoise.html'): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
}

/** Takes one requirement away from the page (in the page), then runs the check. */
function checkWithout(page: DrivenPage, remove: 'AudioWorkletNode' | 'audioWorklet' | 'WebAssembly' | 'isSecureContext' | null) {
  return page.evaluate((what) => {
    const scope = window as unknown as Record<string, unknown>;
    if (what === 'AudioWorkletNode' || what === 'WebAssembly') delete scope[what];
    // The getter lives on BaseAudioContext.prototype; a page without AudioWorklet has none there.
    if (what === 'audioWorklet') delete (BaseAudioContext.prototype as unknown as Record<string, unknown>).audioWorklet;
    if (what === 'isSecureContext') Object.defineProperty(window, 'isSecureContext', { value: false, configurable: true });
    const { isNoiseCancellationSupported, noiseCancellationSupport } = window.lkd.lib;
    return { detail: noiseCancellationSupport(), supported: isNoiseCancellationSupported() };
  }, remove);
}

test.beforeEach(({ engine }) => {
  test.slow(engine !== 'chromium', 'driven over WebDriver; a cold start on a loaded machine is slow');
});

test.describe('isNoiseCancellationSupported / noiseCancellationSupport', () => {
  test('on the secure harness page it says supported, and NoiseCancellation does start its wasm engine there', async ({ drivenPage }) => {
    await openHarness(drivenPage);
    expect(await checkWithout(drivenPage, null)).toEqual({ detail: { supported: true, missing: [] }, supported: true });
    // "Supported" must mean it works: the engine starts (a pass-through would report engine null).
    const engine = await drivenPage.evaluate(async () => {
      const nc = await window.lkd.lib.NoiseCancellation.create(new OfflineAudioContext(1, 48_000, 48_000));
      const ready = nc.ready ?? (await new Promise<{ engine: string | null }>((resolve) => nc.events.on('ready', resolve)));
      nc.close();
      return ready.engine;
    });
    expect(engine).toMatch(/^rnnoise/);
  });

  const cases: [remove: 'AudioWorkletNode' | 'audioWorklet' | 'WebAssembly' | 'isSecureContext', missing: SupportRequirement][] = [
    ['AudioWorkletNode', 'audio-worklet'],
    ['audioWorklet', 'audio-worklet'],
    ['WebAssembly', 'webassembly'],
    ['isSecureContext', 'secure-context'],
  ];
  for (const [remove, missing] of cases) {
    test(`a page without ${remove} is unsupported, and the check names ${missing} (and only that)`, async ({ drivenPage }) => {
      await openHarness(drivenPage);
      expect(await checkWithout(drivenPage, remove)).toEqual({ detail: { supported: false, missing: [missing] }, supported: false });
    });
  }

  test("under a CSP without 'wasm-unsafe-eval' the check and NoiseCancellation agree: wasm-compile and wasm-load where the browser enforces it", async ({
    drivenPage,
    engine,
  }) => {
    await openHarness(drivenPage, '/e2e/pages/denoise-no-wasm.html');
    const check = await checkWithout(drivenPage, null);
    const started = await drivenPage.evaluate(async () => {
      const nc = await window.lkd.lib.NoiseCancellation.create(new OfflineAudioContext(1, 48_000, 48_000));
      const ready = nc.ready ?? (await new Promise<{ engine: string | null }>((resolve) => nc.events.on('ready', resolve)));
      // A pass-through reports engine null, and its error says why.
      const reason =
        ready.engine !== null
          ? null
          : (nc.error?.reason ?? (await new Promise<string>((resolve) => nc.events.on('error', (e) => resolve(e.reason)))));
      nc.close();
      return { engine: ready.engine, reason };
    });
    if (check.supported) {
      expect(check).toEqual({ detail: { supported: true, missing: [] }, supported: true });
      expect(started.engine).toMatch(/^rnnoise/);
    } else {
      expect(check).toEqual({ detail: { supported: false, missing: ['wasm-compile'] }, supported: false });
      expect(started).toEqual({ engine: null, reason: 'wasm-load' });
    }
    // Chromium and Firefox refuse WebAssembly compilation under this policy; WebKitGTK 2.50
    // compiles it (seen in CI), and the check must then say supported, as above.
    if (engine !== 'webkit') expect(check.supported).toBe(false);
  });
});
