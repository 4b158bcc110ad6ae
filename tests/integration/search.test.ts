// Search finds messages, session titles and assignment names (Chinese bigrams included); its
// snippets are plain text with the terms marked (issue 12, item 4).
import { describe, expect, it } from 'vitest';
import { AssignmentsRepo } from '../../src/main/core/db/assignments.repo.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { snippetOf, TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { dispatch } from '../../src/main/core/api/dispatch.ts';
import { routes } from '../../src/shared/api/routes.ts';
import { setupCore, TEST_CALLER } from '../support/core.ts';
import { openTempStore, testWrites } from '../support/temp.ts';

function seeded() {
  const store = openTempStore();
  const sessions = new SessionsRepo(store);
  const turns = new TurnsRepo(store);
  const assignments = new AssignmentsRepo(store);
  const db = testWrites(store);
  assignments.create(db, { id: 'hw_geo', title: '几何证明练习' });
  assignments.create(db, { id: 'hw_essay', title: 'Essay: My Hometown' });
  const titled = sessions.insertNewSession(db, { user_id: 'u1', started_at: 10, meta: { title: '我们今天学数学' } });
  const geometry = sessions.insertNewSession(db, { user_id: 'u1', started_at: 20, assignment_id: 'hw_geo', mode: 'homework', meta: { title: '第三题' } });
  const essay = sessions.insertNewSession(db, { user_id: 'u1', started_at: 30, assignment_id: 'hw_essay', meta: { title: 'Outline help' } });
  const plain = sessions.insertNewSession(db, { user_id: 'u1', started_at: 40, meta: { title: '随便聊聊' } });
  const others = sessions.insertNewSession(db, { user_id: 'u2', started_at: 50, meta: { title: '数学竞赛' } });
  turns.insertNewTurn(db, { session_id: plain.id, role: 'user', content: '你好', created_at: 41 });
  turns.insertNewTurn(db, {
    session_id: plain.id,
    role: 'assistant',
    content: '## 勾股定理\n\n**直角三角形**中，$a^2 + b^2 = c^2$，也就是 \\(\\frac{a}{c}\\) 的平方加上……\n\n- 第一步：画图',
    created_at: 42,
  });
  return { store, sessions, turns, assignments, db, titled, geometry, essay, plain, others };
}

