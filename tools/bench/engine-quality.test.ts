// The per-engine quality bench's own parts: its > 8 kHz measure, its section splice, and that every
// runner in its table (real wasm engines: ours and the raw packages) really denoises.
import { describe, expect, it } from 'vitest';
import { pauseCutDb, pauseCutFloorDb } from '../testing/pause-cut';
import { makeNoisySpeech } from '../testing/signals';
import { ENGINE_RUNNERS, highBandDb, withEngineQualitySection } from './engine-quality';
import { coarseLag, evaluateAtLag, shiftBy } from './quality';

const RATE = 48_000;

function tone(hz: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => Math.sin((2 * Math.PI * hz * i) / RATE));
}

describe('engine quality bench', () => {
  it('counts only energy above 8 kHz: a 12 kHz tone is all of it, a 1 kHz tone none', () => {
    const n = RATE;
    const low = tone(1_000, n);
    const high = tone(12_000, n);
    const both = low.map((v, i) => v + (high[i] as number));
    const active = new Array<boolean>(100).fill(true);
    expect(highBandDb(both, high, active, 0)).toBeCloseTo(0, 1);
    // 7 kHz from the band's edge the Hann window's side lobes are far below 60 dB.
    expect(highBandDb(both, low, active, 0)).toBeLessThan(-60);
  });

  it('replaces its own BENCHMARKS.md section and leaves the others as they were', () => {
    const md = '# B\n\n## Quality\n\nq\n\n## Quality per engine\n\nold\n\n## Strength\n\ns\n';
    expect(withEngineQualitySection(md, '## Quality per engine\n\nnew\n\n')).toBe(
      '# B\n\n## Quality\n\nq\n\n## Quality per engine\n\nnew\n\n## Strength\n\ns\n',
    );
    expect(withEngineQualitySection('# B\n\n## Quality\n\nq\n', '## Quality per engine\n\nnew\n')).toBe(
      '# B\n\n## Quality\n\nq\n\n## Quality per engine\n\nnew\n',
    );
  });

  it.each(ENGINE_RUNNERS.map((r) => [r.id, r] as const))(
    'the %s runner denoises noisy speech, keeping the speech level',
    async (_, runner) => {
      const item = makeNoisySpeech({ seed: 5, noise: 'white', snrDb: 5 });
      const output = (await runner.create())(item.mixture);
      const lag = coarseLag(item.mixture, output);
      // Every engine here delays by less than 100 ms (the search range).
      expect(Math.abs(lag)).toBeLessThan(4_800);
      const e = evaluateAtLag({ speech: item.speech, mixture: item.mixture, output, speechActive: item.speechActive }, lag);
      // A pass-through scores 0 dB ΔSI-SDR; each engine gained ≥ 3.9 dB on the bench corpus at
      // 5 dB white noise, so 1 dB separates "denoises" from "passes or garbles" with room to spare.
      expect(e.deltaSiSdr).toBeGreaterThan(1);
      // Within 6 dB of the clean speech: a scaling slip (int16 range in or out) is ±90 dB.
      expect(Math.abs(e.speechLevelChangeDb)).toBeLessThan(6);
      const aligned = shiftBy(output, lag, item.mixture.length);
      expect(pauseCutDb(item.mixture, aligned, item.speechActive, { lag: 0, skipFrames: 100 })).toBeGreaterThan(pauseCutFloorDb('offline'));
    },
    60_000,
  );
});
