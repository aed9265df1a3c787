import { defineConfig } from '@playwright/test';
import { CHROMIUM_PATH, chromiumArgs } from './tools/testing/chromium';
import { matrixProjects, matrixServers } from './tools/testing/playwright.matrix';
import type { Engine } from './tools/testing/driven-page';

// Two same-origin page servers: the production build (vite preview) is the default target,
// the dev server proves `vite dev` serves the worklet too.
// LK_E2E_PORT moves both (preview on it, dev one below) so parallel runs cannot collide.
export const PREVIEW_PORT = Number(process.env.LK_E2E_PORT ?? 5175);
export const DEV_PORT = PREVIEW_PORT - 1;

// Specs written against e2e/support/engines.ts (`drivenPage`) run in all three engines; the
// rest are Chromium-only (Playwright's own page API, WebRTC rooms with Chromium's fake devices).
const CROSS_ENGINE = ['**/denoise-offline.spec.ts', '**/support-check.spec.ts'];
// Firefox in real rooms needs the network namespace tools/testing/netns.sh makes (it sets
// LK_NETNS_ADDRESS); npm test runs that project on its own, under `unshare -n`.
const FIREFOX_ROOM = ['**/firefox-room.spec.ts', '**/firefox-engine-rooms.spec.ts'];
// npm test runs two Playwright processes side by side (LK_E2E_RUN, each on its own LK_E2E_PORT):
// 'first' the Chromium specs, 'second' the Firefox and WebKit projects, the version matrix and
// these Chromium specs, chosen so the two take about as long. Unset: every project, as listed.
const SECOND_RUN_CHROMIUM = ['**/react.spec.ts', '**/demo.spec.ts'];
const run = process.env.LK_E2E_RUN;
if (run !== undefined && run !== 'first' && run !== 'second') throw new Error(`LK_E2E_RUN must be first or second (was ${run})`);
const inRun = (which: 'first' | 'second'): boolean => run === undefined || run === which;

export default defineConfig<{ engine: Engine }>({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // LK_E2E_JSON names a JSON report to write too (npm test: per-test durations to profile the suite).
  reporter: process.env.LK_E2E_JSON ? [['list'], ['json', { outputFile: process.env.LK_E2E_JSON }]] : [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PREVIEW_PORT}`,
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM_PATH, args: chromiumArgs() },
    trace: 'off',
    screenshot: 'off',
  },
  projects: [
    run === undefined
      ? { name: 'chromium', testIgnore: FIREFOX_ROOM, use: { engine: 'chromium' } }
      : run === 'first'
        ? { name: 'chromium', testIgnore: [...FIREFOX_ROOM, ...SECOND_RUN_CHROMIUM], use: { engine: 'chromium' } }
        : { name: 'chromium', testMatch: SECOND_RUN_CHROMIUM, use: { engine: 'chromium' } },
    // Firefox ESR over our WebDriver BiDi client, WebKitGTK over WebKitWebDriver (tools/testing).
    ...(inRun('second')
      ? [
          { name: 'firefox', testMatch: CROSS_ENGINE, use: { engine: 'firefox' as const } },
          { name: 'webkit', testMatch: CROSS_ENGINE, use: { engine: 'webkit' as const } },
        ]
      : []),
    ...(process.env.LK_NETNS_ADDRESS ? [{ name: 'firefox-room', testMatch: FIREFOX_ROOM, use: { engine: 'firefox' as const } }] : []),
    // LK_MATRIX=1 adds the livekit-client version matrix (Chromium).
    ...(inRun('second') ? matrixProjects(PREVIEW_PORT).map((p) => ({ ...p, use: { ...p.use, engine: 'chromium' as const } })) : []),
  ],
  webServer: [
    {
      command: `LK_SERVER_PORT=0 npx vite preview --port ${PREVIEW_PORT} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${PREVIEW_PORT}/e2e/pages/index.html`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    // LK_E2E_DEV=0 leaves the dev server out, for a run of projects that never load it (npm test's
    // Firefox room run, beside the main run: two dev servers would share one dep-optimiser cache).
    ...(process.env.LK_E2E_DEV === '0'
      ? []
      : [
          {
            command: `LK_SERVER_PORT=0 npx vite --port ${DEV_PORT} --strictPort --host 127.0.0.1`,
            url: `http://127.0.0.1:${DEV_PORT}/e2e/pages/index.html`,
            reuseExistingServer: !process.env.CI,
            timeout: 60_000,
          },
        ]),
    ...(inRun('second') ? matrixServers(PREVIEW_PORT) : []),
  ],
});
