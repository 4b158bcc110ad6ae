/**
 * The `studylog` command's words in the terminal's language (cli.ts, hub/command.ts): its usage
 * texts, its usage errors, and the lines it prints for a failure. A Chinese terminal (LC_ALL,
 * LC_MESSAGES, LANG, else the system's locale: config.ts systemLanguage) reads Chinese; any other
 * reads English. Flags and command names stay as they are typed.
 */
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ERROR_HEADLINES } from '../../shared/error-headlines.ts';
import { ApiError, DATABASE_ISSUE, isApiError, type ErrorCode } from '../../shared/errors.ts';
import { resolveDataDir, systemLanguage } from './config.ts';
import { ServingLockHeld } from './serving-lock.ts';

export type CliLanguage = 'zh-CN' | 'en';

/** One text in both languages; the terminal's is picked when it is printed. */
export interface Words {
  en: string;
  'zh-CN': string;
}

export const words = (en: string, zh: string): Words => ({ en, 'zh-CN': zh });

/**
 * A command line the command cannot run: what is wrong and the usage of the command it was for.
 * Its `detail` (for anything that reads ApiErrors) is the English text; `run` prints the
 * terminal's language.
 */
export class UsageError extends ApiError {
  readonly problem: Words;
  readonly usage: Words;

  constructor(problem: Words, usage: Words) {
    super('validation_error', `${problem.en}\n\n${usage.en}`);
    this.problem = problem;
    this.usage = usage;
  }
}

/**
 * What a usage error of one command shows after what is wrong: that command's usage lines (as
 * `studylog --help` lists them, without their descriptions), then where the rest is. The whole
 * help is for an unknown command (or none).
 */
export function commandUsage(lines: readonly string[]): Words {
  const block = (first: string, indent: string) => lines.map((line, i) => `${i === 0 ? first : indent}studylog ${line}`).join('\n');
  // "用法：" is as wide as six Latin letters in a terminal.
  return words(`${block('Usage: ', '       ')}\nRun studylog --help for all commands.`, `${block('用法：', '      ')}\n运行 studylog --help 查看全部用法。`);
}

