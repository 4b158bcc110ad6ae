// The studylog command's failure lines (src/main/core/cli-text.ts) as pure functions: Node's
// parseArgs refusals become usage errors in both languages, an ApiError gets its code's Chinese
// headline first, a system error (errno) a Chinese line naming it; English stays one line. And
// what a zh-CN tryout found: a usage error shows its command's usage lines only, a missing file, a
// data dir that is a file, the CLI's own lookups and a failed sync round are said in the
// terminal's language, a database that cannot be used gets Chinese advice, the help's wording.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { COMMAND_LINES, USAGE as STUDYLOG_USAGE, usageFor } from '../../src/main/cli.ts';
import { commandUsage, dataDirProblem, describeFailure, notFound, parseCommandLine, syncFailureLine, unreadableFile, UsageError, words } from '../../src/main/core/cli-text.ts';
import { openDatabase } from '../../src/main/core/db/connection.ts';
import { HUB_USAGE, SYNC_USAGE } from '../../src/main/core/hub/command.ts';
import { openPgHub } from '../../src/main/core/hub/sql.ts';
import { ERROR_HEADLINES } from '../../src/shared/error-headlines.ts';
import { ApiError, DATABASE_ISSUE, ERROR_STATUS, isApiError, type ErrorCode } from '../../src/shared/errors.ts';
import { tempDir } from '../support/temp.ts';

const USAGE = words('Usage: studylog test', '用法：studylog test');
const parse = (args: string[]) =>
  parseCommandLine({ args, strict: true, options: { port: { type: 'string' }, lan: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }, USAGE);

function refusal(args: string[]): UsageError {
  try {
    parse(args);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`parsed ${JSON.stringify(args)}`);
}

describe("parseArgs' refusals are usage errors in both languages", () => {
  test.each([
    [['--nope'], "Unknown option '--nope'.", '没有“--nope”这个选项。'],
    [['-x'], "Unknown option '-x'.", '没有“-x”这个选项。'],
    [['--port'], '--port needs a value.', '--port 后面要跟一个值。'],
    [['--port', '--lan'], '--port needs a value.', '--port 后面要跟一个值。'],
    [['--lan=1'], '--lan takes no value.', '--lan 后面不能带值。'],
    [['--help=yes'], '--help takes no value.', '--help 后面不能带值。'],
    [['extra'], "Unexpected argument 'extra': this command takes only options.", '多了参数“extra”：这个命令只接受选项。'],
  ])('%j', (args, en, zh) => {
    const error = refusal(args);
    expect(error.problem).toEqual(words(en, zh));
    expect(error.code).toBe('validation_error');
    // Anything reading ApiErrors reads the English text, with the usage.
    expect(error.detail).toBe(`${en}\n\nUsage: studylog test`);
    expect(describeFailure(error, 'zh-CN')).toEqual({ text: `studylog：${zh}\n\n用法：studylog test\n`, exitCode: 2 });
    expect(describeFailure(error, 'en')).toEqual({ text: `studylog: ${en}\n\nUsage: studylog test\n`, exitCode: 2 });
  });

  test('what parses is returned as parseArgs returns it', () => {
    expect(parse(['--port', '0', '--lan']).values).toEqual({ port: '0', lan: true });
  });
});

describe('a failure, in the terminal’s language', () => {
  // The database codes also get a line of advice (below).
  const DATABASE = ['db_corrupt', 'db_unavailable', 'db_unknown_migration'];
  test.each((Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => !DATABASE.includes(code)))('%s: a Chinese first line, then the detail and code as in English', (code) => {
    const error = new ApiError(code, 'Something specific happened.');
    const suffix = code === 'validation_error' ? '' : ` [${code}]`;
    const exitCode = code === 'validation_error' ? 2 : 1;
    expect(describeFailure(error, 'en')).toEqual({ text: `studylog: Something specific happened.${suffix}\n`, exitCode });
    expect(describeFailure(error, 'zh-CN')).toEqual({ text: `studylog：${ERROR_HEADLINES['zh-CN'][code]}\nSomething specific happened.${suffix}\n`, exitCode });
    expect(ERROR_HEADLINES['zh-CN'][code]).toMatch(/[\u4e00-\u9fff]/);
  });

  test('a system error names its errno in Chinese; anything else reads as "something went wrong"', () => {
    const busy = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:5123'), { code: 'EADDRINUSE' });
    expect(describeFailure(busy, 'zh-CN').text).toBe('studylog：这个端口已被其他程序占用。\nlisten EADDRINUSE: address already in use 127.0.0.1:5123\n');
    expect(describeFailure(busy, 'en')).toEqual({ text: 'studylog: listen EADDRINUSE: address already in use 127.0.0.1:5123\n', exitCode: 1 });
    expect(describeFailure(new Error('boom'), 'zh-CN')).toEqual({ text: `studylog：${ERROR_HEADLINES['zh-CN'].internal_error}\nboom\n`, exitCode: 1 });
  });
});

/** What `fn` throws, as an ApiError. */
function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (isApiError(error)) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}

