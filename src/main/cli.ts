/**
 * The headless `studylog` command. Runs in plain Node 24 (no `electron` import anywhere below).
 * What a script should capture goes to stdout (the URL, a token, an export); notes and errors go
 * to stderr.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { USER_ROLES } from '../shared/api/schemas.ts';
import { isApiError } from '../shared/errors.ts';
import { createCore, type Core } from './core/app.ts';
import type { RateLimits } from './core/http/rate-limit.ts';
import { DEFAULT_LIMITS } from './core/http/rate-limit.ts';
import { systemLanguage } from './core/config.ts';
import {
  commandDataDir,
  commandUsage,
  describeFailure,
  noLanAddressWarning,
  notFound,
  parseCommandLine,
  roleWord,
  unreadableFile,
  UsageError,
  words,
  type Words,
} from './core/cli-text.ts';
import { chooseLanAddresses } from './core/http/lan.ts';
import { openExport } from './core/export.ts';
import { summarize, verifyBundle } from './core/handin/bundle.ts';
import { bundleAnswerFiles, describeProblem } from '../shared/api/handin.ts';
import { startHttpServer } from './core/http/server.ts';
import { KeytarSecretStore } from './core/secrets/keychain.ts';
import { hubMain, syncMain } from './core/hub/command.ts';
import { SERVER_TOKEN_NAMES } from '../shared/token-names.ts';

/** `studylog --help`, and what a usage error shows after what is wrong when its command is unknown. */
export const USAGE = words(
  `Usage: studylog <command> [options]

Commands:
  serve [--host H] [--port P] [--lan] [--rate-limit off|R[,B[,C]]]
                 start the HTTP API and the web app (default http://127.0.0.1:5123);
                 prints a one-time sign-in link (15 minutes) and, on a fresh data dir,
                 an admin token once.
                 --rate-limit: per token, R requests/s sustained, bursts of B, C at
                 once (default 10,60,16); 'off' for none (e.g. a class server)
  token create --name N (--role student|teacher|admin | --user ID | --owner)
                 print a new API token (alone on stdout; it is shown only this once);
                 a token for the owner made here may, from this machine, also change
                 providers' addresses and keys and the LAN server settings
  token list     list tokens (never the tokens themselves)
  token revoke ID
                 revoke a token (its id as token list shows it): it stops working
  migrate        create or upgrade the database and print a summary
  export (--session ID | --assignment ID) [--format md|json] [--out FILE] [--attachments]
                 --attachments: with the photos and PDFs — in the JSON (base64, at most
                 64 MB of files), or for Markdown written beside FILE as the
                 attachments/<sha256>.<ext> it links
  verify FILE    check a .studylog hand-in file: its hash chain and its signature;
                 prints OK or exactly what does not match (exit code 0 or 1)
  hub [serve] [--database-url postgres://…]   the class hub (see: studylog hub --help)
  hub token create --name N --role teacher|admin
                 print a hub token for a teacher or an admin (alone on stdout; it is
                 shown only this once)
  sync --hub URL [--token T]                   one sync round of this laptop with a class hub

Options:
  --data-dir D   where Studylog keeps its data (default: STUDYLOG_DATA_DIR, else the
                 platform's app-data folder for "Studylog")
  -h, --help     show this help`,
  `用法：studylog <命令> [选项]

命令：
  serve [--host H] [--port P] [--lan] [--rate-limit off|R[,B[,C]]]
                 启动 HTTP API 和网页应用（默认 http://127.0.0.1:5123）；
                 打印一个一次性登录链接（15 分钟内有效），第一次使用一个数据目录时
                 还会打印一次管理员令牌。
                 --rate-limit：按令牌限流，每秒持续 R 个请求，突发最多 B 个，
                 同时最多 C 个（默认 10,60,16）；“off”表示不限（例如班级服务器）
  token create --name N (--role student|teacher|admin | --user ID | --owner)
                 打印一个新的 API 令牌（stdout 上只有令牌本身；它只显示这一次）；
                 在这里为本机所有者创建的令牌，在这台电脑上还可以修改服务商的
                 地址和密钥，以及局域网服务器的设置
  token list     列出所有令牌（从不显示令牌本身）
  token revoke ID
                 撤销一个令牌（编号见 token list）：它从此不能再用
  migrate        创建或升级数据库，并打印摘要
  export (--session ID | --assignment ID) [--format md|json] [--out FILE] [--attachments]
                 --attachments：连同照片和 PDF 一起导出——JSON 中以 base64 写入（文件
                 总共最多 64 MB）；Markdown 则写在 FILE 旁边，即它所链接的
                 attachments/<sha256>.<ext>
  verify FILE    校验一个 .studylog 交作业文件：对话记录是否完整、签名是否有效；
                 打印 OK，或者具体哪里不一致（退出码 0 或 1）
  hub [serve] [--database-url postgres://…]   班级中心（详见 studylog hub --help）
  hub token create --name N --role teacher|admin
                 为教师或管理员打印一个班级中心令牌（stdout 上只有令牌本身；
                 它只显示这一次）
  sync --hub URL [--token T]                   让这台电脑与班级中心同步一轮

选项：
  --data-dir D   Studylog 存放数据的数据目录（默认：STUDYLOG_DATA_DIR，否则是
                 系统为“Studylog”准备的应用数据文件夹）
  -h, --help     显示这份帮助`,
);

