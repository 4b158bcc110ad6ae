/**
 * `npm run bench`: B1 proxy overhead, B2 history at scale, B3 event-loop lag, B4 memory.
 * Writes bench/RESULTS.md. Everything runs on 127.0.0.1, bounded in count and time.
 */
import { execSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { SERVE_NODE_FLAGS } from '../scripts/serve-flags.mjs';
import { startOpenAITestServer } from '../tests/support/openai-test-server.ts';
import { B2_SESSIONS, B2_TURNS, ensureHistory } from './generate.ts';
import { measureRenderer } from './renderer.ts';
import { ms, summarize, type Summary } from './stats.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(HERE, 'serve-child.ts');
const quick = process.argv.includes('--quick');
const log = (line: string) => process.stderr.write(line + '\n');

// ---------------------------------------------------------------------------------------------
// A measured serving process, driven over IPC.

class Child {
  readonly proc: ChildProcess;
  #waiting: ((m: unknown) => void)[] = [];
  constructor() {
    // Measured as `npm start` / `npm run serve` run it: with the serving process's Node flags.
    this.proc = fork(CHILD, [], { execArgv: [...process.execArgv, ...SERVE_NODE_FLAGS], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

async function main() {
  const startedAt = new Date();
  const results: string[] = [];
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).stdout.trim() ? ' (uncommitted changes)' : '';
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const provider = await startOpenAITestServer({ requiredApiKey: 'bench-key' });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'studylog-bench-'));

  // ---- B1 + B3 + B4(B1) ----
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

  results.push(
    '## B1 — proxy overhead',
    '',
    `The same keep-alive HTTP client and the same OpenAI-compatible test server (tests/support, in the bench process), called directly and through the serving process's \`POST /api/v1/llm/proxy\` (new session per request: a session row, a user turn and an assistant turn written with synchronous=${started.synchronous === 2 ? 'FULL' : started.synchronous}). ${n} requests per row after a warm-up.`,
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
      const target = /search|q \(/.test(name) ? 50 : 5;
      return `| ${name} | ${s.rows} | ${ms(s.p50)} | ${ms(s.p95)} | ${s.p95 <= target ? `≤ ${target} ms ✓` : `≤ ${target} ms ✗`} |`;
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
  results.push(
    '## B5 — the app in the browser',
    '',
    `Headless Chromium (Debian), 1024×640, against \`studylog serve\`. First usable screen (the composer, after the sign-in check and settings load), ${b5.firstScreen.n} reloads: p50 ${ms(b5.firstScreen.p50, 0)}, max ${ms(b5.firstScreen.max, 0)} (target ≤ 1 s). Scrolling a 5,000-turn session from the newest message to the first, one 5,000-px jump per frame (${b5.scroll.steps} frames): frame time median ${ms(b5.scroll.median, 1)}, p95 ${ms(b5.scroll.p95, 1)}; at most ${b5.scroll.maxNodes} messages in the DOM at once (virtualized).`,
    '',
  );

  const c16 = b1Numbers[16]!;
  const summaryLines = [
    `| added latency p50 at c=16 ≤ 1 ms | ${ms(c16.proxied.p50 - c16.direct.p50)} | ${c16.proxied.p50 - c16.direct.p50 <= 1 ? 'met' : 'missed'} |`,
    `| added latency p99 at c=16 ≤ 5 ms | ${ms(c16.proxied.p99 - c16.direct.p99)} | ${c16.proxied.p99 - c16.direct.p99 <= 5 ? 'met' : 'missed'} |`,
    `| ≥ 1,000 proxied req/s | ${c16.proxied.rps.toFixed(0)} | ${c16.proxied.rps >= 1000 ? 'met' : 'missed'} |`,
    `| B2 queries p95 ≤ 5 ms (search ≤ 50 ms) | ${Object.entries(queries).filter(([k, s]) => s.p95 > (/search|q \(/.test(k) ? 50 : 5)).length} of ${Object.keys(queries).length} over | ${Object.entries(queries).every(([k, s]) => s.p95 <= (/search|q \(/.test(k) ? 50 : 5)) ? 'met' : 'missed'} |`,
    `| cold start ≤ 300 ms | ${ms(coldSummary.p50)} | ${coldSummary.p50 <= 300 ? 'met' : 'missed'} |`,
    `| event-loop lag p99 ≤ 20 ms | ${ms(lagAt16!.p99)} | ${lagAt16!.p99 <= 20 ? 'met' : 'missed'} |`,
    `| RSS ≤ 200 MB | ${Math.max(b1Stats.rssPeakMb, b2Stats.rssPeakMb).toFixed(0)} MB | ${Math.max(b1Stats.rssPeakMb, b2Stats.rssPeakMb) <= 200 ? 'met' : 'missed'} |`,
    `| first screen ≤ 1 s (Chromium) | ${ms(b5.firstScreen.p50, 0)} | ${b5.firstScreen.p50 <= 1000 ? 'met' : 'missed'} |`,
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