/**
 * `parseArgs` (strict) whose refusals — an unknown option, an option without its value, a value
 * given to a flag — are usage errors in the terminal's language instead of Node's English TypeError.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, usage: Words): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const problem = parseProblem(error);
    if (problem) throw new UsageError(problem, usage);
    throw error;
  }
}

/** Node's parseArgs errors (ERR_PARSE_ARGS_*) said again in both languages; null for anything else. */
function parseProblem(error: unknown): Words | null {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string' || !error.code.startsWith('ERR_PARSE_ARGS_')) return null;
  // Node names the option (or argument) first, in quotes: "Unknown option '--foo'. …",
  // "Option '-h, --help' does not take an argument", "Option '--port <value>' argument missing".
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  const option = /--[\w-]+/.exec(quoted)?.[0] ?? quoted.split(/[\s,]/)[0] ?? quoted;
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return words(`Unknown option '${option}'.`, `没有“${option}”这个选项。`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(error.message)
        ? words(`${option} takes no value.`, `${option} 后面不能带值。`)
        : words(`${option} needs a value.`, `${option} 后面要跟一个值。`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return words(`Unexpected argument '${quoted}': this command takes only options.`, `多了参数“${quoted}”：这个命令只接受选项。`);
    default:
      return words(error.message, error.message);
  }
}

/** What a Node system error (errno code) was about, for the Chinese first line. */
const SYSTEM_ERROR_HEADLINES: Record<string, string> = {
  ENOENT: '找不到这个文件或文件夹。',
  EACCES: '没有权限访问这个文件或文件夹。',
  EPERM: '系统不允许这个操作。',
  EISDIR: '这是一个文件夹，不是文件。',
  ENOSPC: '磁盘空间不足。',
  EADDRINUSE: '这个端口已被其他程序占用。',
  EADDRNOTAVAIL: '这台电脑没有这个地址。',
  // mkdir where a file is in the way (a data directory that is a file is caught before: dataDirProblem).
  EEXIST: '这个位置已经有一个同名的文件。',
  ENOTDIR: '路径中有一段是文件，不是文件夹。',
};

/**
 * Why `dir` cannot be the data directory: a file at it, or at one of the folders above it (the
 * database's mkdir would fail with EEXIST or ENOTDIR), or a link there to something that does not
 * exist (mkdir fails with EEXIST or ENOENT). `given` says where the path came from, so the message
 * names what to change. Null when it is a folder (a link to one included) or can be made.
 */
export function dataDirProblem(dir: string, given: '--data-dir' | 'STUDYLOG_DATA_DIR' | null): Words | null {
  const resolved = path.resolve(dir);
  let blocker: string | null = null;
  for (let at = resolved; blocker === null; at = path.dirname(at)) {
    let stat;
    try {
      stat = statSync(at, { throwIfNoEntry: false });
    } catch {
      stat = undefined; // ENOTDIR: a file further up; look there
    }
    if (stat?.isDirectory()) return null;
    if (stat) blocker = at;
    else if (isLink(at)) return brokenLink(dir, at, given);
    else if (path.dirname(at) === at) return null;
  }
  const name = given ?? 'The data directory';
  const zhName = given ? `${given} 指向的` : '数据目录';
  const file = blocker === resolved ? '' : ` (${blocker} is a file)`;
  const zhFile = blocker === resolved ? '' : `（${blocker} 是一个文件）`;
  return words(`${name} is not a folder: ${dir}${file}`, `${zhName}不是文件夹：${dir}${zhFile}`);
}

function isLink(at: string): boolean {
  try {
    return lstatSync(at, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  } catch {
    return false; // ENOTDIR: a file further up, found on the way there
  }
}

/** A data directory that is (or is below) a link to nothing: the link and where it points, in both languages. */
function brokenLink(dir: string, link: string, given: '--data-dir' | 'STUDYLOG_DATA_DIR' | null): Words {
  // Where it points, as a full path (a relative target is relative to the link's folder).
  const target = path.resolve(path.dirname(link), readlinkSync(link));
  if (link === path.resolve(dir))
    return words(
      `${given ?? 'The data directory'} is a link to a folder that does not exist: ${dir} → ${target}`,
      `${given ? `${given} 指向的` : '数据目录'}是一个链接，它指向的文件夹不存在：${dir} → ${target}`,
    );
  return words(
    `${given ?? 'The data directory'} cannot be made: ${dir} (${link} is a link to ${target}, which does not exist)`,
    `无法创建${given ? ` ${given} 指向的文件夹` : '数据目录'}：${dir}（${link} 是一个链接，它指向的 ${target} 不存在）`,
  );
}

/** A command's data directory (--data-dir, else STUDYLOG_DATA_DIR, else the platform's), refused as a usage error when it cannot be a folder. */
export function commandDataDir(flag: string | undefined, usage: Words): string {
  const dir = resolveDataDir(flag);
  const problem = dataDirProblem(dir, flag ? '--data-dir' : process.env.STUDYLOG_DATA_DIR ? 'STUDYLOG_DATA_DIR' : null);
  if (problem) throw new UsageError(problem, usage);
  return dir;
}

/**
 * The failure of reading a file the command was given (verify FILE), in the terminal's language:
 * a missing file is `not_found` ("There is no file …"), never Node's ENOENT text.
 */
export function unreadableFile(file: string, error: unknown, language: CliLanguage = systemLanguage()): ApiError {
  const zh = language === 'zh-CN';
  const errno = error instanceof Error && 'code' in error ? error.code : '';
  if (errno === 'ENOENT') return new ApiError('not_found', zh ? `找不到文件 ${file}` : `There is no file ${file}`);
  if (errno === 'EISDIR') return new ApiError('not_found', zh ? `${file} 是文件夹，不是文件` : `${file} is a folder, not a file`);
  if (errno === 'EACCES' || errno === 'EPERM') return new ApiError('forbidden', zh ? `没有读取 ${file} 的权限` : `No permission to read ${file}`);
  const reason = error instanceof Error ? error.message : String(error);
  return new ApiError('not_found', zh ? `无法读取 ${file}：${reason}` : `Cannot read ${file}: ${reason}`);
}

/**
 * What the command's own lookups did not find (export's session or assignment, a token to revoke,
 * the user `token create --user` names): under the bare "Not found." headline, the detail names it.
 */
export function notFound(what: 'session' | 'assignment' | 'token' | 'user', id: string, language: CliLanguage = systemLanguage()): ApiError {
  const zh = {
    session: `没有编号为“${id}”的会话。`,
    assignment: `没有编号为“${id}”的作业，也没有属于它的会话。`,
    token: `没有编号为“${id}”的令牌（用 studylog token list 查看）。`,
    user: `没有编号为“${id}”的用户（用 studylog token list 查看用户的编号）。`,
  };
  return new ApiError('not_found', language === 'zh-CN' ? zh[what] : `There is no ${what} '${id}'.`);
}

/** A role as the terminal's language names it (token create and list, hub token create). */
export function roleWord(role: string, language: CliLanguage = systemLanguage()): string {
  const zh: Record<string, string> = { student: '学生', teacher: '教师', admin: '管理员' };
  return language === 'zh-CN' ? (zh[role] ?? role) : role;
}

/**
 * What `hub serve --lan` and `serve --lan` say on stderr when this machine has no address on a
 * local network (only loopback, or only Docker's or a VPN's adapters: http/lan.ts): nobody else
 * will reach it, and how to fix that.
 */
export function noLanAddressWarning(what: 'hub' | 'serve', onlyVirtual: boolean, language: CliLanguage = systemLanguage()): string {
  if (language === 'zh-CN') {
    const [prefix, who, again] =
      what === 'hub' ? ['studylog hub：', '学生的电脑连不上这个班级中心', '重新启动班级中心'] : ['studylog：', '其他电脑连不上这个 Studylog', '重新启动 Studylog'];
    return `${prefix}这台电脑没有局域网地址${onlyVirtual ? '（只有虚拟网卡或 VPN 的地址）' : ''}，${who}。请把这台电脑连接到班级的网络（教室的 Wi-Fi 或网线），然后${again}。\n`;
  }
  const [prefix, who, again] =
    what === 'hub' ? ['studylog hub: ', "students' laptops will not reach this hub", 'the hub'] : ['studylog: ', 'other computers will not reach this Studylog', 'Studylog'];
  return `${prefix}this machine has no address on a local network${onlyVirtual ? ' (only virtual or VPN adapters)' : ''}: ${who}. Connect it to the class network (the classroom's Wi-Fi or a cable), then start ${again} again.\n`;
}

/**
 * The line `studylog sync` prints on stderr when its round did not sync (the report stays JSON on
 * stdout, for scripts): what went wrong, in the terminal's language. Null for a round that synced.
 * A not_found is the hub's answer to a route it does not have (a hand-in it refuses is in the
 * report's `refused`, not here): nothing at `hub` is a class hub, and the line says so rather than
 * the bare "Not found.".
 */
export function syncFailureLine(status: string, lastError: { code: ErrorCode } | null, language: CliLanguage = systemLanguage(), hub?: string): string | null {
  if (status === 'synced') return null;
  const code = lastError?.code ?? (status === 'revoked' ? 'device_revoked' : status === 'offline' ? 'hub_unreachable' : 'internal_error');
  const zh = language === 'zh-CN';
  if (code === 'not_found') {
    const at = hub ?? (zh ? '这个地址' : 'that address');
    return zh
      ? `studylog：没有同步成功：${at} 上没有找到班级中心。请检查 --hub 的地址：应为 studylog hub serve 打印的、给学生电脑用的地址。\n`
      : `studylog: Not synced: no class hub was found at ${at}. Check --hub: it is the address studylog hub serve prints for students' laptops.\n`;
  }
  const headline = ERROR_HEADLINES[language][code] ?? ERROR_HEADLINES[language].internal_error;
  return zh ? `studylog：没有同步成功：${headline}\n` : `studylog: Not synced: ${headline}\n`;
}

/**
 * What to do about a database that cannot be used, in Chinese (the English detail says it already):
 * the same advice as the detail, naming the file (or the hub's address) its structured field names
 * (DATABASE_ISSUE, set by db/connection.ts and hub/sql.ts). A failure of a write (db-errors.ts)
 * has no such field and names no file: the advice points at the data directory's. Null for a
 * detail already in Chinese.
 */
function databaseAdvice(error: ApiError): string | null {
  const { code, detail } = error;
  if ((code !== 'db_corrupt' && code !== 'db_unavailable' && code !== 'db_unknown_migration') || /[\u4e00-\u9fff]/.test(detail)) return null;
  if (detail === 'Studylog is shutting down.') return 'Studylog 正在关闭，请稍后再试。';
  const named = error.issues?.find((issue) => issue.path === DATABASE_ISSUE)?.params ?? {};
  const text = (value: string | number | undefined) => (typeof value === 'string' && value !== '' ? value : null);
  const hub = text(named.hub);
  if (hub) return `无法打开班级中心的数据库 ${hub}：请检查 PostgreSQL 是否在运行，以及地址、用户名和密码是否正确。`;
  const file = text(named.file);
  const copy = text(named.backup_file);
  const it = file ? `数据库文件 ${file} ` : '数据库文件（数据目录里的 studylog.db）';
  // A failed write says "Nothing was written" (db-errors.ts): its statement was rolled back.
  const unchanged = file ? named.unchanged === 1 : detail.endsWith('Nothing was written.');
  const backup = copy ? `尝试之前的副本在 ${copy}。` : '';
  switch (code) {
    case 'db_corrupt':
      return `${it}${unchanged ? '没有被改动' : '无法使用'}。请用它旁边的备份（studylog.db.*.bak）恢复，或者把它移到别处，重新开始。${backup}`;
    case 'db_unavailable':
      return `${it}无法读写${unchanged ? '，它没有被改动' : ''}。请检查当前用户能否写入这个文件和它所在的文件夹、磁盘是否已满、是否有其他程序占用着它。${backup}`;
    case 'db_unknown_migration':
      return `${it}是更新版本的 Studylog 写入的（有这个版本不认识的迁移）。请把 Studylog 更新到最新版本；文件没有被改动。`;
  }
}

/**
 * The lines `run` prints on stderr for a failure, and the exit code: 2 for a usage or input
 * error, 1 for anything else.
 *
 * English: `studylog: <detail> [code]` (the code left out for input errors), as always.
 * Chinese: `studylog：` and what the problem is in Chinese (the code's headline, shared with the
 * app), for a database that cannot be used what to do about it, then the detail as above on its
 * own line — it comes from the core and is often English.
 * A usage error is entirely in the terminal's language: the problem, then the usage.
 */
export function describeFailure(error: unknown, language: CliLanguage = systemLanguage()): { text: string; exitCode: number } {
  const zh = language === 'zh-CN';
  const prefix = zh ? 'studylog：' : 'studylog: ';
  if (error instanceof UsageError) return { text: `${prefix}${error.problem[language]}\n\n${error.usage[language]}\n`, exitCode: 2 };
  // A second `npm start` (or serve) on the same data: say that Studylog is already running, in the terminal's language.
  if (error instanceof ServingLockHeld && zh)
    return {
      text: `${prefix}Studylog 已经在运行（进程 ${error.pid}），正在使用数据目录 ${error.dataDir}。\n请打开它在终端里打印的链接继续使用；或者先停止它（在它的终端里按 Ctrl+C），再重新运行。\n`,
      exitCode: 1,
    };
  if (isApiError(error)) {
    const detail = `${error.detail}${error.code === 'validation_error' ? '' : ` [${error.code}]`}`;
    // An unknown code (a newer core's) still gets a Chinese first line.
    const headline = ERROR_HEADLINES['zh-CN'][error.code] ?? ERROR_HEADLINES['zh-CN'].internal_error;
    const advice = zh ? databaseAdvice(error) : null;
    return { text: zh ? `${prefix}${headline}\n${advice ? `${advice}\n` : ''}${detail}\n` : `${prefix}${detail}\n`, exitCode: error.code === 'validation_error' ? 2 : 1 };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (!zh) return { text: `${prefix}${message}\n`, exitCode: 1 };
  const errno = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
  return { text: `${prefix}${SYSTEM_ERROR_HEADLINES[errno] ?? ERROR_HEADLINES['zh-CN'].internal_error}\n${message}\n`, exitCode: 1 };
}
