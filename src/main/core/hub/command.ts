/**
 * `studylog hub …` (the class hub) and `studylog sync …` (a desktop's one sync round), called
 * from cli.ts. What a script captures (the URL, a token) goes to stdout; notes to stderr, in the
 * terminal's language.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIsoDate } from '../../../shared/api/schemas.ts';
import { DAILY_TOKENS_MAX, parseDailyTokens } from '../../../shared/hub-text.ts';
import { ApiError } from '../../../shared/errors.ts';
import { createCore } from '../app.ts';
import { commandDataDir, noLanAddressWarning, parseCommandLine, roleWord, syncFailureLine, UsageError, words, type CliLanguage, type Words } from '../cli-text.ts';
import { systemLanguage } from '../config.ts';
import { SyncClient } from '../sync/client.ts';
import { startHubServer, type StudentAddresses } from './server.ts';
import type { ReindexOptions } from './reindex.ts';
import { openPgHub, openSqliteHub, sql, type HubSql } from './sql.ts';
import { HubStore, type HubCaller } from './store.ts';

export const HUB_DEFAULT_PORT = 5124;
const RENDERER_DIR = fileURLToPath(new URL('../../../../out/renderer', import.meta.url));

/** `studylog hub --help`, and what a usage error of `studylog hub` shows after what is wrong. */
export const HUB_USAGE = words(
  `Usage: studylog hub [serve] [--database-url postgres://…] [--host H] [--port P] [--lan] [--allowed-host NAME]…
       studylog hub token create --name N --role teacher|admin
       studylog hub token revoke DEVICE_ID
       studylog hub class create --name N [--teacher NAME|USER_ID]
       studylog hub class list
       studylog hub assignment create --class CODE --title T [--description D] [--due YYYY-MM-DD] [--share]
       studylog hub allowance set --class CODE --student NO --tokens N
       studylog hub allowance clear --class CODE --student NO
       studylog hub allowance list --class CODE
       studylog sync --hub URL [--token T]      (one sync round of this laptop; token also from STUDYLOG_HUB_TOKEN)

  hub serve      the class hub: its API under /api/v1/hub and the teacher's dashboard (#/hub),
                 on PostgreSQL with --database-url (or STUDYLOG_HUB_DATABASE_URL), else on
                 SQLite (hub.db in the data directory); default http://127.0.0.1:${HUB_DEFAULT_PORT}.
                 The first start prints an admin token once.
  --allowed-host NAME  a host name students' laptops use for the hub (e.g. hub.school.lan); other
                 Host headers are refused (DNS rebinding). localhost, the bound address and, with
                 --lan, this machine's LAN addresses and name are always accepted.
  token create   a hub token for a teacher or an admin (students join with a class code and
                 need none): printed alone on stdout, shown only this once
  token revoke   revoke a device's hub token (DEVICE_ID as hub token create printed it): it
                 stops working
  class create   a class; prints its class code (students join with it). --teacher: the teacher
                 (from hub token create) whose dashboard shows it; without it, admins only.
  class list     every class: its code, name, teachers and students.
  assignment create  an assignment of a class (its code); --share shares students' sessions on it
                 with the teacher. The dashboard sets the rest of its AI rules.
  allowance set  a student's daily AI allowance in a class (its code or id): N tokens a day (the
                 AI answers' input plus output) on the class's assignments, 0 for none; --student
                 is the student number on the roster (or the student's id). clear: no daily
                 limit. list: each student's, with what the hub has of their use today. The
                 student's Studylog applies it at its next sync; the dashboard's overview sets it too.
  --data-dir D   where the SQLite hub (and a desktop's data) lives`,
  `用法：studylog hub [serve] [--database-url postgres://…] [--host H] [--port P] [--lan] [--allowed-host NAME]…
      studylog hub token create --name N --role teacher|admin
      studylog hub token revoke DEVICE_ID
      studylog hub class create --name N [--teacher NAME|USER_ID]
      studylog hub class list
      studylog hub assignment create --class CODE --title T [--description D] [--due YYYY-MM-DD] [--share]
      studylog hub allowance set --class CODE --student 学号 --tokens N
      studylog hub allowance clear --class CODE --student 学号
      studylog hub allowance list --class CODE
      studylog sync --hub URL [--token T]      （让这台电脑同步一轮；令牌也可以来自 STUDYLOG_HUB_TOKEN）

  hub serve      班级中心：/api/v1/hub 下的 API 和教师面板（#/hub）；给出 --database-url
                 （或 STUDYLOG_HUB_DATABASE_URL）时用 PostgreSQL，否则用 SQLite（数据目录中的
                 hub.db）；默认 http://127.0.0.1:${HUB_DEFAULT_PORT}。
                 第一次启动时打印一次管理员令牌。
  --allowed-host NAME  学生电脑访问班级中心时用的主机名（例如 hub.school.lan）；其他
                 Host 请求头一律拒绝（防止 DNS 重绑定）。localhost、绑定的地址，以及给出 --lan 时
                 本机的局域网地址和名称总是接受。
  token create   为教师或管理员创建一个班级中心令牌（学生用班级码加入，不需要令牌）：
                 stdout 上只有令牌本身，它只显示这一次
  token revoke   撤销一个设备的班级中心令牌（DEVICE_ID 即 hub token create 打印的设备编号）：
                 它从此不能再用
  class create   创建一个班级，并打印它的班级码（学生用它加入）。--teacher：在教师面板上
                 看到这个班级的教师（由 hub token create 创建）；不指定时只有管理员看得到。
  class list     列出所有班级：班级码、名称、教师和学生。
  assignment create  给一个班级（用班级码指定）布置作业；--share 把学生在这份作业上的会话
                 分享给教师。作业的其他 AI 规则在教师面板里设置。
  allowance set  设置学生在一个班级（班级码或编号）的每日 AI 额度：每天在本班作业上最多 N 个
                 token（AI 回答的输入加输出），0 表示不能用 AI；--student 是名单上的学号（或学生
                 编号）。clear：清除额度，不再限制。list：列出每个学生的额度和班级中心记录的今天
                 已用量。学生的 Studylog 下次同步时生效；也可以在教师面板的“概览”里设置。
  --data-dir D   SQLite 班级中心（以及这台电脑的数据）所在的数据目录`,
);

