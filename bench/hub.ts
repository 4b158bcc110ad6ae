/**
 * `npm run bench:hub [-- --term] [--days 2,4,8] [--students 2000] [--ingest-students 100]`: the
 * hub at scale on a throwaway PostgreSQL cluster (tests/support/postgres.ts, stopped and removed
 * at the end, also on failure or Ctrl-C), writing bench/HUB-RESULTS.md.
 *
 * A term of 2,000 students in 50 classes × 40 turns a day is synthesized in SQL (INSERT … SELECT
 * over generate_series, at most CHUNK_DAYS days a statement: same tables, indexes, foreign keys and
 * bigram arrays as ingest writes) up to each of --days. At each size, after VACUUM ANALYZE:
 *
 *  H2 dashboard: each dashboard query exactly as the store runs it (overview, inbox, triage,
 *     search of a common word 数学 in 5% of turns and of a rare one 光合作用 in ~0.006%) for 20
 *     classes after two warm-ups: p50/p95.
 *  H1 sync ingest: a bounded burst of real pushes through HubStore.push (chain verification,
 *     idempotency checks, bigram extraction, one transaction per session): --ingest-students new
 *     40-turn sessions, 8 at a time as 8 laptops would send them; then 20 of them replayed.
 *
 * Default: 2, 4, 8 days (a quick run). `--term`: 1, 2, 4 weeks, 2 and 4 months and the term of
 * 180 days (14.4M turns), 400 students in the burst (8 laptops × 2,000 turns), and a server sized
 * for it (SETTINGS). The GIN index on grams stays in place during the load: dropping it and
 * rebuilding it afterwards was not faster here (bench/HUB-NOTES.md).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { searchGrams } from '../src/main/core/hub/search.ts';
import { openPgHub, sql } from '../src/main/core/hub/sql.ts';
import { HubStore, type HubCaller } from '../src/main/core/hub/store.ts';
import { chained, session } from '../tests/support/hub-chain.ts';
import { createDatabase, startPostgres, type PgServer } from '../tests/support/postgres.ts';
import { ms, summarize, type Summary } from './stats.ts';

const { values } = parseArgs({
  options: {
    term: { type: 'boolean', default: false },
    days: { type: 'string' },
    students: { type: 'string', default: '2000' },
    'ingest-students': { type: 'string' },
  },
});
const TERM = values.term;
const DAYS = (values.days ?? (TERM ? '7,14,28,56,120,180' : '2,4,8')).split(',').map(Number);
const STUDENTS = Number(values.students);
const INGEST_STUDENTS = Number(values['ingest-students'] ?? (TERM ? 400 : 100));
const CLASS_SIZE = 40;
const CLASSES = Math.ceil(STUDENTS / CLASS_SIZE);
const TURNS_PER_DAY = 40;
/** Days synthesized per INSERT statement: progress to watch, and bounded transactions. */
const CHUNK_DAYS = 14;
/** A school's server for a full term (the quick run keeps the defaults): 24 GiB machine, shared. */
const SETTINGS: Record<string, string> = TERM
  ? { shared_buffers: '2GB', effective_cache_size: '8GB', maintenance_work_mem: '1GB', max_wal_size: '8GB', checkpoint_timeout: '30min' }
  : {};
const log = (line: string) => process.stderr.write(line + '\n');
const DAY = 86_400_000;
const T0 = 1_800_000_000_000;

/** What the synthesized turns say (each indexed under searchGrams, as ingest does). */
const TEXTS = { common: '我们今天学数学', rare: '光合作用为什么需要光', question: '这道题怎么做', hint: '提示：先想想定义' };
const QUERIES: Record<string, (store: HubStore, caller: HubCaller, classId: string) => Promise<unknown>> = {
  overview: (store, caller, c) => store.overview(caller, c),
  inbox: (store, caller, c) => store.inbox(caller, c),
  triage: (store, caller, c) => store.triage(caller, c),
  'search 数学': (store, caller, c) => store.search(caller, c, '数学'),
  'search 光合作用': (store, caller, c) => store.search(caller, c, '光合作用'),
};

