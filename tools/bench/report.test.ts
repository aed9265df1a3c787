import { describe, expect, it } from 'vitest';
import { medianCi, pairedRatios, quantileSorted, slope, spread } from './stats';
import { escapeXml, groupedBarChart, niceTicks } from './svg';
import { cell, fmt, growth, table } from './report';
import { coarseLag, DESIGN_LAGS, evaluateAtLag, refineLag, shiftBy, summarize, type ItemScore } from './quality';
import { alignByXcorr, evaluate } from '../testing/metrics';
import { DenoisePipeline } from '../../worklets/dsp/pipeline';
import { RnnoiseEngine } from '../../worklets/dsp/rnnoise';
import { loadRnnoiseModule } from '../../cli/wasm-node';
import { makeNoisySpeech } from '../testing/signals';

describe('bench statistics', () => {
  it('spread reports the median, quartiles and range of the finite values only', () => {
    const s = spread([5, 1, NaN, 3, Infinity, 2, 4]);
    expect(s).toEqual({ n: 5, median: 3, min: 1, max: 5, q1: 2, q3: 4 });
  });

  it('quantiles interpolate between order statistics', () => {
    expect(quantileSorted([0, 10], 0.25)).toBe(2.5);
    expect(() => quantileSorted([], 0.5)).toThrow(RangeError);
  });

  it('paired ratios divide measurements of the same repetition', () => {
    expect(pairedRatios([2, 9, 4], [1, 3])).toEqual([2, 3]);
  });

  it('the median interval is the 2nd to 8th of 9 values, covering 96 %, whatever their order', () => {
    // P(Binomial(9, ½) ≤ 1) = 10/512 ≤ 2.5 %, P(≤ 2) = 46/512 is not: k = 2.
    expect(medianCi([9, 1, 8, 2, 7, 3, 6, 4, 5])).toEqual({ low: 2, high: 8, coverage: 1 - (2 * 10) / 512 });
  });

  it('with too few values for 95 % the median interval is the range, with its true coverage', () => {
    expect(medianCi([3, 1, 2])).toEqual({ low: 1, high: 3, coverage: 0.75 });
  });

  it('slope is the least-squares trend and 0 for a single point', () => {
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2, 12);
    expect(slope([1], [5])).toBe(0);
  });
});

