// The soak's verdict on hand-built results (no browser, no soak run): what makes `npm run soak`
// exit 1, and what only warns.
import { describe, expect, it } from 'vitest';
import type { BrowserSoakResult } from './browser';
import type { DspHourResult } from './dsp-hour';
import { summarizeSoak, type SoakPlan } from './summary';

const plan: SoakPlan = {
  dspMinutes: 60,
  browser: { cycles: 1000, checkpointEvery: 500, renders: 3, renderSeconds: 60, renderBudgetSeconds: 150, reconnects: 2 },
};

const MB = 1024 * 1024;

function reading(audioHandlers: number, rssMb = 180) {
  return {
    jsHeapUsed: 6 * MB,
    jsHeapTotal: 8 * MB,
    domNodes: 20,
    documents: 2,
    jsEventListeners: 48,
    audioHandlers,
    audioWorkletProcessors: 2,
    rtcPeerConnections: 1,
    arrayBufferContents: 27,
    rendererRss: rssMb * MB,
  };
}

function counters(cycle: number) {
  return {
    cycles: cycle,
    closedConfirmed: cycle,
    notRunningEngine: 0,
    lastHasInput: false,
    roomListeners: 3,
    engineTokenListeners: 2,
    live: { processors: 0, nodes: 0, bindings: 0 },
    created: { processors: cycle, nodes: cycle, bindings: cycle },
    audioContextState: 'running',
    cycleMsMedian: 15,
    lastCycleMs: 15,
  };
}

/** A soak in which nothing is wrong: flat counters, every render clean, every drop recovered. */
function cleanSoak(handlersPerCycle = 0): { dsp: DspHourResult; browser: BrowserSoakResult } {
  const samplesPerRender = 60 * 48_000;
  const render = { renderMs: 2300, frames: samplesPerRender / 480 - 40, errors: 0, finite: true, rms: 0.08, engine: 'rnnoise-simd' };
  const round = (n: number) => ({
    round: n,
    ok: true,
    reconnectedMs: 2500,
    metadataMs: 3200,
    audioMs: 3600,
    outRms: 0.05,
    listeners: [4, 2, 3, 1],
    processor: { closed: false, closedEvents: 0, hasInput: true },
    publicationSid: 'TR_1',
    bindingSid: 'TR_1',
    credentialState: 'valid',
  });
  const checkpoint = (minute: number) => ({
    minute,
    heapUsed: 5.6 * MB,
    external: 21 * MB,
    arrayBuffers: 3 * MB,
    rss: 88 * MB,
    wasmMemory: 16 * MB,
    frames: minute * 6000,
    wallSeconds: minute * 3,
  });
  const dsp: DspHourResult = {
    audioMinutes: 60,
    blocks: 1_350_000,
    expectedFrames: 360_000,
    frames: 360_000,
    engineResets: 0,
    nonFiniteInputs: 0,
    nonFiniteOutputs: 0,
    outputRms: 0.08,
    inputRms: 0.1,
    wallSeconds: 180,
    generatingSeconds: 60,
    combinations: 60,
    clips: ['0870', '0880'],
    checkpoints: [0, 15, 30, 45, 60].map(checkpoint),
  };
  const browser: BrowserSoakResult = {
    plan: plan.browser,
    chromium: '156',
    cycles: {
      renderer: { pid: 1, how: 'test' },
      seconds: 20,
      points: [0, 500, 1000].map((cycle) => ({ cycle, reading: reading(3 + handlersPerCycle * cycle), counters: counters(cycle) })),
      control: {
        sources: 200,
        audioHandlersBefore: 4,
        audioHandlersAfter: 204,
        arrayBufferContentsBefore: 27,
        arrayBufferContentsAfter: 27,
        audioHandlersAfterClones: 404,
      },
    },
    offline: {
      renderer: { pid: 2, how: 'test' },
      clipSeconds: 6,
      samplesPerRender,
      seconds: 7,
      renders: [render, render, render],
      readings: [
        { render: 0, reading: reading(0) },
        { render: 3, reading: reading(6) },
      ],
      before: reading(0),
      after: reading(6),
    },
    reconnects: { listenersBefore: [4, 2, 3, 1], rounds: [round(1), round(2)] },
  };
  return { dsp, browser };
}

describe('soak verdict', () => {
  it('finds no problem in a soak where every check holds', () => {
    const { dsp, browser } = cleanSoak();
    const v = summarizeSoak(plan, dsp, browser);
    expect(v.problems).toEqual([]);
    expect(v.summary).toContain('3/3 renders clean');
  });

  it('fails when Blink keeps an AudioHandler per attach/close cycle', () => {
    // The committed soak before 3ccca76 read 3 → 1003 handlers over 1000 cycles.
    const { dsp, browser } = cleanSoak(1);
    const v = summarizeSoak(plan, dsp, browser);
    expect(v.problems).toEqual(['cycles: Blink AudioHandlers 3 → 1003 over 1000 cycles (an AudioNode kept per cycle)']);
  });

  it('names the offline render that is not clean and why', () => {
    const { dsp, browser } = cleanSoak();
    const short = { ...browser.offline.renders[0]!, frames: 5000 };
    browser.offline.renders = [browser.offline.renders[0]!, short, { ...short, frames: 6000, rms: 0.001 }];
    const v = summarizeSoak(plan, dsp, browser);
    expect(v.problems).toEqual([
      'offline: render 2 of 3 not clean (5000 of 6000 frames)',
      'offline: render 3 of 3 not clean (output RMS 0.0010)',
    ]);
    expect(v.summary).toContain('1/3 renders clean');
  });

  it('fails when a signal drop does not recover, and when the DSP hour loses frames', () => {
    const { dsp, browser } = cleanSoak();
    browser.reconnects.rounds[1] = { ...browser.reconnects.rounds[1]!, ok: false, error: 'timeout' };
    const v = summarizeSoak(plan, { ...dsp, frames: dsp.expectedFrames - 1 }, browser);
    expect(v.problems).toEqual(['dsp: 359999 frames, expected 360000', 'reconnects: 1/2 recovered', '  round 2: timeout']);
  });

  it('only warns when renderer RSS trends upward, since a slope on a shared machine is no verdict', () => {
    const { dsp, browser } = cleanSoak();
    browser.cycles.points = browser.cycles.points.map((p) => ({ ...p, reading: reading(3, 180 + p.cycle / 20) }));
    const v = summarizeSoak(plan, dsp, browser);
    expect(v.problems).toEqual([]);
    expect(v.warnings).toEqual(['cycles: renderer RSS grows 50.0 MB per 1000 cycles']);
  });
});
