// Bad tokens are refused with the right status and a reason naming the problem, over HTTP and
// when a real browser client tries to connect.
import { test, expect } from '../support/fixtures';
import { AccessToken } from 'livekit-server-sdk';
import { startServer, type LoopbackServer } from '../../tools/loopback-server/server';
import { DEV_API_KEY, DEV_API_SECRET, signToken } from '../../tools/loopback-server/config';
import { openHarness } from './helpers';

let server: LoopbackServer;
test.beforeAll(async () => {
  server = await startServer({ port: 0, log: process.env.LK_SERVER_LOG === '1' });
});
test.afterAll(async () => {
  await server?.stop();
});

async function makeToken(o: { ttl?: number; secret?: string; roomJoin?: boolean; room?: string } = {}): Promise<string> {
  const at = new AccessToken(DEV_API_KEY, o.secret ?? DEV_API_SECRET, { identity: 'mallory', ttl: o.ttl ?? 600 });
  at.addGrant({ roomJoin: o.roomJoin ?? true, room: o.room ?? 'refuse' });
  return signToken(at, o.secret ?? DEV_API_SECRET, 'refused-token');
}

const cases: { name: string; token: () => Promise<string>; status: number; reason: RegExp; query?: string }[] = [
  { name: 'a malformed token', token: async () => 'garbage', status: 401, reason: /malformed/ },
  { name: 'an expired token', token: () => makeToken({ ttl: -30 }), status: 401, reason: /expired at/ },
  {
    name: 'a token signed with another secret',
    token: () => makeToken({ secret: 'some-other-secret-that-is-long-enough' }),
    status: 401,
    reason: /signature/,
  },
  { name: 'a token without the roomJoin grant', token: () => makeToken({ roomJoin: false }), status: 403, reason: /roomJoin/ },
  {
    name: 'a token for another room',
    token: () => makeToken({ room: 'elsewhere' }),
    status: 403,
    reason: /'elsewhere', not 'refuse'/,
    query: '&room=refuse',
  },
];

for (const c of cases) {
  test(`the validate endpoints refuse ${c.name} with ${c.status} and say why`, async () => {
    const token = await c.token();
    for (const path of ['/rtc/validate', '/rtc/v1/validate']) {
      const res = await fetch(`${server.httpUrl}${path}?access_token=${encodeURIComponent(token)}${c.query ?? ''}`);
      expect(res.status).toBe(c.status);
      const body = await res.text();
      expect(body).toMatch(c.reason);
      expect(body.includes(token)).toBe(false);
    }
  });
}

test('a browser client connecting with an expired token fails with the server reason', async ({ context }) => {
  const page = await openHarness(context);
  const token = await makeToken({ ttl: -30 });
  const result = await page.evaluate((o) => window.roomHarness.tryJoin(o), { url: server.url, token });
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.message).toMatch(/expired at/);
    expect(result.status).toBe(401);
  }
  expect(server.stats()).toMatchObject({ participants: 0, peerConnections: 0 });
});

test('a browser client connecting with a token for a non-joinable grant fails with 403 over /rtc too', async ({ context }) => {
  const page = await openHarness(context);
  const token = await makeToken({ roomJoin: false });
  const result = await page.evaluate((o) => window.roomHarness.tryJoin(o), { url: server.url, token, singlePeerConnection: false });
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.message).toMatch(/roomJoin/);
    expect(result.status).toBe(403);
  }
});
