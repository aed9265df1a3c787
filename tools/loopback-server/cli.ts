// `npm run server`: the loopback LiveKit server on 127.0.0.1 (dev/test only).
import { DEFAULT_PORT, DEV_API_KEY, DEV_API_SECRET, resolveTarget } from './config';
import { startServer } from './server';
import { CandidatePolicy, LOOPBACK_CANDIDATE_ADDRESS } from './candidates';

const port = process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer 0..65535, got '${process.env.PORT}'`);
  process.exit(2);
}

// Extra ICE candidate addresses (a browser inside a network namespace, e.g. Firefox):
// --allowed-candidate-addresses=10.213.0.1,10.213.0.2 or LK_ALLOWED_CANDIDATE_ADDRESSES.
const flag = process.argv.find((a) => a.startsWith('--allowed-candidate-addresses='));
const allowed = flag ? flag.slice(flag.indexOf('=') + 1) : process.env.LK_ALLOWED_CANDIDATE_ADDRESSES;
let allowedCandidateAddresses: string[];
try {
  allowedCandidateAddresses = [...CandidatePolicy.fromList(allowed).addresses].filter((a) => a !== LOOPBACK_CANDIDATE_ADDRESS);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}

const server = await startServer({
  allowedCandidateAddresses,
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
