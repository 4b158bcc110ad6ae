// The layer map as data (VS Code's code-layering, Signal's Node/DOM package lists): which folder
// is which layer, what each layer may import, and what kind every npm package is. One rule
// (code-layering.ts) enforces it; tests/unit/layering.test.ts lints fixtures against it.
//
// Adding a dependency: put it in PACKAGES under its kind, or the lint names it as unclassified.
// Adding a folder outside the layers below: give it a layer, or the lint says it has none.

export type PackageKind = 'neutral' | 'node' | 'dom' | 'electron' | 'test' | 'build';

export interface Layer {
  /** What the layer is, said in its messages. */
  what: string;
  /** Repository-relative path prefixes ending in `/` (a folder), or exact file paths. */
  files: string[];
  /** The layers whose files it may import. */
  layers: string[];
  /** The kinds of npm package it may import. */
  packages: PackageKind[];
}

/**
 * What kind each npm package is. `node`: needs Node (native code, sockets, the file system) or
 * must stay in the main process (the SDK that holds API keys); never in src/shared or the
 * renderer. `dom`: needs a browser (React and what renders with it); never in src/main.
 * `neutral`: plain JavaScript that runs anywhere. `electron`: only the shell and the preload.
 * `test` and `build`: tooling, for tests, benchmarks and config files only.
 * Node's built-in modules (`node:*`) are `node` without being listed.
 */
export const PACKAGES: Record<PackageKind, string[]> = {
  neutral: [
    'zod',
    'uuid',
    'eventsource-parser',
    'i18next',
    // Markdown as plain text (src/shared/markdown-text.ts): search snippets on the server, copy in the app.
    'mdast',
    'mdast-util-from-markdown',
    'mdast-util-gfm',
    'mdast-util-math',
    'micromark-extension-gfm',
    'micromark-extension-math',
  ],
  node: [
    'better-sqlite3',
    '@github/keytar',
    'openai',
    'drizzle-orm',
    'hono',
    '@hono/node-server',
    'gpt-tokenizer',
    'sharp',
    'tesseract.js',
    'unpdf',
    // OCR language data: never imported, their files are found by path (src/main/core/attachments/ocr.ts).
    '@tesseract.js-data/chi_sim',
    '@tesseract.js-data/eng',
    'pg',
    'qrcode',
    'csv-parse',
  ],
  dom: [
    'react',
    'react-dom',
    'react-i18next',
    'react-markdown',
    'remark-gfm',
    'remark-math',
    'rehype-katex',
    'rehype-highlight',
    'katex',
    'lucide-react',
    'uplot',
    '@tanstack/react-virtual',
    '@tanstack/react-query',
  ],
  electron: ['electron'],
  test: ['vitest', 'playwright-core', 'eslint', 'typescript-eslint', 'ai', '@ai-sdk/openai-compatible'],
  build: ['electron-vite', 'vite', '@vitejs/plugin-react', 'drizzle-kit', '@eslint/js', 'globals', 'eslint-plugin-react-hooks'],
};

/**
 * The layers, in the order their `files` are tried (the first prefix that matches a file's path,
 * relative to the repository root, wins). `layers`: the layers whose files it may import
 * (type-only imports included: a type from a forbidden layer is a design smell even when it is
 * erased). `packages`: the kinds of npm package it may import.
 */
export const LAYERS: Record<string, Layer> = {
  shared: {
    what: 'the contract: pure TypeScript for main, preload and renderer',
    files: ['src/shared/'],
    layers: ['shared'],
    packages: ['neutral'],
  },
  core: {
    what: 'everything below the shell; the headless server and tests load it, so no electron',
    files: ['src/main/core/'],
    layers: ['shared', 'core'],
    packages: ['neutral', 'node'],
  },
  cli: {
    what: 'the studylog command',
    files: ['src/main/cli.ts'],
    layers: ['shared', 'core', 'cli'],
    packages: ['neutral', 'node'],
  },
  electron: {
    what: 'the desktop shell',
    files: ['src/main/electron/'],
    layers: ['shared', 'core', 'electron'],
    packages: ['neutral', 'node', 'electron'],
  },
  preload: {
    what: 'the sandboxed preload: it can require nothing but electron at run time',
    files: ['src/preload/'],
    layers: ['shared', 'preload'],
    packages: ['electron'],
  },
  renderer: {
    what: 'the React app; it reaches main only through the client in src/shared',
    files: ['src/renderer/'],
    layers: ['shared', 'renderer'],
    packages: ['neutral', 'dom'],
  },
  tests: {
    what: 'tests and their support; electron cannot load here (its binary is missing), tests use a double',
    files: ['tests/'],
    layers: ['shared', 'core', 'cli', 'electron', 'preload', 'renderer', 'tests', 'scripts', 'tooling'],
    packages: ['neutral', 'node', 'dom', 'test'],
  },
  bench: {
    what: 'benchmarks (they reuse the test server and the e2e harness)',
    files: ['bench/'],
    layers: ['shared', 'core', 'cli', 'renderer', 'tests', 'scripts', 'bench'],
    packages: ['neutral', 'node', 'dom', 'test'],
  },
  scripts: {
    what: 'npm start and the bin entry',
    files: ['scripts/', 'bin/'],
    layers: ['scripts', 'cli'],
    packages: ['node'],
  },
  tooling: {
    what: 'config files at the root and these lint rules',
    files: ['lint-rules/', 'eslint.config.js', 'vitest.config.ts', 'electron.vite.config.ts', 'drizzle.config.ts', 'drizzle.hub-pg.config.ts', 'drizzle.hub-sqlite.config.ts'],
    layers: ['tooling'],
    packages: ['neutral', 'node', 'test', 'build'],
  },
};
