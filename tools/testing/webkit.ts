// WebKitGTK driven over W3C WebDriver (HTTP + JSON, Node's fetch) through Debian's
// WebKitWebDriver, which runs MiniBrowser. MiniBrowser needs a display: we start our own Xvfb
// with -displayfd, so it picks a free display and parallel runs cannot collide.
// Debian's WebKitGTK has AudioWorklet and WebAssembly but no WebRTC (RTCPeerConnection is
// undefined), so only the worklet checks can run in it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { callSource, decodeResult, encodeArg, waitSource, type DrivenBrowser, type DrivenPage } from './driven-page';

export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
export const XVFB_PATH = '/usr/bin/Xvfb';

/** MiniBrowser flags: play audio without a gesture, and give getUserMedia mock devices. */
export const MINIBROWSER_ARGS = [
  '--automation',
  '--autoplay-policy=allow',
  '--enable-mock-capture-devices=true',
  '--enable-media-stream=true',
  '--enable-webaudio=true',
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Starts Xvfb on a display it chooses itself; resolves with ":N". */
function startXvfb(): Promise<{ display: string; child: ChildProcess }> {
  const child = spawn(XVFB_PATH, ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x800x24'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve({ display: `:${out.trim()}`, child });
    });
    child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before naming its display:\n${err}`)));
  });
}

type WdResponse = { value: unknown };

class WebDriverSession {
  constructor(
    private readonly base: string,
    readonly id: string,
  ) {}

  async send(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.base}/session/${this.id}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      // oxlint-disable-next-line no-invalid-fetch-options -- a body is only sent with POST
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as WdResponse;
    if (!res.ok) {
      const v = json.value as { error?: string; message?: string };
      throw new Error(`WebDriver ${method} ${path}: ${v.error}: ${v.message}`);
    }
    return json.value;
  }
}

type ScriptOutcome = { ok: string | null } | { err: string };

class WebKitPage implements DrivenPage {
  readonly engine = 'webkit' as const;
  constructor(
    private readonly session: WebDriverSession,
    private readonly onClose: () => Promise<void>,
  ) {}

  goto(url: string): Promise<void> {
    return this.session.send('POST', '/url', { url }).then(() => undefined);
  }

  // execute/async hands the script a callback as its last argument; errors come back as data
  // so the page's own message survives (WebKitWebDriver reports a rejected promise tersely).
  private async call(source: string, args: unknown[]): Promise<string | undefined> {
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve().then(() => (${source})(...Array.prototype.slice.call(arguments, 0, -1)))
        .then((r) => done({ ok: r === undefined ? null : r }), (e) => done({ err: String(e && e.stack ? e.message + '\\n' + e.stack : e) }));`;
    const out = (await this.session.send('POST', '/execute/async', {
      script,
      args: args.map((a) => (a === undefined ? null : a)),
    })) as ScriptOutcome;
    if ('err' in out) throw new Error(`webkit page: ${out.err}`);
    return out.ok ?? undefined;
  }

  async evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return decodeResult<R>(await this.call(callSource(fn as (a: never) => unknown), [encodeArg(arg)]));
  }

  async waitForFunction<A = undefined>(fn: (arg: A) => unknown, arg?: A, options: { timeout?: number } = {}): Promise<void> {
    await this.call(waitSource(fn as (a: never) => unknown), [encodeArg(arg), options.timeout ?? 15_000]);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

/**
 * WebKitWebDriver allows one session per driver, and a session is one MiniBrowser process, so
 * each page is a session of its own (its own process and storage).
 */
export class WebKitBrowser implements DrivenBrowser {
  readonly engine = 'webkit' as const;
  private readonly sessions = new Set<WebDriverSession>();
  version = '';

  constructor(
    private readonly base: string,
    private readonly driver: ChildProcess,
    private readonly xvfb: ChildProcess,
  ) {}

  async newPage(): Promise<DrivenPage> {
    const res = await fetch(`${this.base}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { args: MINIBROWSER_ARGS } } } }),
    });
    const json = (await res.json()) as {
      value: { sessionId: string; capabilities: { browserVersion: string }; error?: string; message?: string };
    };
    if (!res.ok) throw new Error(`WebKitWebDriver new session: ${json.value.error}: ${json.value.message}`);
    this.version = json.value.capabilities.browserVersion;
    const session = new WebDriverSession(this.base, json.value.sessionId);
    this.sessions.add(session);
    // Long renders (12 s of audio offline on a loaded machine) must not hit the 30 s default.
    await session.send('POST', '/timeouts', { script: 300_000, pageLoad: 60_000 });
    return new WebKitPage(session, async () => {
      if (!this.sessions.delete(session)) return;
      await session.send('DELETE', '').catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions]) {
      this.sessions.delete(s);
      await s.send('DELETE', '').catch(() => undefined);
    }
    await stop(this.driver);
    await stop(this.xvfb);
  }
}

export async function launchWebKit(): Promise<WebKitBrowser> {
  const { display, child: xvfb } = await startXvfb();
  const port = await freePort();
  const driver = spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`, '--host=local'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DISPLAY: display, WEBKIT_DISABLE_COMPOSITING_MODE: '1' },
  });
  const base = `http://127.0.0.1:${port}`;
  // The driver answers /status once it listens; wait for that (its own readiness event).
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${driver.exitCode}`);
    const up = await fetch(`${base}/status`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop(driver);
      await stop(xvfb);
      throw new Error('WebKitWebDriver did not answer /status in 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return new WebKitBrowser(base, driver, xvfb);
}
