// `npm run server`: the loopback LiveKit server on 127.0.0.1 (dev/test only).
import { DEFAULT_PORT, DEV_API_KEY, DEV_API_SECRET, resolveTarget } from './config';
import { startServer } from './server';

const port = process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer 0..65535, got '${process.env.PORT}'`);
  process.exit(2);
}

const server = await startServer({
  port,
  apiKey: process.env.LIVEKIT_API_KEY || DEV_API_KEY,
  apiSecret: process.env.LIVEKIT_API_SECRET || DEV_API_SECRET,
  log: true,
});
// Never print the secret or any token.
console.log(`loopback LiveKit server: ${server.url} (API key '${server.apiKey}'; dev tokens at ${server.httpUrl}/token?room=R&identity=I)`);

if (resolveTarget().kind === 'real') {
  console.log('note: LIVEKIT_URL is set, so demos and tests that read tools/loopback-server/config.ts target that server, not this one');
}

const shutdown = (): void => {
  void server.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
