// The learner summary (issue 13, item 8): per student and local day, read a page of turns at a
// time — time on task, sessions by mode and assignment, hint levels, topics — once a day and on demand.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/core/api/dispatch.ts';
import { DEFAULT_MIGRATIONS_FOLDER, openDatabase } from '../../src/main/core/db/connection.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { addDays, dayOf, dayRange, IDLE_CAP_MS, LearnerSummaries, summarizeDays, topicTerms } from '../../src/main/core/learner-summary.ts';
import { LearnerDaysQuerySchema } from '../../src/shared/api/hub.ts';
import { routes } from '../../src/shared/api/routes.ts';
import { MAX_RANGE_DAYS, type TurnPage } from '../../src/shared/api/schemas.ts';
import { setupCore, TEST_CALLER } from '../support/core.ts';
import { onCleanup, openTempStore, tempDir, testWrites } from '../support/temp.ts';

const DAY = '2026-03-02';
const MIN = 60_000;

function seeded(store = openTempStore()) {
  const sessions = new SessionsRepo(store);
  const turns = new TurnsRepo(store);
  const db = testWrites(store);
  const { from } = dayRange(DAY);
  const at = (minutes: number) => from + 9 * 60 * MIN + minutes * MIN;
  const chat = sessions.insertNewSession(db, { user_id: 'u1', mode: 'chat', started_at: at(0) });
  const hw = sessions.insertNewSession(db, { user_id: 'u1', mode: 'homework', assignment_id: 'hw_1', started_at: at(3) });
  const hw2 = sessions.insertNewSession(db, { user_id: 'u1', mode: 'homework', assignment_id: 'hw_1', started_at: at(40) });
  const deep = sessions.insertNewSession(db, { user_id: 'u1', mode: 'deep_think', started_at: at(60) });
  const other = sessions.insertNewSession(db, { user_id: 'u2', mode: 'chat', started_at: at(0) });
  const say = (session_id: string, minutes: number, content: string) => turns.insertNewTurn(db, { session_id, role: 'user', content, created_at: at(minutes) });
  const answer = (session_id: string, minutes: number, meta: Record<string, unknown> = {}) =>
    turns.insertNewTurn(db, { session_id, role: 'assistant', content: 'answer', created_at: at(minutes), meta });
  say(chat.id, 0, '二次函数的图像怎么画？');
  answer(chat.id, 1);
  say(hw.id, 3, '这道二次函数题我不会');
  answer(hw.id, 4, { hint_level: 1 });
  say(hw.id, 6, '还是不懂二次函数的顶点');
  answer(hw.id, 7, { hint_level: 3 });
  // A long pause: counted as 5 minutes at most.
  say(hw2.id, 40, 'photosynthesis and the chlorophyll');
  answer(hw2.id, 41, { hint_level: 2 });
  say(deep.id, 60, 'Why does photosynthesis need light?');
  answer(deep.id, 62);
  // Another student's turn, and one of u1 the next day: neither counts.
  say(other.id, 2, '二次函数');
  say(chat.id, 24 * 60, '二次函数');
  return { store, sessions, turns, db };
}

