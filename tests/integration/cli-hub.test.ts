// `studylog hub` as a real child process: on SQLite without a database URL, on PostgreSQL with
// --database-url; the first start prints an admin token once; `hub token create` prints a
// teacher's token alone on stdout; the banner is in the terminal's language. And `studylog sync`
// sends a laptop's shared sessions to it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HUB_PREFIX } from '../../src/shared/api/hub.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/main/core/db/connection.ts';
import { UsersRepo } from '../../src/main/core/db/users.repo.ts';
import { CLI, runCli } from '../support/cli.ts';
import { createDatabase, startPostgres, type PgServer } from '../support/postgres.ts';
import { requirePackage } from '../support/requirements.ts';
import { onCleanup, tempDir, testWrites } from '../support/temp.ts';

const postgres = requirePackage('postgresql');
let server: PgServer | null = null;
beforeAll(async () => {
  if (!postgres.skip) server = await startPostgres();
});
afterAll(() => server?.stop());

async function startHub(args: string[], lang = 'en_US.UTF-8'): Promise<{ lines: string[]; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'hub', 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LANG: lang, LC_ALL: lang } });
  onCleanup(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout });
  for await (const line of reader) {
    lines.push(line);
    if (/^(Teacher dashboard|教师面板)/.test(line)) break;
  }
  return {
    lines,
    stop: async () => {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

describe('studylog hub', () => {
  test('on SQLite in the data dir: admin token on the first start only; a teacher token from the CLI', async () => {
    const dataDir = tempDir();
    const first = await startHub(['--data-dir', dataDir]);
    expect(first.lines[0]).toMatch(/^Studylog hub is serving http:\/\/127\.0\.0\.1:\d+ \(database: SQLite .*hub\.db\)$/);
    const url = /serving (\S+)/.exec(first.lines[0]!)![1]!;
    const admin = /^Admin token \(shown only this once; keep it safe\): (slh_\S+)$/.exec(first.lines[1]!)?.[1];
    expect(admin).toBeTruthy();
    const me = await fetch(`${url}${HUB_PREFIX}/me`, { headers: { Authorization: `Bearer ${admin}` } });
    expect(await me.json()).toMatchObject({ role: 'admin' });
    // `studylog sync` sends a laptop's shared session to the hub.
    const post = async (route: string, token: string | null, body: unknown) =>
      (await (
        await fetch(url + HUB_PREFIX + route, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        })
      ).json()) as Record<string, string>;
    const klass = await post('/classes', admin!, { name: '三班' });
    const student = await post('/join', null, { code: klass.code, name: '赵同学' });
    const desk = tempDir();
    const store = openDatabase(path.join(desk, DB_FILE_NAME));
    const db = testWrites(store);
    // The installation's owner's session goes; another local user's never does under this token.
    const owner = new UsersRepo(store).ensureOwner();
    db.prepare(`INSERT INTO session (id, user_id, mode, started_at, policy_snapshot, meta) VALUES ('s1', ?, 'chat', 1, '{}', '{"share_with_teacher":true}')`).run(owner.id);
    db.prepare(`INSERT INTO turn (id, session_id, role, content, created_at, meta) VALUES ('t1', 's1', 'user', '我们今天学数学', 2, '{}')`).run();
    db.prepare(`INSERT INTO session (id, user_id, mode, started_at, policy_snapshot, meta) VALUES ('s2', 'someone-else', 'chat', 1, '{}', '{"share_with_teacher":true}')`).run();
    db.prepare(`INSERT INTO turn (id, session_id, role, content, created_at, meta) VALUES ('t2', 's2', 'user', '别人的话', 2, '{}')`).run();
    store.close();
    const synced = runCli(['sync', '--hub', url, '--data-dir', desk], { STUDYLOG_HUB_TOKEN: student.token! });
    expect(synced.code).toBe(0);
    expect(JSON.parse(synced.stdout)).toMatchObject({ status: 'synced', pushed: 1, pending: 0 });
    expect(await first.stop()).toBe(0);
    const second = await startHub(['--data-dir', dataDir], 'zh_CN.UTF-8');
    expect(second.lines[0]).toMatch(/^Studylog 班级中心正在运行：/);
    expect(second.lines.join('\n')).not.toMatch(/管理员令牌|Admin token/);
    await second.stop();
    const made = runCli(['hub', 'token', 'create', '--name', '王老师', '--role', 'teacher', '--data-dir', dataDir]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^slh_\S+\n$/);
    expect(runCli(['hub', 'token', 'create', '--name', 'x', '--role', 'student', '--data-dir', dataDir])).toMatchObject({ code: 2 });
  });

  test.skipIf(postgres.skip)(`on PostgreSQL with --database-url${postgres.note}`, async () => {
    const url = await createDatabase(server!);
    const hub = await startHub(['--database-url', url]);
    expect(hub.lines[0]).toMatch(/\(database: PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:\d+\/hub_test_/);
    const base = /serving (\S+)/.exec(hub.lines[0]!)![1]!;
    expect(await (await fetch(`${base}${HUB_PREFIX}/health`)).json()).toEqual({ ok: true, database: 'pg' });
    await hub.stop();
    expect(runCli(['hub', '--database-url', 'mysql://nope'])).toMatchObject({ code: 2 });
  });
});
