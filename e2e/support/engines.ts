// Cross-engine fixtures: a spec written against `drivenPage` runs unchanged in the chromium,
// firefox and webkit Playwright projects (playwright.config.ts sets `engine` per project).
// Chromium pages are Playwright's own; Firefox and WebKitGTK pages come from our WebDriver BiDi
// and W3C WebDriver clients (tools/testing/firefox.ts, webkit.ts), launched once per worker.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test as base } from './fixtures';
import type { DrivenBrowser, DrivenPage, Engine } from '../../tools/testing/driven-page';
import { launchFirefox } from '../../tools/testing/firefox';
import { launchWebKit } from '../../tools/testing/webkit';

export { expect } from './fixtures';
export type { DrivenPage, Engine } from '../../tools/testing/driven-page';

/** Playwright's Page seen as a DrivenPage. */
export function playwrightPage(page: Page): DrivenPage {
  return {
    engine: 'chromium',
    goto: async (url) => void (await page.goto(url)),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    waitForFunction: async (fn, arg, options) => void (await page.waitForFunction(fn as never, arg, options)),
    close: () => page.close(),
  };
}

type WorkerFixtures = { engine: Engine; drivenBrowser: DrivenBrowser | null };
/** `newDrivenPage()` opens a page of the project's engine; `newDrivenPage('chromium')` one of
 * Playwright's Chromium, which every project has (mixed rooms: a Firefox and a Chromium side). */
type TestFixtures = { newDrivenPage: (which?: Engine) => Promise<DrivenPage>; drivenPage: DrivenPage };

export const test = base.extend<TestFixtures, WorkerFixtures>({
  engine: ['chromium', { option: true, scope: 'worker' }],
  drivenBrowser: [
    async ({ engine }, use, workerInfo) => {
      if (engine === 'chromium') return use(null);
      const browser = engine === 'firefox' ? await launchFirefox() : await launchWebKit();
      if ('onConsole' in browser) {
        // Firefox's console goes where the token-leak check looks (test-results/captured).
        const dir = join(workerInfo.project.outputDir, 'captured');
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${engine}-worker${workerInfo.workerIndex}.txt`);
        browser.onConsole((line) => appendFileSync(file, `${line}\n`));
      }
      await use(browser);
      await browser.close();
    },
    // A cold browser start on a loaded 2-core machine has taken over 90 s.
    { scope: 'worker', timeout: 180_000 },
  ],
  newDrivenPage: async ({ engine, drivenBrowser, browser, baseURL }, use) => {
    const pages: DrivenPage[] = [];
    const open = async (which: Engine = engine): Promise<DrivenPage> => {
      let page: DrivenPage;
      if (which !== 'chromium' && which !== engine) throw new Error(`the ${engine} project has no ${which} browser`);
      if (which === 'chromium') {
        const context = await browser.newContext({ baseURL });
        page = { ...playwrightPage(await context.newPage()), close: () => context.close() };
      } else {
        const driven = await drivenBrowser!.newPage();
        // Relative URLs resolve against the config's baseURL, as Playwright's goto does.
        page = {
          engine: driven.engine,
          goto: (url) => driven.goto(new URL(url, baseURL).href),
          evaluate: (fn, arg) => driven.evaluate(fn, arg),
          waitForFunction: (fn, arg, options) => driven.waitForFunction(fn, arg, options),
          close: () => driven.close(),
        };
      }
      pages.push(page);
      return page;
    };
    await use(open);
    for (const p of pages.splice(0)) await p.close().catch(() => undefined);
  },
  drivenPage: async ({ newDrivenPage }, use) => {
    await use(await newDrivenPage());
  },
});
