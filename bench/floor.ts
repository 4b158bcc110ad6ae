/**
 * B7 — the floor under the c=1 latency target. Studylog's added latency at concurrency 1 is at
 * least what any Node forwarder built on the official `openai` SDK adds, plus two
 * synchronous=FULL commits in series (the user turn before the upstream call, the answer before
 * the reply). This measures those parts on this machine, in B1's harness (its client and test
 * provider), so the c=1 verdict can say how much of Studylog's figure is the floor and how much
 * is its own work; and, at concurrency 16, what share of a forwarder's throughput Studylog keeps
 * while recording every turn.
 *
 * Run as a child (`node bench/floor.ts forwarder <fetch|sdk> <provider url> <key>`) it is the
 * forwarder: node:http in, one upstream call (Node's fetch, or the SDK on Studylog's transport),
 * the reply out; nothing recorded.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { upstreamFetch } from '../src/main/core/llm/upstream-fetch.ts';
import { summarize, type Summary } from './stats.ts';

const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === 'forwarder') {
  const [, , , kind, providerUrl, apiKey] = process.argv as [string, string, string, 'fetch' | 'sdk', string, string];
  // One client for the process, as a gateway keeps one per provider; on Studylog's own transport
  // (upstream-fetch.ts), so the floor is what Studylog's client stack costs, not Node's fetch.
  const client = new OpenAI({ baseURL: providerUrl, apiKey, maxRetries: 0, fetch: upstreamFetch() });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const upstream =
        kind === 'sdk'
          ? client.chat.completions.create(JSON.parse(body) as OpenAI.ChatCompletionCreateParamsNonStreaming).then((r) => JSON.stringify(r))
          : fetch(`${providerUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` }, body }).then((r) =>
              r.text(),
            );
      upstream.then(
        (text) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(502);
          res.end(String(error));
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  // Gone with the bench: no forwarder outlives it.
  process.on('disconnect', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
}

/** A forwarder child on a free port; stopped by the returned function. */
async function startForwarder(kind: 'fetch' | 'sdk', providerUrl: string, apiKey: string): Promise<{ url: string; stop: () => void }> {
  const child = fork(SELF, ['forwarder', kind, providerUrl, apiKey], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number }));
    child.once('exit', (code) => reject(new Error(`the ${kind} forwarder exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.disconnect() };
}

/**
 * A commit of one small row with the production settings (WAL, synchronous=FULL), as a message's
 * write is: in a file in the system's temp folder (on the same disk as the bench's data dirs).
 */
function commitCost(iterations: number): Summary {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'studylog-floor-'));
  try {
    const db = new Database(path.join(dir, 'floor.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    const write = db.transaction((body: string) => insert.run(body)).immediate;
    const samples: number[] = [];
    for (let i = 0; i < iterations + 20; i++) {
      const started = performance.now();
      write(`message ${i}`);
      if (i >= 20) samples.push(performance.now() - started);
    }
    db.close();
    return summarize(samples);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Floor {
  commit: Summary;
  /** Added p50 over direct at concurrency 1, ms: node:http + fetch, and node:http + the openai SDK. */
  fetchAdded: number;
  sdkAdded: number;
  /** Requests per second at concurrency 16 through each forwarder. */
  fetchRps: number;
  sdkRps: number;
  /** The least Studylog could add at c=1 here: the SDK forwarder plus two commits in series. */
  floor: number;
}

/**
 * Measures the floor with B1's client (`post`) against B1's test provider: direct and both
 * forwarders in interleaved rounds (medians of three rounds), at concurrency 1 and 16.
 */
export async function measureFloor(options: {
  providerUrl: string;
  apiKey: string;
  requests: number;
  post: (url: string, body: string, headers: Record<string, string>) => Promise<{ status: number; ms: number }>;
}): Promise<Floor> {
  const { providerUrl, apiKey, requests, post } = options;
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is the derivative of x^2?' }] });
  const headers = { Authorization: `Bearer ${apiKey}` };
  const fetcher = await startForwarder('fetch', providerUrl, apiKey);
  const sdk = await startForwarder('sdk', providerUrl, apiKey);
  const run = async (url: string, concurrency: number, total: number) => {
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < total) {
          const r = await post(url, body, headers);
          if (r.status !== 200) throw new Error(`B7: ${url} answered ${r.status}`);
          latencies.push(r.ms);
        }
      }),
    );
    return { p50: summarize(latencies).p50, rps: total / ((performance.now() - started) / 1000) };
  };
  try {
    const targets = { direct: `${providerUrl}/chat/completions`, fetch: fetcher.url, sdk: sdk.url };
    const names = Object.keys(targets) as (keyof typeof targets)[];
    const p50s = { direct: [] as number[], fetch: [] as number[], sdk: [] as number[] };
    const rps = { direct: [] as number[], fetch: [] as number[], sdk: [] as number[] };
    for (const name of names) await run(targets[name], 4, 200); // warm-up
    for (let round = 0; round < 3; round++)
      for (const name of names) {
        p50s[name].push((await run(targets[name], 1, requests)).p50);
        rps[name].push((await run(targets[name], 16, requests * 2)).rps);
      }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
    const commit = commitCost(500);
    const sdkAdded = median(p50s.sdk) - median(p50s.direct);
    return {
      commit,
      fetchAdded: median(p50s.fetch) - median(p50s.direct),
      sdkAdded,
      fetchRps: median(rps.fetch),
      sdkRps: median(rps.sdk),
      floor: sdkAdded + 2 * commit.p50,
    };
  } finally {
    fetcher.stop();
    sdk.stop();
  }
}
