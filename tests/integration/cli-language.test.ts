// The `studylog` command speaks the terminal's language: the real command as a child process with
// LANG=zh_CN.UTF-8, and with LANG=C / en_US.UTF-8 (LC_ALL and LC_MESSAGES cleared, so LANG
// decides). --help of studylog, hub and sync, the usage errors (the command's own and Node's
// parseArgs refusals) and the lines an ApiError prints, in both languages. And what a zh-CN
// tryout found: a usage error shows its command's usage lines only; no English reaches a Chinese
// terminal for a missing file, a data dir that is a file, a failed sync round, a damaged database,
// or an id the command looks up itself.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { ERROR_HEADLINES } from '../../src/shared/error-headlines.ts';
import { runCliAsync, startApi } from '../support/http.ts';
import { tempDir } from '../support/temp.ts';

const locale = (lang: string) => ({ LC_ALL: '', LC_MESSAGES: '', LANG: lang, STUDYLOG_DATA_DIR: '' });
const ZH = locale('zh_CN.UTF-8');
const ENGLISH = { C: locale('C'), 'en_US.UTF-8': locale('en_US.UTF-8') };
const cli = (args: string[], env: NodeJS.ProcessEnv) => runCliAsync(args, env, 60_000);

const CJK = /[\u4e00-\u9fff]/;
/** Three English words in a row: a sentence left untranslated (flag values and names aside). */
const ENGLISH_WORDS = /\b[A-Za-z]{3,}\s+[A-Za-z]{2,}\s+[A-Za-z]{3,}\b/;
/** The flags a text names: the Chinese text must offer the same ones as the English. */
const flags = (text: string) => [...new Set(text.match(/--[a-z][a-z-]*/g))].sort();

/** The description lines of a help text (the commands, flags, their values and addresses taken out). */
function prose(text: string): string[] {
  const typed = /(studylog|\b(serve|token|create|list|revoke|migrate|export|verify|hub|sync|class|assignment)\b|--?[a-z][\w-]*|\S*:\/\/\S*|[A-Z_]{2,}|\S*[/<>|[\]]\S*)/g;
  return text
    .split('\n')
    .map((line) => line.replace(typed, ' '))
    .filter((line) => line.trim() !== '');
}

