// The JSON columns are typed (src/shared/api/schemas.ts) and read through one hydration point per
// table (src/main/core/db/hydrate.ts); writes need the write handle (src/main/core/db/handles.ts).
import { describe, expect, it } from 'vitest';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { TurnSchema, type NewTurn } from '../../src/shared/api/schemas.ts';
import { setupCore, TEST_CALLER } from '../support/core.ts';
import { openTempStore, testWrites } from '../support/temp.ts';

function setup() {
  const store = openTempStore();
  const sessions = new SessionsRepo(store);
  const turns = new TurnsRepo(store);
  const session = store.transaction('start a session', (db) => sessions.insertNewSession(db, { user_id: 'u1', meta: { title: 'Algebra' } }));
  return { store, sessions, turns, session };
}

describe('typed JSON columns', () => {
  it('a stored row whose known field does not fit its schema stays readable: that field is left out, the others (unknown ones too) stay', () => {
    const { store, sessions, turns, session } = setup();
    // Raw SQL (another program, an old version) can write what the app never would.
    store.sqlite
      .prepare('UPDATE session SET meta = ?, policy_snapshot = ? WHERE id = ?')
      .run(JSON.stringify({ title: 42, chat_id: 'c1', colour: 'blue' }), JSON.stringify({ model: 'gpt-4o-mini', temperature: 'hot', future_field: [1, 2] }), session.id);
    store.sqlite
      .prepare("INSERT INTO turn (id, session_id, role, content, created_at, meta) VALUES ('t1', ?, 'assistant', 'hi', 1, ?), ('t2', ?, 'user', 'yo', 2, ?)")
      .run(
        session.id,
        JSON.stringify({ status: 'exploded', usage: { tokens_in: -1 }, reasoning: 'why', extra: true }),
        session.id,
        JSON.stringify({ status: 'failed', retries: 'many', error: { code: 'upstream_error', message: 'down' } }),
      );
    const read = sessions.getSessionById(session.id)!;
    expect(read.meta).toEqual({ chat_id: 'c1', colour: 'blue' });
    expect(read.policy_snapshot).toEqual({ model: 'gpt-4o-mini', future_field: [1, 2] });
    expect(sessions.getSessionsByUserId('u1').items[0]!.meta).toEqual({ chat_id: 'c1', colour: 'blue' });
    const [assistant, user] = turns.getTurnsBySessionId(session.id);
    expect(assistant).toMatchObject({ role: 'assistant', meta: { reasoning: 'why', extra: true } });
    expect(assistant!.meta).not.toHaveProperty('status');
    expect(assistant!.meta).not.toHaveProperty('usage');
    expect(user!.meta).toEqual({ status: 'failed', error: { code: 'upstream_error', message: 'down' } });
    // What is read is valid by the contract's own schema.
    for (const turn of [assistant, user]) expect(TurnSchema.safeParse(turn).success).toBe(true);
  });

  it('a turn’s meta is checked by its role: a user turn cannot be written with an answer’s status', () => {
    const { store, turns, session } = setup();
    const write = (role: 'user' | 'assistant', status: string) =>
      store.transaction('write a turn', (db) => turns.insertNewTurn(db, { session_id: session.id, role, content: 'x', meta: { status } } as NewTurn));
    expect(() => write('user', 'complete')).toThrow(/Invalid turn: meta\.status/);
    expect(() => write('assistant', 'pending')).toThrow(/Invalid turn: meta\.status/);
    expect(write('user', 'pending').meta.status).toBe('pending');
    expect(write('assistant', 'complete').meta.status).toBe('complete');
  });

  it('a rename whose meta.title is not text is refused with a validation error naming the field, changing nothing', async () => {
    const core = await setupCore();
    const { session_id } = await core.proxy.send(TEST_CALLER, { message: 'hi' });
    const before = core.sessions.getSessionById(session_id)!.meta; // the server's title, from the first message
    const error = await core.store.writes.run('rename', (db) => core.sessions.updateSessionById(db, session_id, { meta: { title: 7 as unknown as string } })).catch((e) => e);
    expect(error).toMatchObject({ code: 'validation_error' });
    expect(error.detail).toContain('meta.title');
    expect(core.sessions.getSessionById(session_id)!.meta).toEqual(before);
  });

  it('repositories write only with the write handle (the type checker refuses a write without one)', () => {
    const { store, sessions, turns, session } = setup();
    // @ts-expect-error a write needs the handle that store.writes.run or store.transaction gives
    expect(() => turns.insertNewTurn({ session_id: session.id, role: 'user', content: 'x' })).toThrow();
    // @ts-expect-error likewise for sessions
    expect(() => sessions.deleteSessionById(session.id)).toThrow();
    expect(sessions.deleteSessionById(testWrites(store), session.id)).toBe(true);
  });
});
