import { configDefaults, defineConfig } from 'vitest/config';

// Node tests sit beside their subject (`*.test.ts`); the browser suite is Playwright's (e2e/).
export default defineConfig({
  test: {
    include: ['{src,worklets,cli,tools}/**/*.test.ts'],
    // Those need an older livekit-client: tools/testing/vitest.matrix.config.ts runs them.
    exclude: [...configDefaults.exclude, '**/*.below-floor.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
