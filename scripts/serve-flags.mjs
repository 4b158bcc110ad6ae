// Node flags for the long-running serving process (`npm start` headless, `npm run serve`, and the
// process `npm run bench` measures). On a machine with plenty of RAM, Node 24 lets V8's young
// generation grow to 128 MB, and under load the server's RSS followed it (~450 MB peak in
// bench B1). Capping each semi-space at 4 MB kept the B1 peak near 220–330 MB with the same
// throughput: a request's garbage dies young and a small nursery is scavenged cheaply. What
// survives a scavenge is collected only when the old generation reaches a limit V8 sets at up to
// four times what was live after the last full collection; growing it by at most half (live is
// ~50 MB here) took B1's peak from ~320 to ~220 MB at the same CPU per message (bench/NOTES.md).
export const SERVE_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50'];
