// The e2e suite's `test`: Playwright's, plus an automatic fixture that captures what every page
// of a test said and showed: console messages, uncaught page errors, and (when the test ends, or
// just before a context closes) each open page's visible text. It lands in
// test-results/captured/<test>.txt, where scripts/check-token-leaks.mjs greps it for every token
// the run minted. Specs import { test, expect } from here instead of '@playwright/test'.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test as base, type Browser, type BrowserContext, type Page } from '@playwright/test';

export { expect } from '@playwright/test';
export type { Browser, BrowserContext, Locator, Page } from '@playwright/test';

/** test-results/captured, or <--output dir>/captured. */
function captureDir(outputDir: string): string {
  return join(outputDir, 'captured');
}

function fileFor(dir: string, titlePath: readonly string[], retry: number): string {
  const name = titlePath
    .join(' - ')
    .replace(/[^\w.-]+/g, '_')
    .slice(0, 180);
  return join(dir, `${name}${retry ? `-retry${retry}` : ''}.txt`);
}

class Capture {
  private readonly pages = new Map<Page, string>();
  private readonly snapshotted = new WeakSet<Page>();
  private readonly hooked = new WeakSet<BrowserContext>();
  private counter = 0;

  private readonly dir: string;

  constructor(private readonly file: string) {
    this.dir = dirname(file);
    this.write(`[capture] ${file}`);
  }

  // Never throws: a console message must not fail a test, even if test-results/ was emptied
  // under us (another Playwright run starting in the same checkout does that).
  private write(line: string): void {
    try {
      appendFileSync(this.file, `${line}\n`);
    } catch {
      try {
        mkdirSync(this.dir, { recursive: true });
        appendFileSync(this.file, `${line}\n`);
      } catch {
        // Nowhere to write: the capture is best effort, the test result is what matters.
      }
    }
  }

  watchContext(context: BrowserContext): void {
    if (this.hooked.has(context)) return;
    this.hooked.add(context);
    for (const page of context.pages()) this.watchPage(page);
    context.on('page', (page) => this.watchPage(page));
    // Snapshot the pages' text before the context goes, whoever closes it (a spec's afterEach,
    // Playwright's own context fixture).
    const close = context.close.bind(context);
    context.close = async (...args: Parameters<BrowserContext['close']>) => {
      await this.snapshotAll(context.pages());
      return close(...args);
    };
  }

  private watchPage(page: Page): void {
    if (this.pages.has(page)) return;
    const label = `page${++this.counter}`;
    this.pages.set(page, label);
    page.on('console', (m) => this.write(`[${label} console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => this.write(`[${label} pageerror] ${e.stack ?? e.message}`));
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) this.write(`[${label} navigated] ${f.url()}`);
    });
  }

  async snapshotAll(pages: readonly Page[]): Promise<void> {
    for (const page of pages) {
      if (this.snapshotted.has(page) || page.isClosed()) continue;
      this.snapshotted.add(page);
      const label = this.pages.get(page) ?? 'page?';
      try {
        // A page stuck in a long task (a timed-out test) must not hang the teardown.
        const text = await Promise.race([
          page.evaluate(() => document.body?.innerText ?? ''),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('page did not answer in 5 s')), 5000).unref()),
        ]);
        this.write(`[${label} innerText ${page.url()}]\n${text}\n[/${label} innerText]`);
      } catch (e) {
        this.write(`[${label} innerText unavailable: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}]`);
      }
    }
  }

  async finish(browser: Browser): Promise<void> {
    const open = browser.contexts().flatMap((c) => c.pages());
    await this.snapshotAll([...this.pages.keys(), ...open]);
  }
}

export const test = base.extend<{ _captureOutput: void }>({
  _captureOutput: [
    async ({ browser }, use, testInfo) => {
      const capture = new Capture(fileFor(captureDir(testInfo.project.outputDir), testInfo.titlePath, testInfo.retry));
      for (const context of browser.contexts()) capture.watchContext(context);
      // Every context of this test comes from browser.newContext (Playwright's context fixture
      // too), so wrapping it here sees every page from its first console message.
      const newContext = browser.newContext;
      const newPage = browser.newPage;
      browser.newContext = async (...args: Parameters<Browser['newContext']>) => {
        const context = await newContext.apply(browser, args);
        capture.watchContext(context);
        return context;
      };
      browser.newPage = async (...args: Parameters<Browser['newPage']>) => {
        const page = await newPage.apply(browser, args);
        capture.watchContext(page.context());
        return page;
      };
      try {
        await use();
      } finally {
        browser.newContext = newContext;
        browser.newPage = newPage;
        await capture.finish(browser);
      }
    },
    { auto: true, box: true },
  ],
});
