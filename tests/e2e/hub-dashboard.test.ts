// The teacher's dashboard on the hub, in real Chromium: the hub (SQLite) serves the built web app,
// a teacher's token opens #/hub, and the class's overview, triage and search (数学) show what
// students shared, a hand-in that reached the hub is read and graded, and the roster screen issues
// and reissues per-student join codes (shown once, with QR codes, kept on screen across actions and
// tabs until the teacher says they are saved); a teacher with no class makes one and sets an
// assignment with its AI rules from the page (no curl), edits it, and opens hand-ins from a visible
// button; join codes print with the hub's address and a slip per student; the sign-in page shows the token command as code — in Chinese, the first users'
// language.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { startHubServer, type RunningHub } from '../../src/main/core/hub/server.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import { startOfDay } from '../../src/main/core/learner-summary.ts';
import { bundleText, buildBundle } from '../../src/main/core/handin/bundle.ts';
import { publicKeyOf } from '../../src/main/core/handin/signing.ts';
import { sql } from '../../src/main/core/hub/sql.ts';
import { ensureAppBuilt, launchBrowser } from '../support/browser.ts';
import { chained, hubTeacher, session } from '../support/hub.ts';
import { plainImage, textPdf } from '../support/files.ts';
import { requirePackage } from '../support/requirements.ts';
import { tempDir } from '../support/temp.ts';
import { SCREENSHOTS } from './harness.ts';
import { SEARCH_HIT_MAX_CHARS } from '../../src/shared/api/hub.ts';

// Runs in the page (addInitScript); the tests compile without the DOM library.
declare const localStorage: { setItem(key: string, value: string): void };
declare function dispatchEvent(event: unknown): boolean;
declare const Event: new (type: string) => unknown;
declare function getComputedStyle(element: unknown): { fontSize: string; borderTopStyle: string };

const chromium = requirePackage('chromium');
const RENDERER = fileURLToPath(new URL('../../out/renderer', import.meta.url));

