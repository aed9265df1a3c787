// The Playwright side of the livekit-client version matrix: with LK_MATRIX=1 (npm test sets
// it), one project per aliased version runs the real-room subset of e2e/nc-room.spec.ts
// (remote track denoised, server token refresh, publisher rejoin) against e2e/pages/nc-room.html
// built with that version, each build served by its own preview server above the main ones.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PlaywrightTestConfig, Project } from '@playwright/test';
import { LIVEKIT_MATRIX, ROOT } from './matrix';

type WebServer = Extract<NonNullable<PlaywrightTestConfig['webServer']>, readonly unknown[]>[number];

const enabled = process.env.LK_MATRIX === '1';
const versions = enabled ? LIVEKIT_MATRIX : [];
const built = process.env.LK_MATRIX_BUILT === '1';
const SPEC = 'nc-room.spec.ts';
const SUBSET_TITLES = [
  'denoises the remote track end to end',
  'a server-pushed token refresh reaches the worklet',
  'rejoining re-pushes the NEW publication SID',
];
// A renamed test would otherwise drop out of the matrix without a word.
const specText = readFileSync(resolve(ROOT, 'e2e', SPEC), 'utf8');
for (const title of SUBSET_TITLES) {
  if (!specText.includes(title)) throw new Error(`the version matrix runs e2e/${SPEC} tests titled "${title}…", and none is`);
}
const SUBSET = new RegExp(SUBSET_TITLES.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));

export function matrixProjects(previewPort: number): Project[] {
  return versions.map(({ version }, i) => ({
    name: `livekit-client@${version}`,
    testMatch: SPEC,
    grep: SUBSET,
    use: { baseURL: `http://127.0.0.1:${previewPort + 1 + i}` },
  }));
}

export function matrixServers(previewPort: number): WebServer[] {
  return versions.map(({ alias }, i) => {
    const env = `LK_LIVEKIT_ALIAS=${alias}`;
    const config = '--config tools/testing/vite.matrix.config.ts';
    const port = previewPort + 1 + i;
    return {
      // LK_MATRIX_BUILT=1: npm test built the pages already, beside its other checks.
      command: `${built ? '' : `${env} npx vite build ${config} --logLevel warn && `}${env} npx vite preview ${config} --port ${port} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${port}/e2e/pages/nc-room.html`,
      reuseExistingServer: false,
      timeout: 180_000,
    };
  });
}
