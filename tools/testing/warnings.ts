// Collects what lk-denoise logs as warnings during each test of the calling file.
import { afterEach, beforeEach } from 'vitest';
import { setLogger } from '../../src/log';

export function captureWarnings(): string[] {
  const warnings: string[] = [];
  beforeEach(() => {
    warnings.length = 0;
    setLogger({ info: () => undefined, warn: (m) => warnings.push(m) });
  });
  afterEach(() => setLogger(null));
  return warnings;
}
