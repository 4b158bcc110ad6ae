import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import { MAX_CONTENT_CHARS, TURN_PAGE_BYTES } from '../../src/shared/api/schemas.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { SEARCH_SCAN_LIMIT } from '../../src/main/core/db/fts.ts';
import { openTempStore, rowCount, testWrites } from '../support/temp.ts';

function setup() {
  const store = openTempStore();
  const sessions = new SessionsRepo(store);
  const turns = new TurnsRepo(store);
  const db = testWrites(store);
  const session = sessions.insertNewSession(db, { user_id: 'u1', started_at: 0 });
  return { store, db, sessions, turns, session };
}

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected an error');
}

describe('TurnsRepo', () => {
  it('inserts a turn and reads it back with JSON columns intact', () => {
    const { turns, session, db } = setup();
    const toolCalls = [{ id: 'call_1', type: 'function', function: { name: 'calc', arguments: '{"x":1}' } }];
    const t = turns.insertNewTurn(db, {
      session_id: session.id,
      role: 'assistant',
      content: '答案是 42',
      tool_calls: toolCalls,
      model: 'deepseek-chat',
      tokens_in: 12,
      tokens_out: 34,
      cost: 5678,
      meta: { usage: { estimated: false }, reasoning: '思考…' },
    });
    expect(turns.getTurnById(t.id)).toEqual(t);
    expect(turns.getTurnById(t.id)?.tool_calls).toEqual(toolCalls);
    expect(turns.getTurnById('missing')).toBeNull();
  });

  it('defaults tokens and cost to 0, tool_calls and model to null, meta to {}', () => {
    const { turns, session, db } = setup();
    const t = turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: 'hi' });
    expect(t).toMatchObject({ tokens_in: 0, tokens_out: 0, cost: 0, tool_calls: null, model: null, meta: {} });
  });

  it('lists a session’s turns chronologically, ids breaking ties', () => {
    const { turns, session, db } = setup();
    const a = turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: 'a', created_at: 5 });
    const b = turns.insertNewTurn(db, { session_id: session.id, role: 'assistant', content: 'b', created_at: 5 });
    const c = turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: 'c', created_at: 3 });
    expect(turns.getTurnsBySessionId(session.id).map((t) => t.id)).toEqual([c.id, a.id, b.id]);
    expect(turns.getTurnsBySessionId('other')).toEqual([]);
  });

  it('refuses a turn for a session that does not exist, as not_found', () => {
    const { store, turns, db } = setup();
    expect(errorOf(() => turns.insertNewTurn(db, { session_id: 'ghost', role: 'user', content: 'x' })).code).toBe('not_found');
    expect(rowCount(store, 'turn')).toBe(0);
  });

  describe('getTurnsByUserAndDate', () => {
    it('returns the user’s turns in [from, to): from included, to excluded', () => {
      const { sessions, turns, session, db } = setup();
      const other = sessions.insertNewSession(db, { user_id: 'u2' });
      for (const at of [99, 100, 150, 199, 200]) turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: `t${at}`, created_at: at });
      turns.insertNewTurn(db, { session_id: other.id, role: 'user', content: 'not mine', created_at: 150 });
      expect(turns.getTurnsByUserAndDate('u1', 100, 200).map((t) => t.created_at)).toEqual([100, 150, 199]);
      expect(turns.getTurnsByUserAndDate('u1', 100, 100)).toEqual([]);
      expect(turns.getTurnsByUserAndDate('u2', 0, 1000).map((t) => t.content)).toEqual(['not mine']);
    });

    it('read a page at a time (iterateTurnsByUserAndDate): the same turns in the same order, no page over its limit or TURN_PAGE_BYTES', () => {
      const { turns, sessions, session, db } = setup();
      const other = sessions.insertNewSession(db, { user_id: 'u2', started_at: 0 });
      for (let i = 0; i < 230; i++) {
        // Every third turn is a full one (100,000 characters): ~6 MB of JSON in the range, over TURN_PAGE_BYTES.
        turns.insertNewTurn(db, {
          session_id: i % 7 ? session.id : other.id,
          role: i % 2 ? 'assistant' : 'user',
          content: i % 3 ? `turn ${i}` : 'x'.repeat(MAX_CONTENT_CHARS),
          created_at: 1_000 + (i % 50),
        });
      }
      const whole = turns.getTurnsByUserAndDate('u1', 1_000, 1_045);
      expect(whole.length).toBeGreaterThan(150);
      const pages = [...turns.iterateTurnsByUserAndDate('u1', 1_000, 1_045, { limit: 40 })];
      expect(pages.flat().map((t) => t.id)).toEqual(whole.map((t) => t.id));
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(40);
      // The byte bound: full turns force pages shorter than the limit.
      const byBytes = [...turns.iterateTurnsByUserAndDate('u1', 1_000, 1_045, { limit: 500 })];
      expect(byBytes.length).toBeGreaterThan(1);
      for (const page of byBytes) expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(TURN_PAGE_BYTES);
      expect(byBytes.flat().map((t) => t.id)).toEqual(whole.map((t) => t.id));
    });

    it('rejects a reversed or negative range', () => {
      const { turns } = setup();
      expect(errorOf(() => turns.getTurnsByUserAndDate('u1', 200, 100)).detail).toMatch(/from/);
      expect(errorOf(() => turns.getTurnsByUserAndDate('u1', -1, 100)).code).toBe('validation_error');
    });
  });

  describe('searchTurns', () => {
    function seeded() {
      const s = setup();
      const other = s.sessions.insertNewSession(s.db, { user_id: 'u2' });
      const add = (content: string, created_at: number, session_id = s.session.id) => s.turns.insertNewTurn(s.db, { session_id, role: 'user', content, created_at });
      add('帮我解答这道数学题', 1);
      add('这个物理实验怎么做？', 2);
      add('Explain photosynthesis in simple words', 3);
      add('What is the integral of x squared?', 4);
      add('数学和物理哪个更难', 5);
      add('数学 is mine too', 6, other.id);
      return s;
    }
    const contents = (hits: { content: string }[]) => hits.map((h) => h.content);

    it('finds two-character Chinese words inside longer text, newest first', () => {
      const { turns } = seeded();
      expect(contents(turns.searchTurns('u1', '数学').items)).toEqual(['数学和物理哪个更难', '帮我解答这道数学题']);
      expect(contents(turns.searchTurns('u1', '物理').items)).toEqual(['数学和物理哪个更难', '这个物理实验怎么做？']);
      expect(contents(turns.searchTurns('u1', '数学题').items)).toEqual(['帮我解答这道数学题']);
      expect(turns.searchTurns('u1', '化学').total).toBe(0);
    });

    it('finds a single Chinese character wherever it stands', () => {
      const { turns } = seeded();
      expect(contents(turns.searchTurns('u1', '题').items)).toEqual(['帮我解答这道数学题']); // last character of its run
      expect(turns.searchTurns('u1', '难').total).toBe(1);
    });

    it('finds English words case-insensitively and by prefix', () => {
      const { turns } = seeded();
      expect(contents(turns.searchTurns('u1', 'PHOTOSYNTHESIS').items)).toEqual(['Explain photosynthesis in simple words']);
      expect(contents(turns.searchTurns('u1', 'integr').items)).toEqual(['What is the integral of x squared?']);
      expect(turns.searchTurns('u1', 'integral squared').total).toBe(1);
      expect(turns.searchTurns('u1', 'integral photosynthesis').total).toBe(0);
    });

    it('only searches the user’s own turns', () => {
      const { turns } = seeded();
      expect(contents(turns.searchTurns('u2', '数学').items)).toEqual(['数学 is mine too']);
    });

    it('treats FTS syntax as plain text and never throws on odd input', () => {
      const { turns } = seeded();
      for (const q of ['"', 'NEAR(', 'a OR', '*', '-x', "'; DROP TABLE turn; --", '(((', '^', '数学"']) {
        expect(() => turns.searchTurns('u1', q)).not.toThrow();
      }
      expect(turns.searchTurns('u1', '数学"').total).toBe(2);
      expect(turns.searchTurns('u1', '!!!')).toEqual({ items: [], total: 0, total_capped: false, title_hits: [] });
    });

    it('pages results with a total and a snippet', () => {
      const { turns } = seeded();
      const page = turns.searchTurns('u1', '数学', { skip: 1, limit: 1 });
      expect(page.total).toBe(2);
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({ content: '帮我解答这道数学题', session_mode: 'chat' });
      expect(page.items[0]?.snippet).toContain('数学');
      expect(turns.searchTurns('u1', '数学', { skip: 5 })).toEqual({ items: [], total: 2, total_capped: false });
    });

    it('stays in sync after an update and a delete', () => {
      const { store, db, turns, session } = seeded();
      const t = turns.insertNewTurn(db, { session_id: session.id, role: 'assistant', content: '化学方程式' });
      expect(turns.searchTurns('u1', '化学').total).toBe(1);
      turns.updateTurnById(db, t.id, { content: '生物细胞' });
      expect(turns.searchTurns('u1', '化学').total).toBe(0);
      expect(turns.searchTurns('u1', '细胞').total).toBe(1);
      store.sqlite.prepare('DELETE FROM turn WHERE id = ?').run(t.id);
      expect(turns.searchTurns('u1', '细胞').total).toBe(0);
    });

    it('counts matches up to the scan limit and says when there are more', () => {
      const { store, turns, session } = setup();
      const insert = store.sqlite.prepare("INSERT INTO turn (id, session_id, role, content, created_at, meta) VALUES (?, ?, 'user', ?, ?, '{}')");
      store.sqlite.transaction(() => {
        for (let i = 0; i <= SEARCH_SCAN_LIMIT; i++) insert.run(`t${String(i).padStart(5, '0')}`, session.id, `复习 round ${i}`, i);
      })();
      const page = turns.searchTurns('u1', '复习', { limit: 3 });
      expect(page).toMatchObject({ total: SEARCH_SCAN_LIMIT, total_capped: true });
      expect(page.items.map((t) => t.content)).toEqual([`复习 round ${SEARCH_SCAN_LIMIT}`, `复习 round ${SEARCH_SCAN_LIMIT - 1}`, `复习 round ${SEARCH_SCAN_LIMIT - 2}`]);
      expect(turns.searchTurns('u1', `round ${SEARCH_SCAN_LIMIT}`)).toMatchObject({ total: 1, total_capped: false });
    });

    it('rejects an empty query', () => {
      expect(errorOf(() => setup().turns.searchTurns('u1', '   ')).code).toBe('validation_error');
    });
  });

  describe('bad input → validation error naming the field, nothing written', () => {
    it.each([
      ['role', { role: 'tool' }],
      ['tokens_in', { tokens_in: -1 }],
      ['tokens_out', { tokens_out: 1.5 }],
      ['cost', { cost: -10 }],
      ['cost', { cost: 0.25 }],
      ['meta', { meta: 'x' }],
      ['meta', { meta: null }],
      ['tool_calls', { tool_calls: { not: 'an array' } }],
      ['content', { content: 'x'.repeat(MAX_CONTENT_CHARS + 1) }],
      ['content', { content: 42 }],
      ['session_id', { session_id: '' }],
    ])('names %s', (field, over) => {
      const { store, turns, session, db } = setup();
      const error = errorOf(() => turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: 'ok', ...over } as never));
      expect(error.code).toBe('validation_error');
      expect(error.detail).toContain(field);
      expect(error.issues?.map((i) => i.path)).toContain(field);
      expect(rowCount(store, 'turn')).toBe(0);
    });

    it('accepts content of exactly the limit', () => {
      const { turns, session, db } = setup();
      expect(turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: 'x'.repeat(MAX_CONTENT_CHARS) }).content).toHaveLength(MAX_CONTENT_CHARS);
    });
  });
});
