/**
 * getTurnsByUserAndDate keeps a stored meta as parsed where zod's read would give the same
 * (hydrate.ts, issue 15): one day read back must be exactly what zod's read of the same rows gives —
 * the metas the app writes, attachments, usage, and rows written by raw SQL that do not fit.
 */
import { describe, expect, it } from 'vitest';
import { TURN_META_SCHEMAS } from '../../src/shared/api/schemas.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { openTempStore, testWrites } from '../support/temp.ts';

/** A stored meta as zod read it before the fast path (hydrate.ts's readJsonColumn, without it). */
function zodRead(role: 'user' | 'assistant' | 'system', stored: string): unknown {
  const schema = TURN_META_SCHEMAS[role];
  const value = JSON.parse(stored) as Record<string, unknown>;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const misfits = new Set(parsed.error.issues.map((issue) => issue.path[0]));
  return schema.parse(Object.fromEntries(Object.entries(value).filter(([key]) => !misfits.has(key))));
}

describe('getTurnsByUserAndDate (one day)', () => {
  it('returns what zod’s read of the same rows returns: keys, order, attachments, misfits left out', () => {
    const store = openTempStore();
    const db = testWrites(store);
    const session = new SessionsRepo(store).insertNewSession(db, { user_id: 'u1', started_at: 0 });
    const turns = new TurnsRepo(store);
    const attachment = { sha256: 'b'.repeat(64), kind: 'image' as const, mime: 'image/png', name: '题目.png', bytes: 2048, width: 800, height: 600 };
    turns.insertNewTurn(db, {
      session_id: session.id,
      role: 'user',
      content: '这道题怎么做？',
      created_at: 100,
      meta: { status: 'answered', mode: 'homework', client_request_id: 'r1', hint_level: 2, attachments: [attachment] },
    });
    turns.insertNewTurn(db, {
      session_id: session.id,
      role: 'assistant',
      content: '我们先看已知条件。',
      created_at: 101,
      meta: {
        user_turn_id: 'x',
        mode: 'homework',
        provider_id: 'openai',
        status: 'complete',
        usage: { tokens_in: 10, tokens_out: 20, cached_tokens: 0, cost: 99, estimated: false, price_known: true, price_table_version: 'v1' },
        hint_level: 2,
        finish_reason: 'stop',
      },
    });
    turns.insertNewTurn(db, { session_id: session.id, role: 'system', content: '标题', created_at: 102, meta: { purpose: 'title', usage: { tokens_in: 1, tokens_out: 2 } } });
    // Rows another program wrote: keys out of the schema's order, unknown keys, a misfit, a stray key in usage.
    const raw = db.prepare(`INSERT INTO turn (id, session_id, role, content, created_at, meta) VALUES (?, ?, ?, ?, ?, ?)`);
    raw.run('raw-1', session.id, 'assistant', 'a', 103, '{"status":"complete","mode":"chat","note":"kept"}');
    raw.run('raw-2', session.id, 'assistant', 'b', 104, '{"note":"first","status":"complete"}');
    raw.run('raw-3', session.id, 'user', 'c', 105, '{"retries":-1,"status":"pending","extra":{"deep":[1]}}');
    raw.run('raw-4', session.id, 'assistant', 'd', 106, '{"usage":{"tokens_in":3,"stray":1},"truncated":"no"}');
    raw.run('raw-5', session.id, 'user', 'e', 107, '{"attachments":[{"kind":"video"}],"chat_id":"c9"}');

    const read = turns.getTurnsByUserAndDate('u1', 0, 1_000);
    const rows = store.sqlite.prepare(`SELECT id, role, meta FROM turn ORDER BY created_at, id`).all() as { id: string; role: 'user' | 'assistant' | 'system'; meta: string }[];
    expect(read.map((t) => t.id)).toEqual(rows.map((r) => r.id));
    for (const [i, turn] of read.entries()) {
      expect(JSON.stringify(turn.meta), rows[i]!.meta).toBe(JSON.stringify(zodRead(rows[i]!.role, rows[i]!.meta)));
    }
    expect(read[0]!.meta).toMatchObject({ attachments: [attachment] });
    expect(read.find((t) => t.id === 'raw-3')!.meta).toEqual({ status: 'pending', extra: { deep: [1] } });
    expect(read.find((t) => t.id === 'raw-4')!.meta).toEqual({ usage: { tokens_in: 3 } });
  });
});
