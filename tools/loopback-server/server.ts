// The loopback LiveKit server: HTTP (validate, dev tokens, admin) and the WebSocket
// signalling endpoints, bound to 127.0.0.1 only. Dev/test only; see tools/loopback-server/README.md.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { AccessToken } from 'livekit-server-sdk';
import {
  DisconnectReason,
  JoinRequest,
  LeaveRequest,
  LeaveRequest_Action,
  SessionDescription,
  SignalResponse,
  WrappedJoinRequest,
  WrappedJoinRequest_Compression,
} from '@livekit/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { JoinTokenVerifier, type JoinClaims } from './auth';
import { CandidatePolicy } from './candidates';
import { DEFAULT_DEV_TOKEN_TTL_SECONDS, DEV_API_KEY, DEV_API_SECRET, mintToken, signToken, type MintOptions } from './config';
import { handleAdmin, type AdminControls } from './admin';
import type { PeerCounter } from './media';
import { RoomRegistry } from './room';
import { Session, type JoinParams } from './signal';

export interface ServerOptions {
  /** 0 picks a free port. Default 7880. */
  port?: number;
  apiKey?: string;
  apiSecret?: string;
  /** Server-pushed refreshToken period; default 5 minutes, 0 disables. */
  tokenRefreshIntervalMs?: number;
  /** TTL of tokens minted by GET /token; default 600 s. */
  devTokenTtlSeconds?: number;
  /** TTL of tokens pushed by refreshToken and roomMoved; default 600 s. */
  refreshTokenTtlSeconds?: number;
  pingIntervalSeconds?: number;
  pingTimeoutSeconds?: number;
  /** false (default): silent; true: console.log; or a sink of one line per lifecycle transition. */
  log?: boolean | ((line: string) => void);
  /**
   * ICE candidate addresses accepted besides 127.0.0.1, e.g. ['10.213.0.1'] for a browser in a
   * network namespace the test made. Default: none (loopback only). Never this machine's own
   * interface address. CLI: --allowed-candidate-addresses=a,b or LK_ALLOWED_CANDIDATE_ADDRESSES.
   */
  allowedCandidateAddresses?: readonly string[];
  /**
   * Resume (reconnect=1, as livekit-server does): a lost signal connection keeps the participant,
   * its tracks, SIDs and peer connections this long for the client to come back. Default 10 s;
   * 0 disables resume (JoinResponse says DISABLED, every drop becomes a full rejoin).
   */
  resumeWindowSeconds?: number;
  /** Test hook: called with every token the server pushes (refreshToken, roomMoved). */
  onTokenPushed?: (identity: string, room: string, token: string) => void;
}

export interface RoomSnapshot {
  name: string;
  sid: string;
  participants: { identity: string; sid: string; tracks: { sid: string; muted: boolean; mid: string }[] }[];
}

export interface ServerStats {
  rooms: number;
  participants: number;
  /** Open signalling WebSockets. */
  sockets: number;
  /** Open werift peer connections. */
  peerConnections: number;
  /** Open HTTP/TCP connections (including the ones under WebSockets). */
  connections: number;
}

export interface LoopbackServer extends AdminControls {
  /** ws://127.0.0.1:PORT — what Room.connect() takes. */
  url: string;
  httpUrl: string;
  port: number;
  apiKey: string;
  /** Mints a token with this server's key (same as GET /token, but any grants). */
  mintToken(opts: MintOptions): Promise<string>;
  /** Closes every session, socket and peer connection. Safe to call more than once. */
  stop(): Promise<void>;
}

export class ControlError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::ffff:127.0.0.1', '::1']);
export function isLoopback(req: IncomingMessage): boolean {
  return LOOPBACK_ADDRESSES.has(req.socket.remoteAddress ?? '');
}

/** Pages are served from other loopback ports, so the browser needs CORS on what it fetches. */
export function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'authorization, content-type',
    Vary: 'Origin',
  };
}

