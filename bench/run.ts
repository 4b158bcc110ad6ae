/**
 * `npm run bench`: B1 proxy overhead, B2 history at scale, B3 event-loop lag, B4 memory, B5 the
 * app in Chromium and its first load, B6 Studylog beside a peer gateway (../shared/peer-bench), B7
 * the floor under the c=1 target (floor.ts).
 * Writes bench/RESULTS.md. Everything runs on 127.0.0.1, bounded in count and time.
 */
import { execSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { SERVE_NODE_FLAGS, serveEnv } from '../scripts/serve-flags.mjs';
import { firstLoad } from '../tests/support/first-load.ts';
import { startOpenAITestServer } from '../tests/support/openai-test-server.ts';
import { B2_SESSIONS, B2_TURNS, ensureHistory } from './generate.ts';
import { measureFloor } from './floor.ts';
import { measureRenderer } from './renderer.ts';
import { ms, summarize, type Summary } from './stats.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(HERE, 'serve-child.ts');
const quick = process.argv.includes('--quick');
const log = (line: string) => process.stderr.write(line + '\n');
/**
 * A B2 row's p95 target in ms: 50 for search, 5 for the rest, none (null) for the month read (a
 * job, in pages) and for usage in a zone other than the day rollup's (the 15-minute buckets' fallback).
 */
const targetOf = (name: string): number | null => (/a page at a time|another zone/.test(name) ? null : /search|q \(/.test(name) ? 50 : 5);
const untargeted = (name: string) => (/another zone/.test(name) ? '— (the fallback: 15-minute buckets)' : '— (a job, in pages of ≤ 4 MiB)');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

// ---------------------------------------------------------------------------------------------
// A measured serving process, driven over IPC.

class Child {
  readonly proc: ChildProcess;
  #waiting: ((m: unknown) => void)[] = [];
  constructor() {
    // Measured as `npm start` / `npm run serve` run it: with the serving process's Node flags and environment.
    this.proc = fork(CHILD, [], { execArgv: [...process.execArgv, ...SERVE_NODE_FLAGS], env: serveEnv(ROOT), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (m) => this.#waiting.shift()?.(m));
  }
  next<T>(): Promise<T> {
    return new Promise((resolve) => this.#waiting.push(resolve as (m: unknown) => void));
  }
  async ask<T>(message: object): Promise<T> {
    const answer = this.next<T>();
    this.proc.send(message);
    const result = await answer;
    if (result && typeof result === 'object' && 'error' in result) throw new Error(String((result as { error: unknown }).error));
    return result;
  }
}

// ---------------------------------------------------------------------------------------------
// An HTTP client with keep-alive, the same for the direct and the proxied calls.

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: string, headers: Record<string, string>, firstDelta?: (ms: number) => void): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let seen = false;
      res.on('data', (chunk: Buffer) => {
        if (!seen && firstDelta && chunk.toString().includes('"delta"') && !chunk.toString().includes('"role"')) {
          seen = true;
          firstDelta(performance.now() - started);
        } else if (!seen && firstDelta && /"content":"[^"]/.test(chunk.toString())) {
          seen = true;
          firstDelta(performance.now() - started);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function load(total: number, concurrency: number, one: (i: number) => Promise<{ status: number; ms: number }>) {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const r = await one(next++);
        if (r.status !== 200) failures++;
        latencies.push(r.ms);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { ...summarize(latencies), rps: total / seconds, failures };
}

// ---------------------------------------------------------------------------------------------
// B6: the peer harness (../shared/peer-bench/run.sh), where it exists.

const ROOT = path.join(HERE, '..');
/** The shared peer harness: STUDYLOG_PEER_BENCH names its folder, else ../shared/peer-bench beside the checkout. */
const PEER_DIR = process.env.STUDYLOG_PEER_BENCH ?? path.join(ROOT, '..', 'shared', 'peer-bench');

interface PeerResult {
  table: string[];
  verdict: string;
  throughput: number;
  latency: number;
  /** The gateway's added p50 at c=1, ms (its table row). */
  portkeyAdded: number;
}

function runPeer(requests: number): PeerResult | { skipped: string } {
  const script = path.join(PEER_DIR, 'run.sh');
  if (!existsSync(script)) return { skipped: `the peer harness is not here (${path.relative(ROOT, script)} does not exist; STUDYLOG_PEER_BENCH may name its folder)` };
  const run = spawnSync('bash', [script, String(requests)], { cwd: ROOT, encoding: 'utf8', timeout: 15 * 60_000 });
  const out = run.stdout ?? '';
  const table = out.split('\n').filter((line) => line.startsWith('|'));
  const verdict = out.split('\n').find((line) => / vs portkey: /.test(line)) ?? '';
  const ratios = /throughput at c=16 ([\d.]+)x, added p50 at c=1 (-?[\d.]+)x/.exec(verdict);
  if (run.status !== 0 || !ratios)
    return { skipped: `the peer harness failed (exit ${run.status ?? run.signal}): ${(run.stderr || out).trim().split('\n').slice(-3).join(' / ')}` };
  const portkeyRow = table.find((line) => /^\| portkey \| 1 \|/.test(line));
  const portkeyAdded = Number(portkeyRow?.split('|')[6]);
  return { table, verdict: verdict.trim(), throughput: Number(ratios[1]), latency: Number(ratios[2]), portkeyAdded };
}

// ---------------------------------------------------------------------------------------------
// B5: what a browser loads before the app can start (index.html's script, preloads and styles).

function rendererFirstLoad(): { files: { name: string; gzip: number }[]; gzipBytes: number; zod: string[] } {
  const dir = path.join(ROOT, 'out', 'renderer');
  const zod = readdirSync(path.join(dir, 'assets'))
    .filter((f) => f.endsWith('.js') && /\$ZodType|ZodError/.test(readFileSync(path.join(dir, 'assets', f), 'utf8')))
    .map((f) => `assets/${f}`);
  return { ...firstLoad(dir), zod };
}

/** Electron's binary, where its package could fetch it (never on our CI machines: TOOLCHAIN.md). */
function electronBinary(): string | null {
  const pathFile = path.join(ROOT, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(ROOT, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const startedAt = new Date();
  const results: string[] = [];
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).stdout.trim() ? ' (uncommitted changes)' : '';
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const provider = await startOpenAITestServer({ requiredApiKey: 'bench-key' });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'studylog-bench-'));

  // ---- B1 + B3 + B4(B1) ----
  // The serving process as it runs from its second start on: with the modules' compile cache
  // filled (scripts/serve-flags.mjs), which a first start after an update fills.
  spawnSync(process.execPath, [...SERVE_NODE_FLAGS, CHILD, 'warm'], { env: serveEnv(ROOT), stdio: 'ignore' });
  log('B1: proxy overhead…');
  const b1 = new Child();
  await b1.next();
  const started = await b1.ask<{ url: string; token: string; synchronous: number }>({
    cmd: 'start',
    dataDir: path.join(tmp, 'b1'),
    providerUrl: provider.url,
    apiKey: 'bench-key',
  });
  const auth = { Authorization: `Bearer ${started.token}` };
  const direct = (message: string, stream = false) =>
    JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a study assistant.' },
        { role: 'user', content: message },
      ],
      max_completion_tokens: 2048,
      temperature: 0.7,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
  const directCall = (i: number) => post(`${provider.url}/chat/completions`, direct(`question ${i}`), { Authorization: 'Bearer bench-key' });
  const proxyCall = (i: number) => post(`${started.url}/api/v1/llm/proxy`, JSON.stringify({ message: `question ${i}` }), auth);
  const n = quick ? 300 : 2_000;
  await load(200, 8, directCall); // warm-up both paths
  await load(200, 8, proxyCall);
  const rows: string[] = [];
  const b1Numbers: Record<string, { direct: Awaited<ReturnType<typeof load>>; proxied: Awaited<ReturnType<typeof load>> }> = {};
  let lagAt16: { p50: number; p99: number; max: number } | undefined;
  for (const c of [1, 16]) {
    const d = await load(n, c, directCall);
    await b1.ask({ cmd: 'resetLag' });
    const p = await load(n, c, proxyCall);
    if (c === 16) lagAt16 = (await b1.ask<{ lag: { p50: number; p99: number; max: number } }>({ cmd: 'stats' })).lag;
    b1Numbers[c] = { direct: d, proxied: p };
    rows.push(
      `| ${c} | ${ms(d.p50)} / ${ms(d.p99)} | ${ms(p.p50)} / ${ms(p.p99)} | **${ms(p.p50 - d.p50)}** / **${ms(p.p99 - d.p99)}** | ${d.rps.toFixed(0)} | **${p.rps.toFixed(0)}** | ${p.failures} |`,
    );
  }
  // Time to first delta, streaming.
  const ttft = async (url: string, body: (i: number) => string, headers: Record<string, string>) => {
    const samples: number[] = [];
    for (let i = 0; i < (quick ? 50 : 300); i++) await post(url, body(i), headers, (t) => samples.push(t));
    return summarize(samples);
  };
  provider.defaults = { chunkSize: 8 };
  const ttftDirect = await ttft(`${provider.url}/chat/completions`, (i) => direct(`stream ${i}`, true), { Authorization: 'Bearer bench-key' });
  const ttftProxy = await ttft(`${started.url}/api/v1/llm/proxy/stream`, (i) => JSON.stringify({ message: `stream ${i}` }), auth);
  const b1Stats = await b1.ask<{ rssPeakMb: number }>({ cmd: 'stats' });
  await b1.ask({ cmd: 'stop' });
  log('B7: the floor under the c=1 target…');
  provider.defaults = {};
  const floor = await measureFloor({ providerUrl: provider.url, apiKey: 'bench-key', requests: quick ? 200 : 700, post });

  results.push(
    '## B1 — proxy overhead',
    '',
    `The same keep-alive HTTP client and the same OpenAI-compatible test server (tests/support, in the bench process), called directly and through the serving process's \`POST /api/v1/llm/proxy\` (new session per request: a session row, a user turn and an assistant turn written, each write reported only after it was synced to the disk — synchronous=${started.synchronous === 2 ? 'FULL' : started.synchronous}). ${n} requests per row after a warm-up.`,
    '',
    '| concurrency | direct p50 / p99 | proxied p50 / p99 | added p50 / p99 | direct req/s | proxied req/s | errors |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Streaming (\`/proxy/stream\`, SSE), time to the first content delta, concurrency 1: direct p50 ${ms(ttftDirect.p50)} (p99 ${ms(ttftDirect.p99)}), proxied p50 ${ms(ttftProxy.p50)} (p99 ${ms(ttftProxy.p99)}) → **added ${ms(ttftProxy.p50 - ttftDirect.p50)} p50, ${ms(ttftProxy.p99 - ttftDirect.p99)} p99**.`,
    '',
    '## B3 — responsiveness',
    '',
    `Event-loop delay of the serving process during the concurrency-16 proxied run (perf_hooks.monitorEventLoopDelay, 1 ms resolution): p50 ${ms(lagAt16!.p50)}, **p99 ${ms(lagAt16!.p99)}**, max ${ms(lagAt16!.max)}.`,
    '',
  );

  // ---- B2 + B4(B2) ----
  log('B2: history at scale…');
  const dataDir = path.join(HERE, 'data', 'b2');
  const history = ensureHistory(dataDir, log);
  const dbBytes = statSync(history.file).size;
  const cold: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    execSync('sync');
    const out = spawnSync(process.execPath, [CHILD, 'coldstart', history.file], { encoding: 'utf8' });
    cold.push((JSON.parse(out.stdout.trim()) as { openMs: number }).openMs);
  }
  const coldSummary = summarize(cold);
  const b2 = new Child();
  await b2.next();
  await b2.ask({ cmd: 'start', dataDir, providerUrl: provider.url, apiKey: 'bench-key' });
  const queries = await b2.ask<Record<string, Summary & { rows: number }>>({ cmd: 'b2', iterations: quick ? 20 : 100 });
  const b2Stats = await b2.ask<{ rssPeakMb: number }>({ cmd: 'stats' });
  await b2.ask({ cmd: 'stop' });

  results.push(
    '## B2 — history at scale',
    '',
    `${B2_TURNS.toLocaleString('en')} turns in ${B2_SESSIONS.toLocaleString('en')} sessions of one user over a year (bench/generate.ts, deterministic; ${history.generatedSeconds === null ? 'reused from bench/data' : `generated in ${history.generatedSeconds.toFixed(0)} s`}). Database file ${(dbBytes / 1024 / 1024).toFixed(0)} MiB. Queries through the repositories, in the serving process.`,
    '',
    '| query | rows | p50 | p95 | target |',
    '|---|---|---|---|---|',
    ...Object.entries(queries).map(([name, s]) => {
      const target = targetOf(name);
      return `| ${name} | ${s.rows} | ${ms(s.p50)} | ${ms(s.p95)} | ${target === null ? untargeted(name) : s.p95 <= target ? `≤ ${target} ms ✓` : `≤ ${target} ms ✗`} |`;
    }),
    '',
    `Cold start (open + migration check, a fresh process, ${cold.length} runs after \`sync\`): p50 ${ms(coldSummary.p50)}, max ${ms(coldSummary.max)} (target ≤ 300 ms).`,
    '',
    '## B4 — memory',
    '',
    `Peak RSS of the serving process: **${b1Stats.rssPeakMb.toFixed(0)} MB** during B1, **${b2Stats.rssPeakMb.toFixed(0)} MB** during B2 (target ≤ 200 MB).`,
    '',
  );

  log('B5: the app in Chromium…');
  const b5 = await measureRenderer(quick ? 5 : 20);
  const first = rendererFirstLoad();
  const electron = electronBinary();
  results.push(
    '## B5 — the app in the browser',
    '',
    `Headless Chromium (Debian), 1024×640, against \`studylog serve\`. First usable screen (the composer, after the sign-in check and settings load), ${b5.firstScreen.n} reloads: p50 ${ms(b5.firstScreen.p50, 0)}, max ${ms(b5.firstScreen.max, 0)} (target ≤ 1 s). Scrolling a 5,000-turn session from the newest message to the first, one 5,000-px jump per frame (${b5.scroll.steps} frames): frame time median ${ms(b5.scroll.median, 1)}, p95 ${ms(b5.scroll.p95, 1)}; at most ${b5.scroll.maxNodes} messages in the DOM at once (virtualized).`,
    '',
    `First load (what \`out/renderer/index.html\` loads before the app starts: its script, the chunks it preloads and its styles, and the larger language's dictionary — tests/support/first-load.ts), gzip -9: **${kb(first.gzipBytes)}** (target ≤ 200 KB) — ${first.files.map((f) => `${f.name.replace(/^assets\//, '')} ${kb(f.gzip)}`).join(', ')}. zod in a renderer chunk: ${first.zod.length ? first.zod.join(', ') : 'none'}.`,
    '',
    electron
      ? `Start to first paint in Electron: not measured — the binary is at ${path.relative(ROOT, electron)}, but this bench does not drive it yet.`
      : "Start to first paint in Electron: **skipped** — Electron's binary is not installed here (the `electron` package fetches it on first use from GitHub, which these machines cannot reach; TOOLCHAIN.md). The same renderer's first screen in Chromium is above.",
    '',
  );

  log('B6: beside a peer gateway…');
  const peer = runPeer(quick ? 300 : 1500);
  results.push(
    '## B6 — beside a peer gateway',
    '',
    'peer-bench (`bash ../shared/peer-bench/run.sh`, its own upstream, the Portkey AI gateway — no persistence — and Studylog serving with production SQLite settings, its WAL synced before each write is reported), the same client in interleaved rounds; medians of three rounds. Everything shares the same cores: read the ratios.',
    '',
    ...('skipped' in peer ? [`**Skipped**: ${peer.skipped}.`] : [...peer.table, '', peer.verdict]),
    '',
    '## B7 — the floor under the c=1 target',
    '',
    `What any proxy on Node and the official \`openai\` SDK adds here, and what durability costs, in B1's harness (its client and test provider; a forwarder child: node:http in, one upstream call, the reply out, nothing recorded; medians of three interleaved rounds of ${quick ? 200 : 700}):`,
    '',
    '| part | added p50 at c=1 |',
    '|---|---|',
    `| a forwarder with \`fetch\` | ${ms(floor.fetchAdded)} |`,
    `| a forwarder with the \`openai\` SDK (Studylog must use it) on Studylog's transport (upstream-fetch.ts) | ${ms(floor.sdkAdded)} |`,
    `| one commit of a small row, WAL, synchronous=FULL (500 in a row) | ${ms(floor.commit.p50)} p50, ${ms(floor.commit.p95)} p95 |`,
    `| **floor**: the SDK forwarder + two commits in series (the user turn before the upstream call, the answer before the reply) | **${ms(floor.floor)}** |`,
    `| Studylog \`/proxy\` (B1) | ${ms(b1Numbers[1]!.proxied.p50 - b1Numbers[1]!.direct.p50)} |`,
    ...('skipped' in peer ? [] : [`| the peer gateway, no persistence (B6, its own harness) | ${ms(peer.portkeyAdded)} |`]),
    '',
    `At concurrency 16 in the same harness: the \`fetch\` forwarder ${floor.fetchRps.toFixed(0)} req/s, the SDK forwarder ${floor.sdkRps.toFixed(0)} req/s, Studylog \`/proxy\` ${b1Numbers[16]!.proxied.rps.toFixed(0)} req/s (B1, a few seconds earlier) — ${((100 * b1Numbers[16]!.proxied.rps) / floor.sdkRps).toFixed(0)} % of a forwarder on the same SDK that records nothing.`,
    '',
    'skipped' in peer
      ? 'The peer harness did not run, so the floor is not compared with the gateway.'
      : floor.floor >= peer.portkeyAdded
        ? `In this run the floor alone (${ms(floor.floor)}) is at or above the gateway's added latency (${ms(peer.portkeyAdded)}, measured in B6's harness, not this one): with the SDK and two synchronous=FULL commits in series, "added p50 at c=1 ≤ the gateway's" is out of reach here whatever Studylog's own code does. Studylog's own work above the floor: ${ms(b1Numbers[1]!.proxied.p50 - b1Numbers[1]!.direct.p50 - floor.floor)}.`
        : `In this run the floor (${ms(floor.floor)}) is below the gateway's added latency (${ms(peer.portkeyAdded)}, measured in B6's harness, not this one): Studylog's own work above the floor (${ms(b1Numbers[1]!.proxied.p50 - b1Numbers[1]!.direct.p50 - floor.floor)} in B1) is what misses the target.`,
    '',
  );

  // The hub's figures come from its own bench (a PostgreSQL cluster and minutes to hours of
  // synthesized term): the latest bench/HUB-RESULTS.md it wrote, its sections one level down.
  const hubResults = path.join(HERE, 'HUB-RESULTS.md');
  results.push(
    '## The hub on PostgreSQL (from bench/HUB-RESULTS.md)',
    '',
    ...(existsSync(hubResults)
      ? [
          'Not run by `npm run bench`: `npm run bench:hub -- --term` (a whole school term, minutes) writes bench/HUB-RESULTS.md, copied here as it was last written (read bench/HUB-NOTES.md with it).',
          '',
          ...readFileSync(hubResults, 'utf8')
            .split('\n')
            .filter((line) => !line.startsWith('# '))
            .map((line) => (line.startsWith('## ') ? `#${line}` : line)),
        ]
      : ['bench/HUB-RESULTS.md is missing: run `npm run bench:hub -- --term` to measure the hub.', '']),
  );

  const c16 = b1Numbers[16]!;
  const timed = Object.entries(queries).filter(([k]) => targetOf(k) !== null);
  const over = timed.filter(([k, s]) => s.p95 > targetOf(k)!);
  const peerRows =
    'skipped' in peer
      ? [`| throughput at c=16 ≥ 1.0× the peer gateway's | — | skipped (${peer.skipped}) |`, `| added p50 at c=1 ≤ the peer gateway's | — | skipped |`]
      : [
          `| throughput at c=16 ≥ 1.0× the peer gateway's (best Studylog face) | ${peer.throughput.toFixed(2)}× | ${peer.throughput >= 1 ? 'met' : 'missed'} |`,
          `| added p50 at c=1 ≤ the peer gateway's | ${peer.latency.toFixed(2)}× | ${peer.latency <= 1 ? 'met' : 'missed'} |`,
        ];
  const summaryLines = [
    ...peerRows,
    `| ≥ 1,000 proxied req/s | ${c16.proxied.rps.toFixed(0)} | ${c16.proxied.rps >= 1000 ? 'met' : 'missed'} |`,
    `| B2 queries p95 ≤ 5 ms (search ≤ 50 ms) | ${over.length ? `${over.length} of ${timed.length} over: ${over.map(([k]) => k).join('; ')}` : `all ${timed.length}`} | ${over.length === 0 ? 'met' : 'missed'} |`,
    `| cold start ≤ 300 ms | ${ms(coldSummary.p50)} | ${coldSummary.p50 <= 300 ? 'met' : 'missed'} |`,
    `| event-loop lag p99 ≤ 20 ms | ${ms(lagAt16!.p99)} | ${lagAt16!.p99 <= 20 ? 'met' : 'missed'} |`,
    `| RSS ≤ 200 MB | ${Math.max(b1Stats.rssPeakMb, b2Stats.rssPeakMb).toFixed(0)} MB | ${Math.max(b1Stats.rssPeakMb, b2Stats.rssPeakMb) <= 200 ? 'met' : 'missed'} |`,
    `| first screen ≤ 1 s (Chromium) | ${ms(b5.firstScreen.p50, 0)} | ${b5.firstScreen.p50 <= 1000 ? 'met' : 'missed'} |`,
    `| renderer first load ≤ 200 KB gzip, no zod | ${kb(first.gzipBytes)}${first.zod.length ? ', zod in ' + first.zod.join(', ') : ', no zod'} | ${first.gzipBytes <= 200 * 1024 && first.zod.length === 0 ? 'met' : 'missed'} |`,
    `| start to first paint (Electron) | — | ${electron ? 'not measured (see B5)' : 'skipped: no Electron binary here'} |`,
  ];

  const header = [
    '# Studylog benchmark results',
    '',
    `Written by \`npm run bench\`${quick ? ' --quick' : ''} on ${startedAt.toISOString()} at commit ${commit}${dirty}. Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.versions.node}, SQLite ${'3.54.1'}. Run time ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s.`,
    '',
    '## Targets',
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...summaryLines,
    '',
  ];
  const out = path.join(HERE, quick ? 'RESULTS.quick.md' : 'RESULTS.md');
  const notes = existsSync(path.join(HERE, 'NOTES.md')) ? readFileSync(path.join(HERE, 'NOTES.md'), 'utf8') : '';
  writeFileSync(out, [...header, ...results, notes].join('\n'));
  log(`Wrote ${out}`);
  await provider.close();
  agent.destroy();
  rmSync(tmp, { recursive: true, force: true });
}

await main();
