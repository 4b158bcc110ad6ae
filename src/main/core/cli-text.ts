/**
 * The `studylog` command's words in the terminal's language (cli.ts, hub/command.ts): its usage
 * texts, its usage errors, and the lines it prints for a failure. A Chinese terminal (LC_ALL,
 * LC_MESSAGES, LANG, else the system's locale: config.ts systemLanguage) reads Chinese; any other
 * reads English. Flags and command names stay as they are typed.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ERROR_HEADLINES } from '../../shared/error-headlines.ts';
import { ApiError, isApiError } from '../../shared/errors.ts';
import { systemLanguage } from './config.ts';

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
      return words(`Unknown option '${option}'.`, `没有 '${option}' 这个选项。`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(error.message)
        ? words(`${option} takes no value.`, `${option} 后面不能带值。`)
        : words(`${option} needs a value.`, `${option} 后面要跟一个值。`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return words(`Unexpected argument '${quoted}': this command takes only options.`, `多了参数 '${quoted}'：这个命令只接受选项。`);
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
};

/**
 * The lines `run` prints on stderr for a failure, and the exit code: 2 for a usage or input
 * error, 1 for anything else.
 *
 * English: `studylog: <detail> [code]` (the code left out for input errors), as always.
 * Chinese: `studylog：` and what the problem is in Chinese (the code's headline, shared with the
 * app), then the detail as above on its own line — it comes from the core and is often English.
 * A usage error is entirely in the terminal's language: the problem, then the usage.
 */
export function describeFailure(error: unknown, language: CliLanguage = systemLanguage()): { text: string; exitCode: number } {
  const zh = language === 'zh-CN';
  const prefix = zh ? 'studylog：' : 'studylog: ';
  if (error instanceof UsageError) return { text: `${prefix}${error.problem[language]}\n\n${error.usage[language]}\n`, exitCode: 2 };
  if (isApiError(error)) {
    const detail = `${error.detail}${error.code === 'validation_error' ? '' : ` [${error.code}]`}`;
    // An unknown code (a newer core's) still gets a Chinese first line.
    const headline = ERROR_HEADLINES['zh-CN'][error.code] ?? ERROR_HEADLINES['zh-CN'].internal_error;
    return { text: zh ? `${prefix}${headline}\n${detail}\n` : `${prefix}${detail}\n`, exitCode: error.code === 'validation_error' ? 2 : 1 };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (!zh) return { text: `${prefix}${message}\n`, exitCode: 1 };
  const errno = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
  return { text: `${prefix}${SYSTEM_ERROR_HEADLINES[errno] ?? ERROR_HEADLINES['zh-CN'].internal_error}\n${message}\n`, exitCode: 1 };
}
