// Node flags and environment for the long-running serving process (`npm start` headless, `npm run
// serve`, and the process `npm run bench` measures). Measured in bench B1 (bench/NOTES.md):
// - `--max-semi-space-size=4`: on a machine with plenty of RAM, Node 24 lets V8's young generation
//   grow to 128 MB, and under load the server's RSS followed it (~450 MB peak). A request's garbage
//   dies young and a small nursery is scavenged cheaply: peak ~220–330 MB, same throughput.
// - `--heap-growing-percent=50`: what survives a scavenge is collected only when the old
//   generation reaches a limit V8 sets at up to four times what was live after the last full
//   collection; growing it by at most half (live is ~50 MB here) took the peak from ~320 to ~220 MB
//   at the same CPU per message.
// - `--no-concurrent-recompilation`: V8 optimizes hot functions on the main thread instead of a
//   background one. The background compiler's scratch memory comes from malloc, which kept it (a
//   second arena, and the main one grown to ~50–65 MB); without it the peak fell ~35 MB (issue
//   15) at the same CPU per message — on two cores the background thread competed with the
//   server anyway.
export const SERVE_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50', '--no-concurrent-recompilation'];

/**
 * The serving process's environment: `env` with two defaults it does not set itself.
 * - MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own malloc arena (up to 8 per
 *   core), and each keeps what it once held; two arenas took ~10–30 MB off the peak (issue 15).
 * - NODE_COMPILE_CACHE (node_modules/.cache/node-compile-cache): Node keeps what it compiled from
 *   each module, including the TypeScript it stripped, keyed by the file's content. A start after
 *   the first with the same sources then never loads Node's TypeScript stripper (amaro, ~17 MB
 *   of WebAssembly and code) and parses less.
 */
export function serveEnv(root, env = process.env) {
  return { MALLOC_ARENA_MAX: '2', NODE_COMPILE_CACHE: `${root}/node_modules/.cache/node-compile-cache`, ...env };
}
