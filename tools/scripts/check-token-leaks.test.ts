// scripts/check-token-leaks.mjs, run as npm test runs it, over fake test-results trees: it
// passes a clean tree, fails on a planted token (or its signature, or the API secret) naming the
// file and a hash but never the value, and always deletes the ledger.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessToken } from 'livekit-server-sdk';
import { DEV_API_KEY, DEV_API_SECRET, signToken } from '../loopback-server/config';

const SCRIPT = join(import.meta.dirname, 'check-token-leaks.mjs');

let root: string;
let ledger: string;
const savedLedger = process.env.LK_TOKEN_LEDGER;

async function mint(identity: string): Promise<string> {
  const at = new AccessToken(DEV_API_KEY, DEV_API_SECRET, { identity, ttl: 600 });
  at.addGrant({ roomJoin: true, room: 'leak-check' });
  return signToken(at, DEV_API_SECRET);
}

function put(path: string, content: string | Buffer): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}

function check(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, '--root', root, '--ledger', ledger, ...args], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the token-leak check over captured e2e output', () => {
  let tokens: string[];

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'lk-leaks-'));
    ledger = join(root, 'token-ledger.txt');
    // The same hook the e2e run uses: signToken appends to the file LK_TOKEN_LEDGER names.
    process.env.LK_TOKEN_LEDGER = ledger;
    tokens = [await mint('alice'), await mint('bob')];
    process.env.LK_TOKEN_LEDGER = savedLedger;
    if (savedLedger === undefined) delete process.env.LK_TOKEN_LEDGER;
    put('captured/room_test.txt', '[page1 console.log] joined room leak-check\n[page1 innerText]\nconnected\n');
    put('some-test/error-context.md', '# Page snapshot\n- text: token id 1a2b3c\n');
    put('playwright-output.log', 'Running 2 tests using 1 worker\n  ✓ 1 passes\n');
    put('some-test/screenshot.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('signToken records each token, and the secret once, in the ledger', async () => {
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(ledger, 'utf8').trim().split('\n');
    // Two tokens signed by one secret into a fresh ledger: the secret line comes exactly once,
    // before the first token it signed, so the check greps for it from the first token on.
    expect(lines).toEqual([`secret ${DEV_API_SECRET}`, ...tokens.map((t) => `token ${t}`)]);
  });

  it('passes a clean tree, prints the count of tokens and files, and deletes the ledger', () => {
    const r = check();
    expect(r.out).toContain('2 tokens checked against 3 files, 0 leaks');
    expect(r.status).toBe(0);
    expect(existsSync(ledger)).toBe(false);
  });

  it('fails on a token planted in captured page text, naming the file and a hash, never the token', () => {
    put('captured/room_test.txt', `[page2 innerText]\nyour token: ${tokens[1]}\n`);
    const r = check();
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/1 leaks/);
    expect(r.out).toMatch(/captured\/room_test\.txt: token sha256:[0-9a-f]{12}/);
    expect(r.out).not.toContain(tokens[1]!);
    expect(r.out).not.toContain(tokens[1]!.split('.')[2]!);
    expect(existsSync(ledger)).toBe(false);
  });

  it('fails on a token cut short to its signature in the Playwright log', () => {
    const signature = tokens[0]!.split('.')[2]!;
    put('playwright-output.log', `Error: connect failed: …${signature}\n`);
    const r = check();
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/playwright-output\.log: token signature sha256:/);
  });

  it('fails on the API secret in an error-context.md', () => {
    put('other/error-context.md', `secret was ${DEV_API_SECRET}\n`);
    const r = check();
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/other\/error-context\.md: API secret sha256:/);
    expect(r.out).not.toContain(DEV_API_SECRET);
  });

  it('skips binary files and the ledger itself', () => {
    put('some-test/trace.webm', Buffer.concat([Buffer.from([0]), Buffer.from(tokens[0]!)]));
    const r = check();
    expect(r.status).toBe(0);
    expect(r.out).toContain('0 leaks');
  });

  it("a token minted to be refused may appear only in Chromium's console error for the refused handshake", async () => {
    process.env.LK_TOKEN_LEDGER = ledger;
    const at = new AccessToken(DEV_API_KEY, DEV_API_SECRET, { identity: 'mallory', ttl: -30 });
    at.addGrant({ roomJoin: true, room: 'leak-check' });
    const refused = await signToken(at, DEV_API_SECRET, 'refused-token');
    if (savedLedger === undefined) delete process.env.LK_TOKEN_LEDGER;
    else process.env.LK_TOKEN_LEDGER = savedLedger;
    const line = `[page1 console.error] WebSocket connection to 'ws://127.0.0.1:1/rtc?access_token=${refused}&sdk=js' failed: Error during WebSocket handshake: Unexpected response code: 401`;
    put('captured/refusal.txt', `${line}\n`);
    const ok = check('--keep-ledger');
    expect(ok.out).toContain('3 tokens checked against 4 files, 0 leaks');
    expect(ok.out).toMatch(/allowed: .*captured\/refusal\.txt: refused token sha256:/);
    expect(ok.status).toBe(0);
    // The same token printed by page code is a leak; so is a normal token in that Chromium line.
    put('captured/refusal.txt', `${line}\n[page1 console.log] token=${refused}\n`);
    expect(check('--keep-ledger').status).toBe(1);
    put('captured/refusal.txt', `${line.replace(refused, tokens[0]!)}\n`);
    const normal = check();
    expect(normal.status).toBe(1);
    expect(normal.out).toMatch(/captured\/refusal\.txt: token sha256:/);
  });

  it('with --require-tokens an empty ledger fails: a broken hook cannot pass silently', () => {
    rmSync(ledger);
    const r = check('--require-tokens');
    expect(r.status).toBe(1);
    expect(r.out).toContain('no token was recorded');
    expect(check().status).toBe(0);
  });
});
