// The pure parts of the large-room live benchmark: the scoring of a recorded talker (on real
// turn-taking signals) and the verdict and table (on hand-made results, no browser).
import { describe, expect, it } from 'vitest';
import { audioThreadOf, liveRoomMarkdown, liveRoomVerdict, scoreTalker, type LiveRoomMode, type LiveRoomResults } from './live-room';
import { siSdr } from '../testing/metrics';
import { turnTakingTalkers } from '../testing/turns';

function mode(over: Partial<LiveRoomMode>): LiveRoomMode {
  return {
    playbackStats: true,
    underrunEvents: 0,
    underrunMs: 0,
    playedMs: 60_000,
    clockRate: 1,
    audioThreadCore: 0.2,
    rendererCore: 0.3,
    setupMs: 100,
    enginesRunning: 1,
    meanStates: { active: 1, gated: 255 },
    shedTracks: 0,
    shedTalkers: 0,
    errors: [],
    talkerSiSdr: [10, 10, 10],
    pauseCut: [20, 20, 20],
    quietDb: [-90, -90, -90],
    latency: [928, 928, 928],
    xcorrLag: [928, 928, 928],
    ...over,
  };
}

function results(on: Partial<LiveRoomMode>, off: Partial<LiveRoomMode>, tracks = 256): LiveRoomResults {
  return {
    date: '2026-01-01T00:00:00.000Z',
    command: 'npm run bench',
    seconds: 60,
    warmupSeconds: 2,
    talkers: 3,
    inputSiSdr: [10, 10, 10],
    audioThread: 'Realtime AudioW',
    loadAverage: { start: 1, end: 1 },
    rows: [{ tracks, on: mode(on), off: mode(off), onsetMean: 0, onsetWorst: -1, load: 1 }],
  };
}

describe('large-room verdict and table, from hand-made results', () => {
  it('the target is met with no underruns gating on and the talkers 0.3 dB below gating off', () => {
    const v = liveRoomVerdict(results({ talkerSiSdr: [9.7, 9.7, 9.7] }, { underrunEvents: 40, underrunMs: 400 }));
    expect(v.met).toBe(true);
  });

  it('one underrun gating on misses the target, and the text says how many', () => {
    const v = liveRoomVerdict(results({ underrunEvents: 1, underrunMs: 10 }, {}));
    expect(v.met).toBe(false);
    expect(v.text).toContain('1 underrun events (10 ms');
  });

  it('talkers 0.7 dB below gating off miss the target by 0.2 dB', () => {
    const v = liveRoomVerdict(results({ talkerSiSdr: [9.3, 9.3, 9.3] }, {}));
    expect(v.met).toBe(false);
    expect(v.text).toContain('0.70 dB SI-SDR below gating off, 0.20 dB past');
  });

  it('without a 256-track run the target is not claimed', () => {
    expect(liveRoomVerdict(results({}, {}, 128)).met).toBe(false);
  });

  it('the table puts gating on before gating off in every pair, and ΔSI-SDR is on minus off', () => {
    const md = liveRoomMarkdown(results({ underrunEvents: 0, talkerSiSdr: [11, 11, 11] }, { underrunEvents: 7, underrunMs: 70 }));
    const row = md.split('\n').find((l) => l.startsWith('| 256 |')) as string;
    expect(row).toContain('| 0 (0 ms) / 7 (70 ms) |');
    expect(row).toContain('| 11.00 / 10.00 | 1.00 |');
  });

  it('the audio thread is the busiest real-time AudioWorklet thread, not the output device thread', () => {
    expect(audioThreadOf({ 'Realtime AudioW': 900, AudioOutputDevi: 1200, CrRendererMain: 5000 })).toBe('Realtime AudioW');
  });
});

describe('large-room talker scoring, on turn-taking signals', () => {
  const [t] = turnTakingTalkers({ talkers: 3, seconds: 20 });
  const talker = t as NonNullable<typeof t>;
  // 50 ms, longer than the 30 ms speechActivity's hangover and pauseCutDb's neighbour rule add
  // around speech: a reference left undelayed would then put speech into pause frames.
  const lag = 2400;
  const delayed = (x: Float32Array): Float32Array => {
    const y = new Float32Array(x.length);
    y.set(x.subarray(0, x.length - lag), lag);
    return y;
  };

  it('a pass-through at the given lag cuts 0 dB of pause noise and scores the input SI-SDR', () => {
    const s = scoreTalker(talker, delayed(talker.mixture), lag);
    // A pass-through scores 0 dB by definition (tools/testing/pause-cut.ts).
    expect(Math.abs(s.pauseCut)).toBeLessThan(0.01);
    expect(s.siSdr).toBeCloseTo(siSdr(talker.speech, talker.mixture), 1);
    expect(s.xcorrLag).toBe(lag);
  });

  it('an output of the clean speech alone cuts the pause noise by far more than the 20 dB a denoiser is held to', () => {
    const s = scoreTalker(talker, delayed(talker.speech), lag);
    expect(s.pauseCut).toBeGreaterThan(40);
    // The quiet spells of clean speech are digital silence.
    expect(s.quietDb).toBeLessThan(-200);
  });
});
