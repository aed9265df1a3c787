// Debian's firefox-esr driven over WebDriver BiDi, with our own small client (ws + JSON).
// Playwright 1.65's BiDi Firefox cannot be used with ESR 153: every new context sends
// emulation.setMediaFeaturesOverride, which 153 answers "unknown command", and no launch or
// context option skips it. Firefox speaks BiDi itself, so no geckodriver is needed either.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { callSource, decodeResult, encodeArg, waitSource, type DrivenBrowser, type DrivenPage } from './driven-page';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * Preferences for a headless test profile. Without a sound card Firefox never starts an
 * AudioContext unless cubeb uses its mock backend; fake media and no permission prompt give
 * getUserMedia a synthetic microphone. The rest keeps Firefox from calling out.
 */
export const FIREFOX_PREFS: Record<string, boolean | number | string> = {
  'media.cubeb.force_mock_context': true,
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // Real host addresses in ICE candidates, not mDNS names: the loopback server resolves nothing.
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.autoplay.block-webaudio': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'app.update.enabled': false,
  'app.normandy.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'browser.search.update': false,
  'services.settings.server': 'http://127.0.0.1:9/',
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'remote.prefs.recommended': true,
};

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void; method: string };

class BiDiSession {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(method: string, params: Record<string, unknown>) => void>();

  constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as {
        id?: number;
        type: string;
        result?: Record<string, unknown>;
        error?: string;
        message?: string;
        method?: string;
        params?: Record<string, unknown>;
      };
      if (msg.type === 'event') {
        for (const l of this.listeners) l(msg.method ?? '', msg.params ?? {});
        return;
      }
      const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id!);
      if (msg.type === 'success') p.resolve(msg.result ?? {});
      else p.reject(new Error(`BiDi ${p.method}: ${msg.error}: ${msg.message}`));
    });
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error(`BiDi ${p.method}: connection closed`));
      this.pending.clear();
    });
  }

  send(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  onEvent(listener: (method: string, params: Record<string, unknown>) => void): void {
    this.listeners.add(listener);
  }
}

type CallResult =
  | { type: 'success'; result: { type: string; value?: unknown } }
  | { type: 'exception'; exceptionDetails: { text: string } };

class FirefoxPage implements DrivenPage {
  readonly engine = 'firefox' as const;
  constructor(
    private readonly session: BiDiSession,
    private readonly context: string,
    private readonly userContext: string,
  ) {}

  async goto(url: string): Promise<void> {
    await this.session.send('browsingContext.navigate', { context: this.context, url, wait: 'complete' });
  }

  private async call(source: string, args: unknown[]): Promise<string | undefined> {
    const r = (await this.session.send('script.callFunction', {
      functionDeclaration: source,
      awaitPromise: true,
      target: { context: this.context },
      arguments: args.map((a) =>
        a === undefined ? { type: 'undefined' } : typeof a === 'number' ? { type: 'number', value: a } : { type: 'string', value: a },
      ),
      resultOwnership: 'none',
    })) as unknown as CallResult;
    if (r.type === 'exception') throw new Error(`firefox page: ${r.exceptionDetails.text}`);
    return r.result.type === 'string' ? String(r.result.value) : undefined;
  }

  async evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return decodeResult<R>(await this.call(callSource(fn as (a: never) => unknown), [encodeArg(arg)]));
  }

  async waitForFunction<A = undefined>(fn: (arg: A) => unknown, arg?: A, options: { timeout?: number } = {}): Promise<void> {
    await this.call(waitSource(fn as (a: never) => unknown), [encodeArg(arg), options.timeout ?? 15_000]);
  }

  async close(): Promise<void> {
    await this.session.send('browsingContext.close', { context: this.context }).catch(() => undefined);
    await this.session.send('browser.removeUserContext', { userContext: this.userContext }).catch(() => undefined);
  }
}

export class FirefoxBrowser implements DrivenBrowser {
  readonly engine = 'firefox' as const;
  constructor(
    readonly version: string,
    private readonly child: ChildProcess,
    private readonly ws: WebSocket,
    private readonly session: BiDiSession,
    private readonly profile: string,
  ) {}

  async newPage(): Promise<DrivenPage> {
    // A user context per page: the Firefox counterpart of a Playwright BrowserContext.
    const { userContext } = (await this.session.send('browser.createUserContext', {})) as { userContext: string };
    const { context } = (await this.session.send('browsingContext.create', { type: 'tab', userContext })) as { context: string };
    return new FirefoxPage(this.session, context, userContext);
  }

  /** Console lines of every page, for the token-leak capture. */
  onConsole(listener: (line: string) => void): void {
    this.session.onEvent((method, params) => {
      if (method === 'log.entryAdded') listener(`[firefox ${String(params.level)}] ${String(params.text)}`);
    });
  }

  async close(): Promise<void> {
    await this.session.send('browser.close', {}).catch(() => undefined);
    this.ws.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Starts headless firefox-esr on a fresh profile and opens a BiDi session on it. */
export async function launchFirefox(extraPrefs: Record<string, boolean | number | string> = {}): Promise<FirefoxBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'lk-denoise-firefox-'));
  const prefs = { ...FIREFOX_PREFS, ...extraPrefs };
  writeFileSync(
    join(profile, 'user.js'),
    Object.entries(prefs)
      .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`)
      .join(''),
  );
  const child = spawn(FIREFOX_PATH, ['--headless', '--no-remote', '--remote-debugging-port=0', '--profile', profile, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`firefox printed no BiDi endpoint in 60 s:\n${err}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`firefox exited (${code}) before its BiDi endpoint was up:\n${err}`));
    });
  });
  const ws = new WebSocket(`${endpoint}/session`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const session = new BiDiSession(ws);
  const created = (await session.send('session.new', { capabilities: {} })) as { capabilities: { browserVersion: string } };
  await session.send('session.subscribe', { events: ['log.entryAdded'] });
  return new FirefoxBrowser(created.capabilities.browserVersion, child, ws, session, profile);
}
