// The usage buckets stay equal to the sums of the turns through every kind of change, and a
// report over whole buckets equals the same report computed from the turns.
import { describe, expect, it } from 'vitest';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { UsageRepo } from '../../src/main/core/db/usage.repo.ts';
import { BUCKET_MS, dayNumberSql, USAGE_DAY_OFFSET_KEY, usageDayOffset } from '../../src/main/core/db/usage-rollup.ts';
import { openDatabase } from '../../src/main/core/db/connection.ts';
import type { Store } from '../../src/main/core/db/connection.ts';
import { mulberry32 } from '../support/random.ts';
import { onCleanup, openTempStore, testWrites } from '../support/temp.ts';

/** What the buckets must hold: the same grouping computed straight from the turns. */
function expectedBuckets(store: Store) {
  return store.sqlite
    .prepare(
      `SELECT s.user_id, t.created_at - t.created_at % ${BUCKET_MS} AS bucket, s.mode, coalesce(s.assignment_id, '') AS assignment_key, coalesce(t.model, '') AS model_key,
              count(*) AS turns, sum(t.tokens_in) AS tokens_in, sum(t.tokens_out) AS tokens_out, sum(t.cost) AS cost,
              sum(coalesce(json_extract(t.meta, '$.usage.estimated') = 1, 0)) AS estimated_turns
       FROM turn t JOIN session s ON s.id = t.session_id WHERE t.role = 'assistant' GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
    )
    .all();
}
const actualBuckets = (store: Store) => store.sqlite.prepare('SELECT * FROM usage_bucket WHERE turns > 0 ORDER BY 1, 2, 3, 4, 5').all();

/** What usage_day must hold: the turns grouped by local day in the rollup's zone. */
function expectedDays(store: Store) {
  const offset = usageDayOffset(store.sqlite);
  return store.sqlite
    .prepare(
      `SELECT s.user_id, ${dayNumberSql('t.created_at', offset)} AS day, s.mode, coalesce(s.assignment_id, '') AS assignment_key, coalesce(t.model, '') AS model_key,
              count(*) AS turns, sum(t.tokens_in) AS tokens_in, sum(t.tokens_out) AS tokens_out, sum(t.cost) AS cost,
              sum(coalesce(json_extract(t.meta, '$.usage.estimated') = 1, 0)) AS estimated_turns
       FROM turn t JOIN session s ON s.id = t.session_id WHERE t.role = 'assistant' GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
    )
    .all();
}
const actualDays = (store: Store) => store.sqlite.prepare('SELECT * FROM usage_day WHERE turns > 0 ORDER BY 1, 2, 3, 4, 5').all();

/** A store whose day rollup is kept for `offset` minutes east of UTC (as a machine in that zone would have it). */
function storeWithDayZone(offset: number): Store {
  const first = openTempStore();
  first.transaction('pin the zone', (db) => db.prepare('UPDATE setting SET value = ? WHERE key = ?').run(JSON.stringify(offset), USAGE_DAY_OFFSET_KEY));
  const file = first.file;
  first.close();
  const store = openDatabase(file);
  onCleanup(() => store.sqlite.open && store.close());
  return store;
}