export const DEFAULT_PORT = 5123;
const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

/**
 * Each command's usage lines, as `studylog --help` lists them: what a usage error of that command
 * shows (`hub` and `sync` have their own help, core/hub/command.ts).
 */
export const COMMAND_LINES: Readonly<Record<string, readonly string[]>> = {
  serve: ['serve [--host H] [--port P] [--lan] [--rate-limit off|R[,B[,C]]] [--data-dir D]'],
  token: ['token create --name N (--role student|teacher|admin | --user ID | --owner) [--data-dir D]', 'token list [--data-dir D]', 'token revoke ID [--data-dir D]'],
  migrate: ['migrate [--data-dir D]'],
  export: ['export (--session ID | --assignment ID) [--format md|json] [--out FILE] [--attachments] [--data-dir D]'],
  verify: ['verify FILE'],
};

/** The usage a usage error of `command` shows: its own lines, or the whole help for an unknown command. */
export function usageFor(command: string | undefined): Words {
  const lines = command !== undefined && Object.hasOwn(COMMAND_LINES, command) ? COMMAND_LINES[command] : undefined;
  return lines ? commandUsage(lines) : USAGE;
}

function usageError(command: string, en: string, zh: string): UsageError {
  return new UsageError(words(en, zh), usageFor(command));
}

function openCore(dataDir: string, options: { serving?: boolean } = {}): Core {
  // Keys come from the keychain where one is reachable, else from the environment.
  // A serving process titles sessions with their model (STUDYLOG_MODEL_TITLES=off keeps the titles derived from the first message).
  const modelTitles = options.serving === true && process.env.STUDYLOG_MODEL_TITLES !== 'off';
  return createCore({
    dataDir,
    secrets: new KeytarSecretStore(),
    recover: options.serving === true,
    modelTitles,
    dailyJobs: options.serving === true,
    hubSync: options.serving === true,
  });
}

