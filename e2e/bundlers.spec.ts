// The packed tarball as a newcomer uses it: installed from npm into throwaway Vite, webpack 5
// and Next 16 apps (tools/bundlers/), each built for production with no lk-denoise-specific
// config and served as plain static files. In each build one page publishes noisy speech from
// Chromium's fake microphone into a loopback-server room and another denoises it with the
// README's two imports. Also: an app importing only FrameProcessor bundles none of the rest.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from './support/fixtures';
import { writeFakeMicWav } from './support/fake-mic';
import { loadExcerpt, makeNoisySpeech } from '../tools/testing/signals';
import { startServer, type LoopbackServer } from '../tools/loopback-server/server';
import { CHROMIUM_PATH, chromiumArgs } from '../tools/testing/chromium';
import { db } from '../tools/testing/measure';
import { prepareApps, type BuildName, type PreparedApps } from '../tools/bundlers/apps';
import { serveStatic } from '../tools/bundlers/serve';
import type { ProcessorStats } from '../src/index';

/** What tools/bundlers/shared/smoke.js puts on window. */
interface SmokePage {
  join(url: string, token: string): Promise<void>;
  publishMic(): Promise<void>;
  denoise(identity: string): Promise<void>;
  frameEnergies(seconds: number, lag: number): Promise<{ raw: number[]; out: number[] }>;
  hasSubscribed(identity: string): boolean;
  stats(): ProcessorStats | null;
}

declare global {
  interface Window {
    smoke: SmokePage;
  }
}

// 10 dB SNR pink noise over speech with pauses, looped by the fake microphone.
const speech = makeNoisySpeech({ seed: 77, noise: 'pink', snrDb: 10, seconds: 6, speech: loadExcerpt(48_000).subarray(0, 120_000) });
const wav = writeFakeMicWav('bundlers-noisy-speech.wav', speech.mixture);
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs(wav) } });

let apps: PreparedApps;
let server: LoopbackServer;
const contexts: BrowserContext[] = [];

test.beforeAll(async () => {
  // One npm install per app per run (in parallel), then every production build.
  // A hang guard, not a measure: 20 min when this machine was shared by half a dozen runs.
  test.setTimeout(45 * 60_000);
  [apps, server] = await Promise.all([prepareApps(), startServer({ port: 0, tokenRefreshIntervalMs: 0 })]);
  const s = apps.seconds;
  console.log(
    `bundler apps in ${apps.root}: pack ${s.pack.toFixed(0)} s, install ${s.install.toFixed(0)} s, build ${s.build.toFixed(0)} s`,
  );
});

test.afterAll(async () => {
  await server?.stop();
  apps?.close();
});

test.afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

async function openApp(browser: Browser, origin: string): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return page;
}

async function joinAs(page: Page, room: string, identity: string): Promise<void> {
  const token = await server.mintToken({ room, identity, ttlSeconds: 600 });
  await page.evaluate(({ url, token }) => window.smoke.join(url, token), { url: server.url, token });
}

/** Sum of `values` over the frames whose `rank` value is in the lowest (or highest) `fraction`. */
function rankedSum(rank: number[], values: number[], fraction: number, lowest: boolean): number {
  const order = rank.map((_, i) => i).sort((i, j) => (lowest ? rank[i]! - rank[j]! : rank[j]! - rank[i]!));
  return order.slice(0, Math.max(1, Math.floor(rank.length * fraction))).reduce((sum, i) => sum + values[i]!, 0);
}

function listFiles(root: string): { path: string; bytes: number; text: string }[] {
  const files: { path: string; bytes: number; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push({ path: relative(root, path), bytes: statSync(path).size, text: readFileSync(path, 'latin1') });
    }
  };
  walk(root);
  return files;
}

function describeFiles(files: { path: string; bytes: number }[]): string {
  return files.map((f) => `${f.path} ${f.bytes} B`).join(', ');
}

const BUILDS: { build: BuildName; what: string }[] = [
  { build: 'vite', what: 'Vite 8' },
  { build: 'webpack', what: 'webpack 5' },
  { build: 'next-turbopack', what: 'Next 16 with Turbopack' },
  { build: 'next-webpack', what: 'Next 16 with webpack' },
];

