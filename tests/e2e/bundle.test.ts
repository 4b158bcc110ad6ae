// What Electron loads is the bundle, not the source: bundling can break code that runs fine from
// source (a top-level name the bundler's own shims also declare, for one). Electron's binary is
// not available on every machine, so at least check that Node parses the built main process and
// preload script.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureAppBuilt } from '../support/browser.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the built desktop bundles', () => {
  beforeAll(() => ensureAppBuilt(), 180_000);

  it.each(['out/main/index.js', 'out/preload/index.cjs'])('%s parses', (file) => {
    const check = spawnSync(process.execPath, ['--check', path.join(ROOT, file)], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