describe('a usage error shows the usage lines of its command, then where the rest is', () => {
  test('commandUsage: the lines under Usage:/用法： (aligned), then the pointer to --help', () => {
    const usage = commandUsage(['token create --name N', 'token list']);
    expect(usage.en).toBe('Usage: studylog token create --name N\n       studylog token list\nRun studylog --help for all commands.');
    expect(usage['zh-CN']).toBe('用法：studylog token create --name N\n      studylog token list\n运行 studylog --help 查看全部用法。');
  });

  test.each(Object.keys(COMMAND_LINES))('%s: its own lines, each as `studylog --help` lists it; nothing of the other commands', (command) => {
    const usage = usageFor(command);
    for (const language of ['en', 'zh-CN'] as const) {
      const lines = usage[language].split('\n');
      expect(lines.length).toBe(COMMAND_LINES[command]!.length + 1);
      expect(lines.at(-1)).toBe(language === 'en' ? 'Run studylog --help for all commands.' : '运行 studylog --help 查看全部用法。');
      for (const line of lines.slice(0, -1)) {
        expect(line).toMatch(new RegExp(`^(Usage: |用法：| +)studylog ${command} `));
        // The same synopsis as in the full help (where --data-dir is listed once, under options).
        const synopsis = line.replace(/^(Usage: |用法：| +)studylog /, '').replace(/ \[--data-dir D\]$/, '');
        expect(STUDYLOG_USAGE[language]).toContain(`  ${synopsis}`);
      }
    }
    const refusal = new UsageError(words('token create needs --name.', 'token create 需要 --name（令牌的名称）。'), usage);
    for (const language of ['en', 'zh-CN'] as const) {
      const { text, exitCode } = describeFailure(refusal, language);
      expect(exitCode).toBe(2);
      expect(text.split('\n').length).toBeLessThanOrEqual(7); // not the 30-line help
      expect(text).not.toContain(language === 'en' ? 'Commands:' : '命令：');
    }
  });

  test('an unknown command (or none) keeps the whole help', () => {
    for (const command of [undefined, 'frobnicate', 'constructor', 'hub']) expect(usageFor(command)).toBe(STUDYLOG_USAGE);
  });
});

