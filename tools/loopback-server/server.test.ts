// Node-side checks of the loopback LiveKit server: token refusals, admin auth, dev tokens,
// garbage frames and vanished clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessToken } from 'livekit-server-sdk';
import { SignalRequest, SignalResponse } from '@livekit/protocol';
import WebSocket from 'ws';
import { startServer, type LoopbackServer } from './server';
import { JoinTokenVerifier } from './auth';
import { resolveTarget, DEV_API_KEY, DEV_API_SECRET } from './config';
import { fixZeroPorts, parseMediaSections } from './sdp';
import { CandidatePolicy } from './candidates';

const KEY = 'testkey';
const SECRET = 'test-secret-that-is-long-enough-0123456789';

async function token(
  opts: { room?: string; identity?: string; ttl?: number | string; roomJoin?: boolean; key?: string; secret?: string } = {},
): Promise<string> {
  const at = new AccessToken(opts.key ?? KEY, opts.secret ?? SECRET, { identity: opts.identity ?? 'alice', ttl: opts.ttl ?? 60 });
  at.addGrant({ roomJoin: opts.roomJoin ?? true, room: opts.room ?? 'r1' });
  return at.toJwt();
}

describe('token verification', () => {
  const verifier = new JoinTokenVerifier(KEY, SECRET);

  it('accepts a valid token and reads identity, room and default permissions', async () => {
    const check = await verifier.check(await token());
    expect(check).toMatchObject({ ok: true, claims: { identity: 'alice', room: 'r1', canPublish: true, canSubscribe: true } });
  });

  it('refuses a missing token with 401', async () => {
    expect(await verifier.check(undefined)).toEqual({
      ok: false,
      status: 401,
      reason: 'missing token: neither an access_token query parameter nor an Authorization: Bearer header',
    });
  });

  it('refuses a malformed token with 401 naming it malformed', async () => {
    const check = await verifier.check('not-a-jwt');
    expect(check).toMatchObject({ ok: false, status: 401 });
    expect(!check.ok && check.reason).toMatch(/malformed/);
  });

  it('refuses an expired token with 401 naming the expiry', async () => {
    const expired = await token({ ttl: -10 });
    const check = await verifier.check(expired);
    expect(check).toMatchObject({ ok: false, status: 401 });
    expect(!check.ok && check.reason).toMatch(/expired at \d{4}-/);
  });

  it('refuses a token signed with another secret with 401 naming the signature', async () => {
    const check = await verifier.check(await token({ secret: 'another-secret-that-is-long-enough-xyz' }));
    expect(!check.ok && check.reason).toMatch(/signature/);
  });

  it('refuses a token issued by another API key with 401 naming both keys', async () => {
    const check = await verifier.check(await token({ key: 'otherkey' }));
    expect(check).toMatchObject({ ok: false, status: 401 });
    expect(!check.ok && check.reason).toContain("'otherkey'");
  });

  it('refuses a token without the roomJoin grant with 403', async () => {
    expect(await verifier.check(await token({ roomJoin: false }))).toMatchObject({
      ok: false,
      status: 403,
      reason: 'token lacks the roomJoin grant',
    });
  });

  it('refuses a token for another room with 403 naming both rooms', async () => {
    const check = await verifier.check(await token({ room: 'r1' }), 'r2');
    expect(check).toEqual({ ok: false, status: 403, reason: "token is for room 'r1', not 'r2'" });
  });

  it('never puts the token into a refusal reason', async () => {
    const expired = await token({ ttl: -10 });
    const check = await verifier.check(expired);
    expect(!check.ok && check.reason).not.toContain(expired.split('.')[1]!);
  });
});

describe('SDP patches', () => {
  const sdp = [
    'v=0',
    'o=- 1 1 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'm=audio 0 UDP/TLS/RTP/SAVPF 111',
    'a=mid:0',
    'a=inactive',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'a=mid:1',
    'a=sendonly',
    'a=msid:stream track-cid',
    'a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host',
    'a=candidate:2 1 udp 2130706431 192.0.2.7 50001 typ host',
    'a=candidate:3 1 udp 2130706431 abc.local 50002 typ host',
    '',
  ].join('\r\n');

  it('rewrites port 0 of inactive sections to 9 so Chromium does not treat them as rejected', () => {
    expect(fixZeroPorts(sdp)).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0');
  });

  it('keeps only 127.0.0.1 candidates by default, and names each dropped one', () => {
    const dropped: string[] = [];
    const out = new CandidatePolicy().filterSdp(sdp, (why) => dropped.push(why));
    expect(out).toContain('127.0.0.1 50000');
    expect(out).not.toContain('192.0.2.7');
    expect(out).not.toContain('abc.local');
    expect(dropped).toEqual([expect.stringContaining('192.0.2.7 is not in'), expect.stringContaining('abc.local is not in')]);
  });

  it('also keeps candidates for explicitly allowed addresses, and only those', () => {
    const out = new CandidatePolicy(['192.0.2.7']).filterSdp(sdp);
    expect(out).toContain('127.0.0.1 50000');
    expect(out).toContain('192.0.2.7 50001');
    expect(out).not.toContain('abc.local');
  });

  it('reads mid, direction and msid of each media section', () => {
    expect(parseMediaSections(sdp).map(({ mid, direction, msidTrackId, port }) => ({ mid, direction, msidTrackId, port }))).toEqual([
      { mid: '0', direction: 'inactive', msidTrackId: undefined, port: 0 },
      { mid: '1', direction: 'sendonly', msidTrackId: 'track-cid', port: 9 },
    ]);
  });
});

