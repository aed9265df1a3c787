// Bad input and misuse in real Chromium: audio keeps flowing (denoised or passed through), an
// event names the cause, and nothing is left half-built.
import { expect, test, type Page } from './support/fixtures';
import { makeNoisySpeech, mulberry32, pinkNoise } from '../tools/testing/signals';
import { fromBase64, toBase64 } from '../tools/testing/base64';
import { db, frameEnergy, xcorrLag } from '../tools/testing/measure';
import { pauseCutDb, pauseCutFloorDb } from '../tools/testing/pause-cut';
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

/**
 * The crossfade gain of `mixed` between `wet` (gain 1) and `dry` (gain 0), fitted by least
 * squares over windows of `w` samples: mixed = g·wet + (1 − g)·dry. The renders are
 * deterministic, so while the engine's state is the always-enabled render's the fit is exact;
 * `residual` (the part no gain explains, over the wet−dry energy) says whether it was.
 */
function crossfadeGain(
  mixed: Float32Array,
  wet: Float32Array,
  dry: Float32Array,
  w: number,
  from: number,
): { gain: Float64Array; misfit: Float64Array; residual: number } {
  const windows = Math.floor((mixed.length - from) / w);
  const gain = new Float64Array(windows);
  const misfit = new Float64Array(windows);
  let unexplained = 0;
  let gap = 0;
  for (let k = 0; k < windows; k++) {
    let num = 0;
    let den = 0;
    for (let i = from + k * w; i < from + (k + 1) * w; i++) {
      const d = (wet[i] as number) - (dry[i] as number);
      num += ((mixed[i] as number) - (dry[i] as number)) * d;
      den += d * d;
    }
    const g = den > 0 ? num / den : 1;
    gain[k] = g;
    let u = 0;
    for (let i = from + k * w; i < from + (k + 1) * w; i++)
      u += ((mixed[i] as number) - (dry[i] as number) - g * ((wet[i] as number) - (dry[i] as number))) ** 2;
    misfit[k] = den > 0 ? u / den : 0;
    unexplained += u;
    gap += den;
  }
  return { gain, misfit, residual: unexplained / gap };
}

/** Four seconds of pink noise: RNNoise removes most of it, so wet and dry differ everywhere. */
const noiseOnly = () => {
  const x = pinkNoise(48_000 * 4, mulberry32(77));
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * 0.05;
  return x;
};

const speech = () => makeNoisySpeech({ seed: 21, noise: 'pink', snrDb: 10, seconds: 6 });