test.describe('the packed tarball in production builds of throwaway apps', () => {
  test.describe.configure({ timeout: 120_000 });

  for (const { build, what } of BUILDS) {
    test(`a ${what} build denoises a remote track in a real room: frames grow, speech kept, pauses cut`, async ({ browser }) => {
      const site = await serveStatic(apps.outputs[build]);
      try {
        const room = `bundlers-${build}`;
        const alice = await openApp(browser, site.url);
        const bob = await openApp(browser, site.url);
        await joinAs(alice, room, 'alice');
        await alice.evaluate(() => window.smoke.publishMic());
        await joinAs(bob, room, 'bob');
        await bob.waitForFunction(() => window.smoke.hasSubscribed('alice'));
        await bob.evaluate(() => window.smoke.denoise('alice'));
        // RNNoise adapts to the noise over its first second or so (100 frames a second).
        await bob.waitForFunction(() => (window.smoke.stats()?.framesProcessed ?? 0) > 300, undefined, { timeout: 30_000 });
        const before = (await bob.evaluate(() => window.smoke.stats()))!;
        expect(before.bypass).toBeNull();
        const e = await bob.evaluate((lag) => window.smoke.frameEnergies(6, lag), before.latencySamples);
        const after = (await bob.evaluate(() => window.smoke.stats()))!;
        // Pauses: the input's quietest tenth of frames (noise alone at 10 dB SNR); speech: its
        // loudest quarter. Output frames are taken the processor's delay later.
        const contrastDb = db(rankedSum(e.raw, e.raw, 0.25, false) / 0.25 / (rankedSum(e.raw, e.raw, 0.1, true) / 0.1));
        const pauseCutDb = db(rankedSum(e.raw, e.raw, 0.1, true) / rankedSum(e.raw, e.out, 0.1, true));
        const speechDb = db(rankedSum(e.raw, e.out, 0.25, false) / rankedSum(e.raw, e.raw, 0.25, false));
        const summary = `${what}: pause cut ${pauseCutDb.toFixed(1)} dB, speech ${speechDb.toFixed(1)} dB, contrast ${contrastDb.toFixed(1)} dB, frames ${before.framesProcessed} → ${after.framesProcessed}, bypass after ${after.bypass}`;
        console.log(`measured: ${summary}`);
        test.info().annotations.push({ type: 'measured', description: summary });
        // The input must hold speech and pauses for the split to mean anything.
        expect(contrastDb).toBeGreaterThan(6);
        // 6 s at 100 frames a second: the engine kept running while we recorded.
        expect(after.framesProcessed - before.framesProcessed).toBeGreaterThan(300);
        // A pass-through scores 0 dB here; the same fixture through the repo build is cut by
        // ≥ 20 dB (e2e/nc-room.spec.ts). 10 dB separates the two with margin either way.
        expect(pauseCutDb).toBeGreaterThan(10);
        // The output carries the speech (a silent or gutted output scores far below).
        expect(speechDb).toBeGreaterThan(-6);
        // Every file the pages asked for was there (the worklet, both wasm candidates, chunks).
        expect(site.missing.filter((p) => p !== '/favicon.ico')).toEqual([]);
      } finally {
        await site.close();
      }
    });
  }

  // With the package's `sideEffects: false`, a bundler may drop every module an app does not
  // use. FrameProcessor is ~0.4 kB minified; NoiseCancellation alone is ~5 kB, the worklet 19 kB,
  // the wasm 2 × 150 kB, livekit-client ~500 kB (the whole 533 kB before `sideEffects`).
  test('webpack: a build importing only FrameProcessor holds neither the worklet, the wasm nor livekit-client', () => {
    const files = listFiles(apps.frameProcessorOnly.webpack);
    console.log(`measured: FrameProcessor-only webpack build: ${describeFiles(files)}`);
    expect(files.filter((f) => f.path.endsWith('.wasm')).map((f) => f.path)).toEqual([]);
    expect(files.filter((f) => f.text.includes('registerProcessor') || f.text.includes('livekit')).map((f) => f.path)).toEqual([]);
    expect(files.reduce((sum, f) => sum + f.bytes, 0)).toBeLessThan(2_000);
  });

  test('Vite: a page importing only FrameProcessor loads under 4 kB of script, without livekit-client or the worklet', async ({ page }) => {
    const files = listFiles(apps.frameProcessorOnly.vite);
    console.log(`measured: FrameProcessor-only Vite build: ${describeFiles(files)}`);
    const site = await serveStatic(apps.frameProcessorOnly.vite);
    const scripts: { url: string; bytes: number; text: string }[] = [];
    page.on('response', async (r) => {
      if (r.request().resourceType() === 'script') {
        const body = await r.body();
        scripts.push({ url: r.url(), bytes: body.length, text: body.toString() });
      }
    });
    try {
      await page.goto(`${site.url}/frame-processor.html`);
      await page.waitForFunction(() => 'processor' in window);
      // The subclass works from the bundle.
      expect(await page.evaluate(() => (window as unknown as { processor: { isEnabled(): boolean } }).processor.isEnabled())).toBe(true);
    } finally {
      await site.close();
    }
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter((s) => s.text.includes('registerProcessor') || s.text.includes('livekit')).map((s) => s.url)).toEqual([]);
    // Vite adds its ~1 kB module-preload helper to the page's own chunk.
    expect(scripts.reduce((sum, s) => sum + s.bytes, 0)).toBeLessThan(4_000);
  });
});