/** `studylog sync --help`. */
export const SYNC_USAGE = words(
  `Usage: studylog sync --hub URL [--token T] [--data-dir D]

  One sync round of this laptop with a class hub: sends what is shared with the teacher (sessions,
  hand-ins), then fetches what the teacher changed (assignments, grades and feedback, allowances).
  Prints the round's report as JSON; exit code 0 when it synced, else 1 (and a line on stderr
  saying what went wrong).
  --hub URL      the class hub's address
  --token T      this laptop's hub token (default: STUDYLOG_HUB_TOKEN)
  --data-dir D   where Studylog keeps its data`,
  `用法：studylog sync --hub URL [--token T] [--data-dir D]

  让这台电脑与班级中心同步一轮：先发送分享给教师的内容（会话、交的作业），再取回教师的修改
  （作业、评分和评语、AI 额度）。以 JSON 打印这一轮的结果；同步成功时退出码为 0，否则为 1（并在 stderr 上用一行说明出了什么问题）。
  --hub URL      班级中心的地址
  --token T      这台电脑的班级中心令牌（默认：STUDYLOG_HUB_TOKEN）
  --data-dir D   Studylog 存放数据的数据目录`,
);

const zh = () => systemLanguage() === 'zh-CN';

function usage(en: string, zh: string, text: Words = HUB_USAGE): UsageError {
  return new UsageError(words(en, zh), text);
}