function summary(core: Core): string {
  const count = (table: string) => (core.store.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const r = core.store.openReport;
  const applied = r.appliedMigrations.join(', ');
  if (systemLanguage() === 'zh-CN')
    return [
      `数据库：${core.store.file}${r.created ? '（新建）' : ''}`,
      `本次应用的迁移：${applied || '无（已是最新）'}`,
      ...(r.backupFile ? [`迁移前的备份：${r.backupFile}`] : []),
      `会话 ${count('session')} 个，消息 ${count('turn')} 条，作业 ${count('assignment')} 份`,
    ].join('\n');
  return [
    `database: ${core.store.file}${r.created ? ' (created)' : ''}`,
    `migrations applied now: ${applied || 'none (up to date)'}`,
    ...(r.backupFile ? [`backup before migrating: ${r.backupFile}`] : []),
    `sessions: ${count('session')}, turns: ${count('turn')}, assignments: ${count('assignment')}`,
  ].join('\n');
}

/** What `serve` prints once it is up: at most 4 short lines, in the terminal's language. */
export function serveBanner(options: { url: string; lanUrl: string | null; signinUrl: string; minutes: number; adminToken: string | null; language: 'zh-CN' | 'en' }): string {
  const { url, lanUrl, signinUrl, minutes, adminToken } = options;
  const zh = options.language === 'zh-CN';
  const lines = [
    zh ? `Studylog 正在运行：${url}${lanUrl ? `（局域网：${lanUrl}）` : ''}` : `Studylog is serving ${url}${lanUrl ? ` (LAN: ${lanUrl})` : ''}`,
    zh
      ? `在浏览器中打开此链接即可登录（仅可使用一次，${minutes} 分钟内有效）：${signinUrl}`
      : `Sign in: open this link in your browser (works once, for ${minutes} minutes): ${signinUrl}`,
    adminToken
      ? zh
        ? `管理员令牌，供脚本使用（只显示这一次，请妥善保存）：${adminToken}`
        : `Admin token (shown only this once; keep it safe): ${adminToken}`
      : zh
        ? '需要供脚本使用的令牌：npm run studylog -- token create --name 名称 --role admin'
        : 'A token for scripts: npm run studylog -- token create --name NAME --role admin',
  ];
  return lines.join('\n') + '\n';
}

/**
 * `--rate-limit off | R[,B[,C]]`: per-token requests per second, burst and requests in flight; the
 * parts left out keep their defaults.
 */
export function parseRateLimit(value: string | undefined): Partial<RateLimits> | false | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === 'off') return false;
  const parts = value.split(',').map((p) => p.trim());
  const numbers = parts.map(Number);
  const ok = parts.length <= 3 && numbers.every((n, i) => parts[i] !== '' && Number.isFinite(n) && n > 0 && (i === 0 || Number.isInteger(n)) && n <= 1_000_000);
  if (!ok)
    throw usageError(
      'serve',
      `--rate-limit must be 'off' or <per-second>[,<burst>[,<in-flight>]] with positive numbers (e.g. 20,120,32), not '${value}'.`,
      `--rate-limit 应为“off”或 <每秒请求数>[,<突发数>[,<同时进行数>]]，都是正数（例如 20,120,32），而不是“${value}”。`,
    );
  const [perSecond, burst, concurrent] = numbers as [number, number?, number?];
  // A burst smaller than one second's worth would make the sustained rate unreachable.
  return { perSecond, burst: burst ?? Math.max(DEFAULT_LIMITS.burst, Math.ceil(perSecond)), ...(concurrent !== undefined ? { concurrent } : {}) };
}

async function serve(dataDir: string, values: Record<string, string | boolean | undefined>): Promise<number> {
  const core = openCore(dataDir, { serving: true });
  // First serve of this data dir (even after a `migrate`): the owner has no token yet.
  const fresh = !core.users.listTokens().some((t) => t.user_id === core.owner.id);
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  const limits = parseRateLimit(typeof values['rate-limit'] === 'string' ? values['rate-limit'] : undefined);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError('serve', `--port must be a number from 0 to 65535, not '${values.port}'.`, `--port 应为 0 到 65535 之间的数字，而不是“${values.port}”。`);
  const staticDir = existsSync(path.join(RENDERER_DIR, 'index.html')) ? RENDERER_DIR : null;
  // Listen for a stop before saying we are up: a SIGTERM right after the URL must still stop cleanly.
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', () => stop());
  process.once('SIGTERM', () => stop());
  const server = await startHttpServer({
    core,
    port,
    lan: values.lan === true,
    ...(typeof values.host === 'string' ? { host: values.host } : {}),
    ...(limits !== undefined ? { limits } : {}),
    staticDir,
  });
  // The link carries a one-time code in the fragment (never sent to a server, so never in a log
  // or a Referer); the web app trades it for a token and removes it from the address bar. The
  // long-lived token itself is never put in a URL.
  const signin = core.signinCodes.issue();
  process.stdout.write(
    serveBanner({
      url: server.url,
      lanUrl: server.lanUrl,
      signinUrl: `${server.url}/#/signin?code=${signin.code}`,
      minutes: Math.round(core.signinCodes.ttlMs / 60_000),
      adminToken: fresh ? core.users.issueLocalOwnerToken(SERVER_TOKEN_NAMES.firstAdmin).token : null,
      language: systemLanguage(),
    }),
  );
  const zh = systemLanguage() === 'zh-CN';
  // --lan on a machine with no address on a network: nobody else can reach it.
  if (values.lan === true && !server.lanUrl) process.stderr.write(noLanAddressWarning('serve', chooseLanAddresses(os.networkInterfaces()).also.length > 0));
  if (!staticDir)
    process.stderr.write(
      zh ? 'studylog：网页应用尚未构建（npm run build），/ 处只提供一个简单页面。\n' : 'studylog: the web app is not built yet (npm run build); serving a minimal page at /.\n',
    );
  if (core.recovered.user_turns)
    process.stderr.write(
      zh
        ? `studylog：上次运行中有 ${core.recovered.user_turns} 条消息未获回答，已标记为失败。\n`
        : `studylog: marked ${core.recovered.user_turns} unanswered message(s) from the last run as failed.\n`,
    );
  await stopped;
  process.stderr.write(zh ? 'studylog：正在停止（等待进行中的回答完成）…\n' : 'studylog: stopping (letting answers in progress finish)…\n');
  await server.close();
  core.close();
  return 0;
}

