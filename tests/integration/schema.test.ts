// The schema as SQLite reports it after migrating — not as the drizzle source claims it to be.
import { describe, expect, it } from 'vitest';
import { openTempStore } from '../support/temp.ts';

type Column = { name: string; type: string; notnull: number; pk: number; dflt_value: string | null };

describe('migrated schema', () => {
  const store = () => openTempStore();

  it('has the seed session table field for field', () => {
    const cols = store().sqlite.pragma('table_info(session)') as Column[];
    expect(cols.map((c) => [c.name, c.type, c.notnull, c.pk])).toEqual([
      ['id', 'TEXT', 1, 1],
      ['user_id', 'TEXT', 1, 0],
      ['assignment_id', 'TEXT', 0, 0],
      ['mode', 'TEXT', 1, 0],
      ['started_at', 'INTEGER', 1, 0],
      ['ended_at', 'INTEGER', 0, 0],
      ['policy_snapshot', 'TEXT', 1, 0],
      ['meta', 'TEXT', 1, 0],
    ]);
  });

  it('has the seed turn table field for field', () => {
    const cols = store().sqlite.pragma('table_info(turn)') as Column[];
    expect(cols.map((c) => [c.name, c.type, c.notnull, c.pk])).toEqual([
      ['id', 'TEXT', 1, 1],
      ['session_id', 'TEXT', 1, 0],
      ['role', 'TEXT', 1, 0],
      ['content', 'TEXT', 1, 0],
      ['tool_calls', 'TEXT', 0, 0],
      ['model', 'TEXT', 0, 0],
      ['tokens_in', 'INTEGER', 1, 0],
      ['tokens_out', 'INTEGER', 1, 0],
      ['cost', 'INTEGER', 1, 0],
      ['created_at', 'INTEGER', 1, 0],
      ['meta', 'TEXT', 1, 0],
      // Versions (0008): an addition after the seed's fields.
      ['parent_id', 'TEXT', 0, 0],
    ]);
  });

  it('links turn.session_id to session.id with ON DELETE CASCADE', () => {
    const fks = store().sqlite.pragma('foreign_key_list(turn)') as { table: string; from: string; to: string; on_delete: string }[];
    expect(fks).toHaveLength(2);
    expect(fks.find((fk) => fk.from === 'session_id')).toMatchObject({ table: 'session', from: 'session_id', to: 'id', on_delete: 'CASCADE' });
    // Versions: a turn's parent, deleted with it (only ever as part of its session).
    expect(fks.find((fk) => fk.from === 'parent_id')).toMatchObject({ table: 'turn', from: 'parent_id', to: 'id', on_delete: 'CASCADE' });
  });

  it('has the seed indexes, led by the seed columns, plus the ones the queries need', () => {
    const s = store();
    const indexColumns = (table: string) =>
      Object.fromEntries(
        (s.sqlite.pragma(`index_list(${table})`) as { name: string; origin: string }[])
          .filter((i) => i.origin === 'c')
          .map((i) => [i.name, (s.sqlite.pragma(`index_info(${i.name})`) as { name: string }[]).map((c) => c.name)]),
      );
    expect(indexColumns('session')).toEqual({
      session_user_id_started_at_idx: ['user_id', 'started_at', 'id'],
      session_assignment_id_idx: ['assignment_id'],
      session_id_user_id_idx: ['id', 'user_id'],
    });
    expect(indexColumns('turn')).toEqual({
      turn_session_id_created_at_idx: ['session_id', 'created_at', 'id'],
      turn_created_at_idx: ['created_at', 'id'],
      // A turn's versions, and the cascade's lookup of children when a session is deleted.
      turn_parent_id_idx: ['parent_id'],
      // Partial expression indexes over meta (see the next test).
      turn_client_request_key_idx: [null],
      turn_open_status_idx: [null],
      // The allowance's sum: the call turns only, covering what it reads (migrations.test.ts: allowance_sum).
      turn_call_usage_idx: ['session_id', 'role', null, 'tokens_in', 'tokens_out', 'cost'],
    });
  });

  it('uses the indexes for the history queries', () => {
    const s = store();
    const plan = (sql: string) => (s.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan("SELECT * FROM session WHERE user_id = 'u' ORDER BY started_at DESC LIMIT 50")).toContain('session_user_id_started_at_idx');
    expect(plan("SELECT * FROM turn WHERE session_id = 's' ORDER BY created_at, id")).toContain('turn_session_id_created_at_idx');
    expect(plan("SELECT * FROM turn WHERE session_id = 's' ORDER BY created_at, id")).not.toContain('TEMP B-TREE');
    expect(plan('SELECT * FROM turn WHERE created_at >= 1 AND created_at < 2 ORDER BY created_at, id')).not.toContain('TEMP B-TREE');
    expect(plan('SELECT * FROM turn WHERE created_at >= 1 AND created_at < 2')).toContain('turn_created_at_idx');
    expect(plan("SELECT * FROM turn WHERE json_extract(meta, '$.client_request_key') = 'r'")).toContain('turn_client_request_key_idx');
    expect(plan("SELECT * FROM turn WHERE json_extract(meta, '$.status') IN ('pending', 'streaming')")).toContain('turn_open_status_idx');
  });

  it('has the setting table for JSON documents by key', () => {
    const cols = store().sqlite.pragma('table_info(setting)') as Column[];
    expect(cols.map((c) => [c.name, c.type, c.notnull, c.pk])).toEqual([
      ['key', 'TEXT', 1, 1],
      ['value', 'TEXT', 1, 0],
      ['updated_at', 'INTEGER', 1, 0],
    ]);
  });

  it('runs with WAL, foreign keys on, a busy timeout and synchronous=FULL', () => {
    const s = store();
    expect(s.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(s.sqlite.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    expect(s.sqlite.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('has the FTS5 table, the table of turns due for indexing and the three sync triggers', () => {
    const s = store();
    const objects = s.sqlite.prepare("SELECT type, name FROM sqlite_master WHERE name LIKE 'turn_fts%' AND type IN ('table','trigger') ORDER BY name").all();
    expect(objects).toEqual(
      expect.arrayContaining([
        { type: 'table', name: 'turn_fts' },
        { type: 'trigger', name: 'turn_fts_after_delete' },
        { type: 'trigger', name: 'turn_fts_after_insert' },
        { type: 'trigger', name: 'turn_fts_after_update' },
        { type: 'table', name: 'turn_fts_pending' },
      ]),
    );
  });

  describe('CHECK constraints hold even for writes that bypass validation', () => {
    const insertSession = (s: ReturnType<typeof store>, over: Record<string, unknown>) =>
      s.sqlite
        .prepare(
          'INSERT INTO session (id, user_id, assignment_id, mode, started_at, ended_at, policy_snapshot, meta) VALUES (@id, @user_id, @assignment_id, @mode, @started_at, @ended_at, @policy_snapshot, @meta)',
        )
        .run({ id: 's1', user_id: 'u', assignment_id: null, mode: 'chat', started_at: 1000, ended_at: null, policy_snapshot: '{}', meta: '{}', ...over });
    const insertTurn = (s: ReturnType<typeof store>, over: Record<string, unknown>) =>
      s.sqlite
        .prepare(
          'INSERT INTO turn (id, session_id, role, content, tool_calls, model, tokens_in, tokens_out, cost, created_at, meta) VALUES (@id, @session_id, @role, @content, @tool_calls, @model, @tokens_in, @tokens_out, @cost, @created_at, @meta)',
        )
        .run({
          id: 't1',
          session_id: 's1',
          role: 'user',
          content: 'hi',
          tool_calls: null,
          model: null,
          tokens_in: 0,
          tokens_out: 0,
          cost: 0,
          created_at: 1000,
          meta: '{}',
          ...over,
        });

    it.each([
      ['mode outside the enum', { mode: 'exam' }],
      ['meta that is not an object', { meta: '[1,2]' }],
      ['policy_snapshot that is not JSON', { policy_snapshot: 'nope' }],
      ['ended before it started', { ended_at: 999 }],
      ['fractional started_at', { started_at: 1.5 }],
    ])('session: rejects %s', (_name, over) => {
      expect(() => insertSession(store(), over)).toThrow(/CHECK constraint failed/);
    });

    it.each([
      ['role outside the enum', { role: 'tool' }],
      ['negative tokens_in', { tokens_in: -1 }],
      ['negative tokens_out', { tokens_out: -5 }],
      ['negative cost', { cost: -1 }],
      ['fractional cost', { cost: 0.5 }],
      ['tool_calls that is an object', { tool_calls: '{}' }],
      ['meta that is not JSON', { meta: '{' }],
    ])('turn: rejects %s', (_name, over) => {
      const s = store();
      insertSession(s, {});
      expect(() => insertTurn(s, over)).toThrow(/CHECK constraint failed/);
    });

    it('turn: rejects a session that does not exist', () => {
      expect(() => insertTurn(store(), { session_id: 'missing' })).toThrow(/FOREIGN KEY/);
    });
  });
});

describe('query plans of the history queries', () => {
  it('getTurnsByUserAndDate walks turn(created_at, id) without a sort', () => {
    const store = openTempStore();
    const plan = (
      store.sqlite
        .prepare(
          `EXPLAIN QUERY PLAN SELECT t.id FROM turn t CROSS JOIN session s ON s.id = t.session_id WHERE s.user_id = 'u' AND t.created_at >= 1 AND t.created_at < 2 ORDER BY t.created_at, t.id`,
        )
        .all() as { detail: string }[]
    ).map((r) => r.detail);
    expect(plan[0]).toMatch(/turn_created_at_idx/);
    expect(plan.join(' ')).not.toContain('TEMP B-TREE');
  });
});
