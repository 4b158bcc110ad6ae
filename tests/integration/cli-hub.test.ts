// `studylog hub` as a real child process: on SQLite without a database URL, on PostgreSQL with
// --database-url; the first start prints an admin token once; `hub token create` prints a
// teacher's token alone on stdout; the banner is in the terminal's language; `hub class create`,
// `hub class list` and `hub assignment create` make a class and its assignment without curl, in the
// terminal's language; `hub allowance set|clear|list` a student's daily AI allowance. And `studylog sync` sends a laptop's shared sessions to it.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HUB_PREFIX } from '../../src/shared/api/hub.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/main/core/db/connection.ts';
import { UsersRepo } from '../../src/main/core/db/users.repo.ts';
import { openSqliteHub, sql } from '../../src/main/core/hub/sql.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import { chooseLanAddresses } from '../../src/main/core/http/lan.ts';
import { CLI, runCli } from '../support/cli.ts';
import { createDatabase, startPostgres, type PgServer } from '../support/postgres.ts';
import { requirePackage } from '../support/requirements.ts';
import { onCleanup, tempDir, testWrites } from '../support/temp.ts';

const postgres = requirePackage('postgresql');
/** Whether this machine lets a process have a network of its own (`unshare -rn`): how a test runs with no LAN address. */
const NETNS = spawnSync('unshare', ['-rn', 'true']).status === 0;
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

  test("with --lan or --allowed-host, the banner names the address students type, in the terminal's language", async () => {
    const dataDir = tempDir();
    // The address students type: this machine's Wi-Fi or cable one (http/lan.ts), the others as "also" lines.
    const lan = chooseLanAddresses(os.networkInterfaces());
    // Without a LAN address this machine cannot show one (the test below takes that case); the --allowed-host case still runs.
    if (lan.primary) {
      const zh = await startHub(['--lan', '--data-dir', dataDir], 'zh_CN.UTF-8');
      const port = new URL(/运行：(\S+?)（/.exec(zh.lines[0]!)![1]!).port;
      expect(zh.lines).toContain(`学生电脑上填写的班级中心地址：http://${lan.primary.address}:${port}`);
      for (const other of lan.also) expect(zh.lines).toContain(`这台电脑的其他地址：http://${other.address}:${port}（网卡 ${other.adapter}）`);
      // The address printed is one the hub answers at (its Host is accepted).
      expect((await fetch(`http://${lan.primary.address}:${port}${HUB_PREFIX}/health`)).status).toBe(200);
      expect(await zh.stop()).toBe(0);
      const en = await startHub(['--lan', '--data-dir', dataDir], 'C');
      const enPort = /serving http:\/\/127\.0\.0\.1:(\d+)/.exec(en.lines[0]!)![1]!;
      expect(en.lines).toContain(`The hub's address for students' laptops: http://${lan.primary.address}:${enPort}`);
      for (const other of lan.also) expect(en.lines).toContain(`Also on this machine: http://${other.address}:${enPort} (adapter ${other.adapter})`);
      await en.stop();
    }
    const named = await startHub(['--allowed-host', 'Hub.School.lan', '--data-dir', dataDir], 'C');
    const namedPort = /serving http:\/\/127\.0\.0\.1:(\d+)/.exec(named.lines[0]!)![1]!;
    expect(named.lines).toContain(`The hub's address for students' laptops: http://hub.school.lan:${namedPort}`);
    await named.stop();
    // On loopback only, no such line: no laptop could use it.
    const local = await startHub(['--data-dir', dataDir], 'C');
    expect(local.lines.join('\n')).not.toMatch(/students' laptops/);
    await local.stop();
  });

  // A machine on no network, for real: the hub in a network namespace of its own (only a loopback).
  test.skipIf(!NETNS)(
    `--lan on a machine with no LAN address: no address for students, and stderr says so and how to fix it${NETNS ? '' : ' (skipped: needs unshare -rn, user and network namespaces)'}`,
    async () => {
      for (const [lang, warning] of [
        ['C', /^studylog hub: this machine has no address on a local network: students' laptops will not reach this hub\. Connect it to the class network/],
        ['zh_CN.UTF-8', /^studylog hub：这台电脑没有局域网地址，学生的电脑连不上这个班级中心。请把这台电脑连接到班级的网络/],
      ] as const) {
        const child = spawn('unshare', ['-rn', process.execPath, CLI, 'hub', 'serve', '--lan', '--port', '0', '--data-dir', tempDir()], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, LANG: lang, LC_ALL: lang },
        });
        onCleanup(() => child.kill('SIGKILL'));
        const stdout: string[] = [];
        for await (const line of createInterface({ input: child.stdout })) {
          stdout.push(line);
          if (/^(Teacher dashboard|教师面板)/.test(line)) break;
        }
        let said = '';
        for await (const line of createInterface({ input: child.stderr })) {
          said = line;
          if (/no address on a local network|没有局域网地址/.test(line)) break;
        }
        expect(said).toMatch(warning);
        expect(stdout.join('\n')).not.toMatch(/students' laptops|学生电脑上填写|Also on this machine|其他地址/);
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  );

  test('hub class create / list and assignment create, in Chinese and in English', async () => {
    const dataDir = tempDir();
    const zh = { LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8' };
    const en = { LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };
    const teacherToken = runCli(['hub', 'token', 'create', '--name', '王老师', '--role', 'teacher', '--data-dir', dataDir], en).stdout.trim();
    expect(teacherToken).toMatch(/^slh_/);
    // The note on stderr names the role in the terminal's language (a zh-CN tryout saw "王老师（teacher）").
    const zhTeacher = runCli(['hub', 'token', 'create', '--name', '赵老师', '--role', 'teacher', '--data-dir', dataDir], zh);
    expect(zhTeacher.stderr).toMatch(/^已为 赵老师（教师）创建令牌，设备 \S+。它只显示这一次。\n$/);
    expect(runCli(['hub', 'token', 'create', '--name', '张主任', '--role', 'admin', '--data-dir', dataDir], zh).stderr).toContain('已为 张主任（管理员）创建令牌');
    expect(runCli(['hub', 'token', 'create', '--name', 'Ms Li', '--role', 'teacher', '--data-dir', dataDir], en).stderr).toContain('Created a token for Ms Li (teacher)');

    // Nothing yet: list says how to make one.
    const empty = runCli(['hub', 'class', 'list', '--data-dir', dataDir], zh);
    expect(empty).toMatchObject({ code: 0, stdout: '' });
    expect(empty.stderr).toBe('还没有班级。用 studylog hub class create --name … 创建。\n');

    // In Chinese: the class code alone on stdout, the sentence (with the code) on stderr.
    const made = runCli(['hub', 'class', 'create', '--name', '初二（3）班', '--teacher', '王老师', '--data-dir', dataDir], zh);
    expect(made.code, made.stderr).toBe(0);
    const code = made.stdout.trim();
    expect(made.stdout).toMatch(/^[A-Z2-9]{8}\n$/);
    expect(made.stderr).toContain(`已创建班级“初二（3）班”，班级码 ${code}`);
    expect(made.stderr).toContain('教师：王老师。');
    // In English, without a teacher: admins only, and it says so.
    const other = runCli(['hub', 'class', 'create', '--name', 'Grade 9 Physics', '--data-dir', dataDir], en);
    expect(other.code, other.stderr).toBe(0);
    const otherCode = other.stdout.trim();
    expect(other.stderr).toMatch(new RegExp(`^Created the class 'Grade 9 Physics', class code ${otherCode} \\(id [0-9a-f-]{36}\\)\\. No teacher given: only admins see it`));
    // A teacher who does not exist is named, in the terminal's language.
    const nobody = runCli(['hub', 'class', 'create', '--name', 'x', '--teacher', '李老师', '--data-dir', dataDir], zh);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('没有名为“李老师”的教师。先创建：studylog hub token create --name 李老师 --role teacher');
    expect(runCli(['hub', 'class', 'create', '--data-dir', dataDir], en)).toMatchObject({ code: 2 });

    // The list, both languages: code, name, teachers, students.
    const listed = runCli(['hub', 'class', 'list', '--data-dir', dataDir], en);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toBe('Code      Name');
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${code}  初二（3）班  teachers: 王老师  students: 0  id `)),
        expect.stringMatching(new RegExp(`^${otherCode}  Grade 9 Physics  teachers: \\(none\\)  students: 0  id `)),
      ]),
    );
    expect(lines).toHaveLength(3);
    const listedZh = runCli(['hub', 'class', 'list', '--data-dir', dataDir], zh).stdout;
    expect(listedZh).toContain(`${code}  初二（3）班  教师：王老师  学生 0 人  编号 `);

    // An assignment for the class by its code: shared sessions, due at the end of that local day.
    const set = runCli(['hub', 'assignment', 'create', '--class', code.toLowerCase(), '--title', '一次函数', '--due', '2026-12-06', '--share', '--data-dir', dataDir], zh);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain('已给“初二（3）班”布置作业“一次函数”');
    expect(runCli(['hub', 'assignment', 'create', '--class', 'NOPE2345', '--title', 't', '--data-dir', dataDir], en).stderr).toContain(
      "There is no class with the code or id 'NOPE2345' (see: studylog hub class list).",
    );
    expect(runCli(['hub', 'assignment', 'create', '--class', code, '--title', 't', '--due', 'friday', '--data-dir', dataDir], en)).toMatchObject({ code: 2 });

    // The teacher's token sees the class made for them (not the other), with the assignment in it.
    const store = new HubStore(openSqliteHub(path.join(dataDir, 'hub.db')));
    try {
      const teacher = (await store.authenticate(teacherToken)) as HubCaller;
      const classes = await store.listClasses(teacher);
      expect(classes.map((c) => [c.name, c.code])).toEqual([['初二（3）班', code]]);
      const assignments = await store.listAssignments(teacher, classes[0]!.id);
      expect(assignments).toEqual([
        expect.objectContaining({
          id: set.stdout.trim(),
          title: '一次函数',
          description: null,
          due_at: new Date(2026, 11, 6, 23, 59, 59, 999).getTime(),
          policy: { share_sessions: true },
        }),
      ]);
    } finally {
      await store.close();
    }
  });

  test('hub allowance set / clear / list: a student’s daily AI allowance by class code and student number, in Chinese and in English', async () => {
    const dataDir = tempDir();
    const zh = { LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8' };
    const en = { LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };
    const code = runCli(['hub', 'class', 'create', '--name', '初二（3）班', '--data-dir', dataDir], en).stdout.trim();
    const store = new HubStore(openSqliteHub(path.join(dataDir, 'hub.db')));
    let classId: string;
    let userId = '';
    try {
      const admin = (await store.authenticate((await store.issueDevice((await store.createUser('Admin', 'admin')).id, 'test')).token)) as HubCaller;
      classId = (await store.listClasses(admin))[0]!.id;
      const roster = await store.importRoster(admin, classId, '学号,姓名\n2024001,张三\n2024002,李四\n');
      userId = roster.codes[0]!.user_id;
    } finally {
      await store.close();
    }
    const allowanceOf = async () => {
      const hub = new HubStore(openSqliteHub(path.join(dataDir, 'hub.db')));
      try {
        return (await hub.db.all<{ daily_tokens: number | null }>(sql`SELECT daily_tokens FROM hub_allowance WHERE user_id = ${userId}`))[0]?.daily_tokens;
      } finally {
        await hub.close();
      }
    };

    // The help names the commands, in both languages.
    expect(runCli(['hub', '--help'], en).stdout).toContain('studylog hub allowance set --class CODE --student NO --tokens N');
    expect(runCli(['hub', '--help'], zh).stdout).toContain('studylog hub allowance set --class CODE --student 学号 --tokens N');

    const set = runCli(['hub', 'allowance', 'set', '--class', code.toLowerCase(), '--student', '2024001', '--tokens', '20000', '--data-dir', dataDir], zh);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toBe('已把张三（学号 2024001）在“初二（3）班”的每日 AI 额度设为 20000 个 token。学生的 Studylog 下次同步时生效。\n');
    expect(await allowanceOf()).toBe(20000);
    // By the class's id, in English, with a thousands separator.
    const again = runCli(['hub', 'allowance', 'set', '--class', classId, '--student', '2024001', '--tokens', '5,000', '--data-dir', dataDir], en);
    expect(again.stderr).toBe("Set 张三 (student number 2024001)'s daily AI allowance in '初二（3）班' to 5000 tokens. Their Studylog applies it at its next sync.\n");
    expect(await allowanceOf()).toBe(5000);

    const listed = runCli(['hub', 'allowance', 'list', '--class', code, '--data-dir', dataDir], zh);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toBe('2024001  张三  每日额度：5000 token  今天已用 0\n2024002  李四  每日额度：未设  今天已用 0\n');

    // Not a number of tokens, no --tokens, a student not in the class, a class that does not exist: named, nothing changed.
    for (const bad of ['-5', '2.5', 'lots', '2000000000']) {
      // --tokens=-5: parseArgs reads a separate -5 as an option (said as a missing value).
      const refused = runCli(['hub', 'allowance', 'set', '--class', code, '--student', '2024001', `--tokens=${bad}`, '--data-dir', dataDir], zh);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`--tokens 应为 0 到 1000000000 之间的整数 token 数（0 表示不能在本班作业上用 AI），而不是“${bad}”。`);
    }
    expect(runCli(['hub', 'allowance', 'set', '--class', code, '--student', '2024001', '--tokens', 'lots', '--data-dir', dataDir], en).stderr).toContain(
      "--tokens must be a whole number of tokens from 0 to 1000000000 (0: no AI on the class's assignments), not 'lots'.",
    );
    expect(runCli(['hub', 'allowance', 'set', '--class', code, '--student', '2024001', '--data-dir', dataDir], zh)).toMatchObject({ code: 2 });
    const stranger = runCli(['hub', 'allowance', 'set', '--class', code, '--student', '2099999', '--tokens', '100', '--data-dir', dataDir], zh);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain(`“初二（3）班”里没有学号（或编号）为“2099999”的学生（用 studylog hub allowance list --class ${code} 查看）。`);
    expect(runCli(['hub', 'allowance', 'set', '--class', 'NOPE2345', '--student', '2024001', '--tokens', '1', '--data-dir', dataDir], en).stderr).toContain(
      "There is no class with the code or id 'NOPE2345'",
    );
    expect(await allowanceOf()).toBe(5000);

    // Cleared: no daily limit (null, what the laptop reads as none).
    const cleared = runCli(['hub', 'allowance', 'clear', '--class', code, '--student', '2024001', '--data-dir', dataDir], en);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stderr).toBe("Cleared 张三 (student number 2024001)'s daily AI allowance in '初二（3）班': no daily limit. Their Studylog applies it at its next sync.\n");
    expect(await allowanceOf()).toBeNull();
    expect(runCli(['hub', 'allowance', 'list', '--class', code, '--data-dir', dataDir], en).stdout).toContain('2024001  张三  daily allowance: not set  used today: 0');
    expect(runCli(['hub', 'allowance', 'grant', '--data-dir', dataDir], zh).stderr).toContain('没有 hub allowance grant 这个命令（可用：set、clear、list）。');
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
