import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import app from '../../vite.config';
import { ROOT, matrixOutDir } from './matrix';
import { embeddedWasm } from '../scripts/embedded-wasm';

// The e2e page of the version matrix (e2e/pages/nc-room.html) built against the livekit-client
// alias named by LK_LIVEKIT_ALIAS, into its own outDir; `vite preview` with this config serves
// it under the app's CSP. Only that page, and no demo backend: the spec starts its own server.
const alias = process.env.LK_LIVEKIT_ALIAS;
if (!alias || !/^livekit-client-[\w-]+$/.test(alias)) {
  throw new Error(`LK_LIVEKIT_ALIAS must name a livekit-client alias from package.json (was ${JSON.stringify(alias)})`);
}

export default defineConfig({
  ...app,
  plugins: [embeddedWasm()],
  resolve: { alias: { 'livekit-client': alias } },
  build: {
    ...app.build,
    outDir: matrixOutDir(alias),
    rollupOptions: { input: [resolve(ROOT, 'e2e/pages/nc-room.html')] },
  },
});
