// Node-side helpers shared by the e2e/loopback-server specs: the deterministic fake-mic WAV, page setup
// against the harness page, and waits on recorded room events (never sleeps).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type BrowserContext, type Page } from '@playwright/test';
import { startServer, type LoopbackServer, type ServerOptions } from '../../tools/loopback-server/server';
import { mintToken, resolveTarget } from '../../tools/loopback-server/config';
import type { RecordedEvent } from '../harness/room';
import type { JoinOptions } from '../pages/room';

export interface ToneWav {
  path: string;
  rms: number;
  dbfs: number;
}

/**
 * Writes a 48 kHz mono 16-bit WAV of two steady sines (440 Hz + 1 kHz). Steady tones survive
 * Opus with their level intact, and the RMS is known exactly from the samples written.
 */
export function writeToneWav(name = 'loopback-tone.wav', seconds = 4, amplitude = 0.2): ToneWav {
  const rate = 48000;
  const n = rate * seconds;
  const data = Buffer.alloc(n * 2);
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const v = amplitude * (Math.sin(2 * Math.PI * 440 * t) + Math.sin(2 * Math.PI * 1000 * t));
    const s = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
    data.writeInt16LE(s, i * 2);
    sumSq += (s / 32768) ** 2;
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  const dir = join(tmpdir(), 'lk-denoise-e2e');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([header, data]));
  const rms = Math.sqrt(sumSq / n);
  return { path, rms, dbfs: 20 * Math.log10(rms) };
}

export const HARNESS_PATH = '/e2e/pages/room.html';

export async function openHarness(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(HARNESS_PATH);
  await page.waitForFunction(() => typeof window.roomHarness === 'object');
  return page;
}

/** Where a spec connects: the in-process loopback server, or a real one (see tools/loopback-server/config.ts). */
export interface Target {
  url: string;
  mint(room: string, identity: string): Promise<string>;
  /** Undefined against a real server: specs skip server-side assertions then. */
  server: LoopbackServer | undefined;
  /** Room names are made unique against a real server, which other runs may share. */
  room(base: string): string;
  stop(): Promise<void>;
}

export async function startTarget(options: ServerOptions = {}): Promise<Target> {
  const t = resolveTarget();
  if (t.kind === 'real') {
    const suffix = Math.random().toString(36).slice(2, 8);
    return {
      url: t.url,
      mint: (room, identity) => mintToken(t.apiKey, t.apiSecret, { room, identity }),
      server: undefined,
      room: (base) => `${base}-${suffix}`,
      stop: async () => undefined,
    };
  }
  const server = await startServer({ port: 0, log: process.env.LK_SERVER_LOG === '1', ...options });
  return { url: server.url, mint: (room, identity) => tokenFor(server, room, identity), server, room: (b) => b, stop: () => server.stop() };
}

export async function tokenFor(server: LoopbackServer, room: string, identity: string): Promise<string> {
  return server.mintToken({ room, identity, ttlSeconds: 600 });
}

export async function joinRoom(
  page: Page,
  to: LoopbackServer | Target,
  room: string,
  identity: string,
  opts: Partial<JoinOptions> = {},
): Promise<{ identity: string; sid: string; roomName: string }> {
  const token = 'mint' in to ? await to.mint(room, identity) : await tokenFor(to, room, identity);
  return page.evaluate((o) => window.roomHarness.join(o), { url: to.url, token, ...opts });
}

type EventType = RecordedEvent['type'];

/** Waits until the page recorded an event matching `match` (fields compared by equality). */
export async function waitForEvent(page: Page, type: EventType, match: Record<string, unknown> = {}, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    ({ type, match }) =>
      window.roomHarness
        .events()
        .some((e) => e.type === type && Object.entries(match).every(([k, v]) => (e as Record<string, unknown>)[k] === v)),
    { type, match },
    { timeout },
  );
}

export async function countEvents(page: Page, type: EventType, match: Record<string, unknown> = {}): Promise<number> {
  return page.evaluate(
    ({ type, match }) =>
      window.roomHarness
        .events()
        .filter((e) => e.type === type && Object.entries(match).every(([k, v]) => (e as Record<string, unknown>)[k] === v)).length,
    { type, match },
  );
}

/** RMS (dBFS) of `identity`'s audio as heard on `page`, over `windowMs`. */
export async function heardDbfs(page: Page, identity: string, windowMs = 1000): Promise<number> {
  const r = await page.evaluate(({ identity, windowMs }) => window.roomHarness.measureRms(identity, windowMs), { identity, windowMs });
  return r.dbfs;
}

/** Waits until `page` hears `identity` at the injected level (within `toleranceDb`). */
export async function expectHears(page: Page, identity: string, wav: ToneWav, toleranceDb = 1): Promise<number> {
  let last = -Infinity;
  await expect
    .poll(
      async () => {
        last = await heardDbfs(page, identity, 1000);
        return Math.abs(last - wav.dbfs);
      },
      { timeout: 20_000, intervals: [0] },
    )
    .toBeLessThanOrEqual(toleranceDb);
  return last;
}

export async function waitForServer(
  server: LoopbackServer,
  pred: (s: ReturnType<LoopbackServer['stats']>) => boolean,
  timeout = 15_000,
): Promise<void> {
  await expect.poll(() => pred(server.stats()), { timeout }).toBe(true);
}
