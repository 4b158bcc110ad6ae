/**
 * The process being measured: the same core and HTTP server `studylog serve` runs, plus an IPC
 * channel for the bench to ask for its memory and event-loop lag, and to run the B2 queries
 * in-process. Usage: node bench/serve-child.ts (then IPC), `coldstart <db file>`, or `warm`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createCore, type Core } from '../src/main/core/app.ts';
import { openDatabase } from '../src/main/core/db/connection.ts';
import { startHttpServer, type RunningHttpServer } from '../src/main/core/http/server.ts';
import { usageDayOffset } from '../src/main/core/db/usage-rollup.ts';
import { B2_END, B2_LONG_SESSION, B2_USER, YEAR_MS } from './generate.ts';
import type { summarize } from './stats.ts';
import { timeSync } from './stats.ts';

type Command =
  { cmd: 'start'; dataDir: string; providerUrl: string; apiKey: string } | { cmd: 'resetLag' } | { cmd: 'stats' } | { cmd: 'b2'; iterations: number } | { cmd: 'stop' };

// Loads every module the serving process runs (the imports above), then exits: Node writes its
// compile cache (NODE_COMPILE_CACHE) at exit, as a first start does.
if (process.argv[2] === 'warm') process.exit(0);

if (process.argv[2] === 'coldstart') {
  const started = performance.now();
  const store = openDatabase(process.argv[3]!);
  const openMs = performance.now() - started;
  store.close();
  process.stdout.write(JSON.stringify({ openMs }) + '\n');
  process.exit(0);
}

const lag = monitorEventLoopDelay({ resolution: 1 });
lag.enable();
let core: Core | undefined;
let server: RunningHttpServer | undefined;

const reply = (message: unknown) => process.send!(message);

function b2(iterations: number) {
  const c = core!;
  const day = 86_400_000;
  const lastDay = B2_END - day;
  const zone = usageDayOffset(c.store.sqlite);
  const other = zone === 480 ? 0 : 480;
  const queries = {
    'sessions page (first 50)': () => c.sessions.getSessionsByUserId(B2_USER, { skip: 0, limit: 50 }),
    'sessions page (deep: skip 19,950)': () => c.sessions.getSessionsByUserId(B2_USER, { skip: 19_950, limit: 50 }),
    'turns of a 500-turn session': () => c.turns.getTurnsBySessionId(B2_LONG_SESSION),
    'getTurnsByUserAndDate, one day': () => c.turns.getTurnsByUserAndDate(B2_USER, lastDay, B2_END),
    // The nightly job's read of a month, a page at a time (bounded memory): a job, not a query.
    '30 days, a page at a time (iterateTurnsByUserAndDate)': () => {
      let rows = 0;
      for (const page of c.turns.iterateTurnsByUserAndDate(B2_USER, B2_END - 30 * day, B2_END)) rows += page.length;
      return { rows: Array(rows) };
    },
    'full-text search, Chinese (光合作用, first page)': () => c.turns.searchTurns(B2_USER, '光合作用', { limit: 20 }),
    'full-text search, Chinese two characters (导数)': () => c.turns.searchTurns(B2_USER, '导数', { limit: 20 }),
    'full-text search, English (photosynthesis)': () => c.turns.searchTurns(B2_USER, 'photosynthesis', { limit: 20 }),
    'sessions filtered by full-text q (牛顿定律)': () => c.sessions.getSessionsByUserId(B2_USER, { limit: 50 }, { q: '牛顿定律' }),
    // In the zone the day rollup is kept in (the machine's), and in another (15-minute buckets).
    'usage by day over a year': () => c.usage.report(B2_USER, { from: B2_END - YEAR_MS - zone * 60_000, to: B2_END - zone * 60_000 }, 'day', zone),
    [`usage by day over a year, another zone (UTC${other >= 0 ? '+' : '-'}${Math.abs(other / 60)})`]: () =>
      c.usage.report(B2_USER, { from: B2_END - YEAR_MS - other * 60_000, to: B2_END - other * 60_000 }, 'day', other),
  };
  const results: Record<string, ReturnType<typeof summarize> & { rows: number }> = {};
  for (const [name, fn] of Object.entries(queries)) {
    const out = fn() as unknown;
    const rows = Array.isArray(out) ? out.length : ((out as { items?: unknown[]; rows?: unknown[] }).items ?? (out as { rows: unknown[] }).rows ?? []).length;
    const heavy = /30 days|another zone/.test(name);
    results[name] = { ...timeSync(fn, heavy ? Math.max(5, Math.floor(iterations / 10)) : iterations), rows };
  }
  return results;
}

// Every command is answered, its failure included, so nothing is left to reject.
process.on('message', (message: Command) => void handle(message));

async function handle(message: Command): Promise<void> {
  try {
    if (message.cmd === 'start') {
      core = createCore({ dataDir: message.dataDir, secrets: null, recover: true, env: { STUDYLOG_BENCH_KEY: message.apiKey, STUDYLOG_BENCH_BASE_URL: message.providerUrl } });
      core.settings.update({
        providers: [
          { id: 'bench', name: 'Bench', base_url: message.providerUrl, models: ['gpt-4o-mini'], api_key_ref: { source: 'env', var: 'STUDYLOG_BENCH_KEY' }, max_retries: 0 },
        ],
        default_provider_id: 'bench',
      });
      // Production settings, except limits high enough not to be what is measured.
      server = await startHttpServer({ core, port: 0, limits: { perSecond: 1e6, burst: 1e6, concurrent: 1_000 } });
      const { token } = core.users.createToken({ name: 'bench', user_id: core.owner.id });
      reply({ url: server.url, token, synchronous: core.store.sqlite.pragma('synchronous', { simple: true }) });
    } else if (message.cmd === 'resetLag') {
      lag.reset();
      reply({ ok: true });
    } else if (message.cmd === 'stats') {
      const ns = (v: number) => v / 1e6;
      reply({
        rssPeakMb: process.resourceUsage().maxRSS / 1024,
        rssNowMb: process.memoryUsage.rss() / 1024 / 1024,
        lag: { p50: ns(lag.percentile(50)), p99: ns(lag.percentile(99)), max: ns(lag.max) },
      });
    } else if (message.cmd === 'b2') {
      reply(b2(message.iterations));
    } else if (message.cmd === 'stop') {
      await server?.close();
      core?.close();
      reply({ ok: true });
      process.exit(0);
    }
  } catch (error) {
    reply({ error: String(error) });
  }
}
reply({ ready: true });
