import { describe, expect, it } from 'vitest';
import { IdentityEngine } from './engine';
import { ChannelDenoiser } from './channel';
import { RnnoiseEngine } from './rnnoise';
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { makeNoisySpeech } from '../../tools/testing/signals';
import { xcorrLag } from '../../tools/testing/measure';

function run(ch: ChannelDenoiser, x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let off = 0; off + 128 <= x.length; off += 128) ch.process(x.subarray(off, off + 128), y.subarray(off, off + 128));
  return y;
}

describe('channel denoiser at the context rate', () => {
  for (const rate of [8000, 16000, 22050, 44100, 96000]) {
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

  it('refuses a rate outside 8–192 kHz, naming it', () => {
    expect(() => new ChannelDenoiser(new IdentityEngine(), { sampleRate: 4000 })).toThrow(/was 4000/);
  });

  it('denoises at 44.1 kHz through the real engine without dropping a sample', () => {
    const item = makeNoisySpeech({ seed: 8, noise: 'pink', snrDb: 5, sampleRate: 44100, seconds: 3 });
    const ch = new ChannelDenoiser(new RnnoiseEngine(loadRnnoiseModule()), { sampleRate: 44100 });
    const y = run(ch, item.mixture);
    expect(ch.underflows).toBe(0);
    expect(ch.stats.frames).toBeGreaterThan(250);
    expect(y.every(Number.isFinite)).toBe(true);
    ch.destroy();
  });
});
