// The usage buckets stay equal to the sums of the turns through every kind of change, and a
// report over whole buckets equals the same report computed from the turns.
import { describe, expect, it } from 'vitest';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { UsageRepo } from '../../src/main/core/db/usage.repo.ts';
import { BUCKET_MS } from '../../src/main/core/db/usage-rollup.ts';
import type { Store } from '../../src/main/core/db/connection.ts';
import { mulberry32 } from '../support/random.ts';
import { openTempStore, testWrites } from '../support/temp.ts';

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
      if (step % 250 === 249) expect(actualBuckets(store)).toEqual(expectedBuckets(store));
    }
    expect(actualBuckets(store)).toEqual(expectedBuckets(store));
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
    reopened.close();
  });
});