/**
 * `hub serve`'s search re-index of a hub's older turns (reindex.ts), run in the background after
 * the server answers: minutes on a school's term. Said on stderr as it goes, so a teacher knows
 * why search may miss older messages meanwhile: a line at the first batch with turns, every
 * REINDEX_PROGRESS_TURNS turns after, and one when it is done. A failure is said there too and
 * the hub keeps serving (the cursor stays at the last committed batch: the next start continues).
 * Resolves (never rejects) when it is done, stopped (the hub closing) or failed; `extra` is for
 * tests (afterBatch holds the work after a batch).
 */
const REINDEX_PROGRESS_TURNS = 20_000;
export async function reindexInBackground(db: HubSql, extra: ReindexOptions = {}): Promise<'done' | 'stopped' | 'failed' | 'none'> {
  const index = db.searchIndex;
  if (!index?.pending) return 'none';
  let done = 0;
  let said = -1;
  const afterBatch = async (seen: number) => {
    done += seen;
    if (seen > 0 && (said < 0 || done - said >= REINDEX_PROGRESS_TURNS)) {
      said = done;
      process.stderr.write(
        zh()
          ? `studylog hub：正在后台为搜索重新索引升级前的消息（已处理 ${done} 条；这期间搜索可能找不到部分旧消息；可以随时中断，下次启动会接着做）…\n`
          : `studylog hub: re-indexing the messages stored before the upgrade for search in the background (${done} done; search may miss some older messages until then; safe to stop, the next start continues)…\n`,
      );
    }
    await extra.afterBatch?.(seen);
  };
  try {
    const end = await index.run({ ...extra, afterBatch });
    if (end === 'done')
      process.stderr.write(
        zh()
          ? `studylog hub：升级前的消息已全部重新索引（本次处理 ${done} 条），搜索能找到所有消息了。\n`
          : `studylog hub: finished re-indexing the messages stored before the upgrade (${done} this time); search finds all messages again.\n`,
      );
    return end;
  } catch (error) {
    // The database's own words: drizzle wraps them in "Failed query: …" (the SQL and its parameters) with them as the cause.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    process.stderr.write(
      zh()
        ? `studylog hub：为搜索重新索引升级前的消息时出错，已停下：${reason}。班级中心照常运行（搜索可能找不到部分旧消息）；下次启动会从停下的地方接着做。\n`
        : `studylog hub: re-indexing the messages stored before the upgrade for search failed: ${reason}. The hub keeps serving (search may miss some older messages); the next start continues where it stopped.\n`,
    );
    return 'failed';
  }
}

async function openHubStore(values: { 'database-url'?: string | undefined; 'data-dir'?: string | undefined }): Promise<HubStore> {
  const url = values['database-url'] ?? process.env.STUDYLOG_HUB_DATABASE_URL;
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw usage(`--database-url must be a postgres:// URL, not '${url}'.`, `--database-url 应为 postgres:// 开头的地址，而不是“${url}”。`);
    return new HubStore(await openPgHub(url));
  }
  return new HubStore(openSqliteHub(path.join(commandDataDir(values['data-dir'], HUB_USAGE), 'hub.db')));
}

