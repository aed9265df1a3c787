// Bad input and misuse in real Chromium: audio keeps flowing (denoised or passed through), an
// event names the cause, and nothing is left half-built.
import { expect, test, type Page } from './support/fixtures';
import { makeNoisySpeech } from '../tools/testing/signals';
import { fromBase64, toBase64 } from '../tools/testing/base64';
import { db, frameEnergy, xcorrLag } from '../tools/testing/measure';
import type { RenderRequest, RenderResult } from './pages/denoise';

async function render(page: Page, req: RenderRequest): Promise<RenderResult & { output: Float32Array }> {
  const result = await page.evaluate((r) => window.lkd.render(r), req);
  return { ...result, output: fromBase64(result.samples) };
}

function maxAbsDiff(a: Float32Array, b: Float32Array, shift = 0): number {
  let m = 0;
  for (let i = shift; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i - shift] as number)));
  return m;
}

function maxStep(x: Float32Array, from = 0): number {
  let m = 0;
  for (let i = from + 1; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (x[i - 1] as number)));
  return m;
}

const speech = () => makeNoisySpeech({ seed: 21, noise: 'pink', snrDb: 10, seconds: 6 });

test.describe('reliability: bad input never stops the audio', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/e2e/pages/denoise.html');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  });

  test('a wasm URL that answers 404 gives a wasm-load error naming it, and the audio passes through untouched', async ({ page }) => {
    const item = speech();
    const r = await render(page, { samples: toBase64(item.mixture), sampleRate: 48_000, options: { wasmUrl: '/missing/rnnoise.wasm' } });
    expect(r.errors).toContainEqual({ reason: 'wasm-load', message: expect.stringMatching(/\/missing\/rnnoise\.wasm: HTTP 404; audio passes through/) });
    expect(r.stats?.bypass).toBe('no-engine');
    expect(r.ready?.engine).toBeNull();
    expect(maxAbsDiff(r.output, item.mixture)).toBe(0);
  });

  test('corrupt wasm bytes give a wasm-load error, and the audio passes through untouched', async ({ page }) => {
    const item = speech();
    const wasmUrl = await page.evaluate(() =>
      URL.createObjectURL(new Blob([new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99, 99, 99])], { type: 'application/wasm' })),
    );
    const r = await render(page, { samples: toBase64(item.mixture), sampleRate: 48_000, options: { wasmUrl } });
    expect(r.errors.map((e) => e.reason)).toContain('wasm-load');
    expect(maxAbsDiff(r.output, item.mixture)).toBe(0);
  });

  test('a CSP that forbids compiling wasm gives a wasm-load error, and the audio passes through untouched', async ({ page }) => {
    await page.goto('/e2e/pages/denoise-no-wasm.html');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    const item = speech();
    const r = await render(page, { samples: toBase64(item.mixture), sampleRate: 48_000 });
    expect(r.errors).toContainEqual({ reason: 'wasm-load', message: expect.stringMatching(/rnnoise.*\.wasm: .*(Content Security Policy|unsafe-eval)/i) });
    expect(r.stats?.bypass).toBe('no-engine');
    expect(maxAbsDiff(r.output, item.mixture)).toBe(0);
  });

  test('a worklet module that fails to load rejects create() with the reason, and a later create() still works', async ({ page }) => {
    const outcome = await page.evaluate(async () => {
      const { NoiseCancellation } = window.lkd.lib;
      const ctx = new OfflineAudioContext(1, 48_000, 48_000);
      let error: { name: string; reason: string; message: string } | null = null;
      try {
        await NoiseCancellation.create(ctx, { workletUrl: '/missing/processor.js' });
      } catch (e) {
        const err = e as { name: string; reason: string; message: string };
        error = { name: err.name, reason: err.reason, message: err.message };
      }
      const ok = await NoiseCancellation.create(ctx);
      const engine = await new Promise<string | null>((resolve) => {
        if (ok.ready) resolve(ok.ready.engine);
        else ok.events.on('ready', (r) => resolve(r.engine));
      });
      ok.close();
      return { error, engine };
    });
    expect(outcome.error).toEqual({ name: 'DenoiserError', reason: 'worklet-load', message: expect.stringContaining('/missing/processor.js') });
    expect(outcome.engine).toMatch(/^rnnoise/);
  });

  test('a protocol version mismatch between bundle and worklet is answered with an error, and audio passes through', async ({ page }) => {
    const out = await page.evaluate(async () => {
      const { NoiseCancellation, PROCESSOR_NAME, PROTOCOL_VERSION } = window.lkd.lib;
      const ctx = new OfflineAudioContext(1, 4800, 48_000);
      // Loads the worklet module the normal way, then speaks a future protocol to it.
      (await NoiseCancellation.create(ctx)).close();
      const node = new AudioWorkletNode(ctx, PROCESSOR_NAME, { processorOptions: { protocolVersion: PROTOCOL_VERSION + 1 } });
      const errors: { reason: string; message: string }[] = [];
      node.port.onmessage = (e) => {
        if (e.data.type === 'error') errors.push(e.data);
      };
      const osc = new OscillatorNode(ctx, { frequency: 440 });
      osc.connect(node).connect(ctx.destination);
      osc.start();
      const buf = await ctx.startRendering();
      await new Promise((r) => setTimeout(r, 0));
      const x = buf.getChannelData(0);
      let energy = 0;
      for (const v of x) energy += v * v;
      return { errors, rms: Math.sqrt(energy / x.length), expected: PROTOCOL_VERSION };
    });
    expect(out.errors[0]).toEqual({
      type: 'error',
      reason: 'protocol-mismatch',
      message: `worklet speaks protocol ${out.expected}, main thread sent ${out.expected + 1}; audio passes through`,
    });
    expect(out.rms).toBeGreaterThan(0.6);
  });

  test('NaN, ±Infinity and denormal samples are sanitised, counted, and denoising carries on', async ({ page }) => {
    const item = speech();
    const x = Float32Array.from(item.mixture);
    for (let i = 48_000; i < 48_000 + 100; i++) x[i] = NaN;
    x[60_000] = Infinity;
    x[60_001] = -Infinity;
    for (let i = 70_000; i < 70_480; i++) x[i] = 1e-40;
    const r = await render(page, { samples: toBase64(x), sampleRate: 48_000 });
    const clean = await render(page, { samples: toBase64(item.mixture), sampleRate: 48_000, options: { enabled: false } });
    expect(r.output.every(Number.isFinite)).toBe(true);
    expect(r.stats?.nonFiniteInputs).toBe(102);
    const cut = db(frameEnergy(clean.output, item.speechActive, false, 928, 200) / frameEnergy(r.output, item.speechActive, false, 928, 200));
    expect(cut).toBeGreaterThan(15);
  });

  test('full-scale square waves and clipping input (|x| > 1) come out finite and bounded', async ({ page }) => {
    const n = 48_000 * 2;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = (Math.floor(i / 60) % 2 ? 1 : -1) * (i < n / 2 ? 1 : 3);
    const r = await render(page, { samples: toBase64(x), sampleRate: 48_000 });
    expect(r.output.every(Number.isFinite)).toBe(true);
    expect(Math.max(...r.output.map(Math.abs))).toBeLessThan(4);
    expect(r.stats?.engineResets).toBe(0);
  });

  for (const rate of [8000, 16000, 22050, 44100, 96000]) {
    test(`at ${rate} Hz the worklet resamples for the engine, denoises, and reports the delay it adds`, async ({ page }) => {
      // Long enough for the pause after the first pass of speech, past RNNoise's first second.
      const item = makeNoisySpeech({ seed: 3, noise: 'white', snrDb: 10, seconds: 8, sampleRate: rate });
      const on = await render(page, { samples: toBase64(item.mixture), sampleRate: rate });
      const off = await render(page, { samples: toBase64(item.mixture), sampleRate: rate, options: { enabled: false } });
      expect(on.errors).toEqual([]);
      expect(on.ready?.sampleRate).toBe(rate);
      const latency = on.ready!.latencySamples;
      const { lag } = xcorrLag(item.mixture, off.output, latency + 100, Math.min(item.mixture.length - latency - 200, rate * 3));
      expect(Math.abs(lag - latency)).toBeLessThanOrEqual(2);
      // Activity frames are 10 ms long: convert the lag to a frame-aligned shift at this rate.
      const frame = rate / 100;
      const shiftFrames = (x: Float32Array) => {
        const y = new Float32Array(item.speechActive.length * 480);
        for (let f = 0; f < item.speechActive.length; f++)
          for (let i = 0; i < 480; i++) y[f * 480 + i] = (x[Math.floor(f * frame + (i * frame) / 480) + latency] ?? 0) as number;
        return y;
      };
      const cut = db(frameEnergy(shiftFrames(off.output), item.speechActive, false, 0, 100) / frameEnergy(shiftFrames(on.output), item.speechActive, false, 0, 100));
      test.info().annotations.push({ type: 'measured', description: `${rate} Hz: latency ${latency}, pause cut ${cut.toFixed(1)} dB` });
      expect(cut).toBeGreaterThan(10);
    });
  }

  test("channelMode 'per-channel' denoises each stereo channel on its own", async ({ page }) => {
    const left = makeNoisySpeech({ seed: 31, noise: 'pink', snrDb: 10, seconds: 4 });
    const right = makeNoisySpeech({ seed: 32, noise: 'brown', snrDb: 10, seconds: 4, gapSeconds: 1.1 });
    const both = new Float32Array(left.mixture.length * 2);
    both.set(left.mixture, 0);
    both.set(right.mixture, left.mixture.length);
    const r = await render(page, { samples: toBase64(both), sampleRate: 48_000, channels: 2, options: { channelMode: 'per-channel' } });
    const n = left.mixture.length;
    const outL = r.output.subarray(0, n);
    const outR = r.output.subarray(n);
    expect(xcorrLag(left.mixture, outL, 1200).lag).toBe(928);
    expect(xcorrLag(right.mixture, outR, 1200).lag).toBe(928);
    // Each channel follows its own input, not the other's.
    expect(xcorrLag(left.mixture, outL, 1200).corr).toBeGreaterThan(xcorrLag(right.mixture, outL, 1200).corr + 0.3);
  });

  test('a setEnabled storm (1,000 toggles in a second) makes no step larger than the crossfade allows and leaves stats sane', async ({ page }) => {
    const item = speech();
    const samples = toBase64(item.mixture);
    const schedule = Array.from({ length: 1000 }, (_, i) => ({ at: 1 + (i * 128) / 48_000, enabled: i % 2 === 1 }));
    const storm = await render(page, { samples, sampleRate: 48_000, schedule });
    const on = await render(page, { samples, sampleRate: 48_000 });
    const off = await render(page, { samples, sampleRate: 48_000, options: { enabled: false } });
    expect(storm.output.every(Number.isFinite)).toBe(true);
    // A blend of two smooth signals moves by at most their own steps plus 1/480 of their gap per sample.
    const bound = Math.max(maxStep(on.output), maxStep(off.output)) + 2 * (1 / 480) * 2;
    expect(maxStep(storm.output)).toBeLessThanOrEqual(bound);
    expect(storm.stats?.enabled).toBe(true);
  });

  test('past maxProcessorsPerContext a processor passes audio through with an overload error and bypass reason', async ({ page }) => {
    const out = await page.evaluate(async () => {
      const { NoiseCancellation } = window.lkd.lib;
      const ctx = new OfflineAudioContext(1, 48_000, 48_000);
      const first = await NoiseCancellation.create(ctx, { maxProcessorsPerContext: 1 });
      const second = await NoiseCancellation.create(ctx, { maxProcessorsPerContext: 1 });
      const errors: string[] = [];
      second.events.on('error', (e) => errors.push(`${e.reason}: ${e.message}`));
      const stats = await new Promise<{ bypass: string | null }>((resolve) => {
        second.events.on('stats', (s) => resolve(s));
        const osc = new OscillatorNode(ctx);
        osc.connect(second.node).connect(ctx.destination);
        osc.start();
        void ctx.startRendering();
      });
      first.close();
      second.close();
      return { errors, bypass: stats.bypass };
    });
    expect(out.errors).toEqual([expect.stringMatching(/^overload: 1 processors already run in this AudioContext \(maxProcessorsPerContext 1\)/)]);
    expect(out.bypass).toBe('overload');
  });

  test('close is safe twice, confirms once, and a closed processor refuses new input clearly', async ({ page }) => {
    const out = await page.evaluate(async () => {
      const { NoiseCancellation } = window.lkd.lib;
      const ctx = new AudioContext();
      const nc = await NoiseCancellation.create(ctx);
      let closedEvents = 0;
      nc.events.on('closed', () => closedEvents++);
      nc.close();
      nc.close();
      await nc.whenClosed();
      let refusal = '';
      try {
        const dest = ctx.createMediaStreamDestination();
        nc.attachInput(dest.stream.getAudioTracks()[0]!, { remote: false });
      } catch (e) {
        refusal = `${(e as { reason: string }).reason}: ${(e as Error).message}`;
      }
      await ctx.close();
      return { closedEvents, refusal, isClosed: nc.isClosed };
    });
    expect(out).toEqual({ closedEvents: 1, refusal: 'processor-closed: the processor is closed; create a new one', isClosed: true });
  });

  test('an AudioContext closed under the processor is reported, and close() afterwards is harmless', async ({ page }) => {
    const out = await page.evaluate(async () => {
      const { NoiseCancellation } = window.lkd.lib;
      const ctx = new AudioContext();
      const nc = await NoiseCancellation.create(ctx);
      const errors: string[] = [];
      nc.events.on('error', (e) => errors.push(e.reason));
      const closed = nc.whenClosed();
      await ctx.close();
      await closed;
      nc.close();
      let createError = '';
      try {
        await NoiseCancellation.create(ctx);
      } catch (e) {
        createError = (e as Error).message;
      }
      return { errors, isClosed: nc.isClosed, createError };
    });
    expect(out.errors).toEqual(['context-closed']);
    expect(out.isClosed).toBe(true);
    expect(out.createError).toBe('the AudioContext is not usable (state was closed)');
  });

  test('a suspended context pauses processing and a resumed one carries on, with no error', async ({ page }) => {
    const out = await page.evaluate(async () => {
      const { NoiseCancellation } = window.lkd.lib;
      const ctx = new AudioContext();
      const nc = await NoiseCancellation.create(ctx, { statsIntervalMs: 100 });
      const errors: string[] = [];
      nc.events.on('error', (e) => errors.push(e.reason));
      const osc = new OscillatorNode(ctx, { frequency: 300 });
      osc.connect(nc.node).connect(ctx.destination);
      osc.start();
      const framesAbove = (n: number) =>
        new Promise<number>((resolve) => {
          const off = nc.events.on('stats', (s) => {
            if (s.framesProcessed > n) {
              off();
              resolve(s.framesProcessed);
            }
          });
        });
      await framesAbove(20);
      await ctx.suspend();
      const atSuspend = nc.stats!.framesProcessed;
      await ctx.resume();
      const afterResume = await framesAbove(atSuspend + 20);
      nc.close();
      await ctx.close();
      return { errors, atSuspend, afterResume };
    });
    expect(out.errors).toEqual([]);
    expect(out.afterResume).toBeGreaterThan(out.atSuspend + 20);
  });

  test('a hidden, frozen page keeps its audio processed: the worklet runs on while page scripts are stopped', async ({ page }) => {
    await page.evaluate(async () => {
      const { NoiseCancellation } = window.lkd.lib;
      const ctx = new AudioContext();
      const nc = await NoiseCancellation.create(ctx, { statsIntervalMs: 100 });
      const osc = new OscillatorNode(ctx, { frequency: 300 });
      osc.connect(nc.node).connect(ctx.destination);
      osc.start();
      (window as unknown as { hidden: { nc: typeof nc; ctx: AudioContext } }).hidden = { nc, ctx };
      await new Promise<void>((resolve) => {
        const off = nc.events.on('stats', (st) => {
          if (st.framesProcessed > 10) {
            off();
            resolve();
          }
        });
      });
    });
    const frames = () =>
      page.evaluate(() => {
        const h = (window as unknown as { hidden: { ctx: AudioContext } }).hidden;
        return { time: h.ctx.currentTime };
      });
    const before = await frames();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    // How long the page stays hidden is the condition under test, not a stand-in for an event.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    const after = await frames();
    // The audio clock (driven by the render thread that runs the worklet) kept going.
    expect(after.time - before.time).toBeGreaterThan(1.5);
    await page.waitForFunction(() => {
      const h = (window as unknown as { hidden: { nc: { stats?: { framesProcessed: number; bypass: string | null } } } }).hidden;
      return (h.nc.stats?.framesProcessed ?? 0) > 150 && h.nc.stats?.bypass === null;
    });
  });

  test('after three minutes of silence, speech comes through at its normal level', async ({ page }) => {
    const item = makeNoisySpeech({ seed: 41, noise: 'white', snrDb: 20, seconds: 6 });
    const silence = 48_000 * 180;
    const x = new Float32Array(silence + item.mixture.length);
    x.set(item.mixture, silence);
    const late = await render(page, { samples: toBase64(x), sampleRate: 48_000 });
    const fresh = await render(page, { samples: toBase64(item.mixture), sampleRate: 48_000 });
    const lateTail = late.output.subarray(silence);
    const change = db(frameEnergy(lateTail, item.speechActive, true, 928, 100) / frameEnergy(fresh.output, item.speechActive, true, 928, 100));
    expect(Math.abs(change)).toBeLessThan(1);
  });
});
