import { defineConfig } from 'vitest/config';
import { BELOW_FLOOR, LIVEKIT_MATRIX, ROOT, type MatrixVersion } from './matrix';

// The livekit-client version matrix: the adapter's internals guard and the TrackBinding
// lifecycle suite, once per aliased version (`livekit-client` resolves to that alias), and the
// degraded-adapter test once against the version below the floor. The main Vitest run covers the
// main devDependency.
function project({ alias, version }: MatrixVersion, include: string[]) {
  return {
    resolve: { alias: { 'livekit-client': alias } },
    test: { name: `livekit-client@${version}`, root: ROOT, include, environment: 'node' as const, testTimeout: 30_000 },
  };
}

export default defineConfig({
  root: ROOT,
  test: {
    projects: [
      ...LIVEKIT_MATRIX.map((v) => project(v, ['src/room-adapter.test.ts', 'src/track-binding.test.ts'])),
      project(BELOW_FLOOR, ['src/*.below-floor.test.ts']),
    ],
  },
});