export async function hubMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    {
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'database-url': { type: 'string' },
        'data-dir': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        lan: { type: 'boolean' },
        'allowed-host': { type: 'string', multiple: true },
        name: { type: 'string' },
        role: { type: 'string' },
        teacher: { type: 'string' },
        class: { type: 'string' },
        title: { type: 'string' },
        description: { type: 'string' },
        due: { type: 'string' },
        share: { type: 'boolean' },
        student: { type: 'string' },
        tokens: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    HUB_USAGE,
  );
  if (values.help) {
    process.stdout.write(HUB_USAGE[systemLanguage()] + '\n');
    return 0;
  }
  const [sub = 'serve', action, ...rest] = positionals;
  const store = await openHubStore(values);
  try {
    if (sub === 'token') {
      if (action === 'create') {
        if (!values.name) throw usage('hub token create needs --name.', 'hub token create 需要 --name（教师或管理员的名字）。');
        if (values.role !== 'teacher' && values.role !== 'admin')
          throw usage(
            'hub token create needs --role teacher or --role admin (students join with a class code).',
            'hub token create 需要 --role teacher 或 --role admin（学生用班级码加入，不需要令牌）。',
          );
        const user = await store.createUser(values.name, values.role);
        const device = await store.issueDevice(user.id, 'cli');
        process.stdout.write(`${device.token}\n`);
        process.stderr.write(
          zh()
            ? `已为 ${values.name}（${roleWord(values.role, 'zh-CN')}）创建令牌，设备 ${device.device_id}。它只显示这一次。\n`
            : `Created a token for ${values.name} (${values.role}), device ${device.device_id}. It is shown only this once.\n`,
        );
        return 0;
      }
      if (action === 'revoke') {
        const id = rest[0];
        if (!id) throw usage('hub token revoke needs the device id.', 'hub token revoke 需要设备编号。');
        const changed = await store.db.run(sql`UPDATE hub_device SET revoked_at = ${Date.now()} WHERE id = ${id} AND revoked_at IS NULL`);
        if (!changed) throw new ApiError('not_found', zh() ? `没有编号为“${id}”的有效设备。` : `There is no active device '${id}'.`);
        process.stderr.write(zh() ? `已撤销设备 ${id}。\n` : `Revoked device ${id}.\n`);
        return 0;
      }
      throw usage(`Unknown hub token command '${action ?? ''}'.`, action ? `没有 hub token ${action} 这个命令（可用：create、revoke）。` : 'hub token 后面要跟 create 或 revoke。');
    }
    if (sub === 'class') {
      if (action === 'create') return await createClass(store, values);
      if (action === 'list') return await listClasses(store);
      throw usage(`Unknown hub class command '${action ?? ''}'.`, action ? `没有 hub class ${action} 这个命令（可用：create、list）。` : 'hub class 后面要跟 create 或 list。');
    }
    if (sub === 'assignment') {
      if (action === 'create') return await createAssignment(store, values);
      throw usage(`Unknown hub assignment command '${action ?? ''}'.`, action ? `没有 hub assignment ${action} 这个命令（可用：create）。` : 'hub assignment 后面要跟 create。');
    }
    if (sub === 'allowance') {
      if (action === 'set' || action === 'clear') return await setAllowance(store, action, values);
      if (action === 'list') return await listAllowances(store, values);
      throw usage(
        `Unknown hub allowance command '${action ?? ''}'.`,
        action ? `没有 hub allowance ${action} 这个命令（可用：set、clear、list）。` : 'hub allowance 后面要跟 set、clear 或 list。',
      );
    }
    if (sub !== 'serve') throw usage(`Unknown hub command '${sub}'.`, `没有 hub ${sub} 这个命令。`);
    const port = values.port === undefined ? HUB_DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw usage(`--port must be a number from 0 to 65535, not '${values.port}'.`, `--port 应为 0 到 65535 之间的数字，而不是“${values.port}”。`);
    const admins = await store.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_user WHERE role = 'admin'`);
    let adminToken: string | null = null;
    if (Number(admins[0]?.n ?? 0) === 0) {
      const admin = await store.createUser('admin', 'admin');
      adminToken = (await store.issueDevice(admin.id, 'first start')).token;
    }
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    process.once('SIGINT', () => stop());
    process.once('SIGTERM', () => stop());
    const hub = await startHubServer({
      store,
      port,
      host: values.host ?? (values.lan ? '0.0.0.0' : '127.0.0.1'),
      ...(values.lan ? { lan: true } : {}),
      allowedHosts: values['allowed-host'] ?? [],
      // Always: a build made after the hub started is served from the teacher's next reload.
      staticDir: RENDERER_DIR,
    });
    const where = store.db.dialect === 'pg' ? `PostgreSQL ${store.db.where}` : `SQLite ${store.db.where}`;
    if (!existsSync(path.join(RENDERER_DIR, 'index.html')))
      process.stderr.write(
        zh()
          ? 'studylog hub：网页应用还没有构建，教师面板暂时只显示一个说明页。请在 Studylog 的目录中运行 npm run build（或运行一次 npm start），然后刷新页面；班级中心不用重启。\n'
          : "studylog hub: the web app is not built yet, so the teacher dashboard shows only a note. Run npm run build (or npm start once) in Studylog's folder, then reload the page; the hub need not restart.\n",
      );
    const addresses = studentAddressLines(hub.studentAddresses, systemLanguage());
    process.stdout.write(
      [
        zh() ? `Studylog 班级中心正在运行：${hub.url}（数据库：${where}）` : `Studylog hub is serving ${hub.url} (database: ${where})`,
        // The teacher's browser uses 127.0.0.1; students' laptops need an address they can reach.
        ...addresses.lines,
        ...(adminToken ? [zh() ? `管理员令牌（只显示这一次，请妥善保存）：${adminToken}` : `Admin token (shown only this once; keep it safe): ${adminToken}`] : []),
        // Last, so a script reading the block knows it has all of it.
        zh() ? `教师面板：${hub.url}/#/hub` : `Teacher dashboard: ${hub.url}/#/hub`,
      ].join('\n') + '\n',
    );
    if (addresses.warning) process.stderr.write(addresses.warning);
    // After the banner: the hub answers while it re-indexes; store.close() (below) stops it between batches.
    void reindexInBackground(store.db);
    await stopped;
    await hub.close();
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * The banner's lines about where students' laptops reach the hub: the address(es) to type, then
 * an "Also" line for each other address of this machine (another adapter, Docker's, a VPN's), in
 * the terminal's language. `warning` (for stderr): serving the LAN with no address on a network,
 * no student's laptop will reach it (noLanAddressWarning).
 */
