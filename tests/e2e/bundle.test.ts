// What Electron loads is the bundle, not the source: bundling can break code that runs fine from
// source (a top-level name the bundler's own shims also declare, for one). Electron's binary is
// not available on every machine, so at least check that Node parses the built main process and
// preload script.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureAppBuilt } from '../support/browser.ts';
import { firstLoad } from '../support/first-load.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the built desktop bundles', () => {
  beforeAll(() => ensureAppBuilt(), 180_000);

  // Vite warns about any chunk over 500 kB, and that warning is the first thing `npm start` would
  // print: the renderer is split (electron.vite.config.ts) so none is that large.
  it('no renderer chunk reaches the bundler’s 500 kB warning', () => {
    const dir = path.join(ROOT, 'out/renderer/assets');
    const sizes = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => [f, statSync(path.join(dir, f)).size] as const);
    expect(sizes.length).toBeGreaterThan(3);
    expect(sizes.filter(([, size]) => size > 500 * 1000)).toEqual([]);
  });

  // The server validates; the renderer loads the plain route manifest, never zod (~100 kB of the
  // first load before). A zod class name in a chunk means a runtime import of schemas.ts or
  // routes.ts slipped in (import them with `import type`).
  it('no renderer chunk, and not the preload, holds zod', () => {
    const dir = path.join(ROOT, 'out/renderer/assets');
    const files = [
      ...readdirSync(dir)
        .filter((f) => f.endsWith('.js'))
        .map((f) => path.join(dir, f)),
      path.join(ROOT, 'out/preload/index.cjs'),
    ];
    const withZod = files.filter((file) => /\$ZodType|ZodError/.test(readFileSync(file, 'utf8'))).map((file) => path.relative(ROOT, file));
    expect(withZod).toEqual([]);
  });

  // What a browser (or Electron) must fetch and parse before the first screen: index.html's
  // script, the chunks it preloads and its styles, and one language's dictionary (support/first-load.ts).
  // Screens and the Markdown view load later.
  it('the first load (index.html’s script, preloaded chunks and styles, a dictionary) is at most 200 KB gzipped', () => {
    const { files, gzipBytes } = firstLoad(path.join(ROOT, 'out/renderer'));
    expect(files.filter((f) => f.name.endsWith('.js')).length).toBeGreaterThan(0);
    // One language's dictionary, not both (i18n/index.ts loads the one the student reads).
    expect(files.filter((f) => /assets\/(en|zh-CN)-[^/]+\.js$/.test(f.name))).toHaveLength(1);
    expect(gzipBytes).toBeLessThanOrEqual(200 * 1024);
  });

  // KaTeX (~260 kB of JS, its CSS and fonts) loads only with a text that has maths
  // (features/chat/markdown-math.ts): neither the first load nor the Markdown view (every answer)
  // pulls it in. What a module loads with it: its chunk, the chunks it imports and their styles
  // (Vite's manifest, electron.vite.config.ts).
  it('KaTeX is neither in the first load nor loaded with the Markdown view, only with maths', () => {
    const dir = path.join(ROOT, 'out/renderer');
    type Chunk = { file: string; imports?: string[]; css?: string[] };
    const manifest = JSON.parse(readFileSync(path.join(dir, '.vite/manifest.json'), 'utf8')) as Record<string, Chunk>;
    const loads = (key: string, seen = new Set<string>()): Set<string> => {
      const chunk = manifest[key];
      if (!chunk) throw new Error(`${key} is not in the build's manifest`);
      if (seen.has(chunk.file)) return seen;
      seen.add(chunk.file);
      for (const css of chunk.css ?? []) seen.add(css);
      for (const imported of chunk.imports ?? []) loads(imported, seen);
      return seen;
    };
    // KaTeX's code says its name ("KaTeX parse error"), its styles name its fonts (KaTeX_Main).
    const withKatex = (files: Set<string>) => [...files].filter((f) => readFileSync(path.join(dir, f), 'utf8').includes('KaTeX'));
    expect(withKatex(loads('index.html'))).toEqual([]);
    expect(withKatex(loads('src/features/chat/Markdown.tsx'))).toEqual([]);
    // The check finds KaTeX where it is: in what the maths plugins load, JS and CSS.
    const maths = withKatex(loads('src/features/chat/markdown-math.ts'));
    expect(maths.some((f) => f.endsWith('.js'))).toBe(true);
    expect(maths.some((f) => f.endsWith('.css'))).toBe(true);
  });

  it.each(['out/main/index.js', 'out/preload/index.cjs'])('%s parses', (file) => {
    const check = spawnSync(process.execPath, ['--check', path.join(ROOT, file)], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