describe('search over titles', () => {
  it('finds a session by a two-character Chinese word inside its title (数学 in 我们今天学数学)', () => {
    const { turns, sessions, titled } = seeded();
    const hits = turns.searchTurns('u1', '数学');
    expect(hits.items).toEqual([]); // no message says 数学
    expect(hits.title_hits).toEqual([
      { kind: 'session', session_id: titled.id, session_mode: 'chat', assignment_id: null, started_at: 10, title: '我们今天学数学', highlights: [[5, 7]] },
    ]);
    // The sidebar's and the history's session list (the sessions route's q) finds it too; never another user's.
    expect(sessions.getSessionsByUserId('u1', {}, { q: '数学' }).items.map((s) => s.id)).toEqual([titled.id]);
    expect(sessions.getSessionsByUserId('u2', {}, { q: '数学' }).items.map((s) => s.meta.title)).toEqual(['数学竞赛']);
  });

  it('finds assignments by name, with the caller’s session count, and the sessions filed under them', () => {
    const { turns, sessions, geometry, essay } = seeded();
    expect(turns.searchTurns('u1', '几何').title_hits).toEqual([{ kind: 'assignment', assignment_id: 'hw_geo', title: '几何证明练习', sessions: 1, highlights: [[0, 2]] }]);
    expect(turns.searchTurns('u2', '几何').title_hits).toEqual([{ kind: 'assignment', assignment_id: 'hw_geo', title: '几何证明练习', sessions: 0, highlights: [[0, 2]] }]);
    expect(sessions.getSessionsByUserId('u1', {}, { q: '几何' }).items.map((s) => s.id)).toEqual([geometry.id]);
    // Latin terms: case-insensitive, every term must be in the title.
    expect(sessions.getSessionsByUserId('u1', {}, { q: 'HOMETOWN essay' }).items.map((s) => s.id)).toEqual([essay.id]);
    expect(sessions.getSessionsByUserId('u1', {}, { q: 'hometown physics' }).total).toBe(0);
    expect(turns.searchTurns('u1', 'outline').title_hits?.map((h) => h.title)).toEqual(['Outline help']);
  });

  it('takes LIKE wildcards literally', () => {
    const { turns, sessions } = seeded();
    expect(turns.searchTurns('u1', '%').title_hits).toEqual([]);
    expect(sessions.getSessionsByUserId('u1', {}, { q: '_' }).total).toBe(0);
  });

  it('folds full-width forms and radicals on both sides: a Chinese IME’s ｆ（ｘ）, ＡＢＣ, ２次函数 find f(x), ABC, 2次函数, and the other way round', () => {
    const { turns, sessions, db } = seeded();
    const fx = sessions.insertNewSession(db, { user_id: 'u1', started_at: 60, meta: { title: 'f(x) 的导数' } });
    const abc = sessions.insertNewSession(db, { user_id: 'u1', started_at: 70, meta: { title: 'ABC 猜想' } });
    const quadratic = sessions.insertNewSession(db, { user_id: 'u1', started_at: 80, meta: { title: '2次函数的图像' } });
    // Stored in full width or with a PDF's radical (⽜ U+2F5C): found by what a half-width keyboard types.
    const gx = sessions.insertNewSession(db, { user_id: 'u1', started_at: 90, meta: { title: 'ｇ（ｘ）＝\u2F5C顿' } });
    const titles = (q: string) => turns.searchTurns('u1', q).title_hits?.map((h) => [h.title, h.highlights]);
    expect(titles('ｆ（ｘ）')).toEqual([['f(x) 的导数', [[0, 4]]]]);
    expect(titles('ａｂｃ')).toEqual([['ABC 猜想', [[0, 3]]]]);
    expect(titles('２次函数')).toEqual([['2次函数的图像', [[0, 4]]]]);
    expect(titles('g(x)=牛顿')).toEqual([['ｇ（ｘ）＝\u2F5C顿', [[0, 7]]]]);
    // The sessions route's q (the sidebar's and the history's list) alike.
    const ids = (q: string) => sessions.getSessionsByUserId('u1', {}, { q }).items.map((s) => s.id);
    expect(ids('ｆ（ｘ）')).toEqual([fx.id]);
    expect(ids('ＡＢＣ　猜想')).toEqual([abc.id]);
    expect(ids('２次')).toEqual([quadratic.id]);
    expect(ids('G(X)')).toEqual([gx.id]);
    expect(ids('ｆ（ｙ）')).toEqual([]);
  });

  it('gives title hits with the first page only', () => {
    const { turns } = seeded();
    expect(turns.searchTurns('u1', '数学', { skip: 20 }).title_hits).toBeUndefined();
  });
});

describe('search over messages', () => {
  it('never returns the record of a title call (role system, purpose title): its session comes as a title hit (tryout 7)', () => {
    const { turns, sessions, db } = seeded();
    // As llm/model-title.ts records it after a first answer: the call and the title it made.
    const named = sessions.insertNewSession(db, { user_id: 'u1', started_at: 60, meta: { title: '二次函数的顶点', title_source: 'model' } });
    const question = turns.insertNewTurn(db, { session_id: named.id, role: 'user', content: '抛物线 y=2x²-4x+1 的最低点在哪？', created_at: 61 });
    turns.insertNewTurn(db, { session_id: named.id, role: 'assistant', content: '先配方：y=2(x-1)²-1。', created_at: 62 });
    turns.insertNewTurn(db, { session_id: named.id, role: 'system', content: '二次函数的顶点', created_at: 63, meta: { purpose: 'title' } });
    // An imported system prompt is not part of the conversation either (shared/turn-tree.ts inConversation).
    turns.insertNewTurn(db, { session_id: named.id, role: 'system', content: '你是顶点专家', created_at: 64 });
    const hits = turns.searchTurns('u1', '顶点');
    expect(hits.items).toEqual([]);
    expect(hits.total).toBe(0);
    expect(hits.title_hits?.map((h) => h.title)).toEqual(['二次函数的顶点']);
    // A message of the same session is still found.
    expect(turns.searchTurns('u1', '最低点').items.map((t) => t.id)).toEqual([question.id]);
    // The sessions route's q: only the title brings this session; a word only the system prompt holds finds nothing.
    expect(sessions.getSessionsByUserId('u1', {}, { q: '顶点' }).items.map((s) => s.id)).toEqual([named.id]);
    expect(sessions.getSessionsByUserId('u1', {}, { q: '专家' }).total).toBe(0);
  });
});

