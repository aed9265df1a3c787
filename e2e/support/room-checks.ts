// Steps and measurements of the real-room checks on the nc-room page, for any engine
// (DrivenPage): join with a minted token, wait for processor stats, and measure the pause cut,
// speech level and delay of the processor on a remote track.
import type { LoopbackServer } from '../../tools/loopback-server/server';
import { fromBase64 } from '../../tools/testing/base64';
import type { DrivenPage } from '../../tools/testing/driven-page';
import { FRAME, db, energyRankMask, frameEnergy, xcorrLag } from '../../tools/testing/measure';
import type { StatsCondition } from '../pages/nc-room';

export async function openRoomPage(open: () => Promise<DrivenPage>): Promise<DrivenPage> {
  const page = await open();
  await page.goto('/e2e/pages/nc-room.html');
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
}

export async function joinAs(server: LoopbackServer, page: DrivenPage, room: string, identity: string, ttlSeconds = 600): Promise<void> {
  const token = await server.mintToken({ room, identity, ttlSeconds });
  await page.evaluate(({ url, token }) => window.nc.join(url, token).then(() => undefined), { url: server.url, token });
}

/** Waits for stats meeting every condition (a function, not a string: the CSP forbids eval). */
export async function waitStats(page: DrivenPage, conditions: StatsCondition[], timeout = 20_000): Promise<void> {
  await page.waitForFunction((c) => window.nc.statsMatch(c), conditions, { timeout });
}

/**
 * Pause and speech energies of the processor's input (the raw remote audio) and its output, and
 * the lag between them. Pauses are the quietest tenth of the input's 10 ms frames (the fixture
 * pauses half a second in every three), speech the loudest quarter: at 10 dB SNR the quietest
 * frames are noise alone. The lag is searched up to `maxLagSamples` (GTCRN adds 1530).
 */
export async function measureProcessor(page: DrivenPage, seconds: number, maxLagSamples = 1500) {
  // A freshly subscribed track may deliver silence for a moment; record once audio arrives.
  await page.waitForFunction(() => window.nc.inputRms() > 0.01);
  const rec = await page.evaluate((s) => window.nc.record(s), seconds);
  return measureRecording(fromBase64(rec.raw), fromBase64(rec.out), maxLagSamples);
}

/** measureProcessor's figures for a recording of a processor's input (`raw`) and output. */
export function measureRecording(raw: Float32Array, out: Float32Array, maxLagSamples = 1500) {
  const { lag } = xcorrLag(raw, out, maxLagSamples, raw.length - maxLagSamples - 500);
  // Frames of digital silence in the received input are dropouts on the way (a sender's audio
  // thread falling behind on a loaded machine), not pauses: they hold no noise to cut, so they
  // are left out of the pause set and counted instead.
  const silent = Array.from({ length: Math.floor(raw.length / FRAME) }, (_, f) =>
    raw.subarray(f * FRAME, (f + 1) * FRAME).every((v) => v === 0),
  );
  const quiet = energyRankMask(raw, 0.1, true).map((q, f) => q && !silent[f]);
  const loud = energyRankMask(raw, 0.25, false);
  const energy = (x: Float32Array, mask: boolean[], shift: number) => frameEnergy(x, mask, true, shift, 0, false);
  return {
    // The input must hold speech and pauses for the split to mean anything.
    contrastDb: db(energy(raw, loud, 0) / energy(raw, quiet, 0)),
    lag,
    pauseCutDb: db(energy(raw, quiet, 0) / energy(out, quiet, lag)),
    speechChangeDb: db(energy(out, loud, lag) / energy(raw, loud, 0)),
    outRms: Math.sqrt(out.reduce((s, v) => s + v * v, 0) / out.length),
    dropoutFraction: silent.filter(Boolean).length / Math.max(1, silent.length),
  };
}
