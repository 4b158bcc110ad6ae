// The layer map (lint-rules/layers.ts) and its rule, local/code-layering: small fixtures, each a
// file placed in one layer, linted with ESLint's API — the imports a layer may make pass, the
// ones it may not fail, naming the layer map. And the project's own config applies the rule
// everywhere.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import local, { REPO_ROOT } from '../../lint-rules/code-layering.ts';
import { LAYERS, PACKAGES } from '../../lint-rules/layers.ts';

// Only the layering rule, with the TypeScript parser: the fixtures exist in no tsconfig, so the
// project's type-aware rules cannot run on them (the last test checks the real config instead).
const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs'],
      languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } } },
      plugins: { local },
      rules: { 'local/code-layering': 'error' },
    },
  ],
});

/** The layering problems of `code` placed at `file` (repository-relative). */
async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  expect(
    result!.messages.filter((m) => m.ruleId !== 'local/code-layering'),
    'the fixture parses',
  ).toEqual([]);
  return result!.messages.map((m) => m.message);
}

const ALLOWED: [file: string, code: string][] = [
  ['src/shared/api/fixture.ts', "import { z } from 'zod';\nimport type { ApiError } from '../errors.ts';\nimport { parse } from 'eventsource-parser';"],
  [
    'src/main/core/fixture.ts',
    "import Database from 'better-sqlite3';\nimport fs from 'node:fs';\nimport OpenAI from 'openai';\nimport { Hono } from 'hono';\nimport { serve } from '@hono/node-server';\nimport keytar from '@github/keytar';\nimport { encode } from 'gpt-tokenizer';\nimport { ERROR_STATUS } from '../../shared/errors.ts';",
  ],
  ['src/main/cli.ts', "import { createCore } from './core/app.ts';\nimport { parseArgs } from 'node:util';"],
  ['src/main/electron/fixture.ts', "import { app } from 'electron';\nimport { createCore } from '../core/app.ts';\nimport path from 'node:path';"],
  [
    'src/preload/fixture.ts',
    "import { contextBridge } from 'electron';\nimport { IPC_PREFIX } from '../shared/api/route-names.ts';\nimport type { StudylogBridge } from '../shared/api/client.ts';",
  ],
  [
    'src/renderer/src/fixture.tsx',
    "import { useState } from 'react';\nimport { createRoot } from 'react-dom/client';\nimport 'katex/dist/katex.min.css';\nimport i18next from 'i18next';\nimport { createClient } from '../../shared/api/client.ts';\nimport { App } from './app/App.tsx';\nexport const lazy = () => import('./features/chat/Markdown.tsx');",
  ],
  [
    'tests/unit/fixture.test.ts',
    "import { it } from 'vitest';\nimport { createCore } from '../../src/main/core/app.ts';\nimport { en } from '../../src/renderer/src/i18n/en.ts';\nimport { chromium } from 'playwright-core';",
  ],
  ['bench/fixture.ts', "import { startOpenAITestServer } from '../tests/support/openai-test-server.ts';\nimport { performance } from 'node:perf_hooks';"],
  ['scripts/fixture.mjs', "import { spawn } from 'node:child_process';\nimport { buildIsStale } from './build-state.mjs';"],
];

