// One real-room check per denoising engine, shared by e2e/engine-rooms.spec.ts (a Chromium
// listener) and e2e/firefox-engine-rooms.spec.ts (a Firefox listener, inside the network
// namespace): a Chromium publisher plays noisy speech from its fake microphone, the listener binds
// NoiseCancellation({ engine }) to it, and every figure is measured on the listener's side.
import { startServer, type LoopbackServer } from '../../tools/loopback-server/server';
import { loadExcerpt, makeNoisySpeech } from '../../tools/testing/signals';
import { chromiumArgs } from '../../tools/testing/chromium';
import { db, energyRankMask, frameEnergy } from '../../tools/testing/measure';
import { BENCH_WORST_PAUSE_CUT_DB, pauseCutFloorDb } from '../../tools/testing/pause-cut';
import type { EngineFlavour, EngineName } from '../../src/types';
import { expect, test, type DrivenPage } from './engines';
import { writeFakeMicWav } from './fake-mic';
import { joinAs, measureProcessor, openRoomPage, waitStats } from './room-checks';

// The publisher's fixture: seeded pink noise at 10 dB SNR over public-domain speech, 2.5 s turns
// and 0.5 s pauses (as nc-room).
const item = makeNoisySpeech({ seed: 4242, noise: 'pink', snrDb: 10, seconds: 6, speech: loadExcerpt(48_000).subarray(0, 120_000) });

/** Chromium's launch arguments with the fixture as its fake microphone. */
export function engineRoomChromiumArgs(wavName: string): string[] {
  return chromiumArgs(writeFakeMicWav(wavName, item.mixture));
}

// What each path may lose against the offline bench: tools/testing/pause-cut.ts's `room` margin
// (Opus and a jitter buffer before the processor, pauses found by energy rank): 7 dB.
const ROOM_MARGIN_DB = BENCH_WORST_PAUSE_CUT_DB - pauseCutFloorDb('room');

/**
 * What measureProcessor's pause cut gives a perfect denoiser on this fixture, its output the
 * clean speech alone: 26.7 dB. The quietest tenth of frames (found by energy rank) still holds
 * speech tails; an engine scores more only by cutting those too, so a floor above this (RNNoise
 * 0.2's 68 dB offline less the margin) would demand damage to speech, not less noise.
 */
const MEASURE_CEILING_DB = (() => {
  const quiet = energyRankMask(item.mixture, 0.1, true);
  const energy = (x: Float32Array) => frameEnergy(x, quiet, true, 0, 0, false);
  return db(energy(item.mixture) / energy(item.speech));
})();

/** Lags searched: GTCRN adds 1530 samples, past measureProcessor's default 1500. */
const MAX_LAG_SAMPLES = 2500;

export interface EngineRoomCase {
  engine: EngineName;
  /** The builds stats.engine may name for it: classic RNNoise runs its SIMD build where the browser has SIMD. */
  flavours: readonly EngineFlavour[];
  /**
   * The engine's worst pink-noise item offline (any SNR), rounded down: BENCHMARKS.md "Quality
   * per engine", tools/bench/results.json engineQuality.items. The fixture is pink noise.
   */
  offlineWorstPinkPauseCutDb: number;
  /** The engine's lowest speech level on a pink-noise item offline, rounded down (same source). */
  offlineWorstPinkSpeechDb: number;
}

export const ENGINE_ROOM_CASES: readonly EngineRoomCase[] = [
  { engine: 'rnnoise', flavours: ['rnnoise-simd', 'rnnoise'], offlineWorstPinkPauseCutDb: 27, offlineWorstPinkSpeechDb: -2 },
  { engine: 'rnnoise-0.2', flavours: ['rnnoise-0.2'], offlineWorstPinkPauseCutDb: 68, offlineWorstPinkSpeechDb: -2 },
  { engine: 'gtcrn', flavours: ['gtcrn'], offlineWorstPinkPauseCutDb: 13, offlineWorstPinkSpeechDb: -7 },
];

/** The pause-cut floor in a room: the engine's offline worst, or the measure's ceiling where
 * that is lower, minus the room margin; whole dB. A pass-through scores 0. */
export function enginePauseCutFloorDb(c: EngineRoomCase): number {
  return Math.floor(Math.min(c.offlineWorstPinkPauseCutDb, MEASURE_CEILING_DB) - ROOM_MARGIN_DB);
}

/** The speech level must stay above the engine's own offline worst less 1 dB for the room's
 * coarser speech set (the loudest quarter of received frames, not the clean speech's frames),
 * and within 3 dB above unity (nothing amplifies). */
export function engineSpeechBoundsDb(c: EngineRoomCase): [number, number] {
  return [c.offlineWorstPinkSpeechDb - 1, 3];
}

/** The reported delay must be the cross-correlated one: the raw and processed signals are taken
 * in the same render quanta, so the lag is exact offline (worklets/dsp/engines.test.ts); 2
 * samples leave room for a flat peak. Any wrong report (a reframer or an engine delay left out)
 * is off by hundreds. */
