import { describe, expect, it } from 'vitest';
import { ENGINE_SAMPLE_RATE, FRAME_SIZE, IdentityEngine } from './engine';
import { ChannelDenoiser } from './channel';
import { RnnoiseEngine } from './rnnoise';
import { Resampler, resampleSignal } from './resampler';
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { makeNoisySpeech } from '../../tools/testing/signals';
import { db, xcorrLag } from '../../tools/testing/measure';
import { pauseCutDb, pauseCutFloorDb } from '../../tools/testing/pause-cut';

function run(ch: ChannelDenoiser, x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let off = 0; off + 128 <= x.length; off += 128) ch.process(x.subarray(off, off + 128), y.subarray(off, off + 128));
  return y;
}

describe('channel denoiser at the context rate', () => {
  // 3000 Hz: the bottom of the AudioContext range; 96,001 Hz: no factor shared with 48 kHz.
  for (const rate of [3000, 8000, 16000, 22050, 44100, 96000, 96001]) {
    it(`at ${rate} Hz passes audio through the 48 kHz engine path with the delay it reports`, () => {
      const item = makeNoisySpeech({ seed: 5, noise: 'white', snrDb: 20, sampleRate: rate, seconds: 1.5 });
      const ch = new ChannelDenoiser(new IdentityEngine(), { sampleRate: rate });
      const y = run(ch, item.mixture);
      const { lag, corr } = xcorrLag(item.mixture, y, ch.latency + 50, item.mixture.length - ch.latency - 51);
      expect(Math.abs(lag - ch.latency)).toBeLessThanOrEqual(1);
      expect(corr).toBeGreaterThan(0.98);
      expect(ch.underflows).toBe(0);
    });
  }

  it('at 48 kHz is exactly the pipeline: 928 samples with RNNoise', () => {
    const ch = new ChannelDenoiser(new RnnoiseEngine(loadRnnoiseModule()), { sampleRate: 48000 });
    expect(ch.latency).toBe(928);
    ch.destroy();
  });

  it('at 768 kHz, the top of the AudioContext range, delays an impulse by exactly the latency it reports', () => {
    // An impulse, not speech: a cross-correlation over seconds at 768 kHz would take minutes.
    const ch = new ChannelDenoiser(new IdentityEngine(), { sampleRate: 768_000 });
    const x = new Float32Array(128 * Math.ceil((ch.latency + 2000) / 128));
    x[500] = 1;
    const y = run(ch, x);
    let peak = 0;
    for (let i = 0; i < y.length; i++) if (Math.abs(y[i] as number) > Math.abs(y[peak] as number)) peak = i;
    // The latency is rounded to whole samples at the context rate.
    expect(Math.abs(peak - 500 - ch.latency)).toBeLessThanOrEqual(1);
    expect(ch.underflows).toBe(0);
  });

  it('refuses a rate outside the AudioContext range of 3000–768000 Hz, naming it', () => {
    expect(() => new ChannelDenoiser(new IdentityEngine(), { sampleRate: 2999 })).toThrow('sample rate 2999 Hz is not supported');
    expect(() => new ChannelDenoiser(new IdentityEngine(), { sampleRate: 768_001 })).toThrow('sample rate 768001 Hz is not supported');
  });

  it('denoises at 44.1 kHz through the real engine: its output is the raw engine’s on the resampled frames, and pauses are cut', () => {
    const rate = 44_100;
    const snrDb = 5;
    const item = makeNoisySpeech({ seed: 8, noise: 'pink', snrDb, sampleRate: rate, seconds: 8 });
    const module = loadRnnoiseModule();
    const ch = new ChannelDenoiser(new RnnoiseEngine(module), { sampleRate: rate });
    const bypass = new ChannelDenoiser(new RnnoiseEngine(module), { sampleRate: rate, enabled: false });
    const y = run(ch, item.mixture);
    const passed = run(bypass, item.mixture);
    expect(ch.underflows).toBe(0);
    expect(ch.stats.frames).toBeGreaterThan(750);
    expect(y.every(Number.isFinite)).toBe(true);

    // The reference: the same streaming upsampler, then the raw engine called frame by frame
    // from sample 0 (the reframer's frame grid), then back down to 44.1 kHz.
    const up = new Resampler(rate, ENGINE_SAMPLE_RATE, { maxBlock: 128 });
    const at48 = new Float32Array(up.maxOutput(128) * Math.ceil(item.mixture.length / 128));
    let n48 = 0;
    for (let off = 0; off + 128 <= item.mixture.length; off += 128)
      n48 += up.process(item.mixture.subarray(off, off + 128), 128, at48.subarray(n48));
    const raw = new RnnoiseEngine(module);
    const engineOut48 = new Float32Array(n48);
    for (let f = 0; (f + 1) * FRAME_SIZE <= n48; f++) {
      raw.processFrame(at48.subarray(f * FRAME_SIZE, (f + 1) * FRAME_SIZE), engineOut48.subarray(f * FRAME_SIZE, (f + 1) * FRAME_SIZE));
    }
    raw.destroy();
    const reference = resampleSignal(engineOut48, ENGINE_SAMPLE_RATE, rate);
    // How far each output is from the reference, as an SNR over 1–7 s at their best lag. A
    // pass-through keeps what the engine removed, the noise: it scores about the mixture's SNR.
    // The channel must match the raw engine 20 dB closer than that (measured: about 40 dB; the
    // two down-resampling paths differ by far less).
    const match = (x: Float32Array) => {
      const { lag } = xcorrLag(reference, x, ch.latency + 100, rate * 6);
      let ref = 0;
      let err = 0;
      for (let i = rate; i < rate * 7; i++) {
        ref += (reference[i] as number) ** 2;
        err += ((x[i + lag] as number) - (reference[i] as number)) ** 2;
      }
      return { lag, snrDb: db(ref / err) };
    };
    const denoised = match(y);
    const throughBypass = match(passed);
    expect(throughBypass.snrDb).toBeLessThan(snrDb + 3);
    expect(denoised.snrDb).toBeGreaterThan(snrDb + 20);
    // The upsampler's and the engine's delays are in the reference already: the rest of the latency.
    expect(
      Math.abs(denoised.lag - (ch.latency - Math.round(((up.delayOut + FRAME_SIZE) * rate) / ENGINE_SAMPLE_RATE))),
    ).toBeLessThanOrEqual(1);

    const cut = pauseCutDb(passed, y, item.speechActive, { sampleRate: rate, lag: ch.latency, skipFrames: 100 });
    expect(cut).toBeGreaterThan(pauseCutFloorDb('resampled'));
    ch.destroy();
    bypass.destroy();
  });
});