/** Refusal text of each 4xx/5xx reply, so the server's request log can say why (never a token). */
const refusals = new WeakMap<ServerResponse, string>();

export function reply(req: IncomingMessage, res: ServerResponse, status: number, body: string | object): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (status >= 400) refusals.set(res, text);
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'Cache-Control': 'no-store',
    ...corsHeaders(req),
  });
  res.end(text);
}

/**
 * The join token: livekit-client sends `?access_token=`, the native SDKs' Rust core sends
 * `Authorization: Bearer …` only. Both are read; the query wins when both are given.
 */
export function joinTokenOf(req: IncomingMessage, url: URL): string | undefined {
  const query = url.searchParams.get('access_token');
  if (query) return query;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  const statusText = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Bad Request';
  const body = Buffer.from(reason, 'utf8');
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${reason}`,
  );
}

type Endpoint = 'v0' | 'v1';
function endpointOf(pathname: string): { endpoint: Endpoint; validate: boolean } | undefined {
  switch (pathname.replace(/\/+$/, '')) {
    case '/rtc':
      return { endpoint: 'v0', validate: false };
    case '/rtc/v1':
      return { endpoint: 'v1', validate: false };
    case '/rtc/validate':
      return { endpoint: 'v0', validate: true };
    case '/rtc/v1/validate':
      return { endpoint: 'v1', validate: true };
    default:
      return undefined;
  }
}

/** Decodes the v1 `join_request` parameter: base64url WrappedJoinRequest, maybe gzip'd. */
export function decodeJoinRequest(param: string): JoinRequest {
  const wrapped = WrappedJoinRequest.fromBinary(Buffer.from(param, 'base64url'));
  switch (wrapped.compression) {
    case WrappedJoinRequest_Compression.NONE:
      return JoinRequest.fromBinary(wrapped.joinRequest);
    case WrappedJoinRequest_Compression.GZIP:
      return JoinRequest.fromBinary(gunzipSync(wrapped.joinRequest));
    default:
      throw new Error(`unknown join_request compression ${String(wrapped.compression)}`);
  }
}

function makeLog(opt: ServerOptions['log']): (line: string) => void {
  if (typeof opt === 'function') return opt;
  if (opt === true) return (line) => console.log(`[loopback-server] ${line}`);
  return () => undefined;
}

export async function startServer(options: ServerOptions = {}): Promise<LoopbackServer> {
  const apiKey = options.apiKey ?? DEV_API_KEY;
  const apiSecret = options.apiSecret ?? DEV_API_SECRET;
  const log = makeLog(options.log);
  const verifier = new JoinTokenVerifier(apiKey, apiSecret);
  const registry = new RoomRegistry();
  const counter: PeerCounter = { open: 0 };
  const candidatePolicy = new CandidatePolicy(options.allowedCandidateAddresses);
  const resumeWindowMs = (options.resumeWindowSeconds ?? 10) * 1000;
  const sessions = new Set<Session>();
  const connections = new Set<Duplex>();
  const refreshTtl = options.refreshTokenTtlSeconds ?? 600;
  const devTtl = options.devTokenTtlSeconds ?? DEFAULT_DEV_TOKEN_TTL_SECONDS;

  const mintFor = async (claims: JoinClaims, room: string): Promise<string> => {
    const at = new AccessToken(apiKey, apiSecret, {
      identity: claims.identity,
      name: claims.name || undefined,
      metadata: claims.metadata || undefined,
      attributes: claims.attributes,
      ttl: refreshTtl,
    });
    at.addGrant({ ...claims.video, room });
    return signToken(at, apiSecret);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });

  const findSession = (identity: string, room?: string): Session => {
    const matches = [...sessions].filter((s) => !s.isClosed && s.identity === identity && (!room || s.roomName === room));
    if (matches.length === 0) throw new ControlError(404, `no participant '${identity}'${room ? ` in room '${room}'` : ''}`);
    if (matches.length > 1) throw new ControlError(400, `participant '${identity}' is in several rooms; name the room`);
    return matches[0]!;
  };

  let port = 0;
  const controls: AdminControls = {
    kick: (identity, room) => findSession(identity, room).disconnect(DisconnectReason.PARTICIPANT_REMOVED, 'kicked by admin'),
    dropSignal: (identity, room, mode = 'rejoin') => {
      if (mode === 'resume' && resumeWindowMs <= 0)
        throw new ControlError(400, 'resume is disabled on this server (resumeWindowSeconds: 0)');
      findSession(identity, room).dropSignal(mode);
    },
    refreshToken: async (identity, room) => {
      const token = await findSession(identity, room).refreshToken();
      if (!token) throw new ControlError(404, `participant '${identity}' left before the refresh`);
      return token;
    },
    move: async (identity, toRoom, fromRoom) => {
      if (!toRoom) throw new ControlError(400, 'missing target room');
      return findSession(identity, fromRoom).moveTo(registry.getOrCreate(toRoom));
    },
    listRooms: () =>
      [...registry.rooms.values()].map((room) => ({
        name: room.name,
        sid: room.sid,
        participants: [...room.members.values()].map((m) => ({
          identity: m.identity,
          sid: m.sid,
          tracks: m.activeTracks().map((t) => ({ sid: t.sid, muted: t.info.muted, mid: t.mid ?? '' })),
        })),
      })),
    stats: () => ({
      rooms: registry.rooms.size,
      participants: [...sessions].filter((s) => !s.isClosed).length,
      sockets: wss.clients.size,
      peerConnections: counter.open,
      connections: connections.size,
    }),
  };

  const server = createServer((req, res) => {
    // Every refused HTTP request is logged: method, path (never the query, which may hold a
    // token), status and reason.
    res.on('finish', () => {
      if (res.statusCode < 400) return;
      const path = (req.url ?? '/').split('?')[0];
      log(`http ${req.method ?? '?'} ${path} refused (${res.statusCode}): ${refusals.get(res) ?? 'no reason given'}`);
    });
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (!isLoopback(req)) return reply(req, res, 403, 'loopback clients only');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, corsHeaders(req));
        return res.end();
      }
      const rtc = endpointOf(url.pathname);
      if (rtc?.validate) {
        const check = await verifier.check(joinTokenOf(req, url), url.searchParams.get('room'));
        return check.ok ? reply(req, res, 200, 'success') : reply(req, res, check.status, check.reason);
      }
      if (rtc) return reply(req, res, 400, 'this endpoint expects a WebSocket upgrade');
      if (url.pathname === '/token' && req.method === 'GET') {
        const room = url.searchParams.get('room');
        const identity = url.searchParams.get('identity');
        if (!room || !identity) return reply(req, res, 400, `missing ${!room ? 'room' : 'identity'} query parameter`);
        const token = await mintToken(apiKey, apiSecret, {
          room,
          identity,
          name: url.searchParams.get('name') ?? undefined,
          ttlSeconds: devTtl,
        });
        return reply(req, res, 200, { token, url: `ws://127.0.0.1:${port}` });
      }
      if (url.pathname.startsWith('/admin/')) return handleAdmin(req, res, url, apiSecret, controls);
      if (url.pathname === '/' || url.pathname === '/healthz') return reply(req, res, 200, 'OK');
      return reply(req, res, 404, `no such endpoint: ${url.pathname}`);
    })().catch((e: unknown) => {
      log(`http error: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) reply(req, res, 500, 'internal error');
    });
  });

  server.on('connection', (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const refuse = (status: number, reason: string): void => {
        log(`join refused (${status}): ${reason} (WebSocket ${url.pathname})`);
        rejectUpgrade(socket, status, reason);
      };
      if (!isLoopback(req)) return refuse(403, 'loopback clients only');
      const rtc = endpointOf(url.pathname);
      if (!rtc || rtc.validate) return refuse(404, `no WebSocket endpoint at ${url.pathname}`);
      const check = await verifier.check(joinTokenOf(req, url), url.searchParams.get('room'));
      if (!check.ok) return refuse(check.status, check.reason);
      let params: JoinParams;
      let reconnect = false;
      let resumeSid: string | undefined;
      if (rtc.endpoint === 'v1') {
        const raw = url.searchParams.get('join_request');
        let join: JoinRequest;
        try {
          join = raw ? decodeJoinRequest(raw) : new JoinRequest();
        } catch (e) {
          return refuse(400, `malformed join_request: ${e instanceof Error ? e.message : String(e)}`);
        }
        reconnect = join.reconnect;
        resumeSid = join.participantSid || undefined;
        params = {
          mode: 'single',
          autoSubscribe: join.connectionSettings?.autoSubscribe ?? true,
          publisherOffer: join.publisherOffer ? new SessionDescription(join.publisherOffer) : undefined,
        };
      } else {
        reconnect = url.searchParams.get('reconnect') === '1';
        resumeSid = url.searchParams.get('sid') ?? undefined;
        params = { mode: 'dual', autoSubscribe: url.searchParams.get('auto_subscribe') !== '0', publisherOffer: undefined };
      }
      const claims = check.claims;
      const resumable = (): Session | string => {
        if (resumeWindowMs <= 0) return 'resume is disabled on this server';
        const s = [...sessions].find((x) => !x.isClosed && x.identity === claims.identity && x.roomName === claims.room);
        if (!s) return `no session of '${claims.identity}' in room '${claims.room}' to resume (it ended, or a full rejoin was forced)`;
        if (resumeSid && resumeSid !== s.sid) return `participant sid ${resumeSid} is not the session's ${s.sid}`;
        if (s.mode !== params.mode) return `the session used the other signalling path (${s.mode === 'single' ? '/rtc/v1' : '/rtc'})`;
        return s;
      };
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        if (reconnect) {
          const target = resumable();
          if (typeof target !== 'string') return target.resume(ws, claims, params.publisherOffer);
          // A leave with action RECONNECT makes the client do a full rejoin instead.
          log(`resume of '${claims.identity}' in room '${claims.room}' refused: ${target}; asking for a full rejoin`);
          const leave = new LeaveRequest({
            canReconnect: true,
            action: LeaveRequest_Action.RECONNECT,
            reason: DisconnectReason.STATE_MISMATCH,
          });
          ws.send(new SignalResponse({ message: { case: 'leave', value: leave } }).toBinary());
          ws.close(1000);
          return;
        }
        const session = new Session(ws, claims, params, {
          registry,
          counter,
          candidatePolicy,
          log,
          pingIntervalSeconds: options.pingIntervalSeconds ?? 5,
          pingTimeoutSeconds: options.pingTimeoutSeconds ?? 15,
          tokenRefreshIntervalMs: options.tokenRefreshIntervalMs ?? 5 * 60_000,
          resumeWindowMs,
          mintToken: mintFor,
          onTokenPushed: options.onTokenPushed ?? (() => undefined),
          onClosed: (s) => {
            sessions.delete(s);
            // A peer that never answers the close handshake must not keep the socket open.
            const current = s.socket;
            setTimeout(() => current.terminate(), 1000).unref();
          },
        });
        sessions.add(session);
        session.start();
      });
    })().catch((e: unknown) => {
      log(`upgrade error: ${e instanceof Error ? e.message : String(e)}`);
      socket.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7880, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  log(`listening on ws://127.0.0.1:${port}; ICE candidates accepted for ${[...candidatePolicy.addresses].join(', ')}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const s of [...sessions]) s.disconnect(DisconnectReason.SERVER_SHUTDOWN, 'server shutdown');
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      log('stopped');
    })();
    return stopping;
  };

  return {
    url: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    apiKey,
    mintToken: (opts) => mintToken(apiKey, apiSecret, opts),
    stop,
    ...controls,
  };
}