describe('the learner summary of a day', () => {
  it('sums time on task with pauses capped, counts sessions by mode and assignment, the highest hint level, and topics', async () => {
    const { store, sessions, turns } = seeded();
    const summary = await new LearnerSummaries({ store, sessions, turns }).computeDay('u1', DAY);
    // Gaps 1, 2, 1, 2, 1, 5 (33 capped), 1, 5 (19 capped), 2 minutes.
    expect(IDLE_CAP_MS).toBe(5 * MIN);
    expect(summary).toEqual({
      time_on_task_ms: 20 * MIN,
      messages: 5,
      answers: 5,
      sessions: 4,
      by_mode: { chat: 1, homework: 2, deep_think: 1 },
      assignments: [{ assignment_id: 'hw_1', sessions: 2, messages: 3, max_hint_level: 3 }],
      // Words, not overlapping pairs (二次 次函 函数); 二次 and 函数 only ever inside 二次函数.
      topics: [
        { term: '二次函数', count: 3 },
        { term: 'photosynthesis', count: 2 },
      ],
      first_at: dayRange(DAY).from + 9 * 60 * MIN,
      last_at: dayRange(DAY).from + 9 * 60 * MIN + 62 * MIN,
    });
    expect(await new LearnerSummaries({ store, sessions, turns }).computeDay('u1', addDays(DAY, -1))).toBeNull();
  });

  it('reads the day a page at a time: more turns than a page give the same summary', async () => {
    const { store, sessions, turns } = seeded();
    const limits: (number | undefined)[] = [];
    const spy = {
      getTurnsByUserAndDatePage: (userId: string, from: number, to: number, page?: TurnPage) => {
        limits.push(page?.limit === undefined ? undefined : Number(page.limit));
        return turns.getTurnsByUserAndDatePage(userId, from, to, page);
      },
    };
    const paged = await new LearnerSummaries({ store, sessions, turns: spy, pageSize: 3 }).computeDay('u1', DAY);
    expect(limits).toEqual([3, 3, 3, 3]); // 10 turns: 3 + 3 + 3 + 1
    expect(paged).toEqual(await new LearnerSummaries({ store, sessions, turns }).computeDay('u1', DAY));
  });

  it('leaves common words out of the topics', () => {
    expect(topicTerms('请问这道数学题怎么做')).toEqual(['数学', '数学题']);
    expect(topicTerms('Please explain the integral of x squared')).toEqual(['integral', 'squared']);
    // Requests, feelings and function words are no topic (难了, 一天: one character that is not a function character).
    for (const text of ['我想问一下这道题怎么做', '这题太难了', '谢谢老师', '两个点都满足了', '前一天的问题', '我算出 k=2，b=1，怎么检查？'])
      expect(topicTerms(text), text).toEqual([]);
  });
});

describe('topics are words (tryout 8 item 5: 光合作用 was shown as 光合 合作 作用)', () => {
  // The words a student of the tryout sent that day, as they sent them.
  const TRYOUT_DAY = [
    '二次函数的顶点怎么求？',
    '直角边是3和4，斜边多长？',
    '光合作用的产物是什么？',
    '这道题怎么开始做？',
    '设 y=kx+b，然后呢？',
    '光合作用需要哪些条件？',
    '我算出 k=2，b=1，怎么检查？',
    '两个点都满足了',
    '细胞的结构有哪些？',
    'k 的几何意义是斜率吗？',
    '第 3 题怎么列方程？',
  ];
  const dayOfMessages = (texts: string[]) =>
    summarizeDays(
      texts.map((content, i) => ({ id: `t${i}`, session_id: 's1', role: 'user', content, created_at: dayRange(DAY).from + 9 * 60 * MIN + i * MIN, meta: {} })),
      () => ({ mode: 'chat', assignment_id: null }),
      DAY,
      addDays(DAY, 1),
    )[0]!.summary.topics;

  it('segments Chinese with ICU’s dictionary on this runtime (full ICU, as Node and Electron ship)', () => {
    const words = (text: string) => Array.from(new Intl.Segmenter('zh', { granularity: 'word' }).segment(text), (s) => s.segment);
    expect(words('光合作用的产物是什么')).toEqual(['光合作用', '的', '产物', '是', '什么']);
  });

  it('the tryout’s day: 光合作用, said twice, is its topic — not 光合, 合作 (cooperation), 作用', () => {
    expect(dayOfMessages(TRYOUT_DAY)).toEqual([{ term: '光合作用', count: 2 }]);
    expect(topicTerms('光合作用的产物是什么？')).toEqual(['光合作用', '产物']);
  });

  it('a long run of characters the dictionary does not know (pasted mojibake, Hangul without spaces) stays a few short terms', () => {
    // Before, such a run became one term as long as the message, and a day's topics built every
    // piece of it: 2,000 characters said twice took gigabytes (a review's finding).
    const mojibake = '锟斤拷烫烫烫屯屯屯'.repeat(250);
    const hangul = '한국어문장'.repeat(400);
    for (const text of [mojibake, hangul]) {
      const terms = topicTerms(text);
      expect(Math.max(...terms.map((t) => Array.from(t).length), 0)).toBeLessThanOrEqual(8);
      expect(terms.length).toBeLessThan(Array.from(text).length * 3);
    }
    const topics = dayOfMessages([mojibake, mojibake, `${hangul} ${hangul}`]);
    expect(topics.length).toBeLessThanOrEqual(8);
    for (const { term } of topics) expect(Array.from(term).length).toBeLessThanOrEqual(8);
  });

  it('school terms the dictionary splits come back whole: 一次函数, 解析式, 截距, 对称轴', () => {
    const terms = topicTerms('已知一次函数的图像经过点(1,3)和(2,5)，求这个一次函数的解析式');
    expect(terms).toEqual(expect.arrayContaining(['一次函数', '解析式']));
    expect(terms).not.toContain('次函');
    expect(terms).not.toContain('析式');
    expect(terms).not.toContain('求解析'); // a one-character word ends a term, never starts one
    expect(topicTerms('那截距呢？')).toEqual(['截距']); // 截|距: single characters joined back
    expect(topicTerms('对称轴怎么求')).toEqual(['对称轴']); // 对称|轴 (对 is a function character: 对称 alone is no term)
    expect(topicTerms('叶绿体叶绿体')).toEqual(['叶绿体', '叶绿体']); // not 叶绿体叶绿体
    // A day on 一次函数: the words only said inside a longer one (一次, 函数, 解析) are left out.
    expect(dayOfMessages(['已知一次函数的图像经过点(1,3)和(2,5)，求这个一次函数的解析式', '一次函数的解析式怎么检查？'])).toEqual([
      { term: '一次函数', count: 3 },
      { term: '解析式', count: 2 },
    ]);
    // …but one said on its own too stays (函数: also in 二次函数 and alone).
    expect(dayOfMessages(['一次函数的图像', '一次函数和二次函数', '函数是什么']).map((t) => t.term)).toEqual(['函数', '一次函数']);
  });
});

