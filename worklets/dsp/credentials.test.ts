import { describe, expect, it } from 'vitest';
import { AccessToken } from 'livekit-server-sdk';
import { CredentialTracker, base64UrlDecode, decodeJwtClaims, tokenHash, utf8Decode } from './credentials';

const URL = 'ws://127.0.0.1:7880';

async function realToken(room: string, identity: string, ttlSeconds: number): Promise<string> {
  const at = new AccessToken('devkey', 'a-dev-secret-that-is-long-enough-for-hs256', { identity, ttl: ttlSeconds });
  at.addGrant({ roomJoin: true, room });
  return at.toJwt();
}

describe('credential state in the worklet', () => {
  it('decodes the claims of a real LiveKit token without verifying it', async () => {
    const token = await realToken('alpha', 'alice', 600);
    const claims = decodeJwtClaims(token);
    expect(claims.sub).toBe('alice');
    expect(claims.video?.room).toBe('alpha');
    expect(claims.exp! - Date.now() / 1000).toBeGreaterThan(590);
  });

  it('decodes base64url and multi-byte UTF-8 by hand, as the worklet scope has no atob or TextDecoder', () => {
    const text = 'Zoë — 房间 🎧';
    const encoded = Buffer.from(text).toString('base64url');
    expect(utf8Decode(base64UrlDecode(encoded))).toBe(text);
  });

  it('goes none → valid → room-mismatch → valid → expired → none', async () => {
    const t = new CredentialTracker();
    const now = Date.now();
    expect(t.state(now)).toBe('none');
    const token = await realToken('alpha', 'alice', 60);
    t.setCredentials({ token, url: URL });
    expect(t.state(now)).toBe('valid');
    t.setStreamInfo({ roomName: 'beta', participantIdentity: 'alice', publicationSid: 'TR_1' });
    expect(t.state(now)).toBe('room-mismatch');
    t.setStreamInfo({ roomName: 'alpha', participantIdentity: 'alice', publicationSid: 'TR_1' });
    expect(t.state(now)).toBe('valid');
    expect(t.state(now + 61_000)).toBe('expired');
    t.clearCredentials();
    expect(t.state(now)).toBe('none');
  });

  it('reports a malformed token with the problem but never the token', () => {
    const t = new CredentialTracker();
    const secretish = 'not-a-jwt-SECRET-VALUE';
    const problem = t.setCredentials({ token: secretish, url: URL });
    expect(problem).toMatch(/3 dot-separated parts, got 1/);
    expect(problem).not.toContain('SECRET');
    expect(t.state(Date.now())).toBe('malformed');
    expect(JSON.stringify(t.token)).not.toContain('SECRET');
    expect(t.setCredentials({ token: 'a.%%%.c', url: URL })).toMatch(/invalid base64url character/);
    expect(t.setCredentials({ token: `a.${Buffer.from('[1]').toString('base64url')}.c`, url: URL })).toMatch(/not a JSON object/);
  });

  it('identifies a token by its 32-bit FNV-1a hash, matching the published test vectors', () => {
    // FNV-1a 32-bit test vectors from the FNV reference (draft-eastlake-fnv): an independent
    // check that tokenHash is the function it says it is, and stable across releases.
    expect(tokenHash('')).toBe('811c9dc5');
    expect(tokenHash('a')).toBe('e40c292c');
    expect(tokenHash('foobar')).toBe('bf9cf968');
  });

  it('gives distinct tokens distinct hashes: another expiry, another signature, one character changed', async () => {
    const a = await realToken('alpha', 'alice', 60);
    const b = await realToken('alpha', 'alice', 61);
    const [header, payload, signature] = a.split('.') as [string, string, string];
    // Same header and claims, signed by another key: a refreshed token must get a new id.
    const resigned = `${header}.${payload}.${signature.slice(1)}${signature[0] === 'A' ? 'B' : 'A'}`;
    const variants = [a, b, resigned];
    // Every single-character change of the payload, as a refresh with a new jti or exp makes.
    for (let i = 0; i < payload.length; i++) {
      const other = payload[i] === 'A' ? 'B' : 'A';
      variants.push(`${header}.${payload.slice(0, i)}${other}${payload.slice(i + 1)}.${signature}`);
    }
    const hashes = new Set(variants.map(tokenHash));
    expect(hashes.size).toBe(variants.length);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{8}$/);
  });

  it('never puts the token, or any of its three parts, into the hash or the summary it keeps', async () => {
    const token = await realToken('alpha', 'alice', 60);
    const parts = token.split('.');
    const id = tokenHash(token);
    // A "hash" cut out of the token (say its signature's tail) would show up inside it.
    expect(token).not.toContain(id);
    const t = new CredentialTracker();
    t.setCredentials({ token, url: URL });
    expect(t.token).toMatchObject({ id, identity: 'alice', room: 'alpha' });
    const kept = JSON.stringify(t.token);
    for (const part of parts) expect(kept).not.toContain(part);
  });
});