export const LATENCY_TOLERANCE_SAMPLES = 2;

export interface EngineRoomPages {
  publisher: () => Promise<DrivenPage>;
  listener: () => Promise<DrivenPage>;
}

/**
 * Declares, in the calling spec, a loopback server and one test per engine with a Chromium
 * publisher and a listener of the project's engine (`listenerName` in the titles).
 * `allowedCandidateAddresses` lets the server accept a network namespace's address (Firefox).
 */
export function engineRoomTests(listenerName: string, allowedCandidateAddresses?: () => string[]): void {
  let server: LoopbackServer;
  test.beforeAll(async () => {
    const allowed = allowedCandidateAddresses?.();
    server = await startServer({ port: 0, tokenRefreshIntervalMs: 0, ...(allowed ? { allowedCandidateAddresses: allowed } : {}) });
  });
  test.afterAll(async () => {
    await server?.stop();
  });
  for (const c of ENGINE_ROOM_CASES) {
    test(`engine '${c.engine}' denoises a remote track in ${listenerName}: ≥ ${enginePauseCutFloorDb(c)} dB less noise in pauses, speech level kept, stats name the engine and the delay cross-correlation measures`, async ({
      newDrivenPage,
    }) => {
      const pages = { publisher: () => newDrivenPage('chromium'), listener: () => newDrivenPage() };
      await checkEngineRoom(server, pages, c, `engine-room-${listenerName.toLowerCase()}-${c.engine}`);
    });
  }
}

/** Joins a publisher and a listener in `room`, binds NoiseCancellation({ engine }) on the
 * listener, measures 9 s, and asserts the engine's figures. Returns the summary it logged. */
export async function checkEngineRoom(server: LoopbackServer, pages: EngineRoomPages, c: EngineRoomCase, room: string): Promise<string> {
  const a = await openRoomPage(pages.publisher);
  const b = await openRoomPage(pages.listener);
  await joinAs(server, a, room, 'alice');
  await a.evaluate(() => window.nc.publishMic());
  await joinAs(server, b, room, 'bob');
  await b.waitForFunction(() => window.nc.lifecycle().some((l) => l.startsWith('subscribed alice')), undefined, { timeout: 30_000 });
  await b.evaluate((engine) => window.nc.startNc({ identity: 'alice', engine }), c.engine);
  // The engines learn the noise over their first second or so: measure after 3 s of frames.
  await waitStats(
    b,
    [
      ['framesProcessed', '>', 300],
      ['credentialState', '=', 'valid'],
    ],
    30_000,
  );
  const logFrom = await b.evaluate(() => window.nc.statsLog().length);
  const m = await measureProcessor(b, 9, MAX_LAG_SAMPLES);
  const stats = (await b.evaluate(() => window.nc.stats()))!;
  // What the engine did while it was measured (a shed engine passes noise through).
  const states = await b.evaluate(
    (n) =>
      window.nc
        .statsLog()
        .slice(n)
        .map((s) => `${s.activity.state}/${s.activity.reason}`),
    logFrom,
  );
  const seen = [...new Set(states)].map((k) => `${k} ×${states.filter((x) => x === k).length}`).join(', ');
  const summary =
    `${c.engine} [${b.engine} listener]: engine ${stats.engine}, pause cut ${m.pauseCutDb.toFixed(1)} dB ` +
    `(floor ${enginePauseCutFloorDb(c)}), speech ${m.speechChangeDb.toFixed(2)} dB, lag ${m.lag}, reported ${stats.latencySamples}, ` +
    `contrast ${m.contrastDb.toFixed(1)} dB, dropouts ${(100 * m.dropoutFraction).toFixed(1)} %, activity while measured: ${seen}`;
  console.log(`measured: ${summary}`);
  test.info().annotations.push({ type: 'measured', description: summary });

  expect(c.flavours, `stats.engine ${stats.engine}: the engine running is the one asked for`).toContain(stats.engine);
  // The fixture must hold speech and pauses for the split to mean anything (as nc-room).
  expect(m.contrastDb).toBeGreaterThan(6);
  // More than a tenth of the received audio silent would be a broken path, whatever the cut.
  expect(m.dropoutFraction).toBeLessThan(0.1);
  expect(m.pauseCutDb).toBeGreaterThanOrEqual(enginePauseCutFloorDb(c));
  const [low, high] = engineSpeechBoundsDb(c);
  expect(m.speechChangeDb).toBeGreaterThanOrEqual(low);
  expect(m.speechChangeDb).toBeLessThanOrEqual(high);
  expect(Math.abs(m.lag - stats.latencySamples), `reported ${stats.latencySamples}, measured ${m.lag}`).toBeLessThanOrEqual(
    LATENCY_TOLERANCE_SAMPLES,
  );
  return summary;
}