describe('what the terminal reads is in its language', () => {
  test('verify’s file that is not there: “There is no file …”, not ENOENT', () => {
    const file = path.join(tempDir(), 'nope.studylog');
    let missing: unknown;
    try {
      readFileSync(file, 'utf8');
    } catch (error) {
      missing = error;
    }
    expect(unreadableFile(file, missing, 'en')).toMatchObject({ code: 'not_found', detail: `There is no file ${file}` });
    expect(unreadableFile(file, missing, 'zh-CN')).toMatchObject({ code: 'not_found', detail: `找不到文件 ${file}` });
    expect(describeFailure(unreadableFile(file, missing, 'zh-CN'), 'zh-CN').text).toBe(`studylog：未找到。\n找不到文件 ${file} [not_found]\n`);
    expect(describeFailure(unreadableFile(file, missing, 'en'), 'en').text).toBe(`studylog: There is no file ${file} [not_found]\n`);
  });

  test('a data directory that is a file, or below one: named, in both languages', () => {
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    expect(dataDirProblem(file, '--data-dir')).toEqual(words(`--data-dir is not a folder: ${file}`, `--data-dir 指向的不是文件夹：${file}`));
    expect(dataDirProblem(path.join(file, 'sub'), 'STUDYLOG_DATA_DIR')).toEqual(
      words(
        `STUDYLOG_DATA_DIR is not a folder: ${path.join(file, 'sub')} (${file} is a file)`,
        `STUDYLOG_DATA_DIR 指向的不是文件夹：${path.join(file, 'sub')}（${file} 是一个文件）`,
      ),
    );
    expect(dataDirProblem(file, null)?.['zh-CN']).toBe(`数据目录不是文件夹：${file}`);
    // A folder, or one that can be made, is fine.
    mkdirSync(path.join(dir, 'folder'));
    expect(dataDirProblem(path.join(dir, 'folder'), '--data-dir')).toBeNull();
    expect(dataDirProblem(path.join(dir, 'not', 'yet'), '--data-dir')).toBeNull();
  });

  test('a data directory that is a link to nothing (or below one): the link and where it points, in both languages; a link to a folder is fine', () => {
    const dir = tempDir();
    const link = path.join(dir, 'data');
    symlinkSync(path.join(dir, 'gone'), link);
    expect(dataDirProblem(link, '--data-dir')).toEqual(
      words(
        `--data-dir is a link to a folder that does not exist: ${link} → ${path.join(dir, 'gone')}`,
        `--data-dir 指向的是一个链接，它指向的文件夹不存在：${link} → ${path.join(dir, 'gone')}`,
      ),
    );
    expect(dataDirProblem(link, null)?.['zh-CN']).toBe(`数据目录是一个链接，它指向的文件夹不存在：${link} → ${path.join(dir, 'gone')}`);
    // A relative link points from its own folder; a link further up is named as the cause.
    const relative = path.join(dir, 'relative');
    symlinkSync(path.join('..', 'elsewhere', 'x'), relative);
    const below = path.join(relative, 'studylog');
    const target = path.resolve(dir, '..', 'elsewhere', 'x');
    expect(dataDirProblem(below, 'STUDYLOG_DATA_DIR')).toEqual(
      words(
        `STUDYLOG_DATA_DIR cannot be made: ${below} (${relative} is a link to ${target}, which does not exist)`,
        `无法创建 STUDYLOG_DATA_DIR 指向的文件夹：${below}（${relative} 是一个链接，它指向的 ${target} 不存在）`,
      ),
    );
    // A link to a folder, or to where a folder can be made below one, keeps working.
    mkdirSync(path.join(dir, 'real'));
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'good'));
    expect(dataDirProblem(path.join(dir, 'good'), '--data-dir')).toBeNull();
    expect(dataDirProblem(path.join(dir, 'good', 'new', 'sub'), '--data-dir')).toBeNull();
  });

  test('EEXIST and ENOTDIR (mkdir where a file is) get a Chinese first line', () => {
    for (const [code, headline] of [
      ['EEXIST', '这个位置已经有一个同名的文件。'],
      ['ENOTDIR', '路径中有一段是文件，不是文件夹。'],
    ] as const) {
      const error = Object.assign(new Error(`${code}: mkdir '/tmp/x'`), { code });
      expect(describeFailure(error, 'zh-CN')).toEqual({ text: `studylog：${headline}\n${code}: mkdir '/tmp/x'\n`, exitCode: 1 });
      expect(describeFailure(error, 'en')).toEqual({ text: `studylog: ${code}: mkdir '/tmp/x'\n`, exitCode: 1 });
    }
  });

  test('a failed sync round: one line saying why; none for a round that synced', () => {
    const unreachable = { code: 'hub_unreachable' as const };
    expect(syncFailureLine('offline', unreachable, 'en')).toBe('studylog: Not synced: The class hub could not be reached.\n');
    expect(syncFailureLine('offline', unreachable, 'zh-CN')).toBe('studylog：没有同步成功：无法连接班级中心。\n');
    expect(syncFailureLine('revoked', null, 'zh-CN')).toBe(`studylog：没有同步成功：${ERROR_HEADLINES['zh-CN'].device_revoked}\n`);
    expect(syncFailureLine('revoked', null, 'en')).toBe(`studylog: Not synced: ${ERROR_HEADLINES.en.device_revoked}\n`);
    expect(syncFailureLine('synced', null, 'zh-CN')).toBeNull();
    expect(syncFailureLine('synced', null, 'en')).toBeNull();
    // A not_found: no class hub at that address (the bare headline "Not found." said nothing).
    expect(syncFailureLine('error', { code: 'not_found' }, 'en', 'http://10.0.0.5:5123')).toBe(
      "studylog: Not synced: no class hub was found at http://10.0.0.5:5123. Check --hub: it is the address studylog hub serve prints for students' laptops.\n",
    );
    expect(syncFailureLine('error', { code: 'not_found' }, 'zh-CN', 'http://10.0.0.5:5123')).toBe(
      'studylog：没有同步成功：http://10.0.0.5:5123 上没有找到班级中心。请检查 --hub 的地址：应为 studylog hub serve 打印的、给学生电脑用的地址。\n',
    );
  });

  test.each(['session', 'assignment', 'token', 'user'] as const)('the command’s own lookup of a %s: not found, in both languages', (what) => {
    expect(notFound(what, 'nonexist', 'en')).toMatchObject({ code: 'not_found', detail: `There is no ${what} 'nonexist'.` });
    const zh = notFound(what, 'nonexist', 'zh-CN');
    expect(zh.code).toBe('not_found');
    expect(zh.detail).toContain('没有编号为“nonexist”的');
    expect(zh.detail.replace('studylog token list', '')).not.toMatch(/[A-Za-z]{3,} [A-Za-z]{3,}/);
  });
});

