// `npm test`: type checks, Node tests (Vitest), the production build, then the browser e2e
// suite (Playwright, Debian Chromium). Extra arguments go to Playwright (e.g. a spec filter).
import { ensureSetup, run } from './setup.mjs';

ensureSetup();
const extra = process.argv.slice(2);
run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
run('npx', ['tsc', '-p', 'worklets/tsconfig.json', '--noEmit']);
run('npx', ['vitest', 'run']);
run('npx', ['vite', 'build', '--logLevel', 'warn']);
run('npx', ['playwright', 'test', ...extra]);
