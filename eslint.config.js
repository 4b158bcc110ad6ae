// Lint, including the layering rules of DESIGN.md:
//   src/shared   ← pure TypeScript: no node:, electron or DOM
//   src/main/core, src/main/cli.ts ← no electron (the headless server and tests must load them)
//   src/main/electron, src/preload ← the only places that may import electron
//   src/renderer ← talks to main only through the client; never imports src/main or node:
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const electron = { name: 'electron', message: 'Only the Electron shell (src/main/electron) and src/preload may import electron.' };
const nodeBuiltins = { group: ['node:*'], message: 'This layer must stay free of Node built-ins.' };
const drizzleAtRuntime = {
  group: ['drizzle-orm', 'drizzle-orm/*'],
  allowTypeImports: true,
  message: 'Use drizzle through src/main/core/db/drizzle.ts (it loads the CommonJS build; see why there).',
};
const mainFromOutside = { group: ['**/main/**', '**/main'], message: 'Reach the main process through the client (src/shared/api), not by importing src/main.' };

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'coverage/', 'test-results/', 'migrations/meta/', 'bench/data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/shared/**'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', { paths: [electron], patterns: [nodeBuiltins, mainFromOutside] }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['src/main/**', 'tests/**', 'bench/**'],
    ignores: ['src/main/electron/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electron], patterns: [drizzleAtRuntime] }] },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', { paths: [electron], patterns: [nodeBuiltins, mainFromOutside] }] },
  },
);