export function studentAddressLines(addresses: StudentAddresses, language: CliLanguage): { lines: string[]; warning: string | null } {
  const zh = language === 'zh-CN';
  const { urls, also } = addresses;
  const lines = [
    ...(urls.length
      ? [
          zh
            ? `学生电脑上填写的班级中心地址${urls.length > 1 ? '（任选其一）' : ''}：${urls.join('、')}`
            : `The hub's address for students' laptops${urls.length > 1 ? ' (any one of these)' : ''}: ${urls.join(', ')}`,
        ]
      : []),
    ...also.map((a) => (zh ? `这台电脑的其他地址：${a.url}（网卡 ${a.adapter}）` : `Also on this machine: ${a.url} (adapter ${a.adapter})`)),
  ];
  return { lines, warning: addresses.noLanAddress ? noLanAddressWarning('hub', also.length > 0, language) : null };
}

/** Whoever runs the CLI on the hub's machine (it can read the database) acts as an admin. */
const OPERATOR: HubCaller = { user_id: 'cli', name: 'cli', role: 'admin', device_id: 'cli' };

/** A teacher named on the command line, by user id or by name (as `hub token create --name` made them). */
async function findTeacher(store: HubStore, who: string): Promise<HubCaller> {
  const rows = await store.db.all<{ id: string; name: string }>(sql`SELECT id, name FROM hub_user WHERE role = 'teacher' AND (id = ${who} OR name = ${who}) ORDER BY created_at`);
  if (rows.length === 0)
    throw new ApiError(
      'not_found',
      zh()
        ? `没有名为“${who}”的教师。先创建：studylog hub token create --name ${who} --role teacher`
        : `There is no teacher '${who}'. Make one first: studylog hub token create --name ${who} --role teacher`,
    );
  if (rows.length > 1)
    throw new ApiError(
      'conflict',
      zh()
        ? `有 ${rows.length} 位教师叫“${who}”：用编号指定其中一位（--teacher ${rows.map((r) => r.id).join(' 或 ')}）。`
        : `${rows.length} teachers are named '${who}': name one by id (--teacher ${rows.map((r) => r.id).join(' or ')}).`,
    );
  return { user_id: rows[0]!.id, name: rows[0]!.name, role: 'teacher', device_id: 'cli' };
}

