// `npm run build` (electron-vite build) → out/main (ESM, the package's "main"), out/preload
// (one CommonJS file: a sandboxed preload can require nothing but `electron`) and out/renderer
// (the web app, with relative asset URLs so it loads from app://studylog/ and from `studylog serve`).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: here('out/main'),
      // Dependencies stay in node_modules and are loaded at run time; the native ones
      // (better-sqlite3, keytar: N-API, one binary for Node and Electron) cannot be bundled at all.
      externalizeDeps: { include: ['better-sqlite3', '@github/keytar'] },
      rolldownOptions: { input: { index: here('src/main/electron/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: here('out/preload'),
      // Everything the preload imports is bundled into the one file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: here('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: here('src/renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: here('out/renderer'),
      // The same build is the web app `studylog serve` gives browsers on the LAN: minified, and
      // for any current browser rather than only Electron's Chromium.
      minify: true,
      target: 'es2022',
      // .vite/manifest.json: which chunks and styles each module loads with it (static imports),
      // read by tests/e2e/bundle.test.ts to check what the first screen and the Markdown view pull in.
      manifest: true,
      rolldownOptions: {
        input: { index: here('src/renderer/index.html') },
        // The Markdown view (loaded lazily with the first answer) pulls in KaTeX and highlight.js;
        // each in its own chunk keeps every chunk under the bundler's 500 kB warning, so a normal
        // `npm start` prints nothing about chunk sizes.
        output: {
          codeSplitting: {
            groups: [
              { name: 'katex', test: /node_modules[\\/]katex[\\/]/ },
              { name: 'highlight', test: /node_modules[\\/](highlight\.js|lowlight)[\\/]/ },
            ],
          },
        },
      },
    },
  },
});
