import type { Reporter, TestModule } from 'vitest/node';

/** The reason requirePackage (requirements.ts) puts in a skipped test's name. */
const SKIP_REASON = /\[skipped: (needs Debian packages? [^\]]+)\]/;

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, that CI can read,
 * preceded by one line per reason tests were skipped for a missing Debian package.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const reasons = new Map<string, number>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          const reason = SKIP_REASON.exec(test.fullName)?.[1];
          if (reason) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
      }
    }
    // A file that failed before its tests ran (e.g. requirePackage under CI=true) has no tests to count.
    const unloaded = testModules.filter((m) => m.errors().length > 0 && [...m.children.allTests()].length === 0).length;
    let out = '\n';
    for (const [reason, n] of reasons)
      out += `skipped ${n} test${n === 1 ? '' : 's'}: ${reason} (apt-get install ${reason
        .replace(/^needs Debian packages? /, '')
        .split(', ')
        .join(' ')})\n`;
    process.stdout.write(`${out}tests: ${passed} passed, ${failed} failed, ${skipped} skipped${unloaded ? `, ${unloaded} file${unloaded === 1 ? '' : 's'} failed to load` : ''}\n`);
  }
}
