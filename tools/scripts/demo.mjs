// `npm run demo`: the demo page on Vite's dev server. Its lk-demo plugin (demo/vite-plugin.ts)
// starts the loopback LiveKit server on 127.0.0.1:7880 (LK_SERVER_PORT), or, with
// LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET set, mints tokens for that server instead.
// Ctrl-C stops both. DEMO_PORT changes the page's port (default 5173).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSetup } from './setup.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
process.chdir(root);
ensureSetup({ browser: false });

const port = Number(process.env.DEMO_PORT ?? 5173);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`DEMO_PORT must be an integer 1..65535, got '${process.env.DEMO_PORT}'`);
  process.exit(2);
}

const { LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET } = process.env;
const someReal = LIVEKIT_URL || LIVEKIT_API_KEY || LIVEKIT_API_SECRET;
const allReal = LIVEKIT_URL && LIVEKIT_API_KEY && LIVEKIT_API_SECRET;
if (someReal && !allReal) {
  console.warn(
    '[demo] LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET must all be set to use a real server; ' + 'using the loopback server.',
  );
}
process.env.LK_SERVER_PORT ??= '7880';
// Vite 8 warns about its future native config loader on every start; not actionable here.
process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING ??= 'true';

// Imported after ensureSetup: on a fresh clone node_modules appears only now.
const { createServer } = await import('vite');
let server;
try {
  server = await createServer({
    configFile: resolve(root, 'vite.config.ts'),
    server: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  await server.listen();
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  console.error(`[demo] could not start Vite on 127.0.0.1:${port}: ${message}`);
  if (/in use/i.test(message)) console.error('[demo] another process holds the port; stop it or set DEMO_PORT.');
  await server?.close().catch(() => undefined);
  process.exit(1);
}

const pageUrl = `http://127.0.0.1:${port}/demo/`;
let info;
try {
  const response = await fetch(`http://127.0.0.1:${port}/api/server`);
  info = await response.json();
  if (!response.ok) throw new Error(info?.error ?? `HTTP ${response.status}`);
} catch (e) {
  console.error(`[demo] the demo backend did not start: ${e instanceof Error ? e.message : String(e)}`);
  await server.close();
  process.exit(1);
}

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[22m` : s);
const cyan = (s) => (process.stdout.isTTY ? `\x1b[36m${s}\x1b[39m` : s);
console.log('');
console.log(`  ${bold('lk-denoise demo')}`);
console.log(`  page:     ${cyan(pageUrl)}`);
console.log(
  info.loopback
    ? `  LiveKit:  ${cyan(info.url)}  (loopback server, dev only)`
    : `  LiveKit:  ${cyan(info.url)}  (LIVEKIT_URL; tokens minted with LIVEKIT_API_KEY)`,
);
console.log('');
console.log('  Open the page, then "Open a second tab": each tab publishes a noisy speech sample');
console.log('  and shows the other one before and after noise cancellation. Ctrl-C stops everything.');
console.log('');

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  console.log('\n[demo] stopping');
  const timer = setTimeout(() => process.exit(0), 5000);
  timer.unref();
  await server.close().catch(() => undefined);
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
