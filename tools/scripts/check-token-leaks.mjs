// Tokens never escape: greps every text file of an e2e run's output (test-results/**: the
// captured console/page text, error-context.md files, Playwright's output log) for every token
// the run minted and every secret that signed one, as recorded in the token ledger (see
// tools/loopback-server/config.ts signToken; LK_TOKEN_LEDGER). A token also counts as leaked when only its
// signature segment shows up (a log that cut off the start). Prints
// "N tokens checked against M files, 0 leaks", or names each leaking file with a hash of what
// leaked (never the value) and exits 1. The ledger is deleted afterwards either way.
// One exception, counted and printed: a token minted to be refused ('refused-token' in the
// ledger, e.g. e2e/loopback-server/refusal.spec.ts) may appear in Chromium's own console error for the
// refused WebSocket handshake ("WebSocket connection to 'ws://…?access_token=…' failed"), which
// no page code can prevent. Anywhere else, or any other token there, is a leak.
//
//   node scripts/check-token-leaks.mjs [--root test-results] [--ledger <file>] [--keep-ledger]
//                                      [--require-tokens]   (fail when the ledger is empty)
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BINARY_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webm', '.webp', '.zip', '.wasm', '.wav', '.gz', '.pb']);

/** A short, stable name for a secret value: safe to print. */
export function valueHash(value) {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}`;
}

/** Reads the ledger: `token <jwt>` and `secret <value>` lines. */
export function readLedger(path) {
  const tokens = new Set();
  const refused = new Set();
  const secrets = new Set();
  if (!existsSync(path)) return { tokens: [], refused: [], secrets: [] };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const kind = line.slice(0, space);
    const value = line.slice(space + 1).trim();
    if (!value) continue;
    if (kind === 'token') tokens.add(value);
    else if (kind === 'refused-token') refused.add(value);
    else if (kind === 'secret') secrets.add(value);
  }
  return { tokens: [...tokens], refused: [...refused], secrets: [...secrets] };
}

function isBinary(path, bytes) {
  const dot = path.lastIndexOf('.');
  if (dot >= 0 && BINARY_EXTENSIONS.has(path.slice(dot).toLowerCase())) return true;
  return bytes.subarray(0, 8192).includes(0);
}

/** Every regular file under `root`, except `skip` (absolute paths). */
function listFiles(root, skip) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !skip.has(resolve(path))) out.push(path);
    }
  };
  if (existsSync(root) && statSync(root).isDirectory()) walk(root);
  return out.sort();
}

/**
 * Scans the text files under `root` for the ledger's tokens (whole, or their signature segment)
 * and secrets. Returns counts and the leaks found, each as { file, kind, hash }.
 */
export function checkTokenLeaks({ root, ledger, extraSecrets = [] }) {
  const { tokens, refused, secrets } = readLedger(ledger);
  const allSecrets = [...new Set([...secrets, ...extraSecrets.filter(Boolean)])];
  const needles = [];
  for (const token of [...tokens, ...refused]) {
    const isRefused = !tokens.includes(token);
    needles.push({ value: token, kind: 'token', hash: valueHash(token), isRefused });
    const signature = token.split('.')[2];
    if (signature && signature.length >= 20) needles.push({ value: signature, kind: 'token signature', hash: valueHash(token), isRefused });
  }
  for (const secret of allSecrets) needles.push({ value: secret, kind: 'API secret', hash: valueHash(secret) });

  const files = listFiles(root, new Set([resolve(ledger)]));
  const leaks = [];
  const allowed = [];
  let scanned = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    if (isBinary(file, bytes)) continue;
    scanned++;
    const text = bytes.toString('utf8');
    const seen = new Set();
    for (const n of needles) {
      if (seen.has(n.hash)) continue;
      if (!text.includes(n.value)) continue;
      seen.add(n.hash);
      const where = { file: relative(process.cwd(), file) || file, kind: n.kind, hash: n.hash };
      if (n.isRefused && onlyInRefusedHandshakeLines(text, n.value)) allowed.push(where);
      else leaks.push(where);
    }
  }
  return { tokens: tokens.length + refused.length, refused: refused.length, secrets: allSecrets.length, files: scanned, leaks, allowed };
}

// Chromium's console line for a WebSocket handshake the server refused.
const REFUSED_HANDSHAKE = /console\.error\] WebSocket connection to '[^']*[?&]access_token=[^']*' failed/;

/** Whether every line holding `value` is Chromium's refused-handshake console error. */
function onlyInRefusedHandshakeLines(text, value) {
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
    const start = text.lastIndexOf('\n', at) + 1;
    const end = text.indexOf('\n', at);
    if (!REFUSED_HANDSHAKE.test(text.slice(start, end < 0 ? undefined : end))) return false;
  }
  return true;
}

function parseArgs(argv) {
  const args = {
    root: 'test-results',
    ledger: process.env.LK_TOKEN_LEDGER || 'test-results/token-ledger.txt',
    keep: false,
    requireTokens: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--root') args.root = argv[++i];
    else if (a === '--ledger') args.ledger = argv[++i];
    else if (a === '--keep-ledger') args.keep = true;
    else if (a === '--require-tokens') args.requireTokens = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  let result;
  try {
    result = checkTokenLeaks({ root: args.root, ledger: args.ledger, extraSecrets: [process.env.LIVEKIT_API_SECRET] });
  } finally {
    if (!args.keep) rmSync(args.ledger, { force: true });
  }
  const summary = `${result.tokens} tokens checked against ${result.files} files, ${result.leaks.length} leaks (${result.secrets} API secrets checked too; ${result.refused} of the tokens minted to be refused)`;
  if (result.tokens === 0 && args.requireTokens) {
    // A full e2e run always mints tokens: an empty ledger there means the hook broke.
    console.error(`[token-leaks] ${summary}: no token was recorded (ledger ${args.ledger} empty or absent), so the check proves nothing`);
    return 1;
  }
  for (const a of result.allowed) {
    console.log(
      `[token-leaks] allowed: ${a.file}: refused ${a.kind} ${a.hash} only in Chromium's console error for the refused WebSocket handshake`,
    );
  }
  if (result.leaks.length === 0) {
    console.log(`[token-leaks] ${summary}`);
    return 0;
  }
  console.error(`[token-leaks] ${summary}:`);
  for (const leak of result.leaks) console.error(`  ${leak.file}: ${leak.kind} ${leak.hash}`);
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main();
}