describe('runs', () => {
  it('stores each student’s days on demand; a day with nothing left loses its row', async () => {
    const { store, sessions, turns } = seeded();
    const summaries = new LearnerSummaries({ store, sessions, turns, now: () => 1234 });
    const written = await summaries.run(DAY, addDays(DAY, 2));
    expect(written.map((r) => `${r.user_id} ${r.day}`).sort()).toEqual([`u1 ${DAY}`, `u1 ${addDays(DAY, 1)}`, `u2 ${DAY}`]);
    expect(summaries.list('u1', DAY, addDays(DAY, 7)).map((r) => [r.day, r.summary.messages, r.computed_at])).toEqual([
      [DAY, 5, 1234],
      [addDays(DAY, 1), 1, 1234],
    ]);
    store.sqlite.prepare('DELETE FROM turn WHERE session_id IN (SELECT id FROM session WHERE user_id = ?)').run('u2');
    await summaries.run(DAY, addDays(DAY, 1), ['u2']);
    expect(summaries.list('u2', DAY, addDays(DAY, 1))).toEqual([]);
  });

  it('runs by itself once a day, for the days since the last run', async () => {
    const { store, sessions, turns } = seeded();
    let now = dayRange(addDays(DAY, 3)).from + 8 * 60 * MIN;
    const summaries = new LearnerSummaries({ store, sessions, turns, now: () => now });
    expect(await summaries.runIfDue()).toBe(true);
    expect(summaries.list('u1', '2000-01-01', '2100-01-01').map((r) => r.day)).toEqual([DAY, addDays(DAY, 1)]);
    store.sqlite.prepare('DELETE FROM learner_day').run();
    expect(await summaries.runIfDue()).toBe(false); // already ran today
    expect(summaries.list('u1', '2000-01-01', '2100-01-01')).toEqual([]);
    now += 24 * 60 * MIN;
    expect(await summaries.runIfDue()).toBe(true); // the next day: from the last run's day on
    expect(summaries.list('u1', '2000-01-01', '2100-01-01')).toEqual([]);
    expect(dayOf(now)).toBe(addDays(DAY, 4));
  });
});

