import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { openTempStore, rowCount, testWrites } from '../support/temp.ts';

function setup() {
  const store = openTempStore();
  return { store, db: testWrites(store), sessions: new SessionsRepo(store), turns: new TurnsRepo(store) };
}

function validationError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('validation_error');
    return error as ApiError;
  }
  throw new Error('expected a validation error');
}

describe('SessionsRepo', () => {
  it('inserts a session with defaults and reads it back with JSON intact', () => {
    const { sessions, db } = setup();
    const snapshot = { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.7, nested: { list: [1, '二', null] } };
    const created = sessions.insertNewSession(db, { user_id: 'u1', mode: 'homework', assignment_id: 'hw_001', policy_snapshot: snapshot, meta: { title: '数学作业' } });
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/); // UUIDv7
    expect(created.ended_at).toBeNull();
    expect(sessions.getSessionById(created.id)).toEqual(created);
    expect(sessions.getSessionById(created.id)?.policy_snapshot).toEqual(snapshot);
  });

  it('returns null for an unknown id', () => {
    expect(setup().sessions.getSessionById('nope')).toBeNull();
  });

  it('pages a user’s sessions newest first with the total, and stops cleanly past the end', () => {
    const { sessions, db } = setup();
    for (let i = 0; i < 7; i++) sessions.insertNewSession(db, { user_id: 'u1', started_at: 1_000 + i });
    sessions.insertNewSession(db, { user_id: 'someone-else', started_at: 5_000 });
    const first = sessions.getSessionsByUserId('u1', { skip: 0, limit: 3 });
    expect(first.total).toBe(7);
    expect(first.items.map((s) => s.started_at)).toEqual([1006, 1005, 1004]);
    expect(sessions.getSessionsByUserId('u1', { skip: 6, limit: 3 }).items.map((s) => s.started_at)).toEqual([1000]);
    expect(sessions.getSessionsByUserId('u1', { skip: 7, limit: 3 })).toEqual({ items: [], total: 7 });
    expect(sessions.getSessionsByUserId('u1', { skip: 1000 })).toEqual({ items: [], total: 7 });
    expect(sessions.getSessionsByUserId('nobody')).toEqual({ items: [], total: 0 });
  });

  it('breaks ties on started_at by id, newest id first', () => {
    const { sessions, db } = setup();
    const a = sessions.insertNewSession(db, { user_id: 'u1', started_at: 1 });
    const b = sessions.insertNewSession(db, { user_id: 'u1', started_at: 1 });
    expect(sessions.getSessionsByUserId('u1').items.map((s) => s.id)).toEqual([b.id, a.id]);
  });

  it('enforces the page limit bounds (1..200, default 50)', () => {
    const { sessions, db } = setup();
    for (let i = 0; i < 60; i++) sessions.insertNewSession(db, { user_id: 'u1', started_at: i });
    expect(sessions.getSessionsByUserId('u1').items).toHaveLength(50);
    expect(sessions.getSessionsByUserId('u1', { limit: 200 }).items).toHaveLength(60);
    expect(validationError(() => sessions.getSessionsByUserId('u1', { limit: 0 })).detail).toMatch(/limit/);
    expect(validationError(() => sessions.getSessionsByUserId('u1', { limit: 201 })).detail).toMatch(/limit/);
    expect(validationError(() => sessions.getSessionsByUserId('u1', { skip: -1 })).detail).toMatch(/skip/);
  });

  it('filters by mode, assignment and a start-time range [from, to)', () => {
    const { sessions, db } = setup();
    sessions.insertNewSession(db, { user_id: 'u1', mode: 'chat', started_at: 10 });
    sessions.insertNewSession(db, { user_id: 'u1', mode: 'homework', assignment_id: 'hw1', started_at: 20 });
    sessions.insertNewSession(db, { user_id: 'u1', mode: 'homework', assignment_id: 'hw2', started_at: 30 });
    expect(sessions.getSessionsByUserId('u1', {}, { mode: 'homework' }).total).toBe(2);
    expect(sessions.getSessionsByUserId('u1', {}, { assignment_id: 'hw2' }).items[0]?.started_at).toBe(30);
    expect(sessions.getSessionsByUserId('u1', {}, { from: 10, to: 30 }).items.map((s) => s.started_at)).toEqual([20, 10]);
  });

  it('filters by a full-text query over the sessions’ turns (q)', () => {
    const { sessions, turns, db } = setup();
    const a = sessions.insertNewSession(db, { user_id: 'u1', started_at: 1 });
    const b = sessions.insertNewSession(db, { user_id: 'u1', started_at: 2 });
    sessions.insertNewSession(db, { user_id: 'u1', started_at: 3 });
    turns.insertNewTurn(db, { session_id: a.id, role: 'user', content: '牛顿第二定律怎么用？' });
    turns.insertNewTurn(db, { session_id: b.id, role: 'assistant', content: '根据牛顿定律…' });
    expect(sessions.getSessionsByUserId('u1', {}, { q: '牛顿' })).toEqual({ items: [b, a], total: 2, total_capped: false });
    expect(sessions.getSessionsByUserId('u1', {}, { q: '牛顿', mode: 'homework' }).total).toBe(0);
    expect(sessions.getSessionsByUserId('u1', {}, { q: '...' })).toEqual({ items: [], total: 0, total_capped: false });
  });

  it('updates only the given fields and ends a session', () => {
    const { sessions, db } = setup();
    const s = sessions.insertNewSession(db, { user_id: 'u1', started_at: 100, meta: { a: 1 } });
    const updated = sessions.updateSessionById(db, s.id, { ended_at: 200, meta: { title: '复习' } });
    expect(updated).toEqual({ ...s, ended_at: 200, meta: { title: '复习' } });
    expect(sessions.updateSessionById(db, 'missing', { ended_at: 1 })).toBeNull();
  });

  it('refuses to end a session before it started, changing nothing', () => {
    const { sessions, db } = setup();
    const s = sessions.insertNewSession(db, { user_id: 'u1', started_at: 100 });
    validationError(() => sessions.updateSessionById(db, s.id, { ended_at: 50 }));
    expect(sessions.getSessionById(s.id)).toEqual(s);
  });

  it('deletes a session and cascades to its turns (and their search entries)', () => {
    const { store, sessions, turns, db } = setup();
    const s = sessions.insertNewSession(db, { user_id: 'u1' });
    const keep = sessions.insertNewSession(db, { user_id: 'u1' });
    turns.insertNewTurn(db, { session_id: s.id, role: 'user', content: 'photosynthesis question' });
    turns.insertNewTurn(db, { session_id: s.id, role: 'assistant', content: 'photosynthesis answer' });
    turns.insertNewTurn(db, { session_id: keep.id, role: 'user', content: 'keep me' });
    expect(sessions.deleteSessionById(db, s.id)).toBe(true);
    expect(sessions.deleteSessionById(db, s.id)).toBe(false);
    expect(rowCount(store, 'turn')).toBe(1);
    expect(turns.searchTurns('u1', 'photosynthesis').total).toBe(0);
  });

  describe('bad input → validation error naming the field, nothing written', () => {
    it.each([
      ['mode', { user_id: 'u1', mode: 'exam' }],
      ['meta', { user_id: 'u1', meta: 'not an object' }],
      ['meta', { user_id: 'u1', meta: [1, 2] }],
      ['policy_snapshot', { user_id: 'u1', policy_snapshot: 42 }],
      ['user_id', { user_id: '' }],
      ['user_id', { mode: 'chat' }],
      ['started_at', { user_id: 'u1', started_at: -1 }],
      ['started_at', { user_id: 'u1', started_at: 1.5 }],
      ['ended_at', { user_id: 'u1', started_at: 10, ended_at: 5 }],
      ['colour', { user_id: 'u1', colour: 'red' }],
    ])('names %s', (field, input) => {
      const { store, sessions, db } = setup();
      const error = validationError(() => sessions.insertNewSession(db, input as never));
      expect(error.detail).toContain(field);
      expect(rowCount(store, 'session')).toBe(0);
    });
  });
});

describe('deeply nested JSON', () => {
  it('is refused with a validation error naming the field, not a stack overflow', () => {
    const { store, sessions, db } = setup();
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    const error = validationError(() => sessions.insertNewSession(db, { user_id: 'u1', meta: deep }));
    expect(error.detail).toMatch(/meta: must nest at most 32 levels/);
    expect(rowCount(store, 'session')).toBe(0);
  });
});
