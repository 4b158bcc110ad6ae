import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Real SQLite files, real HTTP servers and real Chromium on 2 shared cores: a ceiling for a
    // stuck test, never a speed target (those are in bench/).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
