// The real-room specs' `test`: the e2e one (./fixtures.ts: every page captured for the token-leak
// check) plus what each of them used to set up by hand in beforeAll/afterAll/afterEach:
//   - `server`: a loopback server for the worker, stopped when the worker ends (a spec changes
//     its options with `test.use({ serverOptions })`);
//   - `openPage(path)`: a page in a fresh browser context, loaded and ready (`data-ready`); every
//     page so opened closes when the test ends, so the next test's room starts empty;
//   - `rtcPublish(room, identity, signal)`: an @livekit/rtc-node publisher on that server, stopped
//     when the test ends; rtc-node's core is disposed when the worker ends, if it was used.
import type { RtcNodePublisher } from '../../tools/loopback-server/rtc-node-peer';
import { startServer, type LoopbackServer, type ServerOptions } from '../../tools/loopback-server/server';
import { expect, test as base, type BrowserContext, type Page } from './fixtures';

export { expect } from './fixtures';
export type { Browser, BrowserContext, Locator, Page } from './fixtures';

export type RoomFixtures = {
  openPage: (path: string) => Promise<Page>;
  rtcPublish: (room: string, identity: string, signal: Float32Array, loops?: number) => Promise<RtcNodePublisher>;
};
/** What a spec's own helpers (join a pair, open a page) take from a test's fixtures. */
export type RoomKit = { server: LoopbackServer; openPage: RoomFixtures['openPage'] };
type RoomWorkerFixtures = {
  serverOptions: ServerOptions;
  server: LoopbackServer;
  /** Loads @livekit/rtc-node on first use (its native core is large) and disposes it at the end. */
  rtcNode: () => Promise<typeof import('../../tools/loopback-server/rtc-node-peer')>;
};

export const test = base.extend<RoomFixtures, RoomWorkerFixtures>({
  // No timed token refreshes: each test pushes its own when it wants one.
  serverOptions: [
    { port: 0, tokenRefreshIntervalMs: 0 },
    { option: true, scope: 'worker' },
  ],
  server: [
    async ({ serverOptions }, use) => {
      const server = await startServer(serverOptions);
      await use(server);
      await server.stop();
    },
    { scope: 'worker' },
  ],
  rtcNode: [
    // oxlint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
    async ({}, use) => {
      let loaded = false;
      await use(async () => {
        loaded = true;
        return import('../../tools/loopback-server/rtc-node-peer');
      });
      if (loaded) await (await import('@livekit/rtc-node')).dispose();
    },
    { scope: 'worker' },
  ],
  openPage: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (path) => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(path);
      await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
      return page;
    });
    await Promise.all(contexts.map((c) => c.close()));
  },
  rtcPublish: async ({ server, rtcNode }, use) => {
    const publishers: RtcNodePublisher[] = [];
    await use(async (room, identity, signal, loops = Infinity) => {
      const { publishWithRtcNode } = await rtcNode();
      const publisher = await publishWithRtcNode(server.url, await server.mintToken({ room, identity }), signal, loops);
      publishers.push(publisher);
      return publisher;
    });
    // stop() is safe to repeat: a test may have stopped its publisher already.
    await Promise.all(publishers.map((p) => p.stop()));
  },
});
