// The class hub's acceptance test (issue 14, "Done when"): one hub on a real PostgreSQL, started
// as `studylog hub --database-url …` (a real child process), a teacher in Chromium and three
// student apps, each a real core and HTTP server on its own data directory, all three keeping
// their hub device tokens in one real Secret Service (gnome-keyring over a private D-Bus).
//
// The story: the teacher (token from `studylog hub token create`) makes the class and its
// assignment (sessions shared with the teacher) in the dashboard, imports a roster of
// three from CSV there and reads their one-time join codes; 张三 joins from
// Settings → Class hub in Chromium, 李四 and 王五 through the desktop API. The assignment (policy
// share_sessions) comes down to each app; each student works a homework session against the
// OpenAI-compatible test server; the hub process stops while 张三 keeps working (answered locally,
// waiting in the outbox, the error shown in words), comes back on the same database and port, and
// each session's turns are on the hub exactly once, under the right student. 李四 hands in (a
// signed bundle through the outbox); the teacher sees three students in the overview, the hand-in
// verified in the inbox, grades it with feedback; the grade comes down to 李四's app. Every wait
// is for a background sync round (the core's onRound) or a poll of the page, never a sleep.
// Screenshots (zh-CN) go to test-results/screenshots/hub-class-*.png.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KeytarSecretStore } from '../../src/main/core/secrets/keychain.ts';
import { HUB_TOKEN_ACCOUNT, LINK_KEY } from '../../src/main/core/sync/link.ts';
import type { HubLinkStatus } from '../../src/shared/api/hub.ts';
import { ensureAppBuilt, launchBrowser } from '../support/browser.ts';
import { CLI } from '../support/cli.ts';
import { runCliAsync, startApi, type ApiFixture } from '../support/http.ts';
import { createDatabase, startPostgres, type PgServer } from '../support/postgres.ts';
import { requirePackage } from '../support/requirements.ts';
import { startSecretService } from '../support/secret-service.ts';
import { onCleanup, tempDir } from '../support/temp.ts';
import { SCREENSHOTS } from './harness.ts';

// Runs in the page (addInitScript); the tests compile without the DOM library.
declare const localStorage: { setItem(key: string, value: string): void };

const needs = requirePackage(['postgresql', 'chromium', 'libsecret-1-0', 'dbus', 'gnome-keyring', 'libglib2.0-bin']);
const RENDERER = path.resolve(import.meta.dirname, '../../out/renderer');
/** The background sync's interval in the three apps (the app's is a minute): a few requests a second, under the hub's per-device limit. */
const ROUND_MS = 250;

interface Hub {
  url: string;
  port: number;
  adminToken: string | null;
  stop(): Promise<void>;
}

