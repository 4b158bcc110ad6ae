import { describe, expect, it } from 'vitest';
import { exportSessions } from '../../src/main/core/export.ts';
import { setupCore, TEST_CALLER } from '../support/core.ts';
import { testWrites } from '../support/temp.ts';

const DAY = 86_400_000;

describe('a session export’s file name (tryout 7: it was studylog-session-<uuid>.md)', () => {
  it('is the title made safe for any file system, and the day the session started; the id only without a usable title', async () => {
    const core = await setupCore();
    const db = testWrites(core.store);
    const started = new Date(2026, 10, 29, 11, 14).getTime(); // local time: the file's day is the server's
    const session = (title?: string) => core.sessions.insertNewSession(db, { user_id: TEST_CALLER.user_id, started_at: started, meta: title === undefined ? {} : { title } }).id;
    const name = (id: string) => exportSessions(core, TEST_CALLER, { session_id: id, format: 'md' }).filename;
    expect(name(session('光合作用需要哪些条件？'))).toBe('studylog-光合作用需要哪些条件-2026-11-29.md');
    // Slashes, colons, quotes, spaces, maths: never a path or a character a file system refuses.
    expect(name(session('设 y=kx+b，代入 (1,3)/(0,1): "k"?'))).toBe('studylog-设-y-kx-b-代入-1-3-0-1-k-2026-11-29.md');
    expect(name(session('../../etc/passwd'))).toBe('studylog-etc-passwd-2026-11-29.md');
    // A long title is cut (to 60 characters, whole characters, no dangling dash).
    const long = name(session('二次函数'.repeat(30)));
    expect(long).toBe(`studylog-${'二次函数'.repeat(15)}-2026-11-29.md`);
    // Nothing usable left, or no title: the id, as before.
    const punctuation = session('？？？');
    expect(name(punctuation)).toBe(`studylog-session-${punctuation}.md`);
    const untitled = session();
    expect(name(untitled)).toBe(`studylog-session-${untitled}.md`);
  });
});

