// The Chromium side of the benchmark, seen from Node: builds the bench page, serves it on
// 127.0.0.1, launches Debian's Chromium through Playwright, and reads renderer memory from /proc.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_PATH, chromiumArgs } from '../testing/chromium';
import { toBase64 } from '../testing/base64';
import type { RenderRequest, RenderResult } from './pages/bench';

const CONFIG = fileURLToPath(new URL('./vite.config.ts', import.meta.url));
export const PAGE_PATH = '/tools/bench/pages/bench.html';

export async function buildBenchPage(): Promise<void> {
  await build({ configFile: CONFIG, logLevel: 'error' });
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

export async function servePage(): Promise<PageServer> {
  const server = await preview({ configFile: CONFIG, logLevel: 'error', preview: { host: '127.0.0.1', port: 5190, strictPort: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { url: url.replace(/\/$/, ''), close: () => server.close() };
}

export interface BenchBrowser {
  browser: Browser;
  version: string;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BenchBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...chromiumArgs(), '--enable-precise-memory-info', '--js-flags=--expose-gc'],
  });
  return {
    browser,
    version: browser.version(),
    close: () => browser.close(),
  };
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** Summed VmRSS of the renderer processes descended from `rootPid` (bytes). */
export function rendererRss(rootPid: number): number {
  let total = 0;
  for (const pid of rendererPids(rootPid)) {
    const m = /VmRSS:\s+(\d+) kB/.exec(readProc(pid, 'status'));
    if (m) total += Number(m[1]) * 1024;
  }
  return total;
}

/** Renderer process ids descended from `rootPid`. */
export function rendererPids(rootPid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readProc(pid, 'stat');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) parent.set(pid, ppid);
  }
  const descends = (pid: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && hops < 24; p = parent.get(p), hops++) if (p === rootPid) return true;
    return false;
  };
  return [...parent.keys()].filter((pid) => descends(pid) && readProc(pid, 'cmdline').includes('--type=renderer'));
}

/**
 * CPU time (ns) the renderers have used so far, per thread name (summed over same-named threads),
 * from /proc/<pid>/task/<tid>/schedstat: unlike wall time, it does not grow when other
 * processes take the cores.
 */
export function rendererCpu(pids: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of pids) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const ns = Number(readProc(pid, `task/${tid}/schedstat`).split(' ')[0]);
      if (!Number.isFinite(ns)) continue;
      const name = readProc(pid, `task/${tid}/comm`).trim() || '?';
      out[name] = (out[name] ?? 0) + ns;
    }
  }
  return out;
}

/** A fresh page on the bench harness, with renderer RSS exposed to it. */
export async function openBenchPage(b: BenchBrowser, baseUrl: string, options: { newContext?: boolean } = {}): Promise<Page> {
  const context =
    options.newContext || b.browser.contexts().length === 0
      ? await b.browser.newContext()
      : (b.browser.contexts()[0] as NonNullable<ReturnType<Browser['contexts']>[0]>);
  const page = await context.newPage();
  // Playwright runs in this process and launches Chromium as our child: its renderers are our
  // descendants (no other test's browser is).
  const pid = process.pid;
  await page.exposeFunction('lkbRendererRss', () => rendererRss(pid));
  await page.exposeFunction('lkbRendererCpu', () => rendererCpu(rendererPids(pid)));
  page.on('pageerror', (e) => console.warn(`[bench page] ${e.message}`));
  await page.goto(baseUrl + PAGE_PATH);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
}

export async function storeSignal(page: Page, id: string, x: Float32Array): Promise<void> {
  await page.evaluate(([key, data]) => window.lkb.store(key, data), [id, toBase64(x)] as const);
}

/** Runs a page call, failing loudly (with what it was doing) instead of hanging the run. */
export async function withTimeout<T>(what: string, ms: number, run: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function renderOn(page: Page, req: RenderRequest, timeoutMs = 180_000): Promise<RenderResult> {
  const what = `render of ${req.engines.length} × ${[...new Set(req.engines)].join('+')} for ${req.seconds.toFixed(1)} s`;
  return withTimeout(
    what,
    timeoutMs,
    page.evaluate((r) => window.lkb.render(r), req),
  );
}
