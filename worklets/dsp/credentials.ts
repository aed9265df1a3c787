// Credential state kept inside the worklet. JWT claims are decoded (never verified: the server
// does that) to tell valid / expired / room-mismatch. The AudioWorkletGlobalScope has no atob or
// TextDecoder, so base64url and UTF-8 are decoded by hand. The token itself never leaves this
// module: only a short hash of it does.
import type { CredentialState, Credentials, StreamInfo, TokenSummary } from '../protocol';

export interface JwtClaims {
  exp?: number;
  iat?: number;
  nbf?: number;
  sub?: string;
  jti?: string;
  video?: { room?: string };
}

export class TokenFormatError extends Error {
  constructor(readonly detail: string) {
    // The detail names the problem, never the token.
    super(`malformed token: ${detail}`);
    this.name = 'TokenFormatError';
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;
B64_INDEX['+'.charCodeAt(0)] = 62;
B64_INDEX['/'.charCodeAt(0)] = 63;

export function base64UrlDecode(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let n = 0;
  for (let i = 0; i < clean.length; i++) {
    const code = clean.charCodeAt(i);
    const v = code < 128 ? (B64_INDEX[code] as number) : -1;
    if (v < 0) throw new TokenFormatError(`invalid base64url character at position ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

export function utf8Decode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i++] as number;
    let cp: number;
    if (b < 0x80) cp = b;
    else if (b >= 0xc0 && b < 0xe0) cp = ((b & 0x1f) << 6) | ((bytes[i++] ?? 0) & 0x3f);
    else if (b >= 0xe0 && b < 0xf0) cp = ((b & 0x0f) << 12) | (((bytes[i++] ?? 0) & 0x3f) << 6) | ((bytes[i++] ?? 0) & 0x3f);
    else cp = ((b & 0x07) << 18) | (((bytes[i++] ?? 0) & 0x3f) << 12) | (((bytes[i++] ?? 0) & 0x3f) << 6) | ((bytes[i++] ?? 0) & 0x3f);
    s += String.fromCodePoint(cp);
  }
  return s;
}

export function decodeJwtClaims(token: string): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenFormatError(`expected 3 dot-separated parts, got ${parts.length}`);
  let claims: unknown;
  try {
    claims = JSON.parse(utf8Decode(base64UrlDecode(parts[1] as string)));
  } catch (e) {
    if (e instanceof TokenFormatError) throw e;
    throw new TokenFormatError('payload is not JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TokenFormatError('payload is not a JSON object');
  }
  return claims as JwtClaims;
}

/** FNV-1a, 32 bit: a short stable id for a token that cannot be turned back into it. */
export function tokenHash(token: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export class CredentialTracker {
  private claims: JwtClaims | null = null;
  private summary: TokenSummary | null = null;
  private malformed: string | null = null;
  private info: StreamInfo | null = null;
  private hasCredentials = false;

  /** Returns the format problem when the token does not decode, else null. */
  setCredentials(credentials: Credentials): string | null {
    this.hasCredentials = true;
    const id = tokenHash(credentials.token);
    try {
      const claims = decodeJwtClaims(credentials.token);
      this.claims = claims;
      this.malformed = null;
      this.summary = {
        id,
        issuedAt: num(claims.iat),
        expiresAt: num(claims.exp),
        identity: typeof claims.sub === 'string' ? claims.sub : null,
        room: typeof claims.video?.room === 'string' ? claims.video.room : null,
      };
    } catch (e) {
      this.claims = null;
      this.malformed = e instanceof TokenFormatError ? e.detail : 'undecodable';
      this.summary = { id, issuedAt: null, expiresAt: null, identity: null, room: null };
    }
    return this.malformed;
  }

  clearCredentials(): void {
    this.hasCredentials = false;
    this.claims = null;
    this.summary = null;
    this.malformed = null;
  }

  setStreamInfo(info: StreamInfo | null): void {
    this.info = info;
  }

  get streamInfo(): StreamInfo | null {
    return this.info;
  }

  get token(): TokenSummary | null {
    return this.summary;
  }

  state(nowMs: number): CredentialState {
    if (!this.hasCredentials) return 'none';
    if (this.malformed !== null || !this.summary) return 'malformed';
    const exp = this.summary.expiresAt;
    if (exp !== null && exp * 1000 <= nowMs) return 'expired';
    const room = this.summary.room;
    if (room !== null && this.info && room !== this.info.roomName) return 'room-mismatch';
    return 'valid';
  }
}
