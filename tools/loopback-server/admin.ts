// Admin HTTP endpoint for tests: every request must carry `Authorization: Bearer <apiSecret>`
// and come from loopback. Answers JSON; errors are `{ error }` with 400/401/403/404.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ControlError, isLoopback, reply, type RoomSnapshot, type ServerStats } from './server';

export interface AdminControls {
  /** Sends leave(PARTICIPANT_REMOVED) and removes the participant. */
  kick(identity: string, room?: string): void;
  /**
   * Closes the signal WebSocket without a leave. 'rejoin' (default) also ends the session, so the
   * client's resume attempt is refused and it rejoins in full; 'resume' keeps the session for a
   * resume (RoomEvent.SignalReconnecting, then Reconnected with the same SIDs).
   */
  dropSignal(identity: string, room?: string, mode?: 'resume' | 'rejoin'): void;
  /** Pushes refreshToken now; resolves to the pushed token. */
  refreshToken(identity: string, room?: string): Promise<string>;
  /** Moves the participant to `toRoom` (RoomEvent.Moved); resolves to its new token. */
  move(identity: string, toRoom: string, fromRoom?: string): Promise<string>;
  listRooms(): RoomSnapshot[];
  stats(): ServerStats;
}

export type AdminAuth = { ok: true } | { ok: false; status: 401 | 403; reason: string };

export function checkAdminAuth(req: IncomingMessage, apiSecret: string): AdminAuth {
  if (!isLoopback(req)) return { ok: false, status: 403, reason: 'admin is loopback only' };
  const header = req.headers.authorization;
  if (!header) return { ok: false, status: 401, reason: 'missing Authorization header (expected "Bearer <api secret>")' };
  const m = /^Bearer (.+)$/.exec(header);
  if (!m) return { ok: false, status: 401, reason: 'Authorization header is not a Bearer credential' };
  const given = Buffer.from(m[1]!, 'utf8');
  const expected = Buffer.from(apiSecret, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, status: 401, reason: 'wrong admin credential' };
  }
  return { ok: true };
}

type AdminAction = 'rooms' | 'stats' | 'kick' | 'drop' | 'refresh' | 'move';
const ACTIONS: readonly AdminAction[] = ['rooms', 'stats', 'kick', 'drop', 'refresh', 'move'];

async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, string>> {
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  if (req.method !== 'POST') return params;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new ControlError(400, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return params;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ControlError(400, 'request body is not JSON');
  }
  if (typeof body !== 'object' || body === null) throw new ControlError(400, 'request body must be a JSON object');
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') params[k] = v;
  return params;
}

export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  apiSecret: string,
  controls: AdminControls,
): Promise<void> {
  const auth = checkAdminAuth(req, apiSecret);
  if (!auth.ok) return reply(req, res, auth.status, { error: auth.reason });
  const action = url.pathname.slice('/admin/'.length) as AdminAction;
  if (!ACTIONS.includes(action)) return reply(req, res, 404, { error: `unknown admin action '${action}'` });
  try {
    const p = await readParams(req, url);
    const identity = (): string => {
      if (!p.identity) throw new ControlError(400, 'missing identity');
      return p.identity;
    };
    switch (action) {
      case 'rooms':
        return reply(req, res, 200, { rooms: controls.listRooms() });
      case 'stats':
        return reply(req, res, 200, controls.stats());
      case 'kick':
        controls.kick(identity(), p.room);
        return reply(req, res, 200, { ok: true });
      case 'drop': {
        const mode = p.mode ?? 'rejoin';
        if (mode !== 'resume' && mode !== 'rejoin') throw new ControlError(400, `mode must be 'resume' or 'rejoin', got '${mode}'`);
        controls.dropSignal(identity(), p.room, mode);
        return reply(req, res, 200, { ok: true });
      }
      case 'refresh':
        // The token itself is not echoed over HTTP: tests that need it use the programmatic API.
        await controls.refreshToken(identity(), p.room);
        return reply(req, res, 200, { ok: true });
      case 'move':
        await controls.move(identity(), p.to ?? '', p.room);
        return reply(req, res, 200, { ok: true });
      default: {
        const unknown: never = action;
        return reply(req, res, 404, { error: `unknown admin action '${String(unknown)}'` });
      }
    }
  } catch (e) {
    if (e instanceof ControlError) return reply(req, res, e.status, { error: e.message });
    throw e;
  }
}