describe('usage and export', () => {
  async function seeded() {
    const core = await setupCore();
    const at = (iso: string) => Date.parse(iso);
    const chat = core.sessions.insertNewSession(testWrites(core.store), { user_id: TEST_CALLER.user_id, mode: 'chat', started_at: at('2026-11-01T10:00:00Z') });
    const hw = core.sessions.insertNewSession(testWrites(core.store), {
      user_id: TEST_CALLER.user_id,
      mode: 'homework',
      assignment_id: 'hw_1',
      started_at: at('2026-11-02T23:30:00Z'),
      meta: { title: '代数作业' },
    });
    const other = core.sessions.insertNewSession(testWrites(core.store), { user_id: 'someone-else', started_at: at('2026-11-01T10:00:00Z') });
    const turn = (session_id: string, iso: string, role: 'user' | 'assistant', cost: number, model = 'gpt-4o-mini', estimated = false) =>
      core.turns.insertNewTurn(testWrites(core.store), {
        session_id,
        role,
        content: `${role} at ${iso}`,
        model,
        created_at: at(iso),
        tokens_in: 100,
        tokens_out: role === 'assistant' ? 50 : 0,
        cost,
        meta: { usage: { estimated } },
      });
    turn(chat.id, '2026-11-01T10:00:00Z', 'user', 0);
    turn(chat.id, '2026-11-01T10:00:01Z', 'assistant', 1_000);
    turn(hw.id, '2026-11-02T23:30:00Z', 'user', 0);
    turn(hw.id, '2026-11-02T23:30:01Z', 'assistant', 2_000, 'deepseek-chat', true);
    turn(other.id, '2026-11-01T10:00:01Z', 'assistant', 99_999);
    return { core, chat, hw };
  }

  it('sums assistant turns only, by day in the caller’s time zone, mode, assignment and model', async () => {
    const { core } = await seeded();
    const range = { from: Date.parse('2026-11-01T00:00:00Z') - DAY, to: Date.parse('2026-11-04T00:00:00Z') };
    const utc = core.usage.report(TEST_CALLER.user_id, range, 'day');
    expect(utc.rows.map((r) => [r.key, r.turns, r.cost])).toEqual([
      ['2026-11-01', 1, 1000],
      ['2026-11-02', 1, 2000],
    ]);
    expect(utc.total).toEqual({ turns: 2, tokens_in: 200, tokens_out: 100, cost: 3000, estimated_turns: 1 });
    // In China (UTC+8) the homework turn at 23:30 UTC falls on 3 November.
    expect(core.usage.report(TEST_CALLER.user_id, range, 'day', 480).rows.map((r) => r.key)).toEqual(['2026-11-01', '2026-11-03']);
    // West of Greenwich, and a range off the 15-minute grid (read from the turns): the same days.
    expect(core.usage.report(TEST_CALLER.user_id, range, 'day', -300).rows.map((r) => r.key)).toEqual(['2026-11-01', '2026-11-02']);
    expect(core.usage.report(TEST_CALLER.user_id, { ...range, to: range.to - 1 }, 'day', 480).rows.map((r) => r.key)).toEqual(['2026-11-01', '2026-11-03']);
    expect(core.usage.report(TEST_CALLER.user_id, range, 'mode').rows.map((r) => [r.key, r.cost])).toEqual([
      ['chat', 1000],
      ['homework', 2000],
    ]);
    expect(core.usage.report(TEST_CALLER.user_id, range, 'assignment').rows.map((r) => [r.key, r.cost])).toEqual([
      [null, 1000],
      ['hw_1', 2000],
    ]);
    expect(core.usage.report(TEST_CALLER.user_id, range, 'model').rows.map((r) => [r.key, r.estimated_turns])).toEqual([
      ['deepseek-chat', 1],
      ['gpt-4o-mini', 0],
    ]);
    expect(core.usage.report(TEST_CALLER.user_id, { from: 0, to: 1 }, 'day')).toMatchObject({ rows: [], total: { turns: 0, cost: 0 } });
  });

  it('puts a turn in the first hours of 1970 on 31 December 1969 twelve hours west', async () => {
    const { core, chat } = await seeded();
    core.turns.insertNewTurn(testWrites(core.store), { session_id: chat.id, role: 'assistant', content: 'early', created_at: 3 * 3_600_000, cost: 5 });
    const day = (offset: number, to: number) => core.usage.report(TEST_CALLER.user_id, { from: 0, to }, 'day', offset).rows[0]?.key;
    expect([day(-720, DAY), day(-720, DAY - 1), day(0, DAY), day(840, DAY)]).toEqual(['1969-12-31', '1969-12-31', '1970-01-01', '1970-01-01']);
  });

  it('exports one session as Markdown and JSON, and an assignment’s sessions together', async () => {
    const { core, hw } = await seeded();
    const tz = process.env.TZ;
    process.env.TZ = 'Asia/Shanghai'; // times are the server's local time with its offset; Node reads TZ again when it changes
    try {
      // No language in the settings: Chinese labels, as the proxy's prompts.
      const md = exportSessions(core, TEST_CALLER, { session_id: hw.id, format: 'md' });
      // Named by its title and the day it started (the server's local day: 3 November in Shanghai).
      expect(md.filename).toBe('studylog-代数作业-2026-11-03.md');
      expect(md.content).toContain('## 代数作业');
      expect(md.content).toContain('- 模式：作业辅导');
      expect(md.content).toContain('- 开始：2026-11-03 07:30 (UTC+08:00)\n- 结束：—\n');
      expect(md.content).toMatch(/### 学生 — 2026-11-03 07:30 \(UTC\+08:00\)\n\nuser at 2026-11-02T23:30:00Z/);
      core.settings.update({ language: 'en' });
      const en = exportSessions(core, TEST_CALLER, { session_id: hw.id, format: 'md' }).content;
      expect(en).toContain('- Mode: Homework');
      expect(en).toMatch(/### Student — 2026-11-03 07:30 \(UTC\+08:00\)\n\nuser at 2026-11-02T23:30:00Z/);
      expect(en).not.toMatch(/[学生助手模式]/);
      process.env.TZ = 'America/New_York';
      expect(exportSessions(core, TEST_CALLER, { session_id: hw.id, format: 'md' }).content).toContain('### Student — 2026-11-02 18:30 (UTC-05:00)');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    const json = JSON.parse(exportSessions(core, TEST_CALLER, { session_id: hw.id, format: 'json' }).content);
    expect(exportSessions(core, TEST_CALLER, { session_id: hw.id, format: 'json' }).filename).toMatch(/^studylog-代数作业-2026-11-0[23]\.json$/);
    expect(json.sessions[0].turns).toHaveLength(2);
    const byAssignment = exportSessions(core, TEST_CALLER, { assignment_id: 'hw_1', format: 'md' });
    expect(byAssignment.filename).toBe('studylog-Algebra-1.md');
    expect(byAssignment.content.startsWith('# Algebra 1')).toBe(true);
    expect(() => exportSessions(core, { user_id: 'intruder', role: 'student' }, { session_id: hw.id, format: 'md' })).toThrow(/no session/);
  });
});