async function createClass(store: HubStore, values: { name?: string | undefined; teacher?: string | undefined }): Promise<number> {
  const name = values.name?.trim();
  if (!name) throw usage('hub class create needs --name.', 'hub class create 需要 --name（班级名称）。');
  if (name.length > 200) throw usage('--name must be at most 200 characters.', '--name 最多 200 个字符。');
  const teacher = values.teacher ? await findTeacher(store, values.teacher) : null;
  const klass = await store.createClass(teacher ?? OPERATOR, name);
  // The code alone on stdout (what a script captures), the rest for the person at the terminal.
  process.stdout.write(`${klass.code}\n`);
  process.stderr.write(
    zh()
      ? `已创建班级“${klass.name}”，班级码 ${klass.code}（编号 ${klass.id}）。${teacher ? `教师：${teacher.name}。` : '没有指定教师：只有管理员在教师面板里看得到它（用 --teacher 指定）。'}学生在 Studylog 的“设置 → 班级中心”里用班级码加入；名单和每个学生的加入码在教师面板的“名单与加入码”里。\n`
      : `Created the class '${klass.name}', class code ${klass.code} (id ${klass.id}). ${teacher ? `Teacher: ${teacher.name}.` : 'No teacher given: only admins see it on the dashboard (name one with --teacher).'} Students join with the class code in Studylog's Settings → Class hub; the roster and each student's join code are on the dashboard's "Roster and join codes".\n`,
  );
  return 0;
}

async function listClasses(store: HubStore): Promise<number> {
  const classes = await store.listClasses(OPERATOR);
  if (classes.length === 0) {
    process.stderr.write(zh() ? '还没有班级。用 studylog hub class create --name … 创建。\n' : 'No classes yet. Create one with: studylog hub class create --name …\n');
    return 0;
  }
  const members = await store.db.all<{ class_id: string; role: string; name: string }>(
    sql`SELECT m.class_id, m.role, u.name FROM hub_member m JOIN hub_user u ON u.id = m.user_id ORDER BY m.joined_at`,
  );
  const lines = classes.map((c) => {
    const teachers = members.filter((m) => m.class_id === c.id && m.role === 'teacher').map((m) => m.name);
    const students = members.filter((m) => m.class_id === c.id && m.role === 'student').length;
    return zh()
      ? `${c.code}  ${c.name}  教师：${teachers.join('、') || '（无）'}  学生 ${students} 人  编号 ${c.id}`
      : `${c.code}  ${c.name}  teachers: ${teachers.join(', ') || '(none)'}  students: ${students}  id ${c.id}`;
  });
  process.stdout.write([zh() ? '班级码    名称' : 'Code      Name', ...lines].join('\n') + '\n');
  return 0;
}