describe('studylog --help in the terminal’s language', () => {
  test.each([
    [[], 'Usage: studylog <command> [options]', '用法：studylog <命令> [选项]'],
    [['hub'], 'Usage: studylog hub [serve]', '用法：studylog hub [serve]'],
    [['sync'], 'Usage: studylog sync --hub URL', '用法：studylog sync --hub URL'],
  ])('studylog %j --help', async (command, english, chinese) => {
    const [zh, c, en] = await Promise.all([cli([...command, '--help'], ZH), cli([...command, '--help'], ENGLISH.C), cli([...command, '-h'], ENGLISH['en_US.UTF-8'])]);
    for (const run of [zh, c, en]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
    }
    expect(c.stdout).toBe(en.stdout);
    expect(en.stdout.startsWith(english)).toBe(true);
    expect(en.stdout).not.toMatch(CJK);
    expect(zh.stdout.startsWith(chinese)).toBe(true);
    // Same content: every flag of the English help, and none besides.
    expect(flags(zh.stdout)).toEqual(flags(en.stdout));
    // Every line that says something says it in Chinese.
    for (const line of prose(zh.stdout)) {
      expect(line, line).not.toMatch(ENGLISH_WORDS);
    }
    expect(prose(en.stdout).some((line) => ENGLISH_WORDS.test(line))).toBe(true);
  });

  test('the help’s wording: token revoke and hub token create described; Chinese quotes “”; natural pointers; the hub token as the app names it', async () => {
    const [zh, en, hubZh, hubEn, syncZh] = await Promise.all([
      cli(['--help'], ZH),
      cli(['--help'], ENGLISH.C),
      cli(['hub', '--help'], ZH),
      cli(['hub', '--help'], ENGLISH.C),
      cli(['sync', '--help'], ZH),
    ]);
    expect(zh.stdout).toContain('  token revoke ID\n                 撤销一个令牌');
    expect(en.stdout).toContain('  token revoke ID\n                 revoke a token');
    expect(hubZh.stdout).toMatch(/\n {2}token revoke {3}撤销一个设备的班级中心令牌/);
    expect(hubEn.stdout).toMatch(/\n {2}token revoke {3}revoke a device's hub token/);
    expect(hubZh.stdout).toMatch(/\n {2}token create {3}为教师或管理员创建一个班级中心令牌/);
    expect(hubEn.stdout).toMatch(/\n {2}token create {3}a hub token for a teacher or an admin/);
    expect(zh.stdout).toContain('  hub token create --name N --role teacher|admin\n                 为教师或管理员打印一个班级中心令牌');
    expect(en.stdout).toContain('  hub token create --name N --role teacher|admin\n                 print a hub token for a teacher or an admin');
    for (const text of [zh.stdout, hubZh.stdout, syncZh.stdout]) {
      expect(text).not.toMatch(/'[^'\n]+'|"[^"\n]+"/);
      expect(text).not.toMatch(/（(看|见)：/);
      expect(text.replaceAll('班级中心令牌', '')).not.toContain('中心令牌');
    }
    expect(syncZh.stdout).toContain('这台电脑的班级中心令牌');
    expect(zh.stdout).toContain('“off”表示不限');
  });

  test('studylog --help names --rate-limit in both languages (the peer bench greps for it); the app’s words in Chinese', async () => {
    const [zh, en] = await Promise.all([cli(['--help'], ZH), cli(['--help'], ENGLISH.C)]);
    expect(en.stdout).toContain('[--rate-limit off|R[,B[,C]]]');
    expect(zh.stdout).toContain('[--rate-limit off|R[,B[,C]]]');
    for (const word of ['令牌', '数据目录', '作业', '班级中心', '交作业文件', '管理员']) expect(zh.stdout).toContain(word);
  });
});

describe('usage errors in the terminal’s language', () => {
  // [arguments, the English first line, the Chinese first line, the usage that follows: the whole
  // help (an unknown command), a command's own usage lines, or hub's and sync's own help]
  const cases: [string[], string, string, 'studylog' | 'serve' | 'token' | 'export' | 'verify' | 'migrate' | 'hub' | 'sync'][] = [
    [['frobnicate'], "studylog: Unknown command 'frobnicate'.", 'studylog：没有 frobnicate 这个命令。', 'studylog'],
    [['--frob'], "studylog: Unknown option '--frob'.", 'studylog：没有“--frob”这个选项。', 'studylog'],
    [['serve', '--frob'], "studylog: Unknown option '--frob'.", 'studylog：没有“--frob”这个选项。', 'serve'],
    [['serve', '--port'], 'studylog: --port needs a value.', 'studylog：--port 后面要跟一个值。', 'serve'],
    [['serve', '--lan=yes'], 'studylog: --lan takes no value.', 'studylog：--lan 后面不能带值。', 'serve'],
    [['serve', '--port', '70000'], "studylog: --port must be a number from 0 to 65535, not '70000'.", 'studylog：--port 应为 0 到 65535 之间的数字，而不是“70000”。', 'serve'],
    [
      ['serve', '--port', '0', '--rate-limit', 'fast'],
      "studylog: --rate-limit must be 'off' or <per-second>[,<burst>[,<in-flight>]] with positive numbers (e.g. 20,120,32), not 'fast'.",
      'studylog：--rate-limit 应为“off”或 <每秒请求数>[,<突发数>[,<同时进行数>]]，都是正数（例如 20,120,32），而不是“fast”。',
      'serve',
    ],
    [['token', 'create', '--role', 'student'], 'studylog: token create needs --name.', 'studylog：token create 需要 --name（令牌的名称）。', 'token'],
    [['token', 'create'], 'studylog: token create needs --name.', 'studylog：token create 需要 --name（令牌的名称）。', 'token'],
    [
      ['token', 'create', '--name', 'x', '--role', 'boss'],
      "studylog: --role must be student, teacher, admin, not 'boss'.",
      'studylog：--role 应为 student、teacher、admin 之一，而不是“boss”。',
      'token',
    ],
    [['token'], "studylog: Unknown token command ''.", 'studylog：token 后面要跟 create、list 或 revoke。', 'token'],
    [['token', 'revoke'], 'studylog: token revoke needs the token id (see token list).', 'studylog：token revoke 需要令牌的编号（用 studylog token list 查看）。', 'token'],
    [['export', '--session'], 'studylog: --session needs a value.', 'studylog：--session 后面要跟一个值。', 'export'],
    [['export', '--session', 's', '--format', 'pdf'], "studylog: --format must be md or json, not 'pdf'.", 'studylog：--format 应为 md 或 json，而不是“pdf”。', 'export'],
    [['export'], 'studylog: export needs exactly one of --session ID or --assignment ID.', 'studylog：export 需要 --session ID 或 --assignment ID，且只能给出其中一个。', 'export'],
    [
      ['export', '--session', 's', '--attachments'],
      'studylog: export --format md --attachments needs --out FILE: the files are written beside it.',
      'studylog：export --format md --attachments 需要 --out FILE：附件会写在这个文件旁边。',
      'export',
    ],
    [['verify'], 'studylog: verify needs the .studylog file to check.', 'studylog：verify 需要要校验的 .studylog 文件。', 'verify'],
    [['migrate', '--frob'], "studylog: Unknown option '--frob'.", 'studylog：没有“--frob”这个选项。', 'migrate'],
    [
      ['hub', 'token', 'create', '--name', 'Ms Wang'],
      'studylog: hub token create needs --role teacher or --role admin (students join with a class code).',
      'studylog：hub token create 需要 --role teacher 或 --role admin（学生用班级码加入，不需要令牌）。',
      'hub',
    ],
    [['hub', 'serve', '--prot', '1'], "studylog: Unknown option '--prot'.", 'studylog：没有“--prot”这个选项。', 'hub'],
    [
      ['sync', '--hub', 'http://127.0.0.1:1'],
      'studylog: sync needs --hub URL and a token (--token, or STUDYLOG_HUB_TOKEN).',
      'studylog：sync 需要 --hub URL 和一个班级中心令牌（--token，或环境变量 STUDYLOG_HUB_TOKEN）。',
      'sync',
    ],
  ];
  const wholeHelp = {
    studylog: ['Usage: studylog <command>', '用法：studylog <命令>'],
    hub: ['Usage: studylog hub', '用法：studylog hub'],
    sync: ['Usage: studylog sync', '用法：studylog sync'],
  } as const;
  const ALL_COMMANDS = ['Run studylog --help for all commands.', '运行 studylog --help 查看全部用法。'] as const;

  test.each(cases)('studylog %j', async (args, english, chinese, usage) => {
    // A data dir each: `serve` takes its data dir's serving lock before it reads its flags.
    const [zh, en] = await Promise.all([
      cli([...args, '--data-dir', tempDir()], { ...ZH, STUDYLOG_HUB_TOKEN: '' }),
      cli([...args, '--data-dir', tempDir()], { ...ENGLISH['en_US.UTF-8'], STUDYLOG_HUB_TOKEN: '' }),
    ]);
    expect(en.code, en.stderr).toBe(2);
    expect(zh.code, zh.stderr).toBe(2);
    // What is wrong, a blank line, then the usage of the command it was for, in the same language.
    const [enFirst, enBlank, enUsage] = en.stderr.split('\n');
    expect([enFirst, enBlank]).toEqual([english, '']);
    expect(en.stderr).not.toMatch(CJK);
    const [zhFirst, zhBlank, zhUsage] = zh.stderr.split('\n');
    expect([zhFirst, zhBlank]).toEqual([chinese, '']);
    if (usage === 'studylog' || usage === 'hub' || usage === 'sync') {
      expect(enUsage!.startsWith(wholeHelp[usage][0])).toBe(true);
      expect(zhUsage!.startsWith(wholeHelp[usage][1])).toBe(true);
      return;
    }
    // A command's usage lines only (not the 30-line help), then where the rest is.
    for (const [run, start, indent, last] of [
      [en, 'Usage: studylog ', '       studylog ', ALL_COMMANDS[0]],
      [zh, '用法：studylog ', '      studylog ', ALL_COMMANDS[1]],
    ] as const) {
      const lines = run.stderr.trimEnd().split('\n').slice(2);
      expect(lines.at(-1)).toBe(last);
      expect(lines[0]!.startsWith(`${start}${usage} `)).toBe(true);
      for (const line of lines.slice(1, -1)) expect(line.startsWith(`${indent}${usage} `), line).toBe(true);
      expect(lines.length).toBeLessThanOrEqual(4);
    }
  });
});

describe('an error the command prints, in the terminal’s language', () => {
  test('a damaged database: the problem in Chinese first, then the detail with its code; English as one line', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'studylog.db'), 'garbage'.repeat(1000));
    const [zh, c, en] = await Promise.all([
      cli(['migrate', '--data-dir', dir], ZH),
      cli(['migrate', '--data-dir', dir], ENGLISH.C),
      cli(['migrate', '--data-dir', dir], ENGLISH['en_US.UTF-8']),
    ]);
    for (const run of [zh, c, en]) expect(run.code).toBe(1);
    const detail = /^The Studylog database .*studylog\.db cannot be read .*\[db_corrupt\]$/;
    for (const run of [c, en]) {
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.replace(/^studylog: /, '')).toMatch(detail);
      expect(run.stderr.startsWith('studylog: ')).toBe(true);
    }
    // Chinese: the problem, what to do about it (in Chinese, naming the file), then the detail.
    const lines = zh.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(`studylog：${ERROR_HEADLINES['zh-CN'].db_corrupt}`);
    expect(lines[0]).toBe('studylog：本地数据库已损坏。');
    expect(lines[1]).toBe(`数据库文件 ${path.join(dir, 'studylog.db')} 没有被改动。请用它旁边的备份（studylog.db.*.bak）恢复，或者把它移到别处，重新开始。`);
    expect(lines[2]).toMatch(detail);
  });

  test('a database from a newer Studylog: Chinese advice naming the file, then the detail; English one line', async () => {
    const dir = tempDir();
    expect((await cli(['migrate', '--data-dir', dir], ENGLISH.C)).code).toBe(0);
    const file = path.join(dir, 'studylog.db');
    const raw = new Database(file);
    raw.prepare('UPDATE __drizzle_migrations SET hash = ? WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)').run('0'.repeat(64));
    raw.close();
    const [zh, en] = await Promise.all([cli(['token', 'list', '--data-dir', dir], ZH), cli(['token', 'list', '--data-dir', dir], ENGLISH.C)]);
    expect([zh.code, en.code]).toEqual([1, 1]);
    expect(en.stderr).toMatch(/^studylog: The Studylog database .* newer Studylog\. .*\[db_unknown_migration\]\n$/);
    const lines = zh.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      'studylog：本地数据库由更新版本的 Studylog 写入。',
      `数据库文件 ${file} 是更新版本的 Studylog 写入的（有这个版本不认识的迁移）。请把 Studylog 更新到最新版本；文件没有被改动。`,
      en.stderr.trimEnd().replace(/^studylog: /, ''),
    ]);
  });

  test('verify of a file that is not there: “There is no file …”, no ENOENT', async () => {
    const file = path.join(tempDir(), 'nope.studylog');
    const [zh, en] = await Promise.all([cli(['verify', file], ZH), cli(['verify', file], ENGLISH.C)]);
    expect(en).toMatchObject({ code: 1, stdout: '', stderr: `studylog: There is no file ${file} [not_found]\n` });
    expect(zh).toMatchObject({ code: 1, stdout: '', stderr: `studylog：未找到。\n找不到文件 ${file} [not_found]\n` });
  });

  test.each([
    ['migrate', ['migrate']],
    ['token', ['token', 'list']],
    ['hub', ['hub', 'class', 'list']],
    ['sync', ['sync', '--hub', 'http://127.0.0.1:1', '--token', 'fake-key-hub']],
  ])('a --data-dir that is a file (%s): a usage error naming it, no EEXIST', async (_, args) => {
    const file = path.join(tempDir(), 'a-file');
    writeFileSync(file, 'not a folder');
    const below = path.join(file, 'data');
    const [zh, en, zhBelow, enFromEnv] = await Promise.all([
      cli([...args, '--data-dir', file], ZH),
      cli([...args, '--data-dir', file], ENGLISH.C),
      cli([...args, '--data-dir', below], ZH),
      cli(args, { ...ENGLISH.C, STUDYLOG_DATA_DIR: below }),
    ]);
    for (const run of [zh, en, zhBelow, enFromEnv]) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).not.toMatch(/EEXIST|ENOTDIR/);
    }
    expect(zh.stderr.split('\n')[0]).toBe(`studylog：--data-dir 指向的不是文件夹：${file}`);
    expect(en.stderr.split('\n')[0]).toBe(`studylog: --data-dir is not a folder: ${file}`);
    expect(zhBelow.stderr.split('\n')[0]).toBe(`studylog：--data-dir 指向的不是文件夹：${below}（${file} 是一个文件）`);
    expect(enFromEnv.stderr.split('\n')[0]).toBe(`studylog: STUDYLOG_DATA_DIR is not a folder: ${below} (${file} is a file)`);
  });

  test.each([
    ['migrate', ['migrate']],
    ['hub', ['hub', 'class', 'list']],
  ])('a --data-dir that is a link to nothing (%s): a usage error naming the link and where it points, no EEXIST; a link to a folder works', async (_, args) => {
    const dir = tempDir();
    const link = path.join(dir, 'data');
    const gone = path.join(dir, 'usb-stick', 'studylog');
    symlinkSync(gone, link);
    const [zh, en] = await Promise.all([cli([...args, '--data-dir', link], ZH), cli([...args, '--data-dir', link], ENGLISH.C)]);
    for (const run of [zh, en]) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).not.toMatch(/EEXIST|ENOENT|mkdir/);
    }
    expect(zh.stderr.split('\n')[0]).toBe(`studylog：--data-dir 指向的是一个链接，它指向的文件夹不存在：${link} → ${gone}`);
    expect(en.stderr.split('\n')[0]).toBe(`studylog: --data-dir is a link to a folder that does not exist: ${link} → ${gone}`);
    expect(en.stderr).not.toMatch(CJK);
    // Once the folder is there, the same link is a data directory like any other.
    mkdirSync(gone, { recursive: true });
    const works = await cli([...args, '--data-dir', link], ENGLISH.C);
    expect(works.code, works.stderr).toBe(0);
  });

  test('a sync round that fails: the JSON on stdout for scripts, and a line saying why on stderr', async () => {
    const [zh, en] = await Promise.all([
      cli(['sync', '--hub', 'http://127.0.0.1:1', '--token', 'fake-key-hub', '--data-dir', tempDir()], ZH),
      cli(['sync', '--hub', 'http://127.0.0.1:1', '--token', 'fake-key-hub', '--data-dir', tempDir()], ENGLISH.C),
    ]);
    for (const run of [zh, en]) {
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'offline', error: { code: 'hub_unreachable' } });
    }
    expect(zh.stderr).toBe('studylog：没有同步成功：无法连接班级中心。\n');
    expect(en.stderr).toBe('studylog: Not synced: The class hub could not be reached.\n');
  });

  test('sync with --hub at an address that is no class hub (a desktop Studylog): says so and names the address, not a bare “Not found.”', async () => {
    const desktop = await startApi();
    try {
      const args = ['sync', '--hub', desktop.url, '--token', 'fake-key-hub'];
      const [zh, en] = await Promise.all([cli([...args, '--data-dir', tempDir()], ZH), cli([...args, '--data-dir', tempDir()], ENGLISH.C)]);
      for (const run of [zh, en]) {
        expect(run.code).toBe(1);
        // What the server answered names what it did not find.
        const report = JSON.parse(run.stdout) as { status: string; error: { code: string; detail: string } };
        expect(report).toMatchObject({ status: 'error', error: { code: 'not_found' } });
        expect(report.error.detail).toMatch(/^There is no GET \/api\/v1\/hub\/\S+ here\.$/);
      }
      expect(zh.stderr).toBe(`studylog：没有同步成功：${desktop.url} 上没有找到班级中心。请检查 --hub 的地址：应为 studylog hub serve 打印的、给学生电脑用的地址。\n`);
      expect(en.stderr).toBe(`studylog: Not synced: no class hub was found at ${desktop.url}. Check --hub: it is the address studylog hub serve prints for students' laptops.\n`);
    } finally {
      await desktop.close();
    }
  });

  test('token create and list name the role in the terminal’s language', async () => {
    const dir = tempDir();
    const created = await cli(['token', 'create', '--name', '李老师', '--role', 'teacher', '--data-dir', dir], ZH);
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/^已为 李老师（教师，用户 \S+）创建令牌 \S+。它只显示这一次。\n$/);
    expect((await cli(['token', 'list', '--data-dir', dir], ZH)).stdout).toMatch(/\t李老师 \(教师, 用户 \S+\)\t从未使用\n$/);
    expect((await cli(['token', 'list', '--data-dir', dir], ENGLISH.C)).stdout).toMatch(/\t李老师 \(teacher, user \S+\)\tnever used\n$/);
  });

  test('token create --user of a user that is not there: named, in the terminal’s language', async () => {
    const args = ['token', 'create', '--name', 'x', '--user', 'no-such-user'];
    const [zh, en] = await Promise.all([cli([...args, '--data-dir', tempDir()], ZH), cli([...args, '--data-dir', tempDir()], ENGLISH.C)]);
    expect(en).toMatchObject({ code: 1, stdout: '', stderr: "studylog: There is no user 'no-such-user'. [not_found]\n" });
    expect(zh).toMatchObject({ code: 1, stdout: '', stderr: 'studylog：未找到。\n没有编号为“no-such-user”的用户（用 studylog token list 查看用户的编号）。 [not_found]\n' });
  });

  test.each([
    ['--session', '没有编号为“nonexist”的会话。', "There is no session 'nonexist'."],
    ['--assignment', '没有编号为“nonexist”的作业，也没有属于它的会话。', "There is no assignment 'nonexist'."],
  ])('export %s of an id that is not there: said in the terminal’s language', async (flag, chinese, english) => {
    const [zh, en] = await Promise.all([cli(['export', flag, 'nonexist', '--data-dir', tempDir()], ZH), cli(['export', flag, 'nonexist', '--data-dir', tempDir()], ENGLISH.C)]);
    expect(en).toMatchObject({ code: 1, stdout: '', stderr: `studylog: ${english} [not_found]\n` });
    expect(zh).toMatchObject({ code: 1, stdout: '', stderr: `studylog：未找到。\n${chinese} [not_found]\n` });
  });

  test('a token that does not exist: not found, in Chinese from the command itself', async () => {
    const dir = tempDir();
    const [zh, en] = await Promise.all([
      cli(['token', 'revoke', 'no-such-token', '--data-dir', dir], ZH),
      cli(['token', 'revoke', 'no-such-token', '--data-dir', tempDir()], ENGLISH.C),
    ]);
    expect(en.code).toBe(1);
    expect(en.stderr).toBe("studylog: There is no token 'no-such-token'. [not_found]\n");
    expect(zh.code).toBe(1);
    expect(zh.stderr).toBe('studylog：未找到。\n没有编号为“no-such-token”的令牌（用 studylog token list 查看）。 [not_found]\n');
  });

  test('migrate’s summary in both languages', async () => {
    const [zh, en] = await Promise.all([cli(['migrate', '--data-dir', tempDir()], ZH), cli(['migrate', '--data-dir', tempDir()], ENGLISH.C)]);
    expect(zh.code, zh.stderr).toBe(0);
    expect(zh.stdout).toMatch(/^数据库：.*studylog\.db（新建）\n本次应用的迁移：0000_init, /);
    expect(zh.stdout).toContain('会话 0 个，消息 0 条，作业 0 份');
    expect(en.stdout).toMatch(/^database: .*studylog\.db \(created\)\nmigrations applied now: 0000_init, /);
  });
});
