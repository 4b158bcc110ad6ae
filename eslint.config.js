// Lint. Three parts:
// - The layer map (lint-rules/layers.ts), enforced by one local rule, local/code-layering:
//     src/shared   ← pure TypeScript: no node:, electron, DOM or Node-only packages
//     src/main/core, src/main/cli.ts ← no electron (the headless server and tests must load them)
//     src/main/electron, src/preload ← the only places that may import electron
//     src/renderer ← talks to main only through the client; no src/main, node: or Node-only packages
// - Type-aware rules (typescript-eslint's type-checked rules) where they catch real bugs; see the
//   list below for which and why.
// - react-hooks' rules-of-hooks and exhaustive-deps for the renderer.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import local from './lint-rules/code-layering.ts';

const drizzleAtRuntime = {
  group: ['drizzle-orm', 'drizzle-orm/*'],
  allowTypeImports: true,
  message: 'Use drizzle through src/main/core/db/drizzle.ts (it loads the CommonJS build; see why there).',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'coverage/', 'test-results/', 'migrations/meta/', 'migrations-hub/*/meta/', 'bench/data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { local },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'local/code-layering': 'error',
    },
  },
  {
    // Type-aware rules: the TypeScript files, each checked with its nearest tsconfig.json (the
    // root one, or src/renderer/tsconfig.json for the renderer). Chosen for the bugs they catch:
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends `studylog serve`)
      // and its ordering (a write not committed before the reply).
      '@typescript-eslint/no-floating-promises': 'error',
      // An async function where a callback's return is ignored (process.on, setTimeout, forEach):
      // its rejection goes nowhere. JSX handlers (onClick={async …}) are left out for now: two
      // dozen of them, in the renderer being rebuilt on one query cache (issue 11, item 5), where
      // mutations get their own error handling.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // `await` on something that is not a promise: almost always a missing call or a wrong type.
      '@typescript-eslint/await-thenable': 'error',
      // `return promise` inside try/catch/finally skips the catch and runs the finally too early.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // A switch over a union (turn roles, stream events, error codes) must handle every member,
      // so a new member added to a schema is a lint error where it is not handled.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `${value}` of an object or array prints "[object Object]" or "1,2,3" into a message.
      '@typescript-eslint/restrict-template-expressions': ['error', { allow: [{ from: 'package', name: 'URLSearchParams', package: 'url' }] }],
    },
  },
  {
    files: ['src/shared/**'],
    languageOptions: { globals: {} },
    rules: { 'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require'] },
  },
  {
    files: ['src/main/**', 'tests/**', 'bench/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [drizzleAtRuntime] }] },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
);