async function createAssignment(
  store: HubStore,
  values: { class?: string | undefined; title?: string | undefined; description?: string | undefined; due?: string | undefined; share?: boolean | undefined },
): Promise<number> {
  const title = values.title?.trim();
  if (!values.class || !title)
    throw usage('hub assignment create needs --class (the class code) and --title.', 'hub assignment create 需要 --class（班级码）和 --title（作业标题）。');
  if (title.length > 500) throw usage('--title must be at most 500 characters.', '--title 最多 500 个字符。');
  const due = values.due === undefined ? null : parseIsoDate(values.due, 'end-of-local-day');
  if (due === null && values.due !== undefined)
    throw usage(
      `--due must be a date like 2026-12-06 (or 2026-12-06T18:00), not '${values.due}'.`,
      `--due 应为日期，例如 2026-12-06（或 2026-12-06T18:00），而不是“${values.due}”。`,
    );
  const klass = await findClass(store, values.class);
  const made = await store.upsertAssignment(OPERATOR, {
    class_id: klass.id,
    title,
    description: values.description?.trim() || null,
    due_at: due,
    policy: values.share ? { share_sessions: true } : {},
  });
  process.stdout.write(`${made.id}\n`);
  process.stderr.write(
    zh()
      ? `已给“${klass.name}”布置作业“${made.title}”（编号 ${made.id}）${values.share ? '，学生在这份作业上的对话会分享给老师' : ''}。学生的 Studylog 下次同步时会收到。\n`
      : `Set the assignment '${made.title}' (id ${made.id}) for '${klass.name}'${values.share ? "; students' sessions on it are shared with the teacher" : ''}. Students' Studylog gets it at its next sync.\n`,
  );
  return 0;
}

/** A class named on the command line by its code (any case) or its id. */
async function findClass(store: HubStore, given: string): Promise<{ id: string; name: string }> {
  const wanted = given.trim();
  const found = await store.db.all<{ id: string; name: string }>(sql`SELECT id, name FROM hub_class WHERE code = ${wanted.toUpperCase()} OR id = ${wanted}`);
  if (!found[0])
    throw new ApiError(
      'not_found',
      zh() ? `没有班级码或编号为“${wanted}”的班级（用 studylog hub class list 查看）。` : `There is no class with the code or id '${wanted}' (see: studylog hub class list).`,
    );
  return found[0];
}

/** `hub allowance set|clear`: a student's daily token allowance in a class (store.setAllowance), as the dashboard's overview sets it. */
async function setAllowance(
  store: HubStore,
  action: 'set' | 'clear',
  values: { class?: string | undefined; student?: string | undefined; tokens?: string | undefined },
): Promise<number> {
  if (!values.class || !values.student)
    throw usage(
      `hub allowance ${action} needs --class (the class code) and --student (the student number).`,
      `hub allowance ${action} 需要 --class（班级码）和 --student（学号）。`,
    );
  let tokens: number | null = null;
  if (action === 'set') {
    if (values.tokens === undefined)
      throw usage(
        'hub allowance set needs --tokens (tokens a day; clear it with hub allowance clear).',
        'hub allowance set 需要 --tokens（每天的 token 数；要清除额度，用 hub allowance clear）。',
      );
    tokens = parseDailyTokens(values.tokens);
    if (tokens === null)
      throw usage(
        `--tokens must be a whole number of tokens from 0 to ${DAILY_TOKENS_MAX} (0: no AI on the class's assignments), not '${values.tokens}'.`,
        `--tokens 应为 0 到 ${DAILY_TOKENS_MAX} 之间的整数 token 数（0 表示不能在本班作业上用 AI），而不是“${values.tokens}”。`,
      );
  } else if (values.tokens !== undefined) throw usage('hub allowance clear takes no --tokens.', 'hub allowance clear 不需要 --tokens。');
  const klass = await findClass(store, values.class);
  const wanted = values.student.trim();
  const students = await store.db.all<{ user_id: string; name: string; student_no: string | null }>(
    sql`SELECT m.user_id, u.name, m.student_no FROM hub_member m JOIN hub_user u ON u.id = m.user_id
        WHERE m.class_id = ${klass.id} AND m.role = 'student' AND (m.student_no = ${wanted} OR m.user_id = ${wanted})`,
  );
  const student = students[0];
  if (!student)
    throw new ApiError(
      'not_found',
      zh()
        ? `“${klass.name}”里没有学号（或编号）为“${wanted}”的学生（用 studylog hub allowance list --class ${values.class.trim()} 查看）。`
        : `'${klass.name}' has no student with the number (or id) '${wanted}' (see: studylog hub allowance list --class ${values.class.trim()}).`,
    );
  await store.setAllowance(OPERATOR, { class_id: klass.id, user_id: student.user_id, daily_tokens: tokens });
  const who = student.student_no ? (zh() ? `${student.name}（学号 ${student.student_no}）` : `${student.name} (student number ${student.student_no})`) : student.name;
  process.stderr.write(
    tokens === null
      ? zh()
        ? `已清除${who}在“${klass.name}”的每日 AI 额度，不再限制。学生的 Studylog 下次同步时生效。\n`
        : `Cleared ${who}'s daily AI allowance in '${klass.name}': no daily limit. Their Studylog applies it at its next sync.\n`
      : zh()
        ? `已把${who}在“${klass.name}”的每日 AI 额度设为 ${tokens} 个 token。学生的 Studylog 下次同步时生效。\n`
        : `Set ${who}'s daily AI allowance in '${klass.name}' to ${tokens} tokens. Their Studylog applies it at its next sync.\n`,
  );
  return 0;
}

