// Whether out/ (`electron-vite build`: out/main, out/preload, out/renderer) is older than what it
// is built from. `npm start` skips an up-to-date build, and the tests' ensureAppBuilt uses the same
// rule, so a test that runs `npm start` after building finds nothing to rebuild. Plain ESM for
// any Node >= 20 (scripts/start.mjs runs on the system Node).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** What out/ is built from (relative to the repository root): newer than the build means rebuild. */
export const BUILD_SOURCES = ['src/main', 'src/preload', 'src/renderer', 'src/shared', 'electron.vite.config.ts', 'package-lock.json'];

/** Written last by a build (the renderer is built after main and preload). */
export const BUILT_MARKER = 'out/renderer/index.html';

function newestMtime(full) {
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(full)) newest = Math.max(newest, newestMtime(path.join(full, entry)));
  return newest;
}

export function buildIsStale(root) {
  const marker = path.join(root, BUILT_MARKER);
  if (!existsSync(marker)) return true;
  const built = statSync(marker).mtimeMs;
  return BUILD_SOURCES.some((s) => newestMtime(path.join(root, s)) > built);
}
