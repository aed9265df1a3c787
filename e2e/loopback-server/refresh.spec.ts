// Server-pushed token refresh, on a timer and on demand (programmatic and admin HTTP).
import { test, expect } from '../support/fixtures';
import { TokenVerifier } from 'livekit-server-sdk';
import { startServer, type LoopbackServer } from '../../tools/loopback-server/server';
import { DEV_API_KEY, DEV_API_SECRET } from '../../tools/loopback-server/config';
import { joinRoom, openHarness, tokenFor } from './helpers';

let server: LoopbackServer;
const pushed: { identity: string; room: string; token: string }[] = [];
test.beforeAll(async () => {
  server = await startServer({
    port: 0,
    tokenRefreshIntervalMs: 1500,
    log: process.env.LK_SERVER_LOG === '1',
    onTokenPushed: (identity, room, token) => pushed.push({ identity, room, token }),
  });
});
test.afterAll(async () => {
  await server?.stop();
});

test('the engine emits tokenRefreshed with exactly the token the server pushed on its timer', async ({ context }) => {
  const b = await openHarness(context);
  const joinToken = await tokenFor(server, 'refresh', 'bob');
  await b.evaluate((o) => window.roomHarness.join(o), { url: server.url, token: joinToken });
  await expect.poll(() => pushed.filter((p) => p.identity === 'bob').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
  const serverToken = pushed.find((p) => p.identity === 'bob')!.token;
  expect(serverToken === joinToken, 'a refreshed token is a new token').toBe(false);
  await expect.poll(() => b.evaluate((t) => window.roomHarness.tokenRefreshes().includes(t), serverToken)).toBe(true);
  // The fresh token keeps the grants: identity, room and roomJoin.
  const claims = await new TokenVerifier(DEV_API_KEY, DEV_API_SECRET).verify(serverToken);
  expect(claims.sub).toBe('bob');
  expect(claims.video).toMatchObject({ roomJoin: true, room: 'refresh', canPublish: true, canSubscribe: true });
  await b.close();
});

test('a refresh pushed on demand, programmatically or over the admin endpoint, reaches the engine', async ({ context }) => {
  const b = await openHarness(context);
  await joinRoom(b, server, 'refresh-now', 'bob');
  const token = await server.refreshToken('bob', 'refresh-now');
  await expect.poll(() => b.evaluate((t) => window.roomHarness.tokenRefreshes().includes(t), token)).toBe(true);

  const before = pushed.length;
  const res = await fetch(`${server.httpUrl}/admin/refresh`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEV_API_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify({ identity: 'bob', room: 'refresh-now' }),
  });
  expect(res.status).toBe(200);
  const adminToken = pushed.slice(before).find((p) => p.identity === 'bob' && p.room === 'refresh-now')!.token;
  await expect.poll(() => b.evaluate((t) => window.roomHarness.tokenRefreshes().includes(t), adminToken)).toBe(true);
  await b.close();
});
