import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Real SQLite files, real HTTP servers and real Chromium on 2 shared cores: a ceiling for a
    // stuck test, never a speed target (those are in bench/).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll gives up after 1 s by default; a UI round trip in Chromium (click, IPC/HTTP,
    // SQLite write, re-render) has taken longer than that under CI's load. It returns as soon as
    // the condition holds, so this is again a ceiling.
    expect: { poll: { timeout: 15_000 } },
    pool: 'forks',
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
