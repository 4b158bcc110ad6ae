import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * One project per folder of tests/ (support/ holds helpers): `npm test -- --project unit` runs
 * only that one. Read from the folder, so a new folder of tests cannot be left out of `npm test`.
 */
const projects = readdirSync(new URL('tests/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'support')
  .map((entry) => ({ extends: true as const, test: { name: entry.name, include: [`tests/${entry.name}/**/*.test.ts`] } }));

export default defineConfig({
  test: {
    // `npm test` runs every project; `--project NAME` (repeatable) picks some. unit: pure code
    // and SQLite in memory or temp files, seconds — the loop while editing. integration: the
    // core over real SQLite files, HTTP and the openai SDK against the test server, the CLI.
    // e2e: the app in real Chromium. torture: crashes, faults and abuse at volume.
    projects,
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