async function token(dataDir: string, sub: string | undefined, args: string[], values: Record<string, string | boolean | undefined>): Promise<number> {
  const zh = systemLanguage() === 'zh-CN';
  const core = openCore(dataDir);
  try {
    if (sub === 'create') {
      const name = values.name;
      if (typeof name !== 'string') throw usageError('token', 'token create needs --name.', 'token create 需要 --name（令牌的名称）。');
      const given = [values.role !== undefined, values.user !== undefined, values.owner === true].filter(Boolean).length;
      if (given > 1)
        throw usageError(
          'token',
          'Give one of --role (a new user), --user (an existing one) or --owner, not several.',
          '--role（新用户）、--user（已有用户）和 --owner 只能给出其中一个。',
        );
      if (given === 0)
        throw usageError(
          'token',
          `token create needs --role (${USER_ROLES.join('|')}), --user ID or --owner.`,
          `token create 需要 --role（${USER_ROLES.join('|')}）、--user ID 或 --owner 之一。`,
        );
      // Said here, in the terminal's language: the core's refusal names only the schema's path.
      const role = values.role;
      if (typeof role === 'string' && !(USER_ROLES as readonly string[]).includes(role))
        throw usageError('token', `--role must be ${USER_ROLES.join(', ')}, not '${role}'.`, `--role 应为 ${USER_ROLES.join('、')} 之一，而不是“${role}”。`);
      // A token for the owner made here, on this machine, is a local-owner token (caller.ts):
      // from this machine it may also change providers' addresses and keys and the LAN settings.
      const forOwner = values.owner === true || values.user === core.owner.id;
      let created;
      try {
        created = forOwner
          ? core.users.issueLocalOwnerToken(name)
          : core.users.createToken(values.user !== undefined ? { name, user_id: values.user } : { name, role: values.role });
      } catch (error) {
        // Its only not_found: the --user asked for (said in the terminal's language).
        if (isApiError(error) && error.code === 'not_found' && typeof values.user === 'string') throw notFound('user', values.user);
        throw error;
      }
      process.stdout.write(`${created.token}\n`);
      process.stderr.write(
        zh
          ? `已为 ${created.info.user_name}（${roleWord(created.info.role, 'zh-CN')}，用户 ${created.info.user_id}）创建令牌 ${created.info.id}。它只显示这一次。\n`
          : `Created token ${created.info.id} for ${created.info.user_name} (${created.info.role}, user ${created.info.user_id}). It is shown only this once.\n`,
      );
      return 0;
    }
    if (sub === 'list') {
      const rows = core.users.listTokens();
      if (rows.length === 0)
        process.stderr.write(zh ? '还没有令牌：studylog token create --name 名称 --role student\n' : 'No tokens yet: studylog token create --name N --role student\n');
      for (const t of rows) {
        const at = (ms: number) => new Date(ms).toISOString();
        const state = t.revoked_at
          ? zh
            ? `已于 ${at(t.revoked_at)} 撤销`
            : `revoked ${at(t.revoked_at)}`
          : t.last_used_at
            ? zh
              ? `上次使用 ${at(t.last_used_at)}`
              : `last used ${at(t.last_used_at)}`
            : zh
              ? '从未使用'
              : 'never used';
        process.stdout.write(`${t.id}\t${t.name}\t${t.user_name} (${roleWord(t.role)}, ${zh ? '用户' : 'user'} ${t.user_id})\t${state}\n`);
      }
      return 0;
    }
    if (sub === 'revoke') {
      const id = args[0];
      if (!id) throw usageError('token', 'token revoke needs the token id (see token list).', 'token revoke 需要令牌的编号（用 studylog token list 查看）。');
      const revoked = core.users.revokeToken(id);
      if (!revoked) throw notFound('token', id);
      process.stderr.write(zh ? `已撤销令牌 ${id}（${revoked.name}）。\n` : `Revoked token ${id} (${revoked.name}).\n`);
      return 0;
    }
    throw usageError(
      'token',
      `Unknown token command '${sub ?? ''}'.`,
      sub ? `没有 token ${sub} 这个命令（可用：create、list、revoke）。` : 'token 后面要跟 create、list 或 revoke。',
    );
  } finally {
    core.close();
  }
}