describe('a database that cannot be used: a Chinese line of advice, naming the file, before the detail', () => {
  test('db_corrupt, from a damaged file', () => {
    const file = path.join(tempDir(), 'studylog.db');
    writeFileSync(file, 'garbage'.repeat(1000));
    const error = thrown(() => openDatabase(file));
    expect(error.code).toBe('db_corrupt');
    const zh = describeFailure(error, 'zh-CN').text.split('\n');
    expect(zh).toEqual([
      'studylog：本地数据库已损坏。',
      `数据库文件 ${file} 没有被改动。请用它旁边的备份（studylog.db.*.bak）恢复，或者把它移到别处，重新开始。`,
      `${error.detail} [db_corrupt]`,
      '',
    ]);
    // English: the detail already says it, on one line.
    expect(describeFailure(error, 'en').text).toBe(`studylog: ${error.detail} [db_corrupt]\n`);
  });

  test('the file comes from the error’s structured field, not from its English detail: a folder named with “: ” or “ cannot be ” is named whole', () => {
    for (const folder of ['notes: term 1', 'what cannot be lost', 'x has a migration applied']) {
      const dir = path.join(tempDir(), folder);
      mkdirSync(dir);
      const file = path.join(dir, 'studylog.db');
      writeFileSync(file, 'garbage'.repeat(1000));
      const error = thrown(() => openDatabase(file));
      expect(error.issues).toEqual([{ path: DATABASE_ISSUE, message: file, params: { file, unchanged: 1 } }]);
      expect(describeFailure(error, 'zh-CN').text.split('\n')[1]).toBe(`数据库文件 ${file} 没有被改动。请用它旁边的备份（studylog.db.*.bak）恢复，或者把它移到别处，重新开始。`);
      // The detail users read is as before.
      expect(error.detail).toMatch(/^The Studylog database .* cannot be read \(.*\)\. It was not changed\. Restore it from a backup/);
    }
  });

  test('db_unknown_migration, from a database a newer Studylog migrated: the file from its field', () => {
    const file = path.join(tempDir(), 'studylog.db');
    openDatabase(file).close();
    const raw = new Database(file);
    raw.prepare('UPDATE __drizzle_migrations SET hash = ? WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)').run('0'.repeat(64));
    raw.close();
    const error = thrown(() => openDatabase(file));
    expect(error.code).toBe('db_unknown_migration');
    expect(error.issues).toEqual([{ path: DATABASE_ISSUE, message: file, params: { file, unchanged: 1 } }]);
    expect(describeFailure(error, 'zh-CN').text.split('\n')[1]).toBe(
      `数据库文件 ${file} 是更新版本的 Studylog 写入的（有这个版本不认识的迁移）。请把 Studylog 更新到最新版本；文件没有被改动。`,
    );
  });

  test('a hub database that cannot be reached: its address (password left out) from the field', async () => {
    const error: unknown = await openPgHub('postgres://teacher:fake-pass@127.0.0.1:1/hub', { poolSize: 1 }).then(
      () => null,
      (e: unknown) => e,
    );
    if (!isApiError(error)) throw error;
    expect(error.code).toBe('db_unavailable');
    expect(error.issues).toEqual([{ path: DATABASE_ISSUE, message: 'postgres://teacher:***@127.0.0.1:1/hub', params: { hub: 'postgres://teacher:***@127.0.0.1:1/hub' } }]);
    expect(describeFailure(error, 'zh-CN').text.split('\n')[1]).toBe(
      '无法打开班级中心的数据库 postgres://teacher:***@127.0.0.1:1/hub：请检查 PostgreSQL 是否在运行，以及地址、用户名和密码是否正确。',
    );
  });

  /** An error as db/connection.ts (or hub/sql.ts) makes it: the English detail and the structured field. */
  const named = (code: ErrorCode, detail: string, params: Record<string, string | number>) => new ApiError(code, detail, [{ path: DATABASE_ISSUE, message: 'x', params }]);
  test.each([
    [
      named(
        'db_unavailable',
        'The Studylog database /d/studylog.db cannot be opened for reading and writing (attempt to write a readonly database). It was not changed. Check that the file and its folder are writable by this user, that the disk is not full, and that no other program holds it.',
        { file: '/d/studylog.db', unchanged: 1 },
      ),
      '数据库文件 /d/studylog.db 无法读写，它没有被改动。请检查当前用户能否写入这个文件和它所在的文件夹、磁盘是否已满、是否有其他程序占用着它。',
    ],
    [
      named('db_corrupt', 'Could not prepare the Studylog database /d/studylog.db: no such table: x. A copy from before the attempt is at /d/studylog.db.20260101T000000Z.bak.', {
        file: '/d/studylog.db',
        unchanged: 0,
        backup_file: '/d/studylog.db.20260101T000000Z.bak',
      }),
      '数据库文件 /d/studylog.db 无法使用。请用它旁边的备份（studylog.db.*.bak）恢复，或者把它移到别处，重新开始。尝试之前的副本在 /d/studylog.db.20260101T000000Z.bak。',
    ],
    [
      named('db_unavailable', 'Could not open the hub database at postgres://teacher@db.school.lan/hub: connect ECONNREFUSED 10.0.0.2:5432', {
        hub: 'postgres://teacher@db.school.lan/hub',
      }),
      '无法打开班级中心的数据库 postgres://teacher@db.school.lan/hub：请检查 PostgreSQL 是否在运行，以及地址、用户名和密码是否正确。',
    ],
    // A failed write (db-errors.ts) names no file, and has no field: the data directory's file.
    [
      new ApiError('db_unavailable', 'Could not save the turn: the disk is full. Nothing was written.'),
      '数据库文件（数据目录里的 studylog.db）无法读写，它没有被改动。请检查当前用户能否写入这个文件和它所在的文件夹、磁盘是否已满、是否有其他程序占用着它。',
    ],
    // The English detail alone no longer names a file for the advice (it used to be parsed).
    [
      new ApiError('db_corrupt', 'The Studylog database /d/studylog.db cannot be read (file is not a database). It was not changed.'),
      '数据库文件（数据目录里的 studylog.db）无法使用。请用它旁边的备份（studylog.db.*.bak）恢复，或者把它移到别处，重新开始。',
    ],
  ] as const)('%#: %s', (error, advice) => {
    expect(describeFailure(error, 'zh-CN').text).toBe(`studylog：${ERROR_HEADLINES['zh-CN'][error.code]}\n${advice}\n${error.detail} [${error.code}]\n`);
    expect(describeFailure(error, 'en').text).toBe(`studylog: ${error.detail} [${error.code}]\n`);
  });

  test('a detail already in Chinese (the hub’s encoding refusal) gets no second advice', () => {
    const error = new ApiError('db_unavailable', '班级中心的 PostgreSQL 数据库 hub 的编码是 LATIN1，班级中心需要 UTF8 编码的数据库。');
    expect(describeFailure(error, 'zh-CN').text).toBe(`studylog：${ERROR_HEADLINES['zh-CN'].db_unavailable}\n${error.detail} [db_unavailable]\n`);
  });
});

