// The strict Content-Security-Policy of demo/csp.ts, in real Chromium against the production
// build (vite preview serves every page with it): the library, the demo and the harness pages
// work under it with no violation, the README states the policy that is enforced, and the
// policy is really enforced.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { makeNoisySpeech } from '../tools/testing/signals';
import { expect, test, type Page } from './support/fixtures';
import { fromBase64, toBase64 } from '../tools/testing/base64';
import { CONTENT_SECURITY_POLICY } from '../demo/csp';

const ROOT = resolve(import.meta.dirname, '..');

/** The policy as the README states it: the one-line code block of its "Security and CSP" section. */
function documentedPolicy(): string {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
  const section = /\n## Security and CSP\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const match = /```[a-z]*\n\s*(default-src[^\n]+)\n\s*```/.exec(section);
  if (!match?.[1]) throw new Error('README.md has no policy code block in "## Security and CSP"');
  return match[1].trim();
}

const HARNESS_PAGES = readdirSync(resolve(ROOT, 'e2e/pages'))
  .filter((f) => f.endsWith('.html'))
  .map((f) => `/e2e/pages/${f}`);

interface Violation {
  directive: string;
  blockedURI: string;
  sample: string;
}

/** Records every securitypolicyviolation event from the first script on. */
async function watchViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: Violation[] = [];
    (window as unknown as { cspViolations: Violation[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push({ directive: e.effectiveDirective, blockedURI: e.blockedURI, sample: e.sample }),
    );
  });
}

function violations(page: Page): Promise<Violation[]> {
  return page.evaluate(() => (window as unknown as { cspViolations: Violation[] }).cspViolations);
}

test.describe('Content-Security-Policy (production build)', () => {
  test('the demo and every harness page are served with the policy demo/csp.ts sets and the README documents', async ({ request }) => {
    const policy = documentedPolicy();
    expect(policy).toBe(CONTENT_SECURITY_POLICY);
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
    for (const path of ['/demo/', '/demo/index.html', ...HARNESS_PAGES]) {
      const res = await request.get(path);
      expect(res.status(), path).toBe(200);
      expect(res.headers()['content-security-policy'], path).toBe(policy);
    }
  });

  test('a render through the worklet works under the policy with zero securitypolicyviolation events', async ({ page }) => {
    await watchViolations(page);
    const response = await page.goto('/e2e/pages/denoise.html');
    expect(response?.headers()['content-security-policy']).toBe(documentedPolicy());
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    const item = makeNoisySpeech({ seed: 5, noise: 'pink', snrDb: 10, seconds: 3 });
    const result = await page.evaluate((r) => window.lkd.render(r), { samples: toBase64(item.mixture), sampleRate: 48_000 });
    expect(result.errors).toEqual([]);
    // The wasm compiled ('wasm-unsafe-eval') and the engine ran in the worklet ('self' script).
    expect(result.ready?.engine).toMatch(/^rnnoise/);
    expect(result.stats?.framesProcessed).toBeGreaterThan(250);
    const out = fromBase64(result.samples);
    expect(out.every(Number.isFinite)).toBe(true);
    expect(out.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeGreaterThan(0.01);
    expect(await violations(page)).toEqual([]);
  });

  test('the policy is enforced: eval, an inline script and a script from another origin are refused and reported', async ({ page }) => {
    await watchViolations(page);
    await page.goto('/e2e/pages/denoise.html');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    const outcome = await page.evaluate(async () => {
      const w = window as unknown as { cspViolations: Violation[]; inlineRan?: boolean; remoteRan?: boolean };
      // Code run by page.evaluate itself is exempt (DevTools may always eval), so the eval runs
      // in a later task of the page's own event loop, where the page's policy applies.
      const evalError = await new Promise<string>((resolve) =>
        setTimeout(() => {
          try {
            // oxlint-disable-next-line no-eval -- the point: the CSP must block it
            (0, eval)('1 + 1');
            resolve('eval ran');
          } catch (e) {
            resolve((e as Error).name);
          }
        }, 0),
      );
      const inline = document.createElement('script');
      inline.textContent = 'window.inlineRan = true;';
      document.head.append(inline);
      const remote = document.createElement('script');
      remote.src = 'http://127.0.0.2:9/remote.js';
      const remoteOutcome = new Promise<string>((resolve) => {
        remote.onload = () => resolve('loaded');
        remote.onerror = () => resolve('error');
      });
      document.head.append(remote);
      const remoteResult = await remoteOutcome;
      // Violation events are queued as tasks: wait until all three have been reported.
      await new Promise<void>((resolve) => {
        if (w.cspViolations.length >= 3) return resolve();
        const onViolation = (): void => {
          if (w.cspViolations.length < 3) return;
          document.removeEventListener('securitypolicyviolation', onViolation);
          resolve();
        };
        document.addEventListener('securitypolicyviolation', onViolation);
      });
      return { evalError, inlineRan: w.inlineRan === true, remoteResult, violations: w.cspViolations };
    });
    expect(outcome.evalError).toBe('EvalError');
    expect(outcome.inlineRan).toBe(false);
    expect(outcome.remoteResult).toBe('error');
    const byDirective = outcome.violations.map((v) => `${v.directive} ${v.blockedURI}`).sort();
    expect(byDirective).toEqual(['script-src eval', 'script-src-elem http://127.0.0.2:9/remote.js', 'script-src-elem inline']);
  });
});
