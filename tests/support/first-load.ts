/**
 * What the renderer loads before its first screen, as `npm run bench` reports it and
 * tests/e2e/bundle.test.ts holds it to: index.html's script, the chunks it preloads and its styles,
 * and — loaded before the first render (i18n/index.ts) — one language's dictionary with the chunks it
 * imports that are not loaded already (the larger of the two languages, so the figure holds for
 * either). Sizes are gzip -9.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

type Chunk = { file: string; imports?: string[]; css?: string[] };

/** The renderer's dictionaries, by their key in Vite's manifest (the renderer's root is src/renderer). */
const DICTIONARIES = ['src/i18n/en.ts', 'src/i18n/zh-CN.ts'];

export function firstLoad(rendererDir: string): { files: { name: string; gzip: number }[]; gzipBytes: number } {
  const html = readFileSync(path.join(rendererDir, 'index.html'), 'utf8');
  const page = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  const manifest = JSON.parse(readFileSync(path.join(rendererDir, '.vite/manifest.json'), 'utf8')) as Record<string, Chunk>;
  const gzip = (name: string) => gzipSync(readFileSync(path.join(rendererDir, name)), { level: 9 }).length;
  // A dictionary's chunk and what it imports that the page has not loaded.
  const dictionary = (key: string): string[] => {
    const chunk = manifest[key];
    if (!chunk) throw new Error(`${key} is not in the build's manifest`);
    const files = [chunk.file, ...(chunk.imports ?? []).map((imported) => manifest[imported]?.file ?? imported)];
    return files.filter((f) => !page.includes(f));
  };
  const weigh = (names: string[]) => names.reduce((sum, name) => sum + gzip(name), 0);
  const larger = DICTIONARIES.map(dictionary).sort((a, b) => weigh(b) - weigh(a))[0]!;
  const files = [...page, ...larger].map((name) => ({ name, gzip: gzip(name) }));
  return { files, gzipBytes: files.reduce((sum, f) => sum + f.gzip, 0) };
}