describe('the help’s wording', () => {
  const helps = { studylog: STUDYLOG_USAGE, hub: HUB_USAGE, sync: SYNC_USAGE };

  test.each([
    ['token revoke', STUDYLOG_USAGE, '  token revoke ID\n', /^revoke /, /^撤销/],
    ['hub token revoke', HUB_USAGE, '  token revoke   ', /^revoke /, /^撤销/],
    ['hub token create', STUDYLOG_USAGE, '  hub token create --name N --role teacher|admin\n', /^print a hub token for a teacher or an admin /, /^为教师或管理员打印/],
    ['hub token create', HUB_USAGE, '  token create   ', /^a hub token for a teacher or an admin /, /^为教师或管理员创建/],
  ])('%s has a description line in both languages', (_, usage, start, en, zh) => {
    for (const language of ['en', 'zh-CN'] as const) {
      const text = usage[language];
      const at = text.indexOf(start);
      expect(at, language).toBeGreaterThan(0);
      const description =
        text
          .slice(at + start.length)
          .split('\n')[0]!
          .trim() ||
        text
          .slice(at + start.length)
          .split('\n')[1]!
          .trim();
      expect(description).toMatch(language === 'en' ? en : zh);
    }
  });

  test.each(Object.keys(helps) as (keyof typeof helps)[])('%s --help in Chinese: “” quotes only, natural pointers, the app’s word for the hub token', (name) => {
    const zh = helps[name]['zh-CN'];
    expect(zh).not.toMatch(/'[^'\n]+'|"[^"\n]+"/);
    expect(zh).not.toContain('（看：');
    expect(zh).not.toContain('（见：');
    expect(zh.replaceAll('班级中心令牌', '')).not.toContain('中心令牌');
  });

  test('the sync help names the hub token as the app does; the English help keeps --rate-limit', () => {
    expect(SYNC_USAGE['zh-CN']).toContain('--token T      这台电脑的班级中心令牌');
    expect(SYNC_USAGE.en).toContain("--token T      this laptop's hub token");
    expect(STUDYLOG_USAGE.en).toContain('[--rate-limit off|R[,B[,C]]]');
    expect(STUDYLOG_USAGE['zh-CN']).toContain('“off”表示不限');
  });
});