describe('the learner summary routes', () => {
  it('give a student their own days; another student’s only to an admin', async () => {
    const core = await setupCore();
    const answer = await dispatch(core, 'sendProxyMessage', TEST_CALLER, { message: '函数 函数 的问题' });
    expect(answer.ok).toBe(true);
    const today = dayOf(Date.now());
    const range = { from: today, to: addDays(today, 1) };
    expect((await dispatch(core, 'getLearnerSummary', TEST_CALLER, range)).body).toEqual([]);
    const run = await dispatch(core, 'runLearnerSummary', TEST_CALLER, range, { validateOutput: true });
    expect(run.body).toMatchObject([{ user_id: TEST_CALLER.user_id, day: today, summary: { messages: 1, answers: 1, sessions: 1, by_mode: { chat: 1 } } }]);
    expect((await dispatch(core, 'getLearnerSummary', TEST_CALLER, range, { validateOutput: true })).body).toEqual(run.body);

    const other = { user_id: 'student-2', role: 'student' as const };
    expect((await dispatch(core, 'getLearnerSummary', other, { ...range, user_id: TEST_CALLER.user_id })).body).toMatchObject({ code: 'forbidden' });
    expect((await dispatch(core, 'getLearnerSummary', other, range)).body).toEqual([]);
    const admin = { user_id: core.owner.id, role: 'admin' as const };
    expect((await dispatch(core, 'getLearnerSummary', admin, { ...range, user_id: TEST_CALLER.user_id })).body).toEqual(run.body);
    expect((await dispatch(core, 'runLearnerSummary', TEST_CALLER, { from: '2026-01-01', to: '2026-03-01' })).body).toMatchObject({ code: 'validation_error' });
  });

  it('run for at most MAX_RANGE_DAYS days, checked as the hub checks its learner days (one check, schemas.ts checkDayRange)', async () => {
    const core = await setupCore();
    // 31 days run (from 1 March, they end on 1 April); 32 are refused, naming `to`.
    expect(MAX_RANGE_DAYS).toBe(31);
    expect((await dispatch(core, 'runLearnerSummary', TEST_CALLER, { from: '2026-03-01', to: '2026-04-01' })).ok).toBe(true);
    expect((await dispatch(core, 'runLearnerSummary', TEST_CALLER, { from: '2026-03-01', to: '2026-04-02' })).body).toMatchObject({
      code: 'validation_error',
      issues: [{ path: 'to', message: `at most ${MAX_RANGE_DAYS} days at a time` }],
    });
    // The desktop's run and the hub's learner days say the same of every range.
    const issues = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
      r.success ? [] : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    const ranges = [
      ['2026-03-01', '2026-03-02'],
      ['2026-03-01', '2026-04-01'],
      ['2026-03-01', '2026-04-02'],
      ['2026-12-15', '2027-01-16'],
      ['2026-03-04', '2026-03-04'],
      ['2026-03-05', '2026-03-04'],
      ['2026-02-30', '2026-03-04'],
    ];
    for (const [from, to] of ranges) {
      const desktop = issues(routes.runLearnerSummary.input.safeParse({ from, to }));
      expect([from, to, issues(LearnerDaysQuerySchema.safeParse({ from, to }))]).toEqual([from, to, desktop]);
    }
    expect(issues(routes.runLearnerSummary.input.safeParse({ from: '2026-12-15', to: '2027-01-16' }))).toEqual([`to: at most ${MAX_RANGE_DAYS} days at a time`]);
  });
});

describe('the learner_summary migration', () => {
  it('upgrades a database from the previous migration, its turns summarised afterwards', async () => {
    const dir = path.join(tempDir('studylog-migrations-'), 'migrations');
    cpSync(DEFAULT_MIGRATIONS_FOLDER, dir, { recursive: true });
    const journalFile = path.join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    const at = journal.entries.findIndex((e) => e.tag.endsWith('_learner_summary'));
    expect(at).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, at);
    writeFileSync(journalFile, JSON.stringify(journal));

    const file = path.join(tempDir(), 'studylog.db');
    const old = openDatabase(file, { migrationsFolder: dir });
    seeded(old);
    expect(old.sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'learner_day'").pluck().get()).toBe(0);
    old.close();

    const store = openDatabase(file);
    onCleanup(() => store.sqlite.open && store.close());
    // The learner summary's migration is applied first (later ones after it).
    expect(store.openReport.appliedMigrations[0]).toMatch(/_learner_summary$/);
    const summaries = new LearnerSummaries({ store, sessions: new SessionsRepo(store), turns: new TurnsRepo(store) });
    await summaries.run(DAY, addDays(DAY, 1), ['u1']);
    expect(summaries.list('u1', DAY, addDays(DAY, 1))[0]!.summary.messages).toBe(5);
  });
});
