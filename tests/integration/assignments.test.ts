import { describe, expect, it } from 'vitest';
import { AssignmentsRepo } from '../../src/main/core/db/assignments.repo.ts';
import { openTempStore, rowCount, testWrites } from '../support/temp.ts';

function setup() {
  const store = openTempStore();
  return { store, db: testWrites(store), assignments: new AssignmentsRepo(store) };
}

describe('assignments', () => {
  it('creates, reads, updates and deletes; lists due soonest first, undated last', () => {
    const { db, assignments } = setup();
    const late = assignments.create(db, { title: '期末复习', due_at: '2026-12-20' });
    const soon = assignments.create(db, { id: 'hw_1', title: '二次函数', subject: '数学', description: '第 3–8 题', due_at: Date.UTC(2026, 11, 1) });
    const none = assignments.create(db, { title: 'Reading log' });
    expect(late.due_at).toBe(new Date(2026, 11, 20, 23, 59, 59, 999).getTime()); // a date alone: the end of that day
    expect(assignments.list().map((a) => a.id)).toEqual([soon.id, late.id, none.id]);
    expect(assignments.update(db, 'hw_1', { title: '二次函数（修订）', meta: { points: 10 } })).toMatchObject({ title: '二次函数（修订）', subject: '数学', meta: { points: 10 } });
    expect(assignments.update(db, 'missing', { title: 'x' })).toBeNull();
    expect(assignments.delete(db, 'hw_1')).toBe(true);
    expect(assignments.get('hw_1')).toBeNull();
  });

  it('reads a due date without a time as the end of that day in the server’s time zone, a time as given', () => {
    const { db, assignments } = setup();
    const tz = process.env.TZ;
    process.env.TZ = 'Asia/Shanghai'; // Node reads TZ again when it changes
    try {
      // 23:59:59.999 in UTC+8, not 08:00 (UTC midnight seen from China).
      expect(assignments.create(db, { title: 'a', due_at: '2026-12-10' }).due_at).toBe(Date.UTC(2026, 11, 10, 15, 59, 59, 999));
      expect(assignments.create(db, { title: 'b', due_at: '2026-12-10T08:00:00Z' }).due_at).toBe(Date.UTC(2026, 11, 10, 8));
      expect(assignments.create(db, { title: 'c', due_at: '2026-12-10T18:30' }).due_at).toBe(Date.UTC(2026, 11, 10, 10, 30));
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('refuses a duplicate id and bad fields, writing nothing', () => {
    const { store, db, assignments } = setup();
    assignments.create(db, { id: 'a1', title: 'one' });
    expect(() => assignments.create(db, { id: 'a1', title: 'again' })).toThrow(/already exists/);
    expect(() => assignments.create(db, { title: '   ' })).toThrow(/title/);
    expect(() => assignments.create(db, { title: 'x', due_at: 'next tuesday' })).toThrow(/due_at/);
    expect(() => assignments.create(db, { title: 'x', colour: 'red' } as never)).toThrow(/colour/);
    expect(rowCount(store, 'assignment')).toBe(1);
  });

  it('imports a teacher’s file: invalid entries reported by index, valid ones imported together, existing ids updated', () => {
    const { store, db, assignments } = setup();
    assignments.create(db, { id: 'hw_existing', title: 'old title' });
    const result = store.transaction('import', (tx) =>
      assignments.import(tx, [
        { id: 'hw_a', title: '作业 A', subject: '语文', due_at: '2026-12-01T08:00:00+08:00' },
        { title: '' },
        { id: 'hw_existing', title: 'new title' },
        'not an object',
        { id: 'hw_a', title: 'duplicate in file' },
        { title: 'No id, gets one' },
      ]),
    );
    expect(result.imported).toBe(2);
    expect(result.updated).toBe(1);
    expect(result.errors.map((e) => e.index)).toEqual([1, 3, 4]);
    expect(result.errors[0]!.detail).toMatch(/title/);
    expect(result.errors[2]!.detail).toMatch(/appears earlier/);
    expect(assignments.get('hw_existing')!.title).toBe('new title');
    expect(assignments.get('hw_a')!.due_at).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect(rowCount(store, 'assignment')).toBe(3);
  });

  it('an import whose every entry is invalid writes nothing', () => {
    const { store, assignments } = setup();
    expect(store.transaction('import', (tx) => assignments.import(tx, [{}, { title: 5 }]))).toMatchObject({ imported: 0, updated: 0, items: [] });
    expect(rowCount(store, 'assignment')).toBe(0);
  });
});