describe('search over mixed text and Markdown (tryout 10, item 7)', () => {
  it('finds 测试429 as typed and 叶绿体中 across **, with the snippet marking the words read', () => {
    const { turns, sessions, db } = seeded();
    const chat = sessions.insertNewSession(db, { user_id: 'u1', started_at: 70, meta: { title: '光合作用需要以下条件' } });
    const message = turns.insertNewTurn(db, { session_id: chat.id, role: 'user', content: '测试429：太快了吗', created_at: 71 });
    const answer = turns.insertNewTurn(db, {
      session_id: chat.id,
      role: 'assistant',
      content: '光合作用需要：\n\n1. **光照**：提供能量；\n2. **叶绿体**中的叶绿素。',
      created_at: 72,
    });
    const marked = (hit: { snippet: string; highlights: [number, number][] }) => hit.highlights.map(([s, e]) => hit.snippet.slice(s, e));

    const mixed = turns.searchTurns('u1', '测试429');
    expect(mixed.items.map((t) => t.id)).toEqual([message.id]);
    expect(marked(mixed.items[0]!)).toEqual(['测试429']);
    expect(turns.searchTurns('u1', '测试 429').items.map((t) => t.id)).toEqual([message.id]);

    const emphasis = turns.searchTurns('u1', '叶绿体中');
    expect(emphasis.items.map((t) => t.id)).toEqual([answer.id]);
    expect(emphasis.items[0]!.snippet).toBe('光合作用需要： 1. 光照：提供能量； 2. 叶绿体中的叶绿素。');
    expect(marked(emphasis.items[0]!)).toEqual(['叶绿体中']);
    // The sessions route's q reads the same index.
    expect(sessions.getSessionsByUserId('u1', {}, { q: '叶绿体中' }).items.map((s) => s.id)).toEqual([chat.id]);
    expect(sessions.getSessionsByUserId('u1', {}, { q: '测试429' }).items.map((s) => s.id)).toEqual([chat.id]);
  });
});

describe('search snippets', () => {
  it('are plain text — no Markdown or LaTeX — with the match marked', () => {
    const { turns } = seeded();
    const [hit] = turns.searchTurns('u1', '直角').items;
    expect(hit!.snippet).toBe('勾股定理 直角三角形中，a² + b² = c²，也就是 a/c 的平方加上…… • 第一步：画图');
    expect(hit!.kind).toBe('turn');
    const [start, end] = hit!.highlights[0]!;
    expect(hit!.snippet.slice(start, end)).toBe('直角');
  });

  it('show the part of a long message around the match', () => {
    const long = `${'前言。'.repeat(3_000)}\n\n中间有一个**光合作用**的问题。\n\n${'后记。'.repeat(3_000)}`;
    const { snippet, highlights } = snippetOf(long, '光合');
    expect(snippet).toContain('光合作用的问题');
    expect(snippet.startsWith('…') && snippet.endsWith('…')).toBe(true);
    expect(snippet.length).toBeLessThan(200);
    expect(highlights.map(([s, e]) => snippet.slice(s, e))).toEqual(['光合']);
  });

  it('mark every term, merged where they overlap', () => {
    const { snippet, highlights } = snippetOf('Integrals and *integration*: the integral of x', 'integr integral');
    expect(highlights.map(([s, e]) => snippet.slice(s, e))).toEqual(['Integral', 'integr', 'integral']);
  });
});

describe('the searchTurns route', () => {
  it('answers turn hits and title hits in its declared shape', async () => {
    const core = await setupCore();
    const db = testWrites(core.store);
    core.sessions.insertNewSession(db, { user_id: TEST_CALLER.user_id, meta: { title: '数学复习计划' } });
    const envelope = await dispatch(core, 'searchTurns', TEST_CALLER, { q: '数学' }, { validateOutput: true });
    expect(envelope.ok).toBe(true);
    const body = routes.searchTurns.output.parse(envelope.body);
    expect(body.title_hits?.map((h) => `${h.kind}: ${h.title}`)).toEqual(['session: 数学复习计划', 'assignment: 数学作业一']);
    // An assignment of the fixture (数学作业一) matches too.
    expect((await dispatch(core, 'searchTurns', TEST_CALLER, { q: '作业' })).body).toMatchObject({ title_hits: [{ kind: 'assignment', assignment_id: 'hw_001' }] });
  });

  it('shows a teacher only their own assignments among the title hits', async () => {
    const core = await setupCore();
    const db = testWrites(core.store);
    core.assignments.create(db, { id: 'hw_mine', title: '数学作业（我的）' }, 'teacher-1');
    core.assignments.create(db, { id: 'hw_theirs', title: '数学作业（别人的）' }, 'teacher-2');
    const teacher = { user_id: 'teacher-1', role: 'teacher' as const };
    const hits = (await dispatch(core, 'searchTurns', teacher, { q: '数学作业' })).body as { title_hits: { assignment_id: string }[] };
    expect(hits.title_hits.map((h) => h.assignment_id)).toEqual(['hw_mine']);
  });
});