/** `studylog hub serve --database-url …` as a child process; resolves once its banner is printed. */
async function startHub(databaseUrl: string, port = 0): Promise<Hub> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'hub', 'serve', '--database-url', databaseUrl, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' },
  });
  onCleanup(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    lines.push(line);
    if (/^Teacher dashboard/.test(line)) break;
  }
  const url = /serving (\S+)/.exec(lines[0] ?? '')?.[1];
  if (!url) throw new Error(`studylog hub did not start:\n${lines.join('\n')}`);
  return {
    url,
    port: Number(new URL(url).port),
    adminToken: /^Admin token .*: (slh_\S+)$/m.exec(lines.join('\n'))?.[1] ?? null,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The end of the first background round of `app` after which `done` holds. */
function roundUntil(app: ApiFixture, done: (status: HubLinkStatus) => boolean | Promise<boolean>): Promise<HubLinkStatus> {
  return new Promise((resolve, reject) => {
    const stop = app.core.hub.onRound((status) => {
      void (async () => {
        if (await done(status)) {
          stop();
          resolve(status);
        }
      })().catch(reject);
    });
  });
}

describe.skipIf(needs.skip)(`the class hub, whole: three student apps and a teacher's browser on one PostgreSQL hub${needs.note}`, () => {
  let server: PgServer;
  let browser: Browser;
  beforeAll(async () => {
    [server] = await Promise.all([startPostgres(), ensureAppBuilt()]);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  test('roster and join codes, three apps joined, shared homework with the hub offline and back, a hand-in graded and returned', { timeout: 120_000 }, async () => {
    // One keyring for the three apps (one OS user with three data directories): each must keep its own hub token.
    const keyring = await startSecretService();
    const busBefore = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = keyring.env.DBUS_SESSION_BUS_ADDRESS;
    onCleanup(() => {
      if (busBefore === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = busBefore;
    });

    const databaseUrl = await createDatabase(server);
    const db = new pg.Client({ connectionString: databaseUrl });
    let hub = await startHub(databaseUrl);
    expect(hub.adminToken).toMatch(/^slh_/);
    await db.connect();
    onCleanup(() => void db.end());

    const teacherToken = await runCliAsync(['hub', 'token', 'create', '--name', '王老师', '--role', 'teacher', '--database-url', databaseUrl]);
    expect(teacherToken.code).toBe(0);
    const teacher = teacherToken.stdout.trim();

    // The teacher's browser: the roster imported from CSV, the join codes read off the screen.
    const contexts: BrowserContext[] = [];
    onCleanup(() => void Promise.allSettled(contexts.map((c) => c.close())));
    const newPage = async (token: { key: string; value: string }): Promise<Page> => {
      const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1100, height: 760 } });
      contexts.push(context);
      await context.addInitScript(({ key, value }) => localStorage.setItem(key, value), token);
      return context.newPage();
    };
    /** A screenshot of the page; with `focus`, of the viewport scrolled to it (the app's screens scroll inside, not the page). */
    const shot = async (page: Page, name: string, focus?: Locator) => {
      await focus?.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SCREENSHOTS, `hub-class-${name}.png`), fullPage: !focus });
    };
    const desk = await newPage({ key: 'studylog.hub.token', value: teacher });
    await desk.goto(`${hub.url}/#/hub`);
    // The class and its assignment, made in the dashboard (no curl).
    await desk.getByLabel('班级名称').fill('初二（3）班');
    await desk.getByRole('button', { name: '创建班级' }).click();
    await expect.poll(() => desk.getByTestId('hub-class-code').textContent()).toMatch(/^班级码：[A-Z2-9]{8}（/);
    const klass = (await db.query<{ id: string; code: string }>('SELECT id, code FROM hub_class')).rows[0]!;
    expect(await desk.getByTestId('hub-class-code').textContent()).toContain(`班级码：${klass.code}`);
    await shot(desk, 'teacher-class-created');
    await desk.getByRole('button', { name: '布置作业' }).first().click();
    const form = desk.getByTestId('hub-assignment-form');
    await form.getByLabel('标题', { exact: true }).fill('一次函数');
    await form.getByLabel('说明（学生能看到）').fill('求直线的斜率和截距。');
    // Sessions on it are shared with the teacher (the form's default for a new assignment).
    expect(await form.getByRole('checkbox', { name: '学生在这份作业上和 AI 的对话分享给老师', exact: false }).isChecked()).toBe(true);
    await form.getByRole('button', { name: '布置', exact: true }).click();
    await expect.poll(() => desk.getByTestId('hub-inbox-row').allTextContents()).toEqual([expect.stringContaining('一次函数')]);
    const ASSIGNMENT = (await db.query<{ id: string }>('SELECT id FROM hub_assignment')).rows[0]!.id;
    // Its editor starts from what was set, read back from PostgreSQL (GET /classes/:id/assignments).
    await desk.getByTestId('hub-inbox-row').getByRole('button', { name: '编辑' }).click();
    await expect.poll(() => form.getByLabel('说明（学生能看到）').inputValue()).toBe('求直线的斜率和截距。');
    expect(await form.getByRole('checkbox', { name: '学生在这份作业上和 AI 的对话分享给老师', exact: false }).isChecked()).toBe(true);
    await form.getByRole('button', { name: '取消' }).click();
    await desk.getByRole('tab', { name: '名单与加入码' }).click();
    await desk.getByTestId('hub-roster-csv').fill('学号,姓名\n2024001,张三\n2024002,李四\n2024003,王五\n');
    await desk.getByRole('button', { name: '导入名单' }).click();
    const issued = desk.getByTestId('hub-issued-code');
    await expect.poll(() => issued.count()).toBe(3);
    expect(await desk.getByTestId('hub-roster').textContent()).toContain('新增 3 人，改名 0 人，共 3 行。');
    const codes = new Map<string, string>();
    for (const row of await issued.all()) {
      const [no, name, code] = await row.locator('td').allTextContents();
      expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
      codes.set(name!, code!);
      expect(no).toMatch(/^202400[123]$/);
    }
    expect([...codes.keys()].sort()).toEqual(['张三', '李四', '王五'].sort());
    await shot(desk, 'teacher-roster');

    // Three student apps, each its own data directory, background sync on, the keychain the shared keyring.
    const students = [
      { name: '张三', no: '2024001' },
      { name: '李四', no: '2024002' },
      { name: '王五', no: '2024003' },
    ];
    /** A student's Studylog on its data directory (again on the same one: the app closed and opened). */
    const openApp = async (dataDir: string) => {
      const app = await startApi({ dataDir, core: { secrets: new KeytarSecretStore(), hubSync: ROUND_MS, defaultLanguage: 'zh-CN' }, server: { staticDir: RENDERER } });
      onCleanup(() => void app.close());
      app.core.settings.update({ language: 'zh-CN' });
      return app;
    };
    const apps: ApiFixture[] = [];
    for (let i = 0; i < students.length; i++) apps.push(await openApp(tempDir('studylog-student-')));
    const [, li, wang] = apps as [ApiFixture, ApiFixture, ApiFixture];
    // 张三's Studylog is closed and opened again below.
    let zhang = apps[0]!;

    // 张三 joins from Settings → Class hub, in Chinese.
    const settings = await newPage({ key: 'studylog.token', value: zhang.adminToken });
    await settings.goto(`${zhang.url}/#/settings`);
    const section = settings.getByTestId('hub-link');
    await section.getByLabel('班级中心地址').fill(hub.url);
    await section.getByLabel('班级码').fill(klass.code);
    await section.getByLabel('学号').fill('2024001');
    // Without a join code the name is needed (the class code alone joins off the roster) ...
    await expect(section.getByRole('button', { name: '加入班级' }).isDisabled()).resolves.toBe(true);
    await section.getByLabel('你的加入码').fill(codes.get('张三')!);
    // ... with one it may stay empty: the roster's name is the one kept.
    await expect(section.getByLabel('你的姓名').getAttribute('placeholder')).resolves.toBe('有加入码时可以不填');
    await expect(section.getByRole('button', { name: '加入班级' }).isDisabled()).resolves.toBe(false);
    await shot(settings, 'student-settings-join', section);
    await section.getByRole('button', { name: '加入班级' }).click();
    await expect.poll(() => section.getByTestId('hub-link-class').textContent()).toBe(`已加入：初二（3）班（${hub.url}）`);
    // The name the teacher sees, labelled as the roster's.
    await expect(section.locator('dt').first().textContent()).resolves.toBe('老师看到的姓名（班级名单）');
    await expect(section.getByTestId('hub-link-name').textContent()).resolves.toBe('张三');
    await expect.poll(() => section.getByTestId('hub-link-error').textContent()).toBe('无');
    await shot(settings, 'student-settings-joined', section);
    // 李四 and 王五 through the desktop API (what the same form calls).
    for (const [app, student] of [
      [li, students[1]!],
      [wang, students[2]!],
    ] as const) {
      // A nickname typed: the roster's name wins.
      const joined = await app.api('POST', '/hub/join', {
        body: { hub_url: hub.url, code: klass.code, name: `小${student.name.slice(0, 1)}`, student_no: student.no, join_code: codes.get(student.name) },
      });
      expect(joined.status, joined.text).toBe(200);
      expect(joined.json).toMatchObject({ joined: true, class_name: '初二（3）班', student_name: student.name, name_from_roster: true, last_error: null });
    }
    // Each app's token is its own entry in the one keyring (one account for all let the last join overwrite the others').
    const tokens = await Promise.all(
      apps.map(async (app) => {
        const link = JSON.parse(app.core.store.sqlite.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(LINK_KEY) as string) as { token_account: string };
        expect(link.token_account.startsWith(`${HUB_TOKEN_ACCOUNT}:`)).toBe(true);
        return keyring.read(link.token_account);
      }),
    );
    expect(new Set(tokens).size).toBe(3);
    for (const token of tokens) expect(token).toMatch(/^slh_/);
    await desk.reload();
    await desk.getByRole('tab', { name: '名单与加入码' }).click();
    await expect
      .poll(() => desk.getByTestId('hub-roster-row').allTextContents())
      .toEqual([expect.stringMatching(/^2024001张三已使用1/), expect.stringMatching(/^2024002李四已使用1/), expect.stringMatching(/^2024003王五已使用1/)]);

    // The assignment and its policy came down to every app.
    for (const app of apps) {
      if (!app.core.assignments.get(ASSIGNMENT)) await roundUntil(app, () => app.core.assignments.get(ASSIGNMENT) !== null);
      const got = await app.api('GET', `/assignments/${ASSIGNMENT}`);
      expect(got.json, got.text).toMatchObject({ title: '一次函数', policy: { share_sessions: true }, meta: { hub_class_id: klass.id } });
    }

    // Each student works a homework session on it (the model: the OpenAI-compatible test server).
    const ask = async (app: ApiFixture, message: string, sessionId?: string) => {
      const reply = await app.api('POST', '/proxy', { body: { message, mode: 'homework', assignment_id: ASSIGNMENT, ...(sessionId ? { meta: { session_id: sessionId } } : {}) } });
      expect(reply.status, reply.text).toBe(200);
      const answer = reply.json as { session_id: string; content: string; meta: { status: string } };
      expect(answer.meta.status).toBe('complete');
      expect(answer.content.length).toBeGreaterThan(0);
      return answer.session_id;
    };
    const sessions = new Map<ApiFixture, string>();
    for (const [i, app] of apps.entries()) {
      const sid = await ask(app, `第${i + 1}题：y = 2x + 1 的斜率是多少？`);
      await ask(app, '截距呢？', sid);
      sessions.set(app, sid);
    }
    const localTurns = (app: ApiFixture) =>
      (app.core.store.sqlite.prepare('SELECT id FROM turn WHERE session_id = ? ORDER BY id').pluck().all(sessions.get(app)) as string[]).sort();
    /** The session's turns on the hub, and whose they are there. */
    const hubTurns = async (app: ApiFixture) => {
      const rows = await db.query<{ id: string; name: string }>('SELECT t.id, u.name FROM hub_turn t JOIN hub_user u ON u.id = t.user_id WHERE t.session_id = $1 ORDER BY t.id', [
        sessions.get(app),
      ]);
      return rows.rows;
    };
    /** Every local turn of the app's session is on the hub once, under `name`. */
    const expectArrived = async (app: ApiFixture, name: string) => {
      expect(await hubTurns(app)).toEqual(localTurns(app).map((id) => ({ id, name })));
    };
    // (A round that began before the last answer was written can end with nothing pending: wait for the count, then compare exactly.)
    await Promise.all(apps.map((app) => roundUntil(app, async (s) => s.pending === 0 && s.last_error === null && (await hubTurns(app)).length >= localTurns(app).length)));
    for (const [i, app] of apps.entries()) {
      expect(localTurns(app)).toHaveLength(4);
      await expectArrived(app, students[i]!.name);
    }

    // The hub goes away (the process stops); 张三 keeps working: answered locally, nothing lost.
    const port = hub.port;
    await hub.stop();
    await roundUntil(zhang, (s) => s.last_error?.code === 'hub_unreachable');
    const sid = sessions.get(zhang)!;
    await ask(zhang, '那么 y = -x + 3 呢？', sid);
    await ask(zhang, '我算出斜率是 -1，对吗？', sid);
    expect(localTurns(zhang)).toHaveLength(8);
    const offline = await roundUntil(zhang, (s) => s.pending === 4);
    expect(offline).toMatchObject({ pending: 4, last_error: { code: 'hub_unreachable' } });

    // 张三 closes Studylog and opens it again while the hub is still down: the outbox survives, and
    // the new process reads its device token from the keychain (a token shared by all three data
    // directories would now be the last joiner's, and 张三's work would go under 王五's name).
    const zhangDir = zhang.dataDir;
    const before = zhang;
    await before.close();
    zhang = await openApp(zhangDir);
    apps[0] = zhang;
    sessions.set(zhang, sid);
    expect(localTurns(zhang)).toHaveLength(8);
    expect(await roundUntil(zhang, (s) => s.last_error?.code === 'hub_unreachable')).toMatchObject({ joined: true, pending: 4 });
    const reopened = await newPage({ key: 'studylog.token', value: zhang.adminToken });
    await reopened.goto(`${zhang.url}/#/settings`);
    const state = reopened.getByTestId('hub-link');
    await expect.poll(() => state.getByTestId('hub-link-pending').textContent()).toBe('4 项');
    await expect.poll(() => state.getByTestId('hub-link-error').textContent()).toContain('无法连接班级中心。');
    await shot(reopened, 'student-settings-offline', state);

    // Back on the same database and port: the background rounds send what waited, each turn once.
    hub = await startHub(databaseUrl, port);
    expect(hub.adminToken).toBeNull();
    const back = await roundUntil(zhang, (s) => s.last_error?.code !== 'hub_unreachable');
    expect(back).toMatchObject({ pending: 0, last_error: null });
    await expectArrived(zhang, '张三');
    const counts = await db.query<{ session_id: string; n: string; distinct_ids: string }>(
      'SELECT session_id, count(*) AS n, count(DISTINCT id) AS distinct_ids FROM hub_turn GROUP BY session_id ORDER BY session_id',
    );
    expect(counts.rows.map((r) => [r.session_id, Number(r.n), Number(r.distinct_ids)])).toEqual(
      apps.map((app) => [sessions.get(app)!, localTurns(app).length, localTurns(app).length] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    );
    await reopened.reload();
    await expect.poll(() => state.getByTestId('hub-link-pending').textContent()).toBe('无');
    await expect.poll(() => state.getByTestId('hub-link-error').textContent()).toBe('无');

    // 李四 hands in: a signed bundle, sent through the outbox.
    const draft = (await li.api('POST', `/assignments/${ASSIGNMENT}/submissions`, { body: {} })).json as { id: string };
    expect((await li.api('PATCH', `/submissions/${draft.id}`, { body: { answer: '斜率 2，截距 1。' } })).status).toBe(200);
    const submitted = await li.api('POST', `/submissions/${draft.id}/submit`, { body: {} });
    expect(submitted.json, submitted.text).toMatchObject({ status: 'submitted' });
    await roundUntil(li, async (s) => s.pending === 0 && s.last_error === null && (await db.query('SELECT 1 FROM hub_handin')).rowCount === 1);

    // The teacher's browser: three students in the overview, the hand-in verified in the inbox, graded.
    // (Reloaded, the dashboard stays on the tab it showed, the roster: the overview is its own tab.)
    await desk.reload();
    await desk.getByRole('tab', { name: '概览' }).click();
    const overview = desk.getByTestId('hub-overview');
    await expect.poll(() => overview.locator('tbody tr').count()).toBe(3);
    for (const [i, app] of apps.entries()) {
      const row = overview.locator('tbody tr', { hasText: students[i]!.name });
      await expect.poll(() => row.locator('td').nth(1).textContent()).toBe(students[i]!.no);
      await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('1');
      await expect.poll(() => row.locator('td').nth(3).textContent()).toBe(String(localTurns(app).length));
    }
    await shot(desk, 'teacher-overview');
    await desk.getByRole('tab', { name: '作业收件箱' }).click();
    await desk.getByRole('button', { name: '查看提交（1）' }).click();
    await expect.poll(() => desk.getByTestId(`hub-handin-counts-${ASSIGNMENT}`).textContent()).toBe('已交 1 份，已批改 0 份');
    const handin = desk.getByTestId('hub-handin');
    await expect.poll(() => handin.textContent()).toContain('李四');
    await handin.getByRole('button', { name: '查看并批改' }).click();
    const detail = desk.getByTestId('hub-handin-detail');
    await expect.poll(() => detail.textContent()).toContain('已验证：对话记录和签名完整');
    await expect.poll(() => detail.textContent()).toContain('斜率 2，截距 1。');
    await detail.getByLabel('分数').fill('92');
    await detail.getByLabel('评语').fill('斜率和截距都对，写出过程更好。');
    await shot(desk, 'teacher-grading');
    await detail.getByRole('button', { name: '按此成绩发回' }).click();
    await expect.poll(() => desk.getByTestId(`hub-handin-counts-${ASSIGNMENT}`).textContent()).toBe('已交 1 份，已批改 1 份');
    await expect.poll(() => handin.textContent()).toContain('得分 92');
    await shot(desk, 'teacher-graded');

    // The grade comes down to 李四's app: the hand-in shows as returned, with the score and feedback.
    const mine = async () =>
      ((await li.api('GET', '/submissions')).json as { id: string; status: string; score: number | null; feedback: string | null }[]).find((s) => s.id === draft.id);
    await roundUntil(li, async () => (await mine())?.status === 'returned');
    expect(await mine()).toMatchObject({ status: 'returned', score: 92, feedback: '斜率和截距都对，写出过程更好。' });
    // The others' apps have no hand-in, and the hub holds exactly one.
    for (const app of [zhang, wang]) expect((await app.api('GET', '/submissions')).json).toEqual([]);
    expect((await db.query('SELECT status, score FROM hub_handin')).rows).toEqual([{ status: 'returned', score: 92 }]);

    // Closed here, in order (the cleanups after a failure only kill what is left).
    await Promise.all(contexts.map((c) => c.close()));
    await Promise.all(apps.map((app) => app.close()));
    await hub.stop();
  });
});
