// lkDemoServer(): the demo page's backend, inside Vite (dev and preview). It starts the
// loopback LiveKit server (tools/loopback-server/) on 127.0.0.1, unless LIVEKIT_URL, LIVEKIT_API_KEY and
// LIVEKIT_API_SECRET point at a real one, and serves two same-origin JSON endpoints:
//   GET /api/token?room=&identity=  → { token, url }   (loopback clients only)
//   GET /api/server                 → { url, httpUrl, loopback }   (never a secret)
// Tokens are minted with livekit-server-sdk and never logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Connect, Logger, Plugin, PreviewServer, ViteDevServer } from 'vite';
import { DEFAULT_PORT, mintToken, resolveTarget } from '../tools/loopback-server/config';
import { isLoopback, startServer, type LoopbackServer } from '../tools/loopback-server/server';

export interface DemoServerInfo {
  /** What Room.connect() takes (ws:// or wss://). */
  url: string;
  httpUrl: string;
  /** true: the loopback server; false: the server named by LIVEKIT_URL. */
  loopback: boolean;
}

interface Backend extends DemoServerInfo {
  mint(room: string, identity: string): Promise<string>;
  stop(): Promise<void>;
}

const TOKEN_TTL_SECONDS = 600;
// Room names and identities the demo accepts: short and printable, so they are safe to log.
const NAME = /^[\w.@:-]{1,64}$/;

function envPort(): number {
  const raw = process.env.LK_SERVER_PORT;
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`LK_SERVER_PORT must be an integer 0..65535, got '${raw}'`);
  }
  return port;
}

function envRefreshMs(): number {
  const raw = process.env.LK_TOKEN_REFRESH_MS;
  const ms = raw ? Number(raw) : 60_000;
  return Number.isFinite(ms) && ms >= 0 ? ms : 60_000;
}

function isAddressInUse(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EADDRINUSE';
}

// Vite re-imports this module when it restarts the dev server (a config dependency such as
// tools/loopback-server/ changed). The previous loopback server must release its port first, so the pending stop
// lives on globalThis, which survives the re-import.
const STOPPING = Symbol.for('lk-denoise.demo-server.stopping');
type GlobalWithStop = typeof globalThis & { [STOPPING]?: Promise<void> };
const shared = globalThis as GlobalWithStop;

async function startBackend(logger: Logger): Promise<Backend> {
  await shared[STOPPING]?.catch(() => undefined);
  const target = resolveTarget();
  if (target.kind === 'real') {
    const httpUrl = target.url.replace(/^ws(s?):\/\//, 'http$1://');
    logger.info(`[lk-demo] using the LiveKit server at ${target.url} (LIVEKIT_URL); tokens minted with key '${target.apiKey}'`);
    return {
      url: target.url,
      httpUrl,
      loopback: false,
      mint: (room, identity) => mintToken(target.apiKey, target.apiSecret, { room, identity, ttlSeconds: TOKEN_TTL_SECONDS }),
      stop: async () => undefined,
    };
  }
  const wanted = envPort();
  const options = {
    apiKey: target.apiKey,
    apiSecret: target.apiSecret,
    tokenRefreshIntervalMs: envRefreshMs(),
    log: process.env.LK_SERVER_LOG === '0' ? false : (line: string) => logger.info(`[loopback-server] ${line}`, { timestamp: true }),
  };
  let server: LoopbackServer;
  try {
    server = await startServer({ ...options, port: wanted });
  } catch (e) {
    if (!isAddressInUse(e) || wanted === 0) throw e;
    // Another Vite (dev next to preview) or `npm run server` holds the port: take a free one.
    logger.warn(`[lk-demo] port ${wanted} is in use; the loopback server takes a free port instead`);
    server = await startServer({ ...options, port: 0 });
  }
  logger.info(`[lk-demo] loopback server at ${server.url}`);
  return {
    url: server.url,
    httpUrl: server.httpUrl,
    loopback: true,
    mint: (room, identity) => server.mintToken({ room, identity, ttlSeconds: TOKEN_TTL_SECONDS }),
    stop: () => server.stop(),
  };
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function apiMiddleware(backend: Promise<Backend>, logger: Logger): Connect.NextHandleFunction {
  return (req: IncomingMessage, res: ServerResponse, next: Connect.NextFunction) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api/token' && url.pathname !== '/api/server') return next();
    void (async () => {
      if (req.method !== 'GET') return sendJson(res, 405, { error: 'GET only' });
      if (!isLoopback(req)) return sendJson(res, 403, { error: 'the demo backend answers loopback clients only' });
      const b = await backend;
      if (url.pathname === '/api/server') {
        const info: DemoServerInfo = { url: b.url, httpUrl: b.httpUrl, loopback: b.loopback };
        return sendJson(res, 200, info);
      }
      const room = url.searchParams.get('room') ?? '';
      const identity = url.searchParams.get('identity') ?? '';
      if (!NAME.test(room)) return sendJson(res, 400, { error: 'room must be 1-64 characters of letters, digits, . _ - @ :' });
      if (!NAME.test(identity)) return sendJson(res, 400, { error: 'identity must be 1-64 characters of letters, digits, . _ - @ :' });
      const token = await b.mint(room, identity);
      // Never the token: only who asked for which room.
      logger.info(`[lk-demo] token minted for '${identity}' in room '${room}'`, { timestamp: true });
      return sendJson(res, 200, { token, url: b.url });
    })().catch((e: unknown) => {
      logger.error(`[lk-demo] ${url.pathname} failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'the demo backend failed; see the Vite console' });
    });
  };
}

/** The demo's Vite plugin: loopback server + /api/token + /api/server, dev and preview. */
export function lkDemoServer(): Plugin {
  const attach = (server: ViteDevServer | PreviewServer): void => {
    // Vitest also runs configureServer; unit tests need no LiveKit server.
    if (process.env.VITEST) return;
    const logger = server.config.logger;
    // Start once Vite listens: on a restart Vite builds the new server before it closes the old
    // one, and the old loopback server must have released its port by then.
    const backend = new Promise<Backend>((resolve, reject) => {
      const begin = (): void => void startBackend(logger).then(resolve, reject);
      const http = server.httpServer;
      if (http && !http.listening) http.once('listening', begin);
      else begin();
    });
    // Fail loudly at startup rather than on the first request.
    backend.catch((e: unknown) =>
      logger.error(`[lk-demo] could not start the LiveKit backend: ${e instanceof Error ? e.message : String(e)}`),
    );
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      const stopping = backend.then((b) => b.stop()).catch(() => undefined);
      shared[STOPPING] = stopping;
    };
    server.httpServer?.once('close', stop);
    process.once('exit', stop);
    server.middlewares.use(apiMiddleware(backend, logger));
  };
  return {
    name: 'lk-demo-server',
    configureServer: attach,
    configurePreviewServer: attach,
  };
}