/** `hub allowance list`: each student of the class, their daily allowance and what the hub has of their use today. */
async function listAllowances(store: HubStore, values: { class?: string | undefined }): Promise<number> {
  if (!values.class) throw usage('hub allowance list needs --class (the class code).', 'hub allowance list 需要 --class（班级码）。');
  const klass = await findClass(store, values.class);
  const rows = await store.allowances(OPERATOR, klass.id);
  if (rows.length === 0) {
    process.stderr.write(zh() ? `“${klass.name}”还没有学生。\n` : `'${klass.name}' has no students yet.\n`);
    return 0;
  }
  const lines = rows.map((r) =>
    zh()
      ? `${r.student_no ?? '—'}  ${r.name}  每日额度：${r.daily_tokens === null ? '未设' : `${r.daily_tokens} token`}  今天已用 ${r.used_today}`
      : `${r.student_no ?? '—'}  ${r.name}  daily allowance: ${r.daily_tokens === null ? 'not set' : `${r.daily_tokens} tokens`}  used today: ${r.used_today}`,
  );
  process.stdout.write(lines.join('\n') + '\n');
  // Today's use is what reached the hub (the hub's calendar day): a laptop not synced since is ahead.
  process.stderr.write(zh() ? '“今天已用”按已同步到班级中心的对话计算，以班级中心的日期为准。\n' : '"Used today" counts what has reached the hub, by the hub\'s calendar day.\n');
  return 0;
}

export async function syncMain(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(
    { args: argv, strict: true, options: { hub: { type: 'string' }, token: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } },
    SYNC_USAGE,
  );
  if (values.help) {
    process.stdout.write(SYNC_USAGE[systemLanguage()] + '\n');
    return 0;
  }
  const token = values.token ?? process.env.STUDYLOG_HUB_TOKEN;
  if (!values.hub || !token)
    throw usage(
      'sync needs --hub URL and a token (--token, or STUDYLOG_HUB_TOKEN).',
      'sync 需要 --hub URL 和一个班级中心令牌（--token，或环境变量 STUDYLOG_HUB_TOKEN）。',
      SYNC_USAGE,
    );
  const core = createCore({ dataDir: commandDataDir(values['data-dir'], SYNC_USAGE), secrets: null });
  try {
    // This installation's owner's items only: a hub token is one student's identity.
    const client = new SyncClient({ store: core.store, hubUrl: values.hub, token, userId: core.owner.id });
    const report = await client.sync({ force: true });
    process.stdout.write(JSON.stringify({ ...report, error: client.state.last_error, refused: client.state.refused }) + '\n');
    // The JSON is for scripts; the person at the terminal reads what went wrong in their language.
    const failure = syncFailureLine(report.status, client.state.last_error, systemLanguage(), values.hub);
    if (failure) process.stderr.write(failure);
    return report.status === 'synced' ? 0 : 1;
  } finally {
    core.close();
  }
}