describe.skipIf(chromium.skip)(`the hub's teacher dashboard${chromium.note}`, () => {
  let browser: Browser;
  let hub: RunningHub;
  let store: HubStore;
  let teacherToken = '';
  let classCode = '';
  let classId = '';
  let teacherCaller: HubCaller;
  let student: HubCaller;
  let studentToken = '';
  let handInAgain: (assignmentId: string, title: string) => Promise<unknown>;
  let handedPhoto: Buffer;
  let handedPdf: Buffer;

  beforeAll(async () => {
    await ensureAppBuilt();
    store = new HubStore(openSqliteHub(path.join(tempDir('studylog-hub-e2e-'), 'hub.db')));
    const teacher = await hubTeacher(store, '李老师');
    teacherToken = teacher.token;
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    classCode = klass.code;
    classId = klass.id;
    teacherCaller = teacher.caller;
    const roster = await store.importRoster(teacher.caller, klass.id, '学号,姓名\n1,张三\n2,李四\n');
    const hw = await store.upsertAssignment(teacher.caller, {
      id: 'hw_1',
      class_id: klass.id,
      title: '一次函数',
      description: null,
      due_at: null,
      policy: { share_sessions: true },
    });
    const joined = await store.joinClass({ code: klass.code, name: '张三', student_no: '1', join_code: roster.codes[0]!.join_code, device_name: 'laptop' });
    student = (await store.authenticate(joined.token)) as HubCaller;
    studentToken = joined.token;
    const sid = uuidv7();
    const specs = [1, 2, 2, 2].flatMap((level, i) => [
      { content: `第${i + 1}步怎么做？` },
      { content: `提示（级别 ${level}）`, role: 'assistant' as const, meta: { hint_level: level } },
    ]);
    specs.push({ content: '我们今天学数学' });
    await store.push(student, { sessions: [session(sid, chained(sid, specs), { assignment_id: hw.id })] });
    // 张三's laptop handed in (a bundle signed with its key) and synced. On the laptop 张三 is its
    // owner ("owner"): the hub shows the roster's name. The session: an answer asked for again (two
    // versions), the title call's record, a flagged answer, Markdown and LaTeX, a very long line.
    const { privateKey } = generateKeyPairSync('ed25519');
    handedPhoto = await plainImage('png', 240, 160);
    handedPdf = textPdf(['y = 2x + 1']);
    const handedSid = uuidv7();
    const [q1, a1, a2, q2, a3] = [uuidv7(), uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    const handedSpecs = [
      // The student showed the AI a photo (its text sent, the model takes no images) and a PDF: named in the transcript (tryout 10).
      {
        id: q1,
        role: 'user' as const,
        content: '第1步怎么做？',
        meta: {
          attachments: [
            { sha256: 'a'.repeat(64), kind: 'image', mime: 'image/jpeg', name: '题目照片.jpg', bytes: 123_904, sent_as: 'text' },
            { sha256: 'b'.repeat(64), kind: 'pdf', mime: 'application/pdf', name: '练习册.pdf', bytes: 2_202_010, pages: 3, sent_as: 'text' },
          ],
        },
      },
      { id: a1, parent_id: q1, role: 'assistant' as const, content: '**先移项**：$$x = \\frac{20 - 5}{3}$$', meta: { hint_level: 1 } },
      { id: uuidv7(), role: 'system' as const, content: '第一步', meta: { purpose: 'title' } },
      { id: a2, parent_id: q1, role: 'assistant' as const, content: '答案是 x = 5。', meta: { hint_level: 1, flagged: 'final_answer_above_level' } },
      { id: q2, parent_id: a2, role: 'user' as const, content: '为什么？' },
      { id: a3, parent_id: q2, role: 'assistant' as const, content: `因为${'移项后两边同时除以三'.repeat(40)}`, meta: { hint_level: 2 } },
      // Refused on the laptop, the allowance used up (tryout 8): kept, failed, no answer under it.
      {
        id: uuidv7(),
        parent_id: a3,
        role: 'user' as const,
        content: 'k 的几何意义是斜率吗？',
        meta: { status: 'failed', hint_level: 2, error: { code: 'allowance_exhausted', message: 'The AI allowance is used up.' } },
      },
    ];
    const bundle = buildBundle(
      {
        assignment: { id: hw.id, title: hw.title, subject: null, due_at: null },
        student: { id: 'laptop-user', name: 'owner' },
        submission: { id: uuidv7(), submitted_at: Date.now(), late: false },
        sessions: [
          {
            session: { id: handedSid, assignment_id: hw.id, mode: 'homework', started_at: 1, ended_at: null, title: null, models: [] },
            turns: chained(handedSid, handedSpecs).map(({ prev_hash: _p, hash: _h, ...t }) => ({ ...t, session_id: handedSid })),
          },
        ],
        answer: 'y = 2x + 1',
        note: '我用 AI 要了两次提示。',
        // A photo of the handwritten work and a PDF, handed in with the answer.
        files: [
          { name: '解题过程.png', kind: 'image', mime: 'image/png', data: handedPhoto },
          { name: '答案.pdf', kind: 'pdf', mime: 'application/pdf', data: handedPdf },
        ],
        language: 'zh-CN',
      },
      { privateKey, publicKey: publicKeyOf(privateKey) },
    );
    await store.receiveHandin(student, bundleText(bundle), 'zh-CN');
    // Another hand-in by 张三, made while a test's page is open.
    handInAgain = (assignmentId, title) => {
      const sid = uuidv7();
      const again = buildBundle(
        {
          assignment: { id: assignmentId, title, subject: null, due_at: null },
          student: { id: 'laptop-user', name: 'owner' },
          submission: { id: uuidv7(), submitted_at: Date.now(), late: false },
          sessions: [
            {
              session: { id: sid, assignment_id: assignmentId, mode: 'homework', started_at: 1, ended_at: null, title: null, models: [] },
              turns: chained(sid, [{ content: '怎么做？' }]).map(({ prev_hash: _p, hash: _h, ...t }) => ({ ...t, session_id: sid })),
            },
          ],
          answer: '42',
          note: '',
          language: 'zh-CN',
        },
        { privateKey, publicKey: publicKeyOf(privateKey) },
      );
      return store.receiveHandin(student, bundleText(again), 'zh-CN');
    };
    // The name students' laptops use for the hub (as `--allowed-host`): the dashboard prints it with the join codes.
    hub = await startHubServer({ store, port: 0, staticDir: RENDERER, allowedHosts: ['hub.school.test'] });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await store?.close();
  });

  test('overview, triage and search of a class, in Chinese', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    const overview = page.getByTestId('hub-overview');
    await expect.poll(() => overview.locator('tbody tr').count()).toBe(2);
    await expect.poll(() => overview.locator('tbody tr', { hasText: '张三' }).locator('td').nth(3).textContent()).toBe('9');
    // Model tokens are "token", as everywhere else in the app (not 令牌, which is a sign-in token): the answers' (hub-counts.test.ts).
    await expect(overview.locator('thead th').allTextContents()).resolves.toContain('AI 回答的 token 数');
    await expect.poll(() => page.getByTestId('hub-class-code').textContent()).toMatch(/^班级码：[A-Z2-9]{8}/);

    await page.getByRole('tab', { name: '需要关注' }).click();
    // The assignment by its title, not its id.
    await expect.poll(() => page.getByTestId('hub-stuck').textContent()).toContain('张三 在“一次函数”上连续 3 次回复停在提示级别 2');
    // Who is stuck opens at the latest reply: the one they are stuck at.
    await page
      .getByTestId('hub-stuck')
      .getByRole('button', { name: /查看对话/ })
      .first()
      .click();
    await expect.poll(() => page.getByTestId('hub-session').locator('.transcript-turn-hit').textContent()).toContain('提示（级别 2）');

    await page.getByRole('tab', { name: '搜索' }).click();
    await page.getByLabel('搜索本班分享的对话').fill('数学');
    await page.getByLabel('搜索本班分享的对话').press('Enter');
    await expect.poll(() => page.getByTestId('hub-search').locator('li').allTextContents()).toEqual([expect.stringContaining('我们今天学数学')]);
    await context.close();
  });

  test('needs attention typesets a flagged reply’s maths and lists who ran out of an allowance; a search hit opens its conversation; the form’s token scale comes from the class’s answers', async () => {
    const own = new HubStore(openSqliteHub(path.join(tempDir('studylog-hub-e2e-'), 'hub.db')));
    const running = await startHubServer({ store: own, port: 0, staticDir: RENDERER });
    try {
      const teacher = await hubTeacher(own, '王老师');
      const klass = await own.createClass(teacher.caller, '初二（3）班');
      const policy = { allowance: { tokens: 150 } };
      await own.upsertAssignment(teacher.caller, {
        id: 'hw_a',
        class_id: klass.id,
        title: '一次函数：求解析式',
        description: null,
        due_at: null,
        policy: { ...policy, share_sessions: true },
      });
      await own.upsertAssignment(teacher.caller, { id: 'hw_b', class_id: klass.id, title: '二元一次方程组', description: null, due_at: null, policy });
      const zhang = (await own.authenticate((await own.joinClass({ code: klass.code, name: '张小明', device_name: 'laptop' })).token)) as HubCaller;
      // The tryout's session: one answer of 242 tokens spent the 150-token allowance, flagged for giving the answer in LaTeX.
      const hw = uuidv7();
      const practice = uuidv7();
      const ids = Array.from({ length: 22 }, () => uuidv7());
      const question = ids[20]!;
      // Two more flagged replies, in Chinese: 160 characters (the hub's excerpt, whole) and 161 (cut);
      // no tokens, so the form's scale below is the twelve answers' alone.
      const long = uuidv7();
      const flaggedReply = (content: string) => ({
        content,
        role: 'assistant' as const,
        tokens_in: 0,
        tokens_out: 0,
        meta: { hint_level: 5, flagged: 'final_answer_above_level' },
      });
      await own.push(zhang, {
        sessions: [
          // Then two questions a search finds: one longer than a hit's 2,000 characters (cut, "…"), one short (whole).
          session(
            long,
            chained(long, [
              { content: '直接告诉我' },
              flaggedReply('解'.repeat(160)),
              { content: '再来一题' },
              flaggedReply('答'.repeat(161)),
              { content: `浮力${'长'.repeat(SEARCH_HIT_MAX_CHARS - 1)}`, role: 'user' as const, tokens_in: 0, tokens_out: 0 },
              { content: '浮力是什么？', role: 'user' as const, tokens_in: 0, tokens_out: 0 },
            ]),
          ),
          session(
            hw,
            chained(hw, [
              { content: '已知直线过 (1,3) 和 (2,5)，求解析式。' },
              {
                content: '你先回忆一下一次函数的一般形式。其实答案是 $y=2x+1$。',
                role: 'assistant',
                tokens_in: 191,
                tokens_out: 51,
                meta: { hint_level: 1, flagged: 'final_answer_above_level' },
              },
            ]),
            { assignment_id: 'hw_a' },
          ),
          // Practice: ten answers of 500 tokens, and the question a search finds (each message answering the one before).
          session(
            practice,
            chained(
              practice,
              [
                ...Array.from({ length: 10 }, (_, i) => [
                  { content: `第 ${i + 1} 题怎么做？` },
                  { content: `先看第 ${i + 1} 题的条件。`, role: 'assistant' as const, tokens_in: 450, tokens_out: 50 },
                ]).flat(),
                { content: '光合作用需要哪些条件？', role: 'user' as const },
                { content: '需要光、水和二氧化碳。', role: 'assistant' as const, tokens_in: 300, tokens_out: 40 },
              ].map((spec, i) => ({ ...spec, id: ids[i]!, parent_id: i === 0 ? null : ids[i - 1]! })),
            ),
          ),
        ],
      });
      const context = await browser.newContext({ locale: 'zh-CN' });
      await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacher.token);
      const page = await context.newPage();
      await page.goto(`${running.url}/#/hub`);
      await page.getByRole('tab', { name: '需要关注' }).click();
      // The flagged reply as the transcripts show answers: its maths typeset, no "$" left.
      const flagged = page.getByTestId('hub-flagged');
      await expect.poll(() => flagged.locator('.katex').count()).toBe(1);
      const maths = flagged.locator('li', { hasText: '一般形式' });
      await expect(maths.locator('.hub-excerpt').textContent()).resolves.not.toContain('$');
      await expect(maths.textContent()).resolves.toMatch(/^张小明 在“一次函数：求解析式”上 查看对话你先回忆一下一次函数的一般形式。其实答案是 /);
      // "…" only where the hub says it cut the reply: 160 characters are the whole reply.
      await expect(flagged.locator('li', { hasText: '解解' }).locator('.hub-excerpt').textContent()).resolves.toBe('解'.repeat(160));
      await expect(flagged.locator('li', { hasText: '答答' }).locator('.hub-excerpt').textContent()).resolves.toBe(`${'答'.repeat(160)}…`);
      // Out of the allowance: what the shared session shows; the assignment that shares nothing is named as unseen.
      const allowance = page.getByTestId('hub-allowance');
      await expect.poll(() => allowance.locator('li').allTextContents()).toEqual(['张小明 在“一次函数：求解析式”上已用 242 个 token（额度 150）']);
      await expect(allowance.getByTestId('hub-allowance-unseen').textContent()).resolves.toBe(
        '“二元一次方程组” 设了 token 额度，但学生的对话没有分享给老师：额度在每个学生的电脑上执行，班级中心看不到谁已经用完。',
      );
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-triage-maths-allowance.png'), fullPage: true });
      // A flagged reply opens its conversation below, at that reply.
      await maths.getByRole('button', { name: /查看对话/ }).click();
      const fromTriage = page.getByTestId('hub-session');
      await expect.poll(() => fromTriage.locator('.transcript-turn').count()).toBe(2);
      await expect.poll(() => fromTriage.locator('.transcript-turn-hit').textContent()).toContain('一次函数的一般形式');
      await expect(fromTriage.locator('h3').first().textContent()).resolves.toBe('张小明 的对话');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-triage-session.png') });

      // A search hit opens its conversation, at the message found.
      await page.getByRole('tab', { name: '搜索' }).click();
      await page.getByLabel('搜索本班分享的对话').fill('光合作用');
      await page.getByLabel('搜索本班分享的对话').press('Enter');
      const hit = page.getByTestId('hub-search-hit');
      await expect.poll(() => hit.count()).toBe(1);
      await hit.getByRole('button', { name: /查看对话/ }).click();
      const opened = page.getByTestId('hub-session');
      await expect.poll(() => opened.locator('.transcript-turn').count()).toBe(22);
      await expect(opened.locator('h3').first().textContent()).resolves.toBe('张小明 的对话');
      await expect.poll(() => opened.locator('.transcript-turn-hit').getAttribute('data-turn-id')).toBe(question);
      await expect(opened.locator('.transcript-turn-hit').textContent()).resolves.toContain('光合作用需要哪些条件？');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-search-session.png') });
      // A hit the hub cut ends with "…" (it says so: content_truncated); a whole one does not.
      await page.getByLabel('搜索本班分享的对话').fill('浮力');
      await page.getByLabel('搜索本班分享的对话').press('Enter');
      await expect.poll(() => hit.count()).toBe(2);
      await expect(hit.filter({ hasText: '长长' }).textContent()).resolves.toMatch(new RegExp(`浮力长{${SEARCH_HIT_MAX_CHARS - 2}}…$`, 'u'));
      await expect(hit.filter({ hasText: '浮力是什么？' }).textContent()).resolves.toMatch(/浮力是什么？$/u);

      // The assignment form: the allowance's scale from the class's twelve answers, and what an allowance buys.
      await page.getByRole('button', { name: '布置作业' }).first().click();
      const form = page.getByTestId('hub-assignment-form');
      await expect
        .poll(() => form.getByTestId('hub-tokens-scale').textContent())
        .toBe('参考：本班最近 12 次 AI 回答，每次约 500 个 token（大多在 340–500 之间；对话越长，每次越多）。');
      const tokens = form.getByLabel('每个学生在这份作业上最多可用的 token 数');
      await tokens.fill('150');
      await expect.poll(() => form.getByTestId('hub-tokens-estimate').textContent()).toBe('这个额度还不够一次回答（一次约 500 个 token）。');
      await tokens.fill('20000');
      await expect.poll(() => form.getByTestId('hub-tokens-estimate').textContent()).toBe('按这个额度，每个学生大约能问 40 次。');
      await form.screenshot({ path: path.join(SCREENSHOTS, 'hub-assignment-token-scale.png') });
      await context.close();
    } finally {
      await running.close();
      await own.close();
    }
  });

  test('每日 AI 额度 on the overview: shown per student, set in place (a wrong number named, full-width digits read), cleared; needs attention lists who used up today’s, as of the last sync', async () => {
    const own = new HubStore(openSqliteHub(path.join(tempDir('studylog-hub-e2e-'), 'hub.db')));
    const running = await startHubServer({ store: own, port: 0, staticDir: RENDERER });
    try {
      const teacher = await hubTeacher(own, '王老师');
      const klass = await own.createClass(teacher.caller, '初二（3）班');
      await own.upsertAssignment(teacher.caller, { id: 'hw_a', class_id: klass.id, title: '一次函数', description: null, due_at: null, policy: {} });
      const zhang = (await own.authenticate((await own.joinClass({ code: klass.code, name: '张小明', device_name: 'laptop' })).token)) as HubCaller;
      // Today (by the hub's day): one answer of 300 tokens on the class's assignment, synced.
      const sid = uuidv7();
      const today = Math.max(startOfDay(Date.now()), Date.now() - 60_000);
      await own.push(zhang, {
        sessions: [
          session(sid, chained(sid, [{ content: '斜率是什么？' }, { content: '想一想 y 随 x 怎么变。', role: 'assistant', tokens_in: 250, tokens_out: 50 }], undefined, today), {
            assignment_id: 'hw_a',
          }),
        ],
      });
      const stored = async () => (await own.allowances(teacher.caller, klass.id))[0]!.daily_tokens;
      const context = await browser.newContext({ locale: 'zh-CN' });
      await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacher.token);
      const page = await context.newPage();
      await page.goto(`${running.url}/#/hub`);
      const overview = page.getByTestId('hub-overview');
      await expect.poll(() => overview.locator('thead th').allTextContents()).toContain('每日 AI 额度');
      const cell = overview.getByTestId('hub-daily-allowance');
      await expect.poll(() => cell.textContent()).toBe('未设 修改今天已用 300');
      await expect(overview.getByTestId('hub-daily-allowance-note').textContent()).resolves.toContain('学生的电脑下次同步时生效');

      // Not a number of tokens: said in Chinese, nothing sent.
      await cell.getByRole('button', { name: '修改张小明的每日 AI 额度' }).click();
      const input = cell.getByLabel('张小明的每日 AI 额度（token）');
      for (const bad of ['两百', '-5', '2.5']) {
        await input.fill(bad);
        await cell.getByRole('button', { name: '保存' }).click();
        await expect
          .poll(() => cell.getByTestId('hub-daily-allowance-invalid').textContent())
          .toBe('请输入 0 到 1,000,000,000 之间的整数 token 数（0 表示当天不能在本班作业上用 AI）。');
      }
      expect(await stored()).toBeNull();
      // Full-width digits, as a Chinese IME types them.
      await input.fill('２００');
      await cell.getByRole('button', { name: '保存' }).click();
      await expect.poll(() => cell.getByTestId('hub-daily-allowance-saved').textContent()).toBe('已保存。学生的电脑下次同步时生效。');
      await expect.poll(() => cell.textContent()).toMatch(/^200 token 修改今天已用 300/);
      expect(await stored()).toBe(200);

      // Used up today (300 of 200): needs attention says so, as of the last sync.
      await page.getByRole('tab', { name: '需要关注' }).click();
      const triage = page.getByTestId('hub-daily-allowance-triage');
      await expect.poll(() => triage.locator('li').allTextContents()).toEqual(['张小明 今天已用 300 个 token（每日额度 200）']);
      await expect(triage.textContent()).resolves.toContain('按学生电脑最近一次同步到班级中心的对话计算');
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-daily-allowance-triage.png'), fullPage: true });

      // Cleared: no daily allowance, and nobody out of it.
      await page.getByRole('tab', { name: '概览' }).click();
      await cell.getByRole('button', { name: '修改张小明的每日 AI 额度' }).click();
      await cell.getByRole('button', { name: '清除额度' }).click();
      await expect.poll(() => cell.getByTestId('hub-daily-allowance-saved').textContent()).toBe('已清除：不再限制每日额度。学生的电脑下次同步时生效。');
      await expect.poll(() => cell.textContent()).toMatch(/^未设 修改/);
      expect(await stored()).toBeNull();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-daily-allowance.png'), fullPage: true });
      await page.getByRole('tab', { name: '需要关注' }).click();
      await expect.poll(() => triage.textContent()).toContain('目前没有。');
      await context.close();
    } finally {
      await running.close();
      await own.close();
    }
  });

  test('search while the hub re-indexes older messages says some may be missing, in both languages; not once it is done', async () => {
    // A hub whose one-time search re-index is pending (as after an upgrade): its row reset by hand, then opened as `hub serve` opens it.
    const file = path.join(tempDir('studylog-hub-e2e-'), 'hub.db');
    const first = new HubStore(openSqliteHub(file));
    const teacher = await hubTeacher(first, '王老师');
    const klass = await first.createClass(teacher.caller, '初一（1）班');
    const joined = await first.joinClass({ code: klass.code, name: '小红', device_name: 'laptop' });
    const sid = uuidv7();
    await first.push((await first.authenticate(joined.token)) as HubCaller, { sessions: [session(sid, chained(sid, [{ content: '光合作用是什么' }]))] });
    await first.db.run(sql`UPDATE hub_reindex SET cursor = NULL, done_at = NULL`);
    await first.close();
    const pending = new HubStore(openSqliteHub(file));
    const running = await startHubServer({ store: pending, port: 0, staticDir: RENDERER });
    try {
      expect(pending.db.searchIndex!.pending).toBe(true);
      const search = async (locale: string, label: string, query: string) => {
        const context = await browser.newContext({ locale });
        await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacher.token);
        const page = await context.newPage();
        await page.goto(`${running.url}/#/hub`);
        await page.getByRole('tab', { name: locale === 'en' ? 'Search' : '搜索' }).click();
        await page.getByLabel(label).fill(query);
        await page.getByLabel(label).press('Enter');
        await expect.poll(() => page.getByTestId('hub-search').locator('li').allTextContents()).toEqual([expect.stringContaining('光合作用是什么')]);
        const behind = await page.getByTestId('hub-search-index-behind').allTextContents();
        await context.close();
        return behind;
      };
      expect(await search('zh-CN', '搜索本班分享的对话', '光合作用')).toEqual(['班级中心还在为升级前的消息重新建立搜索索引：部分旧消息可能不在这些结果里，请稍后再搜一次。']);
      expect(await search('en', 'Search the class’s shared conversations', '光合')).toEqual([
        'The hub is still re-indexing the messages stored before its upgrade: some older messages may be missing from these results. Search again later.',
      ]);
      expect(await pending.db.searchIndex!.run()).toBe('done');
      expect(await search('zh-CN', '搜索本班分享的对话', '光合作用')).toEqual([]);
    } finally {
      await running.close();
      await pending.close();
    }
  });

  test('a hand-in in the inbox: read, verified, graded — the grade is on the hub for the laptop to pull', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    // The answer files the page reads from the hub.
    const fileReads: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/files/')) fileReads.push(request.url());
    });
    await page.goto(`${hub.url}/#/hub`);
    await page.getByRole('tab', { name: '作业收件箱' }).click();
    // The hand-ins open from a button that says so, with their count; the counts beside it.
    await page.getByRole('button', { name: '查看提交（1）' }).click();
    await expect.poll(() => page.getByTestId('hub-handin-counts-hw_1').textContent()).toBe('已交 1 份，已批改 0 份');
    await page.getByTestId('hub-handin').getByRole('button', { name: '查看并批改' }).click();
    const detail = page.getByTestId('hub-handin-detail');
    await expect.poll(() => detail.textContent()).toContain('已验证：对话记录和签名完整');
    await expect.poll(() => detail.textContent()).toContain('y = 2x + 1');
    // The app's date format, not the browser's default (2026/12/6 23:33:20).
    await expect(page.getByTestId('hub-handin').textContent()).resolves.toMatch(/\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
    // Who handed it in, as the roster knows them (the laptop's own name was "owner").
    await expect(detail.getByTestId('hub-handin-student').textContent()).resolves.toBe('学生：张三（学号 1）');
    await expect(detail.getByTestId('hub-handin-flagged').textContent()).resolves.toBe('有 1 条回复被标记为可能直接给出了答案。');
    // The answer's files: the photo shown in the view, each file downloadable under its own name with its bytes.
    const files = detail.getByTestId('hub-answer-file');
    await expect.poll(() => files.count()).toBe(2);
    const photo = detail.getByRole('img', { name: '解题过程.png' });
    await expect.poll(() => photo.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBe(240);
    await expect.poll(() => detail.getByTestId('hub-answer-download').count()).toBe(2);
    expect(await files.nth(1).getByTestId('hub-answer-image').count()).toBe(0);
    expect(await files.nth(1).textContent()).toMatch(/^答案\.pdf [\d.]+ KB 下载$/);
    // Opening the hand-in read the photo it shows, not the PDF: that is read when it is downloaded.
    expect(fileReads).toHaveLength(1);
    const [download] = await Promise.all([page.waitForEvent('download'), files.nth(1).getByRole('button', { name: '下载' }).click()]);
    expect(download.suggestedFilename()).toBe('答案.pdf');
    const saved = path.join(tempDir('studylog-hub-e2e-'), 'saved.pdf');
    await download.saveAs(saved);
    expect(readFileSync(saved).equals(handedPdf)).toBe(true);
    expect(fileReads).toHaveLength(2);
    // The photo saved is the one shown, not read again.
    const [photoDownload] = await Promise.all([page.waitForEvent('download'), files.nth(0).getByRole('button', { name: '下载' }).click()]);
    expect(photoDownload.suggestedFilename()).toBe('解题过程.png');
    const savedPhoto = path.join(tempDir('studylog-hub-e2e-'), 'saved.png');
    await photoDownload.saveAs(savedPhoto);
    expect(readFileSync(savedPhoto).equals(handedPhoto)).toBe(true);
    expect(fileReads).toHaveLength(2);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-handin-files.png'), fullPage: true });
    // The transcript: six messages (the title call is not one), rendered like the app's, wrapped inside the card.
    // Its heading counts as the AI-use note does ("提问 N 次"), the refused message apart (tryout 8).
    await detail.getByText('对话记录（6 条消息：提问 2 次，回答 3 条，另有 1 条没有得到回答）').click();
    const turns = detail.locator('.transcript-turn');
    await expect.poll(() => turns.count()).toBe(6);
    // The message refused for the allowance is marked, not an ordinary question.
    const refused = detail.locator('.transcript-turn[data-unsent]');
    await expect(refused.count()).resolves.toBe(1);
    await expect(refused.getAttribute('data-unsent')).resolves.toBe('allowance_exhausted');
    await expect(refused.getByTestId('turn-unsent').textContent()).resolves.toMatch(/^ · +未发送：额度已用完$/);
    await expect(refused.textContent()).resolves.toContain('k 的几何意义是斜率吗？');
    await refused.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-handin-refused-turn.png') });
    await expect(detail.locator('.transcript-turn.role-system').count()).resolves.toBe(0);
    await expect(detail.getByTestId('turn-version').allTextContents()).resolves.toEqual([' · 第 1 版，共 2 版', ' · 第 2 版，共 2 版']);
    await expect(detail.locator('.transcript-turn[data-flagged=true]').count()).resolves.toBe(1);
    await expect.poll(() => detail.locator('.transcript .katex').count()).toBeGreaterThan(0);
    await expect(detail.locator('.transcript .markdown strong').first().textContent()).resolves.toBe('先移项');
    await expect(detail.getByTestId('transcript-files').locator('li').allTextContents()).resolves.toEqual([
      ' 题目照片.jpg（图片，121 KB） · 以文字发送',
      ' 练习册.pdf（PDF，3 页，2.1 MB） · 以文字发送',
    ]);
    await detail
      .locator('.transcript-turn')
      .first()
      .screenshot({ path: path.join(SCREENSHOTS, 'hub-transcript-files.png') });
    await expect(detail.textContent()).resolves.not.toMatch(/owner|回复 [0-9a-f-]{36}|\$\$/);
    const overflow = (el: { scrollWidth: number; clientWidth: number }) => el.scrollWidth - el.clientWidth;
    await expect(page.getByTestId('hub-handins').evaluate(overflow)).resolves.toBeLessThanOrEqual(0);
    await expect(page.locator('html').evaluate(overflow)).resolves.toBeLessThanOrEqual(0);
    await detail.getByLabel('分数').fill('95');
    await detail.getByLabel('评语').fill('很好，步骤清楚。');
    await detail.getByRole('button', { name: '按此成绩发回' }).click();
    await expect.poll(() => page.getByTestId('hub-handin-counts-hw_1').textContent()).toBe('已交 1 份，已批改 1 份');
    await expect.poll(() => page.getByTestId('hub-handin').textContent()).toContain('得分 95');
    const rows = await store.db.all<{ status: string; score: number; feedback: string }>(sql`SELECT status, score, feedback FROM hub_handin`);
    expect(rows).toEqual([{ status: 'returned', score: 95, feedback: '很好，步骤清楚。' }]);
    await context.close();
  });

  test('the inbox reads again when its tab is opened and when the window regains focus: a hand-in that arrives shows without a reload', async () => {
    await store.upsertAssignment(teacherCaller, { id: 'hw_refresh', class_id: classId, title: '刷新', description: null, due_at: null, policy: {} });
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    await page.getByRole('tab', { name: '作业收件箱' }).click();
    const counts = page.getByTestId('hub-handin-counts-hw_refresh');
    await expect.poll(() => counts.textContent()).toBe('已交 0 份，已批改 0 份');
    // A hand-in arrives; the teacher comes back to the window.
    await handInAgain('hw_refresh', '刷新');
    await page.evaluate(() => dispatchEvent(new Event('focus')));
    await expect.poll(() => counts.textContent()).toBe('已交 1 份，已批改 0 份');
    // Another assignment is set and handed in (a student hands in once per assignment); the teacher clicks the tab it is on.
    await store.upsertAssignment(teacherCaller, { id: 'hw_refresh2', class_id: classId, title: '刷新二', description: null, due_at: null, policy: {} });
    await handInAgain('hw_refresh2', '刷新二');
    await page.getByRole('tab', { name: '作业收件箱' }).click();
    await expect.poll(() => page.getByTestId('hub-handin-counts-hw_refresh2').textContent()).toBe('已交 1 份，已批改 0 份');
    // Back from another tab, the browser fires both focus and visibilitychange: one read of the inbox, not two.
    const inboxReads: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('/inbox')) inboxReads.push(request.url());
    });
    await page.evaluate(() => {
      dispatchEvent(new Event('focus'));
      (globalThis as unknown as { document: { dispatchEvent(event: unknown): boolean } }).document.dispatchEvent(new Event('visibilitychange'));
    });
    await expect.poll(() => inboxReads.length).toBe(1);
    await page.getByRole('tab', { name: '作业收件箱' }).click();
    await expect.poll(() => inboxReads.length).toBe(2);
    await context.close();
  });

  /** A second teacher of 初二（3）班 (added by an admin) with a class of their own, made after it (so listed first). */
  async function coTeacher(name: string, className: string): Promise<{ token: string; own: string }> {
    const admin = await store.createUser(`${name}的管理员`, 'admin');
    const adminCaller = (await store.authenticate((await store.issueDevice(admin.id, 'cli')).token)) as HubCaller;
    const teacher = await hubTeacher(store, name);
    await store.addTeacher(adminCaller, classId, teacher.caller.user_id);
    const own = await store.createClass(teacher.caller, className);
    return { token: teacher.token, own: own.id };
  }

  test('a grade typed and not returned: switching class, tab or hand-in asks first (declined, it stays); leaving the page asks too', async () => {
    const teacher = await coTeacher('赵老师', '初一（7）班');
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacher.token);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    const picker = page.getByRole('combobox', { name: '班级', exact: true });
    await expect.poll(() => picker.locator('option:checked').textContent()).toBe('初一（7）班');
    await picker.selectOption({ label: '初二（3）班' });
    await page.getByRole('tab', { name: '作业收件箱' }).click();
    await page.getByTestId('hub-open-handins-hw_1').click();
    await page.getByTestId('hub-handin').first().getByRole('button', { name: '查看并批改' }).click();
    const detail = page.getByTestId('hub-handin-detail');
    await detail.getByLabel('评语').fill('第二步再写清楚一点。');
    const message = '正在批改的作业还没有发回，填写的分数和评语会丢失。仍要继续吗？';
    // Another class, another tab, closing the hand-in: each asks; declined, the grade typed stays.
    for (const leave of [
      () => picker.selectOption({ label: '初一（7）班' }),
      () => page.getByRole('tab', { name: '概览' }).click(),
      () => page.getByTestId('hub-handin').first().getByRole('button', { name: '查看并批改' }).click(),
    ]) {
      const asked = page.waitForEvent('dialog');
      const done = leave();
      const dialog = await asked;
      expect([dialog.type(), dialog.message()]).toEqual(['confirm', message]);
      await dialog.dismiss();
      await done;
      await expect(detail.getByLabel('评语').inputValue()).resolves.toBe('第二步再写清楚一点。');
      await expect(picker.locator('option:checked').textContent()).resolves.toBe('初二（3）班');
    }
    // Leaving the page asks too (the browser's own question; dismissed, the page stays).
    const unload = page.waitForEvent('dialog');
    await page.close({ runBeforeUnload: true });
    const before = await unload;
    expect(before.type()).toBe('beforeunload');
    await before.dismiss();
    expect(page.isClosed()).toBe(false);
    await expect(detail.getByLabel('评语').inputValue()).resolves.toBe('第二步再写清楚一点。');
    // Accepted: the class switches and the grade is dropped (nothing reached the hub).
    const asked = page.waitForEvent('dialog');
    const done = picker.selectOption({ label: '初一（7）班' });
    await (await asked).accept();
    await done;
    await expect.poll(() => picker.locator('option:checked').textContent()).toBe('初一（7）班');
    const rows = await store.db.all<{ feedback: string | null }>(sql`SELECT feedback FROM hub_handin WHERE feedback = '第二步再写清楚一点。'`);
    expect(rows).toEqual([]);
    // Nothing typed now: switching back asks nothing (a dialog would be dismissed and the class not switch).
    await picker.selectOption({ label: '初二（3）班' });
    await expect.poll(() => picker.locator('option:checked').textContent()).toBe('初二（3）班');
    await context.close();
  });

  test('the class and tab are in the address: a reload or a shared link opens them; an unknown class falls back to the first', async () => {
    const teacher = await coTeacher('钱老师', '初一（8）班');
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacher.token);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    const picker = page.getByRole('combobox', { name: '班级', exact: true });
    const selectedTab = page.getByRole('tab', { selected: true });
    await expect.poll(() => picker.locator('option:checked').textContent()).toBe('初一（8）班');
    await expect(selectedTab.textContent()).resolves.toBe('概览');
    await picker.selectOption({ label: '初二（3）班' });
    await page.getByRole('tab', { name: '作业收件箱' }).click();
    await expect.poll(() => page.url()).toBe(`${hub.url}/#/hub/${classId}/inbox`);
    await page.reload();
    await expect.poll(() => picker.locator('option:checked').textContent()).toBe('初二（3）班');
    await expect.poll(() => selectedTab.textContent()).toBe('作业收件箱');
    await expect.poll(() => page.getByTestId('hub-open-handins-hw_1').count()).toBe(1);
    // Switching adds no history entry: the browser's Back leaves the dashboard (where the page's
    // unload warning asks about anything unsaved) instead of switching tabs with nobody asked.
    const entries: unknown = await page.evaluate('history.length');
    await page.getByRole('tab', { name: '概览' }).click();
    await expect.poll(() => selectedTab.textContent()).toBe('概览');
    await picker.selectOption({ label: '初一（8）班' });
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/hub/${teacher.own}/overview`);
    await expect(page.evaluate('history.length')).resolves.toBe(entries);
    await picker.selectOption({ label: '初二（3）班' });

    // A link shared, opened in a new window: the same class and tab.
    const shared = await context.newPage();
    await shared.goto(`${hub.url}/#/hub/${classId}/search`);
    await expect.poll(() => shared.getByRole('combobox', { name: '班级', exact: true }).locator('option:checked').textContent()).toBe('初二（3）班');
    await expect.poll(() => shared.getByRole('tab', { selected: true }).textContent()).toBe('搜索');
    // An unknown class (a stale link, another teacher's): the first class, on the tab asked for, the address corrected.
    await shared.goto(`${hub.url}/#/hub/no-such-class/inbox`);
    await shared.reload();
    await expect.poll(() => shared.url()).toBe(`${hub.url}/#/hub/${teacher.own}/inbox`);
    await expect(shared.getByRole('combobox', { name: '班级', exact: true }).locator('option:checked').textContent()).resolves.toBe('初一（8）班');
    await expect(shared.getByRole('tab', { selected: true }).textContent()).resolves.toBe('作业收件箱');
    await context.close();
  });

  test('the roster import: a header it cannot read is named in Chinese with what it has; a file (UTF-8 or GBK, as Excel saves) fills the box', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    await page.getByRole('tab', { name: '名单与加入码' }).click();
    const box = page.getByTestId('hub-roster-csv');
    await box.fill('编号\t名字\n1\t张三\n');
    await page.getByRole('button', { name: '导入名单' }).click();
    await expect
      .poll(() => page.getByTestId('hub-roster').getByRole('alert').textContent())
      .toContain('名单的第一行（表头）要写明学号列和姓名列（学号、姓名，或 student_no、name），现在的第一行是：“编号”, “名字”。');
    await expect(page.getByTestId('hub-roster').getByRole('alert').textContent()).resolves.not.toMatch(/header row|it has/);
    const file = page.getByTestId('hub-roster-file');
    await file.setInputFiles({ name: '名单.txt', mimeType: 'text/plain', buffer: Buffer.from('\uFEFF学号\t姓名\r\n9\t王五\r\n') });
    // (A text box keeps line ends as \n; the BOM is dropped.)
    await expect.poll(() => box.inputValue()).toBe('学号\t姓名\n9\t王五\n');
    // 学号,姓名 / 9,王五 in GBK.
    const gbk = Buffer.from([0xd1, 0xa7, 0xba, 0xc5, 0x2c, 0xd0, 0xd5, 0xc3, 0xfb, 0x0a, 0x39, 0x2c, 0xcd, 0xf5, 0xce, 0xe5, 0x0a]);
    await file.setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: gbk });
    await expect.poll(() => box.inputValue()).toBe('学号,姓名\n9,王五\n');
    await context.close();
  });

  test('the roster: each entry’s join code state; a student added gets a code shown once (with a QR code) that joins; a reissue signs the old holder out', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    await page.getByRole('tab', { name: '名单与加入码' }).click();
    const rows = page.getByTestId('hub-roster-row');
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringMatching(/^1张三已使用1/), expect.stringMatching(/^2李四已发放，未使用0/)]);

    // Adding a student issues their code, shown this once with their QR code; it joins once.
    await page.getByLabel('学号', { exact: true }).last().fill('3');
    await page.getByLabel('姓名', { exact: true }).fill('王五');
    await page.getByRole('button', { name: '添加学生' }).click();
    const issued = page.getByTestId('hub-issued-code');
    await expect.poll(() => issued.count()).toBe(1);
    const code = (await issued.locator('code').textContent()) ?? '';
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(await issued.getByRole('img', { name: '王五 的二维码' }).getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(await page.getByRole('link', { name: '下载 CSV' }).getAttribute('href')).toContain(encodeURIComponent(code));
    const wang = await store.joinClass({ code: classCode, name: '王五', student_no: '3', join_code: code, device_name: 'laptop' });
    await page.getByRole('tab', { name: '概览' }).click();
    await page.getByRole('tab', { name: '名单与加入码' }).click();
    await expect.poll(() => rows.nth(2).textContent()).toMatch(/^3王五已使用1/);
    // The codes shown outlive a tab switch (the hub cannot show them again).
    expect(await issued.count()).toBe(1);

    // Reissued (after a confirmation naming the devices): the new code is shown, the old device is out.
    await rows.nth(2).getByRole('button', { name: '重发加入码' }).click();
    await rows.nth(2).getByRole('button', { name: '确认重发：旧加入码失效，这个学生的 1 台设备将被登出' }).click();
    await expect.poll(() => page.getByTestId('hub-roster').textContent()).toContain('已登出 1 台设备。');
    await expect.poll(() => issued.locator('code').textContent()).not.toBe(code);
    expect(await store.authenticate(wang.token)).toBe('revoked');
    await expect.poll(() => rows.nth(2).textContent()).toMatch(/^3王五已发放，未使用0/);
    // The reissued code replaced 王五's earlier one in the list (that one no longer works).
    expect(await issued.count()).toBe(1);
    const reissued = (await issued.locator('code').textContent()) ?? '';

    // A student with no device: the confirmation says no device is signed out (not "0 台设备").
    await rows.nth(1).getByRole('button', { name: '重发加入码' }).click();
    await expect(rows.nth(1).getByRole('button', { name: '确认重发：旧加入码失效（这个学生没有已登录的设备，不会登出任何设备）' }).count()).resolves.toBe(1);

    // Another student added: appended to the codes still shown, not in their place; kept across tabs.
    await page.getByLabel('学号', { exact: true }).last().fill('4');
    await page.getByLabel('姓名', { exact: true }).fill('赵六');
    await page.getByRole('button', { name: '添加学生' }).click();
    await expect.poll(() => issued.locator('td:first-child').allTextContents()).toEqual(['3', '4']);
    await page.getByRole('tab', { name: '搜索' }).click();
    await page.getByRole('tab', { name: '名单与加入码' }).click();
    await expect.poll(() => issued.locator('td:first-child').allTextContents()).toEqual(['3', '4']);
    const link = page.getByRole('link', { name: '下载 CSV' });
    const csv = decodeURIComponent((await link.getAttribute('href')) ?? '');
    // In the UI's language: Chinese column names and file name.
    expect(csv).toContain('\uFEFF学号,姓名,加入码,二维码内容\r\n');
    expect(await link.getAttribute('download')).toBe('初二（3）班-加入码.csv');
    expect(csv).toContain(`3,王五,${reissued}`);
    expect(csv).toContain('4,赵六,');

    // Leaving the page with codes not saved asks first (the dialog dismissed: the page stays).
    const asked = page.waitForEvent('dialog');
    await page.close({ runBeforeUnload: true });
    const dialog = await asked;
    expect(dialog.type()).toBe('beforeunload');
    await dialog.dismiss();
    expect(page.isClosed()).toBe(false);
    // Saved: the teacher dismisses them, and the page closes without asking.
    await page.getByRole('button', { name: '我已保存' }).click();
    await expect.poll(() => page.getByTestId('hub-issued-codes').count()).toBe(0);
    const closed = page.waitForEvent('close');
    await page.close({ runBeforeUnload: true });
    await closed;
    await context.close();
  });

  test('in English: the roster’s CSV example is English, and an entry locked by wrong codes says until when (it unlocks by itself)', async () => {
    const klass = (await store.listClasses((await store.authenticate(teacherToken)) as HubCaller))[0]!;
    const roster = await store.roster((await store.authenticate(teacherToken)) as HubCaller, klass.id);
    const li = roster.find((r) => r.student_no === '2')!;
    for (let i = 0; i < 10; i++)
      await store.joinClass({ code: classCode, name: 'x', student_no: '2', join_code: `WRNG-${String(i).padStart(4, 'A')}`, device_name: 'l' }).catch(() => undefined);
    const until = (await store.roster((await store.authenticate(teacherToken)) as HubCaller, klass.id)).find((r) => r.user_id === li.user_id)!.locked_until!;
    expect(until).toBeGreaterThan(Date.now());
    const context = await browser.newContext({ locale: 'en-US' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    await page.getByRole('tab', { name: 'Roster and join codes' }).click();
    expect(await page.getByTestId('hub-roster-csv').getAttribute('placeholder')).toBe('student_no,name\n2024001,Zhang San');
    const time = await page.evaluate((ms) => new Date(ms).toLocaleTimeString('en-US'), until);
    await expect
      .poll(() => page.getByTestId('hub-roster-row').filter({ hasText: '李四' }).textContent())
      .toContain(`locked until ${time} (too many wrong tries; unlocks by itself)`);
    await context.close();
  });

  test('a new teacher with no class: makes one (its code and QR code shown), sets an assignment with AI rules, edits it — no curl', async () => {
    const fresh = await hubTeacher(store, '周老师');
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), fresh.token);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    // No API route named to a teacher any more: a form to make the class.
    await expect.poll(() => page.getByTestId('hub-dashboard').textContent()).toContain('还没有班级。先新建一个班级');
    await expect(page.getByTestId('hub-dashboard').textContent()).resolves.not.toContain('/api/v1/hub');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-dashboard-no-class.png') });
    await page.getByLabel('班级名称').fill('初一（2）班 数学');
    await page.getByRole('button', { name: '创建班级' }).click();
    await expect.poll(() => page.getByTestId('hub-class-created').textContent()).toContain('已创建班级“初一（2）班 数学”');
    const made = (await store.listClasses(fresh.caller))[0]!;
    expect(made.name).toBe('初一（2）班 数学');
    await expect.poll(() => page.getByTestId('hub-class-code').textContent()).toBe(`班级码：${made.code}（学生用它加入班级）`);
    // The class code's QR code (read with the token: the route needs it).
    await expect.poll(() => page.getByRole('img', { name: `班级码 ${made.code} 的二维码` }).getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    // A class with nobody in it yet says so, and how students get in (tryout 10: an empty table).
    await expect.poll(() => page.getByTestId('hub-overview-empty').textContent()).toContain('班里还没有学生');

    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-dashboard-class-created.png') });
    // Set an assignment: title, description, due date and the AI rules in words.
    await page.getByRole('button', { name: '布置作业' }).first().click();
    const form = page.getByTestId('hub-assignment-form');
    // The note about the class just made is gone with the next action (it said what was just done).
    await expect.poll(() => form.count()).toBe(1);
    expect(await page.getByTestId('hub-class-created').count()).toBe(0);
    // The allowance's scale: the hub has too few answers of its own, so the usual range.
    await expect
      .poll(() => form.getByTestId('hub-tokens-scale').textContent())
      .toBe('参考：一次问答通常要 300–2000 个 token（题目、之前的对话和 AI 的回答都算在内；对话越长越多）。额度太小，学生可能问一两次就用完了。');
    await form.getByLabel('标题', { exact: true }).fill('第四章 应用题');
    await form.getByLabel('说明（学生能看到）').fill('做第 3、5、7 题。');
    await form.getByLabel('截止时间（可不填）').fill('2026-12-06T18:00');
    await expect(form.getByLabel('学生在这份作业上和 AI 的对话分享给老师', { exact: false }).isChecked()).resolves.toBe(true);
    await form.getByRole('group', { name: '学生可用的 AI 模式' }).getByLabel('深度思考').uncheck();
    await form.getByLabel('AI 最多给到第几级提示').selectOption({ label: '第 3 级：下一步' });
    await form.getByLabel('每个学生在这份作业上最多可用的 token 数').fill('0');
    await expect.poll(() => form.textContent()).toContain('token 数必须是大于 0 的整数');
    await expect(form.getByRole('button', { name: '布置', exact: true }).isDisabled()).resolves.toBe(true);
    await form.getByLabel('每个学生在这份作业上最多可用的 token 数').fill('20000');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-dashboard-new-assignment.png'), fullPage: true });
    await form.getByRole('button', { name: '布置', exact: true }).click();
    await expect.poll(() => page.getByTestId('hub-assignment-saved').textContent()).toBe('已保存“第四章 应用题”。学生的 Studylog 下次同步时会收到。');
    // In the class's inbox, and on the hub with its policy as the desktop reads it.
    const row = page.getByTestId('hub-inbox-row');
    await expect.poll(() => row.allTextContents()).toEqual([expect.stringContaining('第四章 应用题')]);
    await expect(row.textContent()).resolves.toContain('查看提交（0）');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-dashboard-inbox.png'), fullPage: true });
    const [assignment] = await store.listAssignments(fresh.caller, made.id);
    expect(assignment).toMatchObject({
      title: '第四章 应用题',
      description: '做第 3、5、7 题。',
      due_at: new Date(2026, 11, 6, 18, 0).getTime(),
      policy: { share_sessions: true, allowed_modes: ['chat', 'homework'], hint_ceiling: 3, allowance: { tokens: 20000 } },
    });

    // Edited: the form starts from what was set; the same assignment is updated (an upsert by id).
    await row.getByRole('button', { name: '编辑' }).click();
    await expect(form.getByLabel('标题', { exact: true }).inputValue()).resolves.toBe('第四章 应用题');
    await expect(form.getByLabel('AI 最多给到第几级提示').inputValue()).resolves.toBe('3');
    await expect(form.getByLabel('每个学生在这份作业上最多可用的 token 数').inputValue()).resolves.toBe('20000');
    await form.getByLabel('标题', { exact: true }).fill('第四章 应用题（改）');
    await form.getByLabel('每个学生在这份作业上最多可用的 token 数').fill('');
    // "Set an assignment" (or another tab) now would drop the edits: it asks first; declined, the edits stay.
    for (const leave of [page.getByRole('button', { name: '布置作业' }).first(), page.getByRole('tab', { name: '概览' })]) {
      const asked = page.waitForEvent('dialog');
      const clicked = leave.click();
      const dialog = await asked;
      expect([dialog.type(), dialog.message()]).toEqual(['confirm', '正在编辑的作业还没有保存，修改会丢失。仍要继续吗？']);
      await dialog.dismiss();
      await clicked;
      await expect(form.getByLabel('标题', { exact: true }).inputValue()).resolves.toBe('第四章 应用题（改）');
      await expect(form.getByRole('heading').textContent()).resolves.toBe('编辑作业：第四章 应用题');
    }
    await form.getByRole('button', { name: '保存修改' }).click();
    await expect.poll(() => row.allTextContents()).toEqual([expect.stringContaining('第四章 应用题（改）')]);
    const after = await store.listAssignments(fresh.caller, made.id);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: assignment!.id, title: '第四章 应用题（改）', policy: { share_sessions: true, allowed_modes: ['chat', 'homework'], hint_ceiling: 3 } });
    expect(after[0]!.policy).not.toHaveProperty('allowance');
    // Saved: nothing to lose, so nothing is asked (a dialog would be dismissed and the form not open).
    await page.getByRole('button', { name: '布置作业' }).first().click();
    await expect.poll(() => form.getByRole('heading').textContent()).toBe('布置作业');
    await form.getByRole('button', { name: '取消' }).click();
    // Another teacher's class's assignments are not this teacher's to read.
    const theirs = (await store.listClasses((await store.authenticate(teacherToken)) as HubCaller))[0]!;
    const refused = await fetch(`${hub.url}/api/v1/hub/classes/${theirs.id}/assignments`, { headers: { Authorization: `Bearer ${fresh.token}` } });
    expect(refused.status).toBe(403);

    // A second class from the header: the picker switches to it.
    await page.getByRole('button', { name: '新建班级' }).click();
    await page.getByLabel('班级名称').fill('初一（5）班');
    await page.getByRole('button', { name: '创建班级' }).click();
    await expect.poll(() => page.getByRole('combobox', { name: '班级', exact: true }).locator('option:checked').textContent()).toBe('初一（5）班');
    await expect.poll(() => store.listClasses(fresh.caller).then((c) => c.length)).toBe(2);
    await context.close();
  });

  test('the sign-in page shows the token command as code, without backticks, in both languages', async () => {
    for (const [locale, command] of [
      ['zh-CN', 'studylog hub token create --name 王老师 --role teacher'],
      ['en-US', 'studylog hub token create --name "Ms Wang" --role teacher'],
    ] as const) {
      const context = await browser.newContext({ locale });
      const page = await context.newPage();
      await page.goto(`${hub.url}/#/hub`);
      const hint = page.getByTestId('hub-signin-hint');
      await expect.poll(() => hint.locator('code').textContent()).toBe(command);
      await expect(hint.textContent()).resolves.not.toContain('`');
      await page.screenshot({ path: path.join(SCREENSHOTS, `hub-dashboard-signin-${locale}.png`) });
      await context.close();
    }
  });

  test('without a token it asks for one; a wrong one is named', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    await page.getByLabel('Hub token').fill('slh_not-a-real-token');
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The hub token is not valid.');
    await context.close();
  });

  test('an assignment whose stored policy the hub now refuses: a field no Studylog knows is named and dropped on saving; a wrong kind is named in Chinese; so is an id no laptop can store', async () => {
    // Stored before the hub checked policies (a script's typo; a number for the context): the form keeps fields it does not show.
    await store.upsertAssignment(teacherCaller, {
      id: 'hw_typo',
      class_id: classId,
      title: '旧作业',
      description: null,
      due_at: null,
      policy: { hint_celing: 2, context: '一次函数' },
    });
    await store.upsertAssignment(teacherCaller, { id: 'hw_kind', class_id: classId, title: '旧作业二', description: null, due_at: null, policy: { context: 42 } });
    // An id with a space, stored before the hub checked ids (the store takes it; the route no longer would).
    await store.upsertAssignment(teacherCaller, { id: '期中 复习', class_id: classId, title: '期中复习（旧编号）', description: null, due_at: null, policy: {} });
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    await page.getByRole('combobox', { name: '班级', exact: true }).selectOption({ label: '初二（3）班' });
    await page.getByRole('tab', { name: '作业收件箱' }).click();
    const form = page.getByTestId('hub-assignment-form');
    // The unknown field: named when the form opens, left out of what is saved (the rest kept).
    await page.getByTestId('hub-inbox-row').filter({ hasText: '旧作业' }).filter({ hasNotText: '旧作业二' }).getByRole('button', { name: '编辑' }).click();
    await expect
      .poll(() => form.getByTestId('hub-policy-dropped').textContent())
      .toBe('这份作业的 AI 使用规则里有 Studylog 不认识的字段（hint_celing，由脚本或旧版本写入）：保存时会删除它们，其他规则保持不变。');
    await form.getByRole('button', { name: '保存修改' }).click();
    await expect.poll(async () => (await store.listAssignments(teacherCaller, classId)).find((a) => a.id === 'hw_typo')?.policy).toEqual({ context: '一次函数' });
    // A value of the wrong kind: refused, and said as what it should be, full-width, one line.
    await page.getByTestId('hub-inbox-row').filter({ hasText: '旧作业二' }).getByRole('button', { name: '编辑' }).click();
    await expect(form.getByTestId('hub-policy-dropped').count()).resolves.toBe(0);
    await form.getByRole('button', { name: '保存修改' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('有输入不符合要求。中心没有接受这份作业：给 AI 的背景说明：应为文字。');
    // The id no laptop can store: named in Chinese, with what to do (the form cannot change an id).
    await page.getByTestId('hub-inbox-row').filter({ hasText: '期中复习（旧编号）' }).getByRole('button', { name: '编辑' }).click();
    await form.getByRole('button', { name: '保存修改' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent())
      .toBe(
        '有输入不符合要求。中心没有接受这份作业：作业编号：只能用文字、数字和 _ - . : @ + ~，不能有空格或斜杠，也不能只由点组成。' +
          '这个编号是脚本或旧版本的中心写入的，学生的 Studylog 存不下它，所以收不到这份作业；编号改不了，请另外布置一份新作业代替它。',
      );
    await context.close();
  });

  test('printing join codes prints only the codes: each class on its own page with the hub’s address and what to do, a slip per student', async () => {
    const second = await store.createClass(teacherCaller, '初二（4）班');
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    const picker = page.getByRole('combobox', { name: '班级', exact: true });
    const add = async (klass: string, no: string, name: string) => {
      await picker.selectOption({ label: klass });
      await page.getByRole('tab', { name: '名单与加入码' }).click();
      await page.getByLabel('学号', { exact: true }).last().fill(no);
      await page.getByLabel('姓名', { exact: true }).fill(name);
      await page.getByRole('button', { name: '添加学生' }).click();
      await expect.poll(() => page.getByTestId('hub-issued-code').filter({ hasText: name }).count()).toBe(1);
      return (await page.getByTestId('hub-issued-code').filter({ hasText: name }).locator('code').textContent()) ?? '';
    };
    const chen = await add('初二（4）班', '1', '陈一');
    const lin = await add('初二（4）班', '2', '林二');
    const sun = await add('初二（3）班', '9', '孙九');
    // The page is open at 127.0.0.1 (no laptop reaches that): the address offered is the one the hub is known by.
    const address = `http://hub.school.test:${hub.address.port}`;
    await expect.poll(() => page.getByTestId('hub-print-url').inputValue()).toBe(address);
    await expect(page.getByTestId('hub-print-url-warning').count()).resolves.toBe(0);
    // On screen the printed list is not shown.
    await expect(page.getByTestId('hub-print').isVisible()).resolves.toBe(false);

    await page.emulateMedia({ media: 'print' });
    await expect(page.getByTestId('hub-print').isVisible()).resolves.toBe(true);
    // Nothing of the dashboard itself: no header, tabs, forms, buttons or QR images.
    for (const hidden of [page.getByRole('heading', { name: '班级中心' }), page.getByRole('tablist'), page.getByTestId('hub-roster'), page.getByTestId('hub-class-code')])
      await expect(hidden.isVisible()).resolves.toBe(false);
    await expect(page.getByRole('button').filter({ visible: true }).count()).resolves.toBe(0);
    await expect(page.getByRole('img').filter({ visible: true }).count()).resolves.toBe(0);
    const classes = page.getByTestId('hub-print-class');
    await expect(classes.locator('h1').allTextContents()).resolves.toEqual(['初二（4）班', '初二（3）班']);
    await expect(classes.nth(0).getByTestId('hub-print-class-code').textContent()).resolves.toBe(`班级码：${second.code}（学生用它加入班级）`);
    // Each page says where to join and what to do, in the teacher's language.
    await expect(classes.getByTestId('hub-print-address').allTextContents()).resolves.toEqual([`班级中心地址：${address}`, `班级中心地址：${address}`]);
    await expect(classes.nth(1).getByTestId('hub-print-howto').textContent()).resolves.toBe('在 Studylog 的 设置 → 班级中心 中填写：班级中心地址、班级码、学号和加入码。');
    // A slip per student, to cut out: enough on it alone to join.
    const slips = async (i: number) =>
      Promise.all(
        (await classes.nth(i).getByTestId('hub-print-slip').all()).map(async (slip) =>
          Promise.all(['hub-slip-no', 'hub-slip-name', 'hub-slip-code', 'hub-slip-address', 'hub-slip-class-code'].map((id) => slip.getByTestId(id).textContent())),
        ),
      );
    await expect(slips(0)).resolves.toEqual([
      ['学号：1', '姓名：陈一', chen, `班级中心地址：${address}`, `班级码：${second.code}`],
      ['学号：2', '姓名：林二', lin, `班级中心地址：${address}`, `班级码：${second.code}`],
    ]);
    await expect(slips(1)).resolves.toEqual([['学号：9', '姓名：孙九', sun, `班级中心地址：${address}`, `班级码：${classCode}`]]);
    await expect(
      classes
        .getByTestId('hub-print-slip')
        .first()
        .evaluate((el) => getComputedStyle(el).borderTopStyle),
    ).resolves.toBe('dashed');
    // Legible: the codes in print large enough to read out.
    const size = await classes
      .locator('.hub-print-code')
      .first()
      .evaluate((el) => getComputedStyle(el).fontSize);
    expect(parseFloat(size)).toBeGreaterThanOrEqual(20);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-dashboard-print-codes.png'), fullPage: true });
    // As printed (Chromium's PDF): one page a class.
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page\b(?!s)/g)).toHaveLength(2);

    // An address that means "this computer": the card says to give the LAN address, the sheet leaves a line for it.
    await page.emulateMedia({ media: 'screen' });
    await page.getByTestId('hub-print-url').fill(hub.url);
    await expect
      .poll(() => page.getByTestId('hub-print-url-warning').textContent())
      .toBe(
        `${hub.url} 只在这台电脑上有效，学生的电脑连不上：请填写学生能访问的地址。用 studylog hub serve --lan 启动时，它是这台电脑的局域网地址（例如 http://192.168.1.20:5124）；学校服务器的名称要用 --allowed-host 给出。`,
      );
    await expect(classes.nth(0).getByTestId('hub-print-address').textContent()).resolves.toBe('班级中心地址：＿＿＿＿＿＿＿＿＿＿＿＿＿＿（请向老师询问）');
    await context.close();
  });

  test('the hub’s addresses are for teachers: a student’s token is refused', async () => {
    const asStudent = await fetch(`${hub.url}/api/v1/hub/addresses`, { headers: { Authorization: `Bearer ${studentToken}` } });
    expect(asStudent.status).toBe(403);
    const asTeacher = await fetch(`${hub.url}/api/v1/hub/addresses`, { headers: { Authorization: `Bearer ${teacherToken}` } });
    await expect(asTeacher.json()).resolves.toEqual({ urls: [`http://hub.school.test:${hub.address.port}`] });
  });
});