interface Step {
  days: number;
  turns: number;
  loadS: number;
  vacuumS: number;
  turnBytes: number;
  dbBytes: number;
  ingestRate: number;
  push: Summary;
  replayRate: number;
  results: Record<string, Summary>;
  /** Mean rows a class's query returned. */
  rows: Record<string, number>;
}

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MB`;
const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

let server: PgServer | null = null;
// Ctrl-C or a kill still stops and removes the cluster (the `finally` below does on errors).
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log(`${signal}: stopping the PostgreSQL cluster`);
    server?.stop();
    process.exit(130);
  });

const runStarted = performance.now();
server = await startPostgres(SETTINGS);
try {
  // The hub's clock: the end of the synthesized days loaded so far (triage looks at the last two weeks).
  let hubNow = T0;
  const store = new HubStore(await openPgHub(await createDatabase(server), { poolSize: 10 }), { now: () => hubNow });
  const db = store.db;
  const admin = await store.createUser('admin', 'admin');
  const caller: HubCaller = { user_id: admin.id, name: 'admin', role: 'admin', device_id: (await store.issueDevice(admin.id, 'bench')).device_id };
  const version = (await db.all<{ server_version: string }>(sql`SHOW server_version`))[0]!.server_version;

  // The students whose laptops push in H1 (one class of their own, joined with its code).
  const klass = await store.createClass(caller, 'ingest');
  const students: HubCaller[] = [];
  for (let i = 0; i < INGEST_STUDENTS; i++) {
    const joined = await store.joinClass({ code: klass.code, name: `s${i}`, device_name: 'laptop' });
    students.push((await store.authenticate(joined.token)) as HubCaller);
  }
  const ingestTexts = [
    '我们今天学数学，先看一次函数的定义域。',
    'What is the derivative of x^2 + 3x?',
    '提示：先想想斜率的意义，再看截距。',
    '这道题的关键是把方程两边同时乘以分母。',
  ];

  /** H1: each ingest student's laptop pushes one new 40-turn session, 8 laptops at a time. */
  async function ingestBurst(): Promise<{ rate: number; push: Summary; replayRate: number }> {
    const payloads = students.map((s) => {
      const sid = uuidv7();
      const specs = Array.from({ length: TURNS_PER_DAY }, (_, k) => ({
        content: ingestTexts[k % ingestTexts.length]!,
        ...(k % 2 ? { role: 'assistant' as const, meta: { hint_level: (k % 5) + 1 } } : {}),
      }));
      return { caller: s, push: { sessions: [session(sid, chained(sid, specs))] } };
    });
    let next = 0;
    const latency: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < payloads.length) {
          const p = payloads[next++]!;
          const t = performance.now();
          await store.push(p.caller, p.push);
          latency.push(performance.now() - t);
        }
      }),
    );
    const rate = (payloads.length * TURNS_PER_DAY) / ((performance.now() - started) / 1000);
    // Replaying the same pushes (a class's laptops retrying): all duplicates.
    const replayStart = performance.now();
    for (const p of payloads.slice(0, 20)) await store.push(p.caller, p.push);
    const replayRate = (Math.min(20, payloads.length) * TURNS_PER_DAY) / ((performance.now() - replayStart) / 1000);
    return { rate, push: summarize(latency), replayRate };
  }

  // ---- the synthesized school --------------------------------------------------------------------
  // Numbers inline: generate_series over untyped parameters is ambiguous to PostgreSQL.
  const n = (value: number) => sql.raw(String(Math.trunc(value)));
  const grams = (text: string) => sql`${sql.param(searchGrams(text))}::text[]`;
  await db.run(
    sql`INSERT INTO hub_class (id, name, code, created_at) SELECT 'c' || c, 'class ' || c, 'B' || lpad(c::text, 7, '0'), ${n(T0)} FROM generate_series(1, ${n(CLASSES)}) c`,
  );
  await db.run(sql`INSERT INTO hub_user (id, name, role, created_at) SELECT 'u' || u, '学生' || u, 'student', ${n(T0)} FROM generate_series(1, ${n(STUDENTS)}) u`);
  await db.run(
    sql`INSERT INTO hub_member (class_id, user_id, role, student_no, joined_at) SELECT 'c' || (1 + (u - 1) / ${n(CLASS_SIZE)}), 'u' || u, 'student', u::text, ${n(T0)} FROM generate_series(1, ${n(STUDENTS)}) u`,
  );
  await db.run(
    sql`INSERT INTO hub_assignment (id, class_id, title, policy, created_at, updated_at) SELECT 'a' || c || '_' || k, 'c' || c, 'hw ' || k, '{"share_sessions":true}'::jsonb, ${n(T0)}, ${n(T0)} FROM generate_series(1, ${n(CLASSES)}) c, generate_series(1, 10) k`,
  );

  /** Days [from, to): one session a student a day on one of their class's 10 assignments, 40 turns each. */
  async function synthesize(from: number, to: number): Promise<void> {
    await db.run(sql`INSERT INTO hub_session (id, user_id, device_id, assignment_id, mode, started_at, meta, received_at, chain_head, turn_count, messages, tokens)
      SELECT 's' || d || '_' || u, 'u' || u, 'dev', 'a' || (1 + (u - 1) / ${n(CLASS_SIZE)}) || '_' || (1 + (d % 10)), 'homework', ${n(T0)} + d::bigint * ${n(DAY)}, '{}'::jsonb, ${n(T0)} + d::bigint * ${n(DAY)} + 3600000, repeat('0', 64), ${n(TURNS_PER_DAY)}, ${n(TURNS_PER_DAY)}, ${n((TURNS_PER_DAY / 2) * 80)}
      FROM generate_series(${n(from)}, ${n(to - 1)}) d, generate_series(1, ${n(STUDENTS)}) u`);
    // Every 20th turn (a user's) mentions 数学; five user turns a day in the school mention
    // 光合作用; assistant turns carry hint levels (a few students stuck, a few at 5); one reply
    // in 2,000 is flagged.
    await db.run(sql`INSERT INTO hub_turn (id, session_id, user_id, role, content, tokens_in, tokens_out, cost, created_at, received_at, meta, hash, hint_level, flagged, grams)
      SELECT 't' || d || '_' || u || '_' || k, 's' || d || '_' || u, 'u' || u, CASE WHEN k % 2 = 0 THEN 'user' ELSE 'assistant' END,
        CASE WHEN k % 20 = 0 THEN ${TEXTS.common}::text WHEN k = 4 AND (u * 7 + d) % 400 = 0 THEN ${TEXTS.rare}::text
          WHEN k % 2 = 0 THEN ${TEXTS.question}::text || ' ' || k ELSE ${TEXTS.hint}::text || ' ' || k END,
        20, 60, 5, ${n(T0)} + d::bigint * ${n(DAY)} + k * 60000, ${n(T0)} + d::bigint * ${n(DAY)} + 3600000, '{}'::jsonb, md5(d || '_' || u || '_' || k) || md5(k || '_' || u),
        CASE WHEN k % 2 = 1 THEN CASE WHEN u % 17 = 0 THEN 3 WHEN u % 23 = 0 AND k % 3 = 0 THEN 5 ELSE 1 + (k % 4) END END,
        (k = 39 AND u % 50 = 0),
        CASE WHEN k % 20 = 0 THEN ${grams(TEXTS.common)} WHEN k = 4 AND (u * 7 + d) % 400 = 0 THEN ${grams(TEXTS.rare)}
          WHEN k % 2 = 0 THEN array_append(${grams(TEXTS.question)}, k::text) ELSE array_append(${grams(TEXTS.hint)}, k::text) END
      FROM generate_series(${n(from)}, ${n(to - 1)}) d, generate_series(1, ${n(STUDENTS)}) u, generate_series(0, ${n(TURNS_PER_DAY - 1)}) k`);
  }

  const steps: Step[] = [];
  let loaded = 0;
  for (const days of DAYS) {
    const t = performance.now();
    for (let from = loaded; from < days; from += CHUNK_DAYS) {
      const to = Math.min(days, from + CHUNK_DAYS);
      const c = performance.now();
      await synthesize(from, to);
      log(`  days ${from}–${to - 1}: ${((to - from) * STUDENTS * TURNS_PER_DAY).toLocaleString('en')} turns in ${((performance.now() - c) / 1000).toFixed(1)} s`);
    }
    const loadS = (performance.now() - t) / 1000;
    const v = performance.now();
    await db.run(sql`VACUUM ANALYZE`);
    const vacuumS = (performance.now() - v) / 1000;
    loaded = days;
    hubNow = T0 + days * DAY + 3_600_000;
    const turns = Number((await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_turn`))[0]!.n);
    log(`${days} days: ${turns.toLocaleString('en')} turns (this step loaded in ${loadS.toFixed(0)} s, VACUUM ANALYZE ${vacuumS.toFixed(0)} s)`);

    const results: Record<string, Summary> = {};
    const rows: Record<string, number> = {};
    for (const [name, run] of Object.entries(QUERIES)) {
      const samples: number[] = [];
      let returned = 0;
      for (let i = 0; i < 22; i++) {
        const classId = `c${1 + ((i * 7) % CLASSES)}`;
        const q = performance.now();
        const result = await run(store, caller, classId);
        if (i >= 2) samples.push(performance.now() - q); // two warm-ups
        // Rows (or triage's rows of all three lists) returned: a query that finds nothing measures nothing.
        returned += Array.isArray(result) ? result.length : Object.values(result as Record<string, unknown[]>).reduce((s, l) => s + l.length, 0);
      }
      results[name] = summarize(samples);
      rows[name] = returned / 22;
      log(`  ${name}: p50 ${ms(results[name].p50)} p95 ${ms(results[name].p95)} (${rows[name].toFixed(1)} rows a class)`);
    }
    const burst = await ingestBurst();
    log(`  H1 ingest: ${burst.rate.toFixed(0)} turns/s; push of 40 turns p50 ${ms(burst.push.p50)} p95 ${ms(burst.push.p95)}; replays ${burst.replayRate.toFixed(0)} turns/s`);
    const size = (await db.all<{ turn: number; total: number }>(sql`SELECT pg_total_relation_size('hub_turn') AS turn, pg_database_size(current_database()) AS total`))[0]!;
    steps.push({
      days,
      turns,
      loadS,
      vacuumS,
      turnBytes: Number(size.turn),
      dbBytes: Number(size.total),
      ingestRate: burst.rate,
      push: burst.push,
      replayRate: burst.replayRate,
      results,
      rows,
    });
  }
  await store.close();

  // ---- HUB-RESULTS.md ------------------------------------------------------------------------------
  const last = steps.at(-1)!;
  const synthesized = DAYS.at(-1)! * STUDENTS * TURNS_PER_DAY;
  const loadTotal = steps.reduce((s, g) => s + g.loadS, 0);
  const vacuumTotal = steps.reduce((s, g) => s + g.vacuumS, 0);
  const runMinutes = (performance.now() - runStarted) / 60_000;
  const names = Object.keys(QUERIES);
  const command = `npm run bench:hub --${TERM ? ' --term' : ''}${values.days ? ` --days ${values.days}` : ''}${values.students !== '2000' ? ` --students ${STUDENTS}` : ''}${values['ingest-students'] ? ` --ingest-students ${INGEST_STUDENTS}` : ''}`;
  const settings = Object.entries(SETTINGS)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const lines = [
    '# Hub benchmark results',
    '',
    `${new Date().toISOString().slice(0, 10)}, PostgreSQL ${version} (throwaway cluster: fsync off${settings ? `, ${settings}` : ''}), 2 cores shared with other engineers' work. \`${command}\` (bench/hub.ts), generated by the run.`,
    '',
    `**Loaded:** ${STUDENTS.toLocaleString('en')} students in ${CLASSES} classes × ${TURNS_PER_DAY} turns a day × ${DAYS.at(-1)} days = ${synthesized.toLocaleString('en')} synthesized turns (${(DAYS.at(-1)! * STUDENTS).toLocaleString('en')} sessions), plus ${(last.turns - synthesized).toLocaleString('en')} pushed through the real path by the H1 bursts: **${last.turns.toLocaleString('en')} turns**, hub_turn ${gb(last.turnBytes)} with its indexes, database ${gb(last.dbBytes)}. Bulk load (INSERT … SELECT, ≤ ${CHUNK_DAYS} days a statement, all indexes and foreign keys in place): ${(loadTotal / 60).toFixed(1)} min in total, ${(synthesized / loadTotal).toFixed(0)} turns/s; VACUUM ANALYZE after each step: ${(vacuumTotal / 60).toFixed(1)} min in total. Whole run: ${runMinutes.toFixed(1)} min.`,
    '',
    `## Size and ingest at each step (H1: ${INGEST_STUDENTS} new 40-turn sessions = ${(INGEST_STUDENTS * TURNS_PER_DAY).toLocaleString('en')} turns, 8 concurrent laptops, real pushes: chain verified, idempotent, bigrams, one transaction per session)`,
    '',
    '| days | turns | step loaded in | hub_turn + indexes | database | H1 ingest | one push (40 turns) p50 / p95 | replays (duplicates) |',
    '|---|---|---|---|---|---|---|---|',
    ...steps.map(
      (g) =>
        `| ${g.days} | ${g.turns.toLocaleString('en')} | ${g.loadS.toFixed(0)} s | ${mb(g.turnBytes)} | ${mb(g.dbBytes)} | **${g.ingestRate.toFixed(0)} turns/s** | ${ms(g.push.p50, 0)} / ${ms(g.push.p95, 0)} | ${g.replayRate.toFixed(0)} turns/s |`,
    ),
    '',
    `## Dashboard queries as the term grows (exactly as HubStore runs them; per class of ${CLASS_SIZE}, 20 classes after 2 warm-ups, after VACUUM ANALYZE)`,
    '',
    `| days | turns | ${names.map((name) => `${name} p50 / p95`).join(' | ')} |`,
    `|---|---|${names.map(() => '---').join('|')}|`,
    ...steps.map((g) => `| ${g.days} | ${g.turns.toLocaleString('en')} | ${names.map((name) => `${ms(g.results[name]!.p50, 1)} / ${ms(g.results[name]!.p95, 1)}`).join(' | ')} |`),
    '',
    `Rows a class's query returned, on average at ${last.days} days: ${names.map((name) => `${name} ${last.rows[name]!.toFixed(1)}`).join(', ')} (search stops at 50, newest first).`,
    '',
    `数学 is in 5% of all turns (the worst case of a very common word); 光合作用 in ~0.006% (five turns a school day). Read bench/HUB-NOTES.md for what the numbers mean.`,
    '',
  ];
  writeFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'HUB-RESULTS.md'), lines.join('\n'));
  log(`done in ${runMinutes.toFixed(1)} min`);
} finally {
  server.stop();
}