/**
 * `studylog verify FILE`: the file's own checks (chain, end, signature by the key it carries).
 * Whether that key is the student's is for the teacher's Studylog, which keeps the keys on record.
 */
export function verifyFile(file: string | undefined): number {
  if (!file) throw usageError('verify', 'verify needs the .studylog file to check.', 'verify 需要要校验的 .studylog 文件。');
  const zh = systemLanguage() === 'zh-CN';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    // A missing file is the person's to fix: said in their language, not as Node's ENOENT.
    throw unreadableFile(file, error);
  }
  const { verification, bundle } = verifyBundle(text);
  if (verification.ok && bundle) {
    // Messages as the teacher's hand-in view counts them (its transcript: the student's and the
    // AI's, summarize), not the chain's turns, which hold the automatic title calls too.
    const { turns: messages, title_calls: titleCalls } = summarize(bundle.sessions);
    process.stdout.write(
      zh
        ? `OK：${file} 校验通过（${verification.sessions} 个会话，${messages} 条消息，学生 ${bundle.student.name}，作业 ${bundle.assignment.title}）。\n签名密钥指纹：${verification.key_fingerprint}\n`
        : `OK: ${file} verified (${verification.sessions} session(s), ${messages} message(s), student ${bundle.student.name}, assignment ${bundle.assignment.title}).\nSigning key fingerprint: ${verification.key_fingerprint}\n`,
    );
    if (titleCalls > 0)
      process.stdout.write(
        zh
          ? `消息数与老师看到的对话记录相同（学生的消息和 AI 的回答）；签名的记录里另有 ${titleCalls} 次自动生成标题的调用，也已校验。\n`
          : `Messages are counted as the teacher's transcript counts them (the student's and the AI's); the hash chain also holds ${titleCalls} automatic title call(s), verified too.\n`,
      );
    const files = bundleAnswerFiles(bundle);
    if (files.length) {
      const names = files.map((f) => f.name).join(zh ? '、' : ', ');
      process.stdout.write(zh ? `答案附件 ${files.length} 个，内容与签名一致：${names}\n` : `${files.length} answer file(s), their bytes as signed: ${names}\n`);
    }
    return 0;
  }
  process.stdout.write(zh ? `校验失败：${file}\n` : `FAILED: ${file}\n`);
  for (const problem of verification.problems) process.stdout.write(`- ${describeProblem(problem, zh ? 'zh-CN' : 'en')}\n`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  // The hub and sync commands parse their own options (core/hub/command.ts).
  if (argv[0] === 'hub') return hubMain(argv.slice(1));
  if (argv[0] === 'sync') return syncMain(argv.slice(1));
  const config = {
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      host: { type: 'string' },
      port: { type: 'string' },
      lan: { type: 'boolean' },
      'rate-limit': { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      user: { type: 'string' },
      owner: { type: 'boolean' },
      session: { type: 'string' },
      assignment: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      attachments: { type: 'boolean' },
    },
  } as const;
  // The command the line is for even when it does not parse (`export --session` with no value):
  // a refusal shows that command's usage, not the whole help.
  const intended = parseArgs({ ...config, strict: false }).positionals[0];
  const { values, positionals } = parseCommandLine(config, usageFor(intended));
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    (command || values.help ? process.stdout : process.stderr).write(USAGE[systemLanguage()] + '\n');
    return command || values.help ? 0 : 2;
  }
  // Reads one file; needs no data directory.
  if (command === 'verify') return verifyFile(sub);
  if (!Object.hasOwn(COMMAND_LINES, command)) throw usageError(command, `Unknown command '${command}'.`, `没有 ${command} 这个命令。`);
  const dataDir = commandDataDir(values['data-dir'], usageFor(command));
  switch (command) {
    case 'serve':
      return serve(dataDir, values);
    case 'token':
      return token(dataDir, sub, rest, values);
    case 'migrate': {
      const core = openCore(dataDir);
      try {
        process.stdout.write(summary(core) + '\n');
      } finally {
        core.close();
      }
      return 0;
    }
    case 'export': {
      const format = values.format ?? 'md';
      if (format !== 'md' && format !== 'json') throw usageError('export', `--format must be md or json, not '${format}'.`, `--format 应为 md 或 json，而不是“${format}”。`);
      if (!values.session === !values.assignment)
        throw usageError('export', 'export needs exactly one of --session ID or --assignment ID.', 'export 需要 --session ID 或 --assignment ID，且只能给出其中一个。');
      const core = openCore(dataDir);
      try {
        const caller = { user_id: core.owner.id, role: 'admin' as const };
        // Written as it is read, a page of turns at a time: a large assignment is never held whole.
        const withFiles = values.attachments === true;
        if (withFiles && format === 'md' && !values.out)
          throw usageError(
            'export',
            'export --format md --attachments needs --out FILE: the files are written beside it.',
            'export --format md --attachments 需要 --out FILE：附件会写在这个文件旁边。',
          );
        let file;
        try {
          file = openExport(core, caller, { session_id: values.session, assignment_id: values.assignment, format, attachments: withFiles && format === 'json' });
        } catch (error) {
          // Its only not_found: the session or assignment asked for (said in the terminal's language).
          if (isApiError(error) && error.code === 'not_found') throw values.session ? notFound('session', values.session) : notFound('assignment', values.assignment!);
          throw error;
        }
        const fd = values.out ? openSync(values.out, 'w') : null;
        // stdout may be a pipe: wait for it to drain rather than buffer the whole export.
        const write = async (text: string) => {
          if (fd !== null) writeSync(fd, text);
          else if (!process.stdout.write(text)) await once(process.stdout, 'drain');
        };
        try {
          let last = '';
          for (const chunk of file.chunks) {
            if (!chunk) continue;
            await write(chunk);
            last = chunk;
          }
          if (fd === null && !last.endsWith('\n')) await write('\n');
        } finally {
          if (fd !== null) closeSync(fd);
        }
        const zh = systemLanguage() === 'zh-CN';
        if (values.out) process.stderr.write(zh ? `已写入 ${values.out}\n` : `Wrote ${values.out}\n`);
        if (withFiles && format === 'md' && values.out) {
          // The Markdown links each file as attachments/<sha256>.<ext>, relative to itself.
          let count = 0;
          for (const f of file.files()) {
            const target = path.join(path.dirname(values.out), f.path);
            mkdirSync(path.dirname(target), { recursive: true });
            writeFileSync(target, f.data);
            count++;
          }
          const dir = path.join(path.dirname(values.out), 'attachments');
          process.stderr.write(zh ? `已把 ${count} 个附件写入 ${dir}\n` : `Wrote ${count} attachment${count === 1 ? '' : 's'} to ${dir}\n`);
        }
      } finally {
        core.close();
      }
      return 0;
    }
    default:
      throw usageError(command, `Unknown command '${command}'.`, `没有 ${command} 这个命令。`);
  }
}

/** Runs a command and turns any failure into one clear message on stderr and a non-zero exit. */
export async function run(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    // A known failure (corrupt database, unknown migration, bad flag) is a message, not a stack,
    // in the terminal's language (cli-text.ts).
    const failure = describeFailure(error);
    process.stderr.write(failure.text);
    return failure.exitCode;
  }
}

if (import.meta.main) process.exitCode = await run(process.argv.slice(2));