describe('candidate address policy', () => {
  it('binds ICE to 127.0.0.1 when loopback only, and to every interface with extra addresses', () => {
    expect(new CandidatePolicy().iceBinding()).toEqual({
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
    });
    expect(new CandidatePolicy(['10.213.0.1']).iceBinding()).toEqual({
      iceAdditionalHostAddresses: ['127.0.0.1', '10.213.0.1'],
      iceInterfaceAddresses: undefined,
    });
  });

  it('reads a comma or space separated list (CLI and environment form)', () => {
    expect([...CandidatePolicy.fromList('10.213.0.1, 10.213.0.2').addresses]).toEqual(['127.0.0.1', '10.213.0.1', '10.213.0.2']);
    expect(CandidatePolicy.fromList(undefined).loopbackOnly).toBe(true);
  });

  it('refuses an address that is not an IPv4 literal, naming it', async () => {
    expect(() => new CandidatePolicy(['host.local'])).toThrow(/'host.local' is not an IPv4 address/);
    await expect(startServer({ port: 0, allowedCandidateAddresses: ['::1'] })).rejects.toThrow(/'::1'/);
  });
});

describe('config switch', () => {
  it('targets a real server only when all three LIVEKIT_* variables are set', () => {
    expect(resolveTarget({})).toEqual({ kind: 'loopback', apiKey: DEV_API_KEY, apiSecret: DEV_API_SECRET });
    expect(resolveTarget({ LIVEKIT_URL: 'wss://x', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' })).toEqual({
      kind: 'real',
      url: 'wss://x',
      apiKey: 'k',
      apiSecret: 's',
    });
    expect(resolveTarget({ LIVEKIT_URL: 'wss://x' }).kind).toBe('loopback');
  });
});

describe('loopback server over HTTP and WebSocket', () => {
  let server: LoopbackServer;
  const lines: string[] = [];
  beforeAll(async () => {
    // Resume off: these checks count sessions right after a socket closes, which a resume window
    // would keep (resume has its own tests in signal.test.ts and e2e/loopback-server/resume.spec.ts).
    server = await startServer({
      port: 0,
      apiKey: KEY,
      apiSecret: SECRET,
      resumeWindowSeconds: 0,
      pingIntervalSeconds: 1,
      pingTimeoutSeconds: 2,
      log: (l) => lines.push(l),
    });
  });
  afterAll(async () => {
    await server.stop();
    await server.stop(); // teardown is safe to repeat
  });

  const admin = (path: string, init: RequestInit = {}, secret: string | null = SECRET): Promise<Response> =>
    fetch(`${server.httpUrl}/admin/${path}`, {
      ...init,
      headers: { ...(secret ? { authorization: `Bearer ${secret}` } : {}), 'content-type': 'application/json' },
    });

  it('binds to 127.0.0.1 and reports its URL', () => {
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers validate with 200 for a good token and the refusal reason otherwise', async () => {
    const good = await fetch(`${server.httpUrl}/rtc/v1/validate?access_token=${await token()}`);
    expect(good.status).toBe(200);
    const expired = await fetch(`${server.httpUrl}/rtc/validate?access_token=${await token({ ttl: -10 })}`);
    expect(expired.status).toBe(401);
    expect(await expired.text()).toMatch(/expired/);
    const noJoin = await fetch(`${server.httpUrl}/rtc/v1/validate?access_token=${await token({ roomJoin: false })}`);
    expect(noJoin.status).toBe(403);
  });

  it.each(['/rtc/validate', '/rtc/v1/validate'])('reads the token of %s from an Authorization: Bearer header too', async (path) => {
    const good = await fetch(`${server.httpUrl}${path}`, { headers: { authorization: `Bearer ${await token()}` } });
    expect(good.status).toBe(200);
    const expired = await fetch(`${server.httpUrl}${path}`, { headers: { authorization: `Bearer ${await token({ ttl: -10 })}` } });
    expect(expired.status).toBe(401);
    expect(await expired.text()).toMatch(/expired/);
    const none = await fetch(`${server.httpUrl}${path}`);
    expect(await none.text()).toMatch(/missing token/);
  });

  it.each(['/rtc', '/rtc/v1'])('joins a WebSocket on %s whose token comes only in an Authorization: Bearer header', async (path) => {
    const ws = new WebSocket(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${await token({ identity: `bearer-${path.length}` })}` },
    });
    const first = await new Promise<SignalResponse>((resolve, reject) => {
      ws.once('message', (d) => resolve(SignalResponse.fromBinary(new Uint8Array(d as Buffer))));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    });
    expect(first.message.case).toBe('join');
    ws.close();
    await expect.poll(() => server.stats().participants).toBe(0);
  });

  it('refuses a WebSocket join whose Bearer header carries a bad token, with the reason logged', async () => {
    const ws = new WebSocket(`${server.url}/rtc/v1`, { headers: { authorization: `Bearer ${await token({ ttl: -10 })}` } });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
    expect(lines.some((l) => /join refused \(401\): token expired/.test(l))).toBe(true);
  });

  it('adds CORS headers for loopback origins only', async () => {
    const ok = await fetch(`${server.httpUrl}/rtc/validate?access_token=x`, { headers: { origin: 'http://127.0.0.1:5175' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5175');
    const other = await fetch(`${server.httpUrl}/rtc/validate?access_token=x`, { headers: { origin: 'http://example.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('mints dev tokens that the server accepts, and refuses a request without identity', async () => {
    const res = await fetch(`${server.httpUrl}/token?room=r9&identity=bob`);
    const body = (await res.json()) as { token: string; url: string };
    expect(body.url).toBe(server.url);
    expect((await fetch(`${server.httpUrl}/rtc/validate?access_token=${body.token}`)).status).toBe(200);
    const bad = await fetch(`${server.httpUrl}/token?room=r9`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/identity/);
  });

  it('refuses admin requests without, or with a wrong, bearer secret', async () => {
    expect((await admin('stats', {}, null)).status).toBe(401);
    const wrong = await admin('stats', {}, 'nope');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'wrong admin credential' });
    expect((await admin('stats')).status).toBe(200);
    expect((await admin('kick', { method: 'POST', body: JSON.stringify({ identity: 'ghost' }) })).status).toBe(404);
    expect((await admin('nope')).status).toBe(404);
  });

  it('refuses a WebSocket join with a bad token before upgrading', async () => {
    const ws = new WebSocket(`${server.url}/rtc?access_token=${await token({ ttl: -10 })}`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('survives garbage frames and unknown messages, still answering pings', async () => {
    const ws = new WebSocket(`${server.url}/rtc?access_token=${await token({ identity: 'garbage' })}&auto_subscribe=1`);
    const messages: SignalResponse[] = [];
    ws.on('message', (d) => messages.push(SignalResponse.fromBinary(new Uint8Array(d as Buffer))));
    await new Promise((r) => ws.once('open', r));
    await expect.poll(() => messages.some((m) => m.message.case === 'join')).toBe(true);
    ws.send(Buffer.from([0xff, 0xff, 0xff, 0x01, 0x02]));
    ws.send('{not json');
    ws.send(new SignalRequest({}).toBinary());
    ws.send(new SignalRequest({ message: { case: 'ping', value: 42n } }).toBinary());
    await expect.poll(() => messages.some((m) => m.message.case === 'pong')).toBe(true);
    expect((await admin('stats')).status).toBe(200);
    ws.close();
    await expect.poll(async () => ((await (await admin('stats')).json()) as { participants: number }).participants).toBe(0);
  });

  it('cleans up a client that vanishes without leave once its ping times out', async () => {
    const ws = new WebSocket(`${server.url}/rtc?access_token=${await token({ identity: 'vanisher' })}`);
    await new Promise((r) => ws.once('open', r));
    await expect.poll(() => server.stats().participants).toBe(1);
    // Stop reading and never ping: the server must give up after pingTimeout (2 s here).
    ws.pause();
    await expect.poll(() => server.stats(), { timeout: 8000 }).toMatchObject({ participants: 0, sockets: 0, peerConnections: 0 });
    expect(lines.some((l) => l.includes('vanisher ping timeout'))).toBe(true);
    ws.terminate();
  });

  it('never logs a token value or the secret', () => {
    const all = lines.join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });
});