describe('bench SVG charts', () => {
  it('axis ticks are round numbers that cover the range, zero included', () => {
    const t = niceTicks(-1.3, 9.2);
    expect(t[0]).toBeLessThanOrEqual(-1.3);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(9.2);
    expect(t).toContain(0);
    const step = (t[1] as number) - (t[0] as number);
    for (let i = 1; i < t.length; i++) expect((t[i] as number) - (t[i - 1] as number)).toBeCloseTo(step, 9);
  });

  it('a flat range still gets an axis', () => {
    expect(niceTicks(3, 3).length).toBeGreaterThan(1);
  });

  it('draws one bar per finite value, whiskers and reference lines, with escaped labels', () => {
    const svg = groupedBarChart({
      title: 'a < b & c',
      categories: ['x', 'y'],
      series: [
        { name: 'one', values: [1, null], low: [0.5, null], high: [1.5, null] },
        { name: 'two', values: [-2, 3] },
      ],
      yLabel: 'dB',
      refLines: [{ value: 1.1, label: 'target' }],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect((svg.match(/<rect [^>]*><title>/g) ?? []).length).toBe(3);
    expect(svg).toContain('a &lt; b &amp; c');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).not.toContain('NaN');
  });

  it('is deterministic: the same input gives the same bytes', () => {
    const spec = { title: 't', categories: ['a'], series: [{ name: 's', values: [1.25] }], yLabel: 'y' };
    expect(groupedBarChart(spec)).toBe(groupedBarChart(spec));
  });

  it('escapes the XML specials', () => {
    expect(escapeXml('<"&">')).toBe('&lt;&quot;&amp;&quot;&gt;');
  });
});

describe('bench report formatting', () => {
  it('cells read "median (min–max)" and missing numbers read n/a', () => {
    expect(cell(spread([1, 2, 3]), 2)).toBe('2.00 (1.00–3.00)');
    expect(cell(undefined)).toBe('n/a');
    expect(fmt(NaN)).toBe('n/a');
    expect(fmt(-0.01, 1)).toBe('0.0');
  });

  it('tables are GitHub markdown with a separator row', () => {
    expect(table(['a', 'b'], [['1', '2']])).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |');
  });

  it('memory growth skips the warm-up sample and reports the change and trend', () => {
    const samples = [
      { at: 0, v: 100 },
      { at: 100, v: 150 },
      { at: 200, v: 150 },
      { at: 300, v: 160 },
    ];
    const g = growth(samples, (s) => s.v);
    expect(g?.delta).toBe(10);
    expect(g?.slope).toBeCloseTo(0.05, 9);
    expect(growth([{ at: 0, v: 1 }], (s) => s.v)).toBeNull();
  });
});

describe('bench quality scoring', () => {
  const item = makeNoisySpeech({ seed: 3, noise: 'pink', snrDb: 5, seconds: 6 });
  const delayed = (x: Float32Array, d: number): Float32Array => {
    const y = new Float32Array(x.length);
    y.set(x.subarray(0, x.length - d), d);
    return y;
  };

  it('shifting by a lag undoes that delay', () => {
    const y = shiftBy(delayed(item.mixture, 928), 928, item.mixture.length);
    expect(y[1000]).toBe(item.mixture[1000]);
  });

  it('refining finds the exact lag near a rough guess', () => {
    expect(refineLag(item.mixture, delayed(item.mixture, 930), 928).lag).toBe(930);
  });

  it("refines the lag of our real DSP core's denoised output to its design lag, as a full-length cross-correlation does", () => {
    // The pipeline in 128-sample blocks is what the worklet runs: 448 samples of reframing + one
    // 480-sample RNNoise frame. Its output is denoised, not a copy, so the peak is not trivial.
    const pipeline = new DenoisePipeline(new RnnoiseEngine(loadRnnoiseModule('simd')), { blockSize: 128 });
    const x = item.mixture;
    const output = new Float32Array(x.length);
    for (let b = 0; b + 128 <= x.length; b += 128) pipeline.process(x.subarray(b, b + 128), output.subarray(b, b + 128), 128);
    pipeline.destroy();
    const refined = refineLag(x, output, coarseLag(x, output)).lag;
    expect(refined).toBe(DESIGN_LAGS['ours-worklet']);
    expect(alignByXcorr(x, output, 4800).lag).toBe(refined);
  });

  it('scores at a known lag exactly as metrics.evaluate does after its own alignment', () => {
    const output = delayed(item.speech, 480);
    const full = evaluate({ speech: item.speech, mixture: item.mixture, output, speechActive: item.speechActive, skipFrames: 100 });
    const mine = evaluateAtLag({ speech: item.speech, mixture: item.mixture, output, speechActive: item.speechActive }, full.lag);
    expect(full.lag).toBe(480);
    expect(mine.deltaSiSdr).toBeCloseTo(full.deltaSiSdr, 9);
    expect(mine.noiseAttenuationDb).toBeCloseTo(full.noiseAttenuationDb, 9);
  });

  it('summaries average per engine, per noise and per SNR', () => {
    const base = { clip: 'c', lag: 0, deltaSegSnr: 0, noiseAttenuationDb: 0, speechLevelChangeDb: 0 };
    const scores: ItemScore[] = [
      { ...base, id: '1', noise: 'white', snrDb: 0, engine: 'ours-cli', deltaSiSdr: 8 },
      { ...base, id: '2', noise: 'white', snrDb: 5, engine: 'ours-cli', deltaSiSdr: 6 },
      { ...base, id: '3', noise: 'hum', snrDb: 0, engine: 'ours-cli', deltaSiSdr: 1 },
    ];
    const s = summarize(scores, ['ours-cli']);
    expect(s.overall['ours-cli']?.deltaSiSdr).toBe(5);
    expect(s.byNoise['ours-cli']?.white?.deltaSiSdr).toBe(7);
    expect(s.bySnr['ours-cli']?.['0']?.deltaSiSdr).toBe(4.5);
    expect(s.snrs).toEqual([0, 5]);
  });
});
