// Where tokens are minted for and which server a client connects to. With LIVEKIT_URL,
// LIVEKIT_API_KEY and LIVEKIT_API_SECRET all set, demos and tests target that (real) server;
// otherwise they use the loopback server with the dev credentials below.
import { appendFileSync } from 'node:fs';
import { AccessToken } from 'livekit-server-sdk';

export const DEV_API_KEY = 'devkey';
/** Dev-only secret (HS256 wants at least 32 bytes). Never use it outside 127.0.0.1. */
export const DEV_API_SECRET = 'lk-denoise-loopback-dev-secret-0123456789';
export const DEFAULT_PORT = 7880;
export const DEFAULT_DEV_TOKEN_TTL_SECONDS = 600;

export type LiveKitTarget =
  | { kind: 'real'; url: string; apiKey: string; apiSecret: string }
  | { kind: 'loopback'; apiKey: string; apiSecret: string };

type Env = Record<string, string | undefined>;

/** Reads the one switch: all three LIVEKIT_* variables set means "use that real server". */
export function resolveTarget(env: Env = process.env): LiveKitTarget {
  const url = env.LIVEKIT_URL;
  const apiKey = env.LIVEKIT_API_KEY;
  const apiSecret = env.LIVEKIT_API_SECRET;
  if (url && apiKey && apiSecret) return { kind: 'real', url, apiKey, apiSecret };
  return { kind: 'loopback', apiKey: apiKey || DEV_API_KEY, apiSecret: apiSecret || DEV_API_SECRET };
}

export interface MintOptions {
  room: string;
  identity: string;
  name?: string;
  ttlSeconds?: number;
  canPublish?: boolean;
  canSubscribe?: boolean;
  canPublishData?: boolean;
}

export async function mintToken(apiKey: string, apiSecret: string, opts: MintOptions): Promise<string> {
  const at = new AccessToken(apiKey, apiSecret, {
    identity: opts.identity,
    name: opts.name,
    ttl: opts.ttlSeconds ?? DEFAULT_DEV_TOKEN_TTL_SECONDS,
  });
  at.addGrant({
    roomJoin: true,
    room: opts.room,
    canPublish: opts.canPublish ?? true,
    canSubscribe: opts.canSubscribe ?? true,
    canPublishData: opts.canPublishData ?? true,
  });
  return signToken(at, apiSecret);
}

// The token ledger (npm test): with LK_TOKEN_LEDGER naming a file, every token signed through
// signToken and every secret that signed one is appended to it, one `kind value` line each, so
// scripts/check-token-leaks.mjs can grep the e2e run's captured output for them. Every path
// that mints or pushes a token (this file's mintToken, the server's refresh and move tokens,
// specs that sign their own) goes through signToken. The ledger is deleted after the check.
const recordedSecrets = new Set<string>();

/**
 * Appends `token` (and, once per ledger, the secret that signed it) to the ledger, if any.
 * 'refused-token' marks a token minted for the server to refuse (tests of bad tokens): Chromium
 * itself prints the URL of a refused WebSocket handshake, token included, to the console.
 */
export function recordToken(token: string, apiSecret?: string, kind: 'token' | 'refused-token' = 'token'): void {
  const ledger = process.env.LK_TOKEN_LEDGER;
  if (!ledger) return;
  let lines = `${kind} ${token}\n`;
  const key = `${ledger}\0${apiSecret}`;
  if (apiSecret && !recordedSecrets.has(key)) {
    recordedSecrets.add(key);
    lines = `secret ${apiSecret}\n${lines}`;
  }
  appendFileSync(ledger, lines, { mode: 0o600 });
}

/** `at.toJwt()`, recorded in the token ledger. Use it wherever a token is signed. */
export async function signToken(at: AccessToken, apiSecret: string, kind: 'token' | 'refused-token' = 'token'): Promise<string> {
  const token = await at.toJwt();
  recordToken(token, apiSecret, kind);
  return token;
}