describe('usage buckets', () => {
  it('follow 1,500 random inserts, updates, deletes, session deletes and regroupings', () => {
    const store = openTempStore();
    const sessions = new SessionsRepo(store);
    const turns = new TurnsRepo(store);
    const random = mulberry32(42);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const live: string[] = [];
    const liveTurns: string[] = [];
    for (let step = 0; step < 1500; step++) {
      const r = random();
      if (live.length < 3 || r < 0.1) {
        live.push(
          sessions.insertNewSession(testWrites(store), {
            user_id: pick(['u1', 'u2']),
            mode: pick(['chat', 'homework', 'deep_think'] as const),
            assignment_id: pick([null, 'hw1', 'hw2']),
            started_at: 0,
          }).id,
        );
      } else if (r < 0.6) {
        const t = turns.insertNewTurn(testWrites(store), {
          session_id: pick(live),
          role: pick(['user', 'assistant', 'assistant'] as const),
          content: 'x',
          model: pick([null, 'gpt-4o-mini', 'deepseek-chat']),
          tokens_in: Math.floor(random() * 1000),
          tokens_out: Math.floor(random() * 500),
          cost: Math.floor(random() * 100_000),
          created_at: Math.floor(random() * 3 * 86_400_000),
          meta: { usage: { estimated: random() < 0.3 } },
        });
        liveTurns.push(t.id);
      } else if (r < 0.75 && liveTurns.length) {
        const id = pick(liveTurns);
        turns.updateTurnById(
          testWrites(store),
          id,
          random() < 0.5
            ? { content: 'flush only' }
            : { tokens_out: Math.floor(random() * 500), cost: Math.floor(random() * 100_000), model: pick([null, 'qwen-plus']), meta: { usage: { estimated: random() < 0.5 } } },
        );
      } else if (r < 0.85 && liveTurns.length) {
        store.sqlite.prepare('DELETE FROM turn WHERE id = ?').run(liveTurns.splice(Math.floor(random() * liveTurns.length), 1)[0]);
      } else if (r < 0.93) {
        sessions.updateSessionById(testWrites(store), pick(live), { mode: pick(['chat', 'homework'] as const), assignment_id: pick([null, 'hw3']) });
      } else {
        const id = live.splice(Math.floor(random() * live.length), 1)[0]!;
        sessions.deleteSessionById(testWrites(store), id);
      }
      if (step % 250 === 249) {
        expect(actualBuckets(store)).toEqual(expectedBuckets(store));
        expect(actualDays(store)).toEqual(expectedDays(store));
      }
    }
    expect(actualBuckets(store)).toEqual(expectedBuckets(store));
    expect(actualDays(store)).toEqual(expectedDays(store));
    expect((expectedDays(store) as unknown[]).length).toBeGreaterThan(10);
    expect((expectedBuckets(store) as unknown[]).length).toBeGreaterThan(20);

    // A report over whole buckets (read from usage_bucket) equals one computed from the turns.
    const usage = new UsageRepo(store);
    for (const group of ['day', 'mode', 'assignment', 'model'] as const) {
      for (const offset of [0, 480, -300, 345]) {
        const fromBuckets = usage.report('u1', { from: 0, to: 4 * 86_400_000 }, group, offset);
        const fromTurns = usage.report('u1', { from: 0, to: 4 * 86_400_000 + 1 }, group, offset); // unaligned: reads turns
        expect({ group, offset, rows: fromBuckets.rows }).toEqual({ group, offset, rows: fromTurns.rows });
        expect(fromBuckets.total).toEqual(fromTurns.total);
      }
    }
  });

  it("usage by whole days in the rollup's zone reads usage_day, equal to the turns; another offset reads the buckets, equal too", () => {
    const store = storeWithDayZone(480); // UTC+8, as in China
    expect(usageDayOffset(store.sqlite)).toBe(480);
    const sessions = new SessionsRepo(store);
    const turns = new TurnsRepo(store);
    const random = mulberry32(7);
    const ids = [0, 1, 2].map(
      (i) =>
        sessions.insertNewSession(testWrites(store), {
          user_id: 'u1',
          mode: (['chat', 'homework', 'deep_think'] as const)[i],
          assignment_id: i === 1 ? 'hw1' : null,
          started_at: 0,
        }).id,
    );
    for (let i = 0; i < 400; i++) {
      turns.insertNewTurn(testWrites(store), {
        session_id: ids[i % 3]!,
        role: 'assistant',
        content: 'x',
        model: i % 2 ? 'gpt-4o-mini' : 'deepseek-chat',
        tokens_in: Math.floor(random() * 1000),
        tokens_out: Math.floor(random() * 500),
        cost: Math.floor(random() * 100_000),
        created_at: 10 * 86_400_000 + Math.floor(random() * 20 * 86_400_000),
        meta: { usage: { estimated: random() < 0.3 } },
      });
    }
    expect(actualDays(store)).toEqual(expectedDays(store));
    const usage = new UsageRepo(store);
    const midnight = (day: number, offset: number) => day * 86_400_000 - offset * 60_000; // local midnight of day number `day`
    const range = (offset: number) => ({ from: midnight(9, offset), to: midnight(31, offset) });
    const reports = (offset: number) =>
      (['day', 'mode', 'assignment', 'model'] as const).map((group) => {
        const whole = usage.report('u1', range(offset), group, offset);
        const fromTurns = usage.report('u1', { from: range(offset).from, to: range(offset).to + 1 }, group, offset); // unaligned: reads turns
        expect({ group, offset, rows: whole.rows, total: whole.total }).toEqual({ group, offset, rows: fromTurns.rows, total: fromTurns.total });
        return whole;
      });
    const zoned = reports(480);
    expect(zoned[0]!.rows.length).toBeGreaterThanOrEqual(20);
    reports(-300);
    reports(0);
    // It is usage_day that answers for UTC+8 (and only for it): a change there shows in its reports alone.
    store.sqlite.prepare('UPDATE usage_day SET cost = cost + 1').run();
    expect(usage.report('u1', range(480), 'mode', 480).total.cost).toBeGreaterThan(zoned[1]!.total.cost);
    expect(usage.report('u1', range(0), 'mode', 0).total.cost).toBe(reports(0)[1]!.total.cost);
  });

  it('a new zone for the day rollup rewrites its triggers and rebuilds it from the turns at the next open', () => {
    const store = storeWithDayZone(0);
    const s = new SessionsRepo(store).insertNewSession(testWrites(store), { user_id: 'u1' });
    // 20:00 UTC: day 0 in UTC, day 1 in UTC+8.
    new TurnsRepo(store).insertNewTurn(testWrites(store), { session_id: s.id, role: 'assistant', content: 'a', cost: 7, created_at: 20 * 3_600_000 });
    expect(store.sqlite.prepare('SELECT day FROM usage_day').pluck().all()).toEqual([0]);
    store.transaction('move the zone', (db) => db.prepare('UPDATE setting SET value = ? WHERE key = ?').run('480', USAGE_DAY_OFFSET_KEY));
    const file = store.file;
    store.close();
    const reopened = openDatabase(file);
    onCleanup(() => reopened.sqlite.open && reopened.close());
    expect(reopened.openReport.repairedTriggers).toContain('usage_day_after_turn_insert');
    expect(reopened.sqlite.prepare('SELECT day FROM usage_day').pluck().all()).toEqual([1]);
    expect(actualDays(reopened)).toEqual(expectedDays(reopened));
  });

  it('are rebuilt when a table rebuild dropped their triggers', async () => {
    const store = openTempStore();
    const s = new SessionsRepo(store).insertNewSession(testWrites(store), { user_id: 'u1' });
    new TurnsRepo(store).insertNewTurn(testWrites(store), { session_id: s.id, role: 'assistant', content: 'a', cost: 7, created_at: 1 });
    store.sqlite.exec('DROP TRIGGER usage_after_turn_insert; DELETE FROM usage_bucket;');
    const file = store.file;
    store.close();
    const { openDatabase } = await import('../../src/main/core/db/connection.ts');
    const reopened = openDatabase(file);
    expect(reopened.openReport.repairedTriggers).toContain('usage_after_turn_insert');
    expect(actualBuckets(reopened)).toEqual(expectedBuckets(reopened));
    expect(actualDays(reopened)).toEqual(expectedDays(reopened));
    reopened.close();
  });
});