// [file, import statement, what the message must say]
const FORBIDDEN: [file: string, code: string, message: RegExp][] = [
  // Node-only packages and Node's built-ins never reach src/shared or the renderer.
  ...['better-sqlite3', '@github/keytar', 'openai', 'drizzle-orm', 'drizzle-orm/sqlite-core', 'hono', '@hono/node-server', 'gpt-tokenizer'].flatMap(
    (name): [string, string, RegExp][] => [
      ['src/shared/fixture.ts', `import x from '${name}';`, new RegExp(`shared layer .* may not import ${name.split('/sqlite-core')[0]} \\(node package\\)`)],
      ['src/renderer/src/fixture.ts', `import x from '${name}';`, new RegExp(`renderer layer .* may not import ${name.split('/sqlite-core')[0]} \\(node package\\)`)],
    ],
  ),
  ['src/shared/fixture.ts', "import { readFileSync } from 'node:fs';", /shared layer .* may not import node:fs \(node package\)/],
  ['src/renderer/src/fixture.ts', "import path from 'path';", /renderer layer .* may not import path \(node package\)/],
  ['src/renderer/src/fixture.ts', "import type { Database } from 'better-sqlite3';", /renderer layer .* may not import better-sqlite3/],
  ['src/renderer/src/fixture.ts', "export const load = () => import('openai');", /renderer layer .* may not import openai/],
  ['src/shared/fixture.ts', "export * from 'hono';", /shared layer .* may not import hono/],
  ['src/shared/fixture.ts', "export { Hono } from 'hono';", /shared layer .* may not import hono/],
  // DOM-only packages never reach src/main.
  ...['react', 'react-dom', 'katex', 'react-markdown', 'lucide-react', 'uplot'].flatMap((name): [string, string, RegExp][] => [
    ['src/main/core/fixture.ts', `import x from '${name}';`, new RegExp(`core layer .* may not import ${name} \\(dom package\\)`)],
    ['src/main/electron/fixture.ts', `import x from '${name}';`, new RegExp(`electron layer .* may not import ${name} \\(dom package\\)`)],
    ['src/shared/fixture.ts', `import x from '${name}';`, new RegExp(`shared layer .* may not import ${name} \\(dom package\\)`)],
  ]),
  // electron: only the shell and the preload.
  ['src/main/core/fixture.ts', "import { app } from 'electron';", /core layer .* may not import electron \(electron package\)/],
  ['src/main/cli.ts', "import { app } from 'electron';", /cli layer .* may not import electron/],
  ['src/shared/fixture.ts', "import { app } from 'electron';", /shared layer .* may not import electron/],
  ['src/renderer/src/fixture.ts', "import { ipcRenderer } from 'electron';", /renderer layer .* may not import electron/],
  ['tests/unit/fixture.test.ts', "import { app } from 'electron';", /tests layer .* may not import electron/],
  // core → electron shell, and core → the CLI above it.
  ['src/main/core/fixture.ts', "import { createWindow } from '../electron/window.ts';", /core layer .* may not import src\/main\/electron\/window.ts from the electron layer/],
  ['src/main/core/fixture.ts', "import type { X } from '../electron/ipc.ts';", /core layer .* may not import src\/main\/electron\/ipc.ts from the electron layer/],
  ['src/main/core/fixture.ts', "import { run } from '../cli.ts';", /core layer .* may not import src\/main\/cli.ts from the cli layer/],
  // The preload: electron and src/shared only (sandboxed: no Node built-ins, no zod, no main).
  ['src/preload/fixture.ts', "import fs from 'node:fs';", /preload layer .* may not import node:fs/],
  ['src/preload/fixture.ts', "import { z } from 'zod';", /preload layer .* may not import zod \(neutral package\)/],
  ['src/preload/fixture.ts', "import { createCore } from '../main/core/app.ts';", /preload layer .* may not import src\/main\/core\/app.ts from the core layer/],
  ['src/preload/fixture.ts', "import { App } from '../renderer/src/app/App.tsx';", /preload layer .* may not import .* from the renderer layer/],
  // src/shared and the renderer never import src/main; nothing in src imports tests.
  ['src/shared/fixture.ts', "import { createCore } from '../main/core/app.ts';", /shared layer .* may not import src\/main\/core\/app.ts from the core layer/],
  ['src/renderer/src/fixture.ts', "import type { Core } from '../../main/core/app.ts';", /renderer layer .* may not import src\/main\/core\/app.ts from the core layer/],
  ['src/renderer/src/fixture.ts', "import { buildBridge } from '../../preload/index.ts';", /renderer layer .* from the preload layer/],
  ['src/main/core/fixture.ts', "import { tempDir } from '../../../tests/support/temp.ts';", /core layer .* from the tests layer/],
  // Not in the map at all: an unclassified package, a file outside every layer.
  ['src/shared/fixture.ts', "import pad from 'left-pad';", /The package left-pad is not classified: add it to PACKAGES in lint-rules\/layers.ts/],
  [
    'src/main/core/fixture.ts',
    "import x from '../../../migrations/meta/_journal.json';",
    /core layer may not import migrations\/meta\/_journal.json: that file belongs to no layer/,
  ],
  ['misc/fixture.ts', 'export const x = 1;', /misc\/fixture.ts belongs to no layer: add its folder to LAYERS in lint-rules\/layers.ts/],
];

describe('the layer map (lint-rules/layers.ts), enforced by local/code-layering', () => {
  it.each(ALLOWED)('%s: allowed imports pass', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });

  it.each(FORBIDDEN)('%s: %s is refused', async (file, code, message) => {
    const found = await problems(file, code);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
    expect(found[0]).toContain('lint-rules/layers.ts');
  });

  it('classifies every runtime dependency, and names no package twice', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const classified = Object.values(PACKAGES).flat();
    for (const name of Object.keys(pkg.dependencies)) expect(classified, name).toContain(name);
    expect(new Set(classified).size).toBe(classified.length);
  });

  it('every layer names only layers and package kinds that exist', () => {
    for (const [name, layer] of Object.entries(LAYERS)) {
      for (const other of layer.layers) expect(Object.keys(LAYERS), `${name} → ${other}`).toContain(other);
      for (const kind of layer.packages) expect(Object.keys(PACKAGES), `${name} → ${kind}`).toContain(kind);
    }
  });

  it("the project's eslint.config.js applies it to every layer, JavaScript files included", async () => {
    const project = new ESLint({ cwd: REPO_ROOT });
    const files = [
      'src/shared/errors.ts',
      'src/main/core/app.ts',
      'src/main/cli.ts',
      'src/main/electron/index.ts',
      'src/preload/index.ts',
      'src/renderer/src/main.tsx',
      'tests/unit/layering.test.ts',
      'bench/run.ts',
      'scripts/start.mjs',
      'bin/studylog.mjs',
      'eslint.config.js',
      'lint-rules/code-layering.ts',
    ];
    for (const file of files) {
      const config = (await project.calculateConfigForFile(path.join(REPO_ROOT, file))) as { rules: Record<string, unknown[]> };
      expect(config.rules['local/code-layering']?.[0], file).toBe(2);
    }
  });
});