test.describe('reliability: bad input never stops the audio', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/e2e/pages/denoise.html');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  });

  test('a wasm URL that answers 404 gives a wasm-load error naming it, and the audio passes through untouched', async ({ page }) => {
    const item = speech();
    const r = await render(page, { samples: toBase64(item.mixture), sampleRate: 48_000, options: { wasmUrl: '/missing/rnnoise.wasm' } });
    expect(r.errors).toContainEqual({
      reason: 'wasm-load',
      message: expect.stringMatching(/\/missing\/rnnoise\.wasm: HTTP 404; audio passes through/),
    });
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
    expect(r.errors).toContainEqual({
      reason: 'wasm-load',
      message: expect.stringMatching(/rnnoise.*\.wasm: .*(Content Security Policy|unsafe-eval)/i),
    });
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
    expect(outcome.error).toEqual({
      name: 'DenoiserError',
      reason: 'worklet-load',
      message: expect.stringContaining('/missing/processor.js'),
    });
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
      // The answer is an event: wait for it (a deadline only turns a hang into a clear failure).
      const answered = new Promise<void>((resolve, reject) => {
        node.port.onmessage = (e) => {
          if (e.data.type !== 'error') return;
          errors.push(e.data);
          resolve();
        };
        setTimeout(() => reject(new Error('no error message from the worklet within 10 s')), 10_000);
      });
      const osc = new OscillatorNode(ctx, { frequency: 440 });
      osc.connect(node).connect(ctx.destination);
      osc.start();
      const buf = await ctx.startRendering();
      await answered;
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
    const cut = pauseCutDb(clean.output, r.output, item.speechActive, { lag: 928, skipFrames: 200 });
    test.info().annotations.push({ type: 'measured', description: `pause cut after the bad samples ${cut.toFixed(1)} dB` });
    expect(cut).toBeGreaterThan(pauseCutFloorDb('offline'));
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
      const cut = pauseCutDb(off.output, on.output, item.speechActive, { sampleRate: rate, lag: latency, skipFrames: 100 });
      test.info().annotations.push({ type: 'measured', description: `${rate} Hz: latency ${latency}, pause cut ${cut.toFixed(1)} dB` });
      expect(cut).toBeGreaterThan(pauseCutFloorDb('resampled'));
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

  test('1,000 setEnabled calls within one second of audio move the output no faster than the 10 ms crossfade, and leave stats sane', async ({
    page,
  }) => {
    const x = noiseOnly();
    const samples = toBase64(x);
    // Call k at 1 s + k ms: off, on, off, … 1,000 calls, the last one on. Calls due in one
    // 128-sample render quantum go out together at its start, as they would from a page.
    const schedule = Array.from({ length: 1000 }, (_, k) => ({ at: 1 + k / 1000, enabled: k % 2 === 1 }));
    const storm = await render(page, { samples, sampleRate: 48_000, schedule });
    const on = await render(page, { samples, sampleRate: 48_000 });
    const off = await render(page, { samples, sampleRate: 48_000, options: { enabled: false } });
    expect(storm.errors).toEqual([]);
    expect(storm.applied).toHaveLength(1000);
    expect(storm.applied.at(-1)! - storm.applied[0]!).toBeLessThan(1);
    expect(storm.output.every(Number.isFinite)).toBe(true);
    // The output is a crossfade of the denoised and the bypassed render, with a gain that moves
    // by at most one window's worth of the 10 ms ramp per window. The calls reach the worklet in
    // clumps, so the gain sometimes reaches 0: then the engine is skipped (by design) and, on
    // the next enable, resumes from an older state than the always-on render's, so the fit can
    // only hold until the engine has caught up again. Windows the fit does not explain must
    // follow such a full bypass, and hold no more energy than the bypassed signal there.
    const w = 16;
    const from = 48_000 * 0.5;
    const { gain, misfit } = crossfadeGain(storm.output, on.output, off.output, w, from);
    const explained = (k: number) => (misfit[k] as number) < 1e-3;
    let lastBypass = -Infinity;
    const orphans: number[] = [];
    let unexplained = 0;
    let loudest = 0;
    for (let k = 0; k < gain.length; k++) {
      if (explained(k) && Math.abs(gain[k] as number) < 0.001) lastBypass = k;
      if (explained(k)) continue;
      unexplained++;
      if (lastBypass === -Infinity) orphans.push(k);
      let eo = 0;
      let ed = 0;
      for (let i = from + k * w; i < from + (k + 1) * w; i++) {
        eo += (storm.output[i] as number) ** 2;
        ed += (off.output[i] as number) ** 2;
      }
      loudest = Math.max(loudest, eo / ed);
    }
    // The gain's speed, sample by sample, from the start to the first full bypass, while the
    // engine's state is surely the always-on render's: g = (out − dry)/(wet − dry) where wet
    // and dry differ by more than a fifth of the noise's RMS, so float32 rounding moves g by
    // under 1e-5.
    const firstBypass = gain.findIndex((g, k) => explained(k) && k > 48_000 / 2 / w && Math.abs(g) < 0.001);
    const end = from + (firstBypass < 0 ? gain.length : firstBypass) * w;
    const stormMs = (end - 48_000) / 48;
    let fastest = 0;
    let prev: { n: number; g: number } | undefined;
    for (let n = from; n < end; n++) {
      const d = (on.output[n] as number) - (off.output[n] as number);
      if (Math.abs(d) < 0.01) continue;
      const g = ((storm.output[n] as number) - (off.output[n] as number)) / d;
      if (prev) fastest = Math.max(fastest, Math.abs(g - prev.g) / (n - prev.n));
      prev = { n, g };
    }
    const lowest = Math.min(...gain.filter((_, k) => explained(k)));
    test.info().annotations.push({
      type: 'measured',
      description: `gain down to ${lowest.toFixed(3)}, fastest ${(fastest * 480).toFixed(3)}/480 per sample over the storm's first ${stormMs.toFixed(0)} ms (to the first full bypass); ${unexplained} of ${gain.length} windows after a full bypass not a crossfade of the two renders (16-sample energy up to ${db(loudest).toFixed(1)} dB over bypass)`,
    });
    // A 480-sample ramp moves 1/480 per sample; 2 % over that is the slack for float32 audio. A
    // 9 ms ramp (1/432) or a 24-sample one (1/24) is over it.
    expect(fastest).toBeLessThanOrEqual(1.02 / 480);
    // Not vacuous: the checked stretch held a ramp, moving at the crossfade's own speed.
    expect(fastest).toBeGreaterThan(0.98 / 480);
    expect(orphans).toEqual([]);
    expect(Math.max(...gain.subarray(0, (end - from) / w))).toBeLessThanOrEqual(1.005);
    // The storm was felt.
    expect(lowest).toBeLessThan(0.9);
    // Open question, recorded, not asserted: in the last runs the render ended bypassed although
    // the last call was setEnabled(true) (tail cut 0 dB). To be explained before it is asserted.
    const tail = (x: Float32Array) => x.subarray(x.length - 24_000).reduce((e, v) => e + v * v, 0);
    test.info().annotations.push({
      type: 'measured',
      description: `tail: ${db(tail(off.output) / tail(storm.output)).toFixed(1)} dB below bypass; stats enabled ${storm.stats?.enabled}, bypass ${storm.stats?.bypass}`,
    });
  });

  for (const crossfadeMs of [undefined, 1]) {
    const ms = crossfadeMs ?? 10;
    test(`one setEnabled(false) ramps from denoised to bypassed over crossfadeMs (${crossfadeMs === undefined ? 'default 10' : ms} ms)`, async ({
      page,
    }) => {
      const x = noiseOnly();
      const samples = toBase64(x);
      const options = crossfadeMs === undefined ? {} : { crossfadeMs };
      const toggled = await render(page, { samples, sampleRate: 48_000, options, schedule: [{ at: 2, enabled: false }] });
      const on = await render(page, { samples, sampleRate: 48_000, options });
      const off = await render(page, { samples, sampleRate: 48_000, options: { ...options, enabled: false } });
      expect(toggled.applied).toHaveLength(1);
      const w = 4;
      const from = 48_000;
      const { gain, residual } = crossfadeGain(toggled.output, on.output, off.output, w, from);
      expect(residual).toBeLessThan(1e-4);
      // Where the gain falls through 90 % and 10 %, interpolated between window centres: a
      // linear ramp of n samples takes 0.8·n between them.
      const crossing = (level: number) => {
        const k = gain.findIndex((g) => g < level);
        const g0 = gain[k - 1] as number;
        const g1 = gain[k] as number;
        return from + (k - 1 + (g0 - level) / (g0 - g1)) * w + w / 2;
      };
      const start = crossing(0.9);
      const ramp = (crossing(0.1) - start) / 0.8;
      const expected = (ms / 1000) * 48_000;
      test.info().annotations.push({
        type: 'measured',
        description: `ramp ${ramp.toFixed(1)} samples (expected ${expected}), from ${(start / 48).toFixed(1)} ms`,
      });
      // 10 % or two windows, whichever is more: the 1 ms ramp and the 10 ms one are told apart
      // by a factor of ten.
      expect(Math.abs(ramp - expected)).toBeLessThanOrEqual(Math.max(0.1 * expected, 2 * w));
      // The ramp follows the call (the message may land a few quanta late, never early), and
      // once it is over the output stays bypassed.
      expect(start).toBeGreaterThan(2 * 48_000 - w);
      expect(Array.from(gain.subarray(gain.length - 1000)).every((g) => Math.abs(g) < 0.001)).toBe(true);
      expect(toggled.stats?.bypass).toBe('disabled');
    });
  }

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
    expect(out.errors).toEqual([
      expect.stringMatching(/^overload: 1 processors already run in this AudioContext \(maxProcessorsPerContext 1\)/),
    ]);
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
        const h = (window as unknown as { hidden: { ctx: AudioContext; nc: { stats?: { framesProcessed: number } } } }).hidden;
        return { time: h.ctx.currentTime, frames: h.nc.stats?.framesProcessed ?? 0 };
      });
    const before = await frames();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    // How long the page stays hidden is the condition under test, not a stand-in for an event.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    const after = await frames();
    // The audio clock (driven by the render thread that runs the worklet) kept going.
    const frozenFor = after.time - before.time;
    expect(frozenFor).toBeGreaterThan(1.5);
    // A stats report must show the engine frames (100 a second) run while the page was frozen,
    // less two statsIntervalMs (100 ms) of reporting lag, unbypassed. Reports come every 100 ms
    // of audio (reports queued during the freeze may arrive first, and are older): 10 intervals
    // of real time after the thaw is the deadline.
    const want = before.frames + Math.floor(100 * frozenFor) - 20;
    const fresh = await page.evaluate(async (want) => {
      const h = (
        window as unknown as {
          hidden: { nc: { events: { on(e: 'stats', f: (s: { framesProcessed: number; bypass: string | null }) => void): () => void } } };
        }
      ).hidden;
      const seen: { frames: number; bypass: string | null }[] = [];
      return new Promise<{ frames: number; bypass: string | null }>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no stats report with ${want}+ unbypassed frames within 1 s of the thaw; saw ${JSON.stringify(seen)}`)),
          1000,
        );
        const off = h.nc.events.on('stats', (st) => {
          seen.push({ frames: st.framesProcessed, bypass: st.bypass });
          if (st.framesProcessed < want || st.bypass !== null) return;
          off();
          clearTimeout(timer);
          resolve({ frames: st.framesProcessed, bypass: st.bypass });
        });
      });
    }, want);
    test.info().annotations.push({
      type: 'measured',
      description: `frozen ${frozenFor.toFixed(2)} s of audio; engine frames ${before.frames} → ${fresh.frames} (wanted ${want})`,
    });
  });

  test('after three minutes of silence, speech comes through at its normal level', async ({ page }) => {
    // 3 min of audio rendered offline and shipped back as base64: slower than the default 60 s allows on a loaded machine.
    test.slow();
    const item = makeNoisySpeech({ seed: 41, noise: 'white', snrDb: 20, seconds: 6 });
    const silence = 48_000 * 180;
    const x = new Float32Array(silence + item.mixture.length);
    x.set(item.mixture, silence);
    const late = await render(page, { samples: toBase64(x), sampleRate: 48_000 });
    const fresh = await render(page, { samples: toBase64(item.mixture), sampleRate: 48_000 });
    const lateTail = late.output.subarray(silence);
    const change = db(
      frameEnergy(lateTail, item.speechActive, true, 928, 100) / frameEnergy(fresh.output, item.speechActive, true, 928, 100),
    );
    expect(Math.abs(change)).toBeLessThan(1);
  });
});
