/**
 * `node bench/hub.ts [--days 2,4,8] [--students 2000] [--ingest-students 100]`: the hub at scale
 * on a throwaway PostgreSQL cluster (tests/support/postgres.ts), writing bench/HUB-RESULTS.md.
 *
 *  H1 sync ingest: real pushes through HubStore.push (chain verification, idempotency checks,
 *     bigram extraction, one transaction per session), N students × 40 turns, 8 sessions at once
 *     as 8 laptops would send them: turns per second.
 *  H2 dashboard growth: a term of 2,000 students in 50 classes × 40 turns a day is synthesized in
 *     SQL (INSERT … SELECT over generate_series: same tables, indexes and bigram arrays as ingest
 *     writes) up to each of --days; at each size, each dashboard query (overview, inbox, triage,
 *     search 数学) for 20 classes: p50/p95. A full term (~180 days, ~14M turns) is extrapolated
 *     from the growth, not loaded (hours of inserts on 2 cores; say so in the results).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { openPgHub, sql } from '../src/main/core/hub/sql.ts';
import { HubStore, type HubCaller } from '../src/main/core/hub/store.ts';
import { chained, session } from '../tests/support/hub-chain.ts';
import { createDatabase, startPostgres } from '../tests/support/postgres.ts';
import { ms, summarize, type Summary } from './stats.ts';

const { values } = parseArgs({
  options: { days: { type: 'string', default: '2,4,8' }, students: { type: 'string', default: '2000' }, 'ingest-students': { type: 'string', default: '100' } },
});
const DAYS = values.days.split(',').map(Number);
const STUDENTS = Number(values.students);
const CLASS_SIZE = 40;
const CLASSES = Math.ceil(STUDENTS / CLASS_SIZE);
const TURNS_PER_DAY = 40;
const log = (line: string) => process.stderr.write(line + '\n');
const DAY = 86_400_000;
const T0 = 1_800_000_000_000;

const server = await startPostgres();
const lines: string[] = [];
try {
  // The hub's clock: the end of the synthesized days loaded so far (triage looks at the last two weeks).
  let hubNow = T0;
  const store = new HubStore(await openPgHub(await createDatabase(server), { poolSize: 10 }), { now: () => hubNow });
  const admin = await store.createUser('admin', 'admin');
  const caller: HubCaller = { user_id: admin.id, name: 'admin', role: 'admin', device_id: (await store.issueDevice(admin.id, 'bench')).device_id };

  // ---- H1: ingest through the real push path ------------------------------------------------
  const ingestStudents = Number(values['ingest-students']);
  const klass = await store.createClass(caller, 'ingest');
  const students: HubCaller[] = [];
  for (let i = 0; i < ingestStudents; i++) {
    const joined = await store.joinClass({ code: klass.code, name: `s${i}`, device_name: 'laptop' });
    students.push((await store.authenticate(joined.token)) as HubCaller);
  }
  const texts = ['我们今天学数学，先看一次函数的定义域。', 'What is the derivative of x^2 + 3x?', '提示：先想想斜率的意义，再看截距。', '这道题的关键是把方程两边同时乘以分母。'];
  const payloads = students.map((s) => {
    const sid = uuidv7();
    const specs = Array.from({ length: TURNS_PER_DAY }, (_, k) => ({
      content: texts[k % texts.length]!,
      ...(k % 2 ? { role: 'assistant' as const, meta: { hint_level: (k % 5) + 1 } } : {}),
    }));
    return { caller: s, push: { sessions: [session(sid, chained(sid, specs))] } };
  });
  let next = 0;
  const pushLatency: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < payloads.length) {
        const p = payloads[next++]!;
        const t = performance.now();
        await store.push(p.caller, p.push);
        pushLatency.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ingested = ingestStudents * TURNS_PER_DAY;
  const push = summarize(pushLatency);
  log(`H1 ingest: ${ingested} turns in ${seconds.toFixed(1)} s = ${(ingested / seconds).toFixed(0)} turns/s; push of 40 turns p50 ${ms(push.p50)} p95 ${ms(push.p95)}`);
  // Replaying the same pushes (a class's laptops retrying): all duplicates.
  const replayStart = performance.now();
  for (const p of payloads.slice(0, 20)) await store.push(p.caller, p.push);
  const replayRate = (20 * TURNS_PER_DAY) / ((performance.now() - replayStart) / 1000);
  lines.push(
    '## H1 sync ingest (real pushes: chain verified, idempotent, bigrams, one transaction per session)',
    '',
    `${ingestStudents} students × ${TURNS_PER_DAY} turns pushed by 8 concurrent "laptops": **${(ingested / seconds).toFixed(0)} turns/s** (${seconds.toFixed(1)} s); one push of a 40-turn session: p50 ${ms(push.p50)}, p95 ${ms(push.p95)}. Replayed pushes (all duplicates): ${replayRate.toFixed(0)} turns/s.`,
    '',
    `A term's 14.4M turns at this rate: ${(14_400_000 / (ingested / seconds) / 3600).toFixed(1)} hours of ingest in total; a school day's 80,000 turns (2,000 × 40): ${(80_000 / (ingested / seconds)).toFixed(0)} s — ingest is not the bottleneck.`,
    '',
  );

  // ---- H2: synthesized term, dashboard growth ------------------------------------------------
  const db = store.db;
  // Numbers inline: generate_series over untyped parameters is ambiguous to PostgreSQL.
  const n = (value: number) => sql.raw(String(Math.trunc(value)));
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
  const growth: { days: number; turns: number; loadS: number; results: Record<string, Summary> }[] = [];
  let loaded = 0;
  for (const days of DAYS) {
    const t = performance.now();
    // One session a student a day on one of their class's 10 assignments; 40 turns each, every
    // 10th user turn mentions 数学, assistant turns carry hint levels (a few stuck, a few at 5).
    await db.run(sql`INSERT INTO hub_session (id, user_id, device_id, assignment_id, mode, started_at, meta, received_at, chain_head, turn_count, tokens)
      SELECT 's' || d || '_' || u, 'u' || u, 'dev', 'a' || (1 + (u - 1) / ${n(CLASS_SIZE)}) || '_' || (1 + (d % 10)), 'homework', ${n(T0)} + d::bigint * ${n(DAY)}, '{}'::jsonb, ${n(T0)} + d::bigint * ${n(DAY)} + 3600000, repeat('0', 64), ${n(TURNS_PER_DAY)}, ${n(TURNS_PER_DAY * 80)}
      FROM generate_series(${n(loaded)}, ${n(days - 1)}) d, generate_series(1, ${n(STUDENTS)}) u`);
    await db.run(sql`INSERT INTO hub_turn (id, session_id, user_id, role, content, tokens_in, tokens_out, cost, created_at, received_at, meta, hash, hint_level, flagged, grams)
      SELECT 't' || d || '_' || u || '_' || k, 's' || d || '_' || u, 'u' || u, CASE WHEN k % 2 = 0 THEN 'user' ELSE 'assistant' END,
        CASE WHEN k % 20 = 0 THEN '我们今天学数学' WHEN k % 2 = 0 THEN '这道题怎么做 ' || k ELSE '提示：先想想定义 ' || k END,
        20, 60, 5, ${n(T0)} + d::bigint * ${n(DAY)} + k * 60000, ${n(T0)} + d::bigint * ${n(DAY)} + 3600000, '{}'::jsonb, md5(d || '_' || u || '_' || k) || md5(k || '_' || u),
        CASE WHEN k % 2 = 1 THEN CASE WHEN u % 17 = 0 THEN 3 WHEN u % 23 = 0 AND k % 3 = 0 THEN 5 ELSE 1 + (k % 4) END END,
        (k = 39 AND u % 50 = 0),
        CASE WHEN k % 20 = 0 THEN ARRAY['们','今','天','学','数','我','我们','们今','今天','天学','学数','数学'] WHEN k % 2 = 0 THEN ARRAY['这','道','题','怎','么','做','这道','道题','题怎','怎么','么做', k::text] ELSE ARRAY['提','示','先','想','定','义','提示','先想','想想','定义', k::text] END
      FROM generate_series(${n(loaded)}, ${n(days - 1)}) d, generate_series(1, ${n(STUDENTS)}) u, generate_series(0, ${n(TURNS_PER_DAY - 1)}) k`);
    await db.run(sql`ANALYZE`);
    const loadS = (performance.now() - t) / 1000;
    const turns = Number((await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_turn`))[0]!.n);
    log(`H2 ${days} days: ${turns} turns (loaded in ${loadS.toFixed(0)} s)`);
    loaded = days;
    hubNow = T0 + days * DAY + 3_600_000;
    const results: Record<string, Summary> = {};
    const queries: Record<string, (classId: string) => Promise<unknown>> = {
      overview: (c) => store.overview(caller, c),
      inbox: (c) => store.inbox(caller, c),
      triage: (c) => store.triage(caller, c),
      'search 数学': (c) => store.search(caller, c, '数学'),
    };
    for (const [name, run] of Object.entries(queries)) {
      const samples: number[] = [];
      for (let i = 0; i < 22; i++) {
        const classId = `c${1 + ((i * 7) % CLASSES)}`;
        const q = performance.now();
        await run(classId);
        if (i >= 2) samples.push(performance.now() - q); // two warm-ups
      }
      results[name] = summarize(samples);
      log(`  ${name}: p50 ${ms(results[name].p50)} p95 ${ms(results[name].p95)}`);
    }
    growth.push({ days, turns, loadS, results });
  }
  const size = (
    await db.all<{ turns: string; total: string }>(
      sql`SELECT pg_size_pretty(pg_total_relation_size('hub_turn')) AS turns, pg_size_pretty(pg_database_size(current_database())) AS total`,
    )
  )[0]!;
  const names = Object.keys(growth[0]!.results);
  lines.push(
    `## H2 dashboard queries as the term grows (${STUDENTS} students, ${CLASSES} classes of ${CLASS_SIZE}, ${TURNS_PER_DAY} turns a day; per class, 20 classes)`,
    '',
    `| days | turns | ${names.map((n) => `${n} p50 / p95`).join(' | ')} |`,
    `|---|---|${names.map(() => '---').join('|')}|`,
    ...growth.map((g) => `| ${g.days} | ${g.turns.toLocaleString('en')} | ${names.map((n) => `${ms(g.results[n]!.p50, 1)} / ${ms(g.results[n]!.p95, 1)}`).join(' | ')} |`),
    '',
    `hub_turn at ${growth.at(-1)!.turns.toLocaleString('en')} turns: ${size.turns} with its indexes (database ${size.total}). Synthesized in SQL at ${(growth.reduce((n, g) => n + g.turns, 0) / growth.reduce((n, g) => n + g.loadS, 0)).toFixed(0)} turns/s (bulk, one statement per step).`,
    '',
  );
  writeFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), 'HUB-RESULTS.md'),
    `# Hub benchmark results\n\n${new Date().toISOString().slice(0, 10)}, PostgreSQL 15 (throwaway cluster, fsync off), 2 shared cores. \`node bench/hub.ts --days ${values.days} --students ${STUDENTS}\`.\n\n${lines.join('\n')}\n`,
  );
  await store.close();
} finally {
  server.stop();
}
