// The `studylog` command speaks the terminal's language: the real command as a child process with
// LANG=zh_CN.UTF-8, and with LANG=C / en_US.UTF-8 (LC_ALL and LC_MESSAGES cleared, so LANG
// decides). --help of studylog, hub and sync, the usage errors (the command's own and Node's
// parseArgs refusals) and the lines an ApiError prints, in both languages.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ERROR_HEADLINES } from '../../src/shared/error-headlines.ts';
import { runCliAsync } from '../support/http.ts';
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

  test('studylog --help names --rate-limit in both languages (the peer bench greps for it); the app’s words in Chinese', async () => {
    const [zh, en] = await Promise.all([cli(['--help'], ZH), cli(['--help'], ENGLISH.C)]);
    expect(en.stdout).toContain('[--rate-limit off|R[,B[,C]]]');
    expect(zh.stdout).toContain('[--rate-limit off|R[,B[,C]]]');
    for (const word of ['令牌', '数据目录', '作业', '班级中心', '交作业文件', '管理员']) expect(zh.stdout).toContain(word);
  });
});

describe('usage errors in the terminal’s language', () => {
  // [arguments, the English first line, the Chinese first line, the usage that follows]
  const cases: [string[], string, string, 'studylog' | 'hub' | 'sync'][] = [
    [['frobnicate'], "studylog: Unknown command 'frobnicate'.", 'studylog：没有 frobnicate 这个命令。', 'studylog'],
    [['serve', '--frob'], "studylog: Unknown option '--frob'.", "studylog：没有 '--frob' 这个选项。", 'studylog'],
    [['serve', '--port'], 'studylog: --port needs a value.', 'studylog：--port 后面要跟一个值。', 'studylog'],
    [['serve', '--lan=yes'], 'studylog: --lan takes no value.', 'studylog：--lan 后面不能带值。', 'studylog'],
    [['serve', '--port', '70000'], "studylog: --port must be a number from 0 to 65535, not '70000'.", "studylog：--port 应为 0 到 65535 之间的数字，而不是 '70000'。", 'studylog'],
    [
      ['serve', '--port', '0', '--rate-limit', 'fast'],
      "studylog: --rate-limit must be 'off' or <per-second>[,<burst>[,<in-flight>]] with positive numbers (e.g. 20,120,32), not 'fast'.",
      "studylog：--rate-limit 应为 'off' 或 <每秒请求数>[,<突发数>[,<同时进行数>]]，都是正数（例如 20,120,32），而不是 'fast'。",
      'studylog',
    ],
    [['token', 'create', '--role', 'student'], 'studylog: token create needs --name.', 'studylog：token create 需要 --name（令牌的名称）。', 'studylog'],
    [
      ['token', 'create', '--name', 'x', '--role', 'boss'],
      "studylog: --role must be student, teacher, admin, not 'boss'.",
      "studylog：--role 应为 student、teacher、admin 之一，而不是 'boss'。",
      'studylog',
    ],
    [['token'], "studylog: Unknown token command ''.", 'studylog：token 后面要跟 create、list 或 revoke。', 'studylog'],
    [['export', '--session', 's', '--format', 'pdf'], "studylog: --format must be md or json, not 'pdf'.", "studylog：--format 应为 md 或 json，而不是 'pdf'。", 'studylog'],
    [
      ['export'],
      'studylog: export needs exactly one of --session ID or --assignment ID.',
      'studylog：export 需要 --session ID 或 --assignment ID，且只能给出其中一个。',
      'studylog',
    ],
    [
      ['export', '--session', 's', '--attachments'],
      'studylog: export --format md --attachments needs --out FILE: the files are written beside it.',
      'studylog：export --format md --attachments 需要 --out FILE：附件会写在这个文件旁边。',
      'studylog',
    ],
    [['verify'], 'studylog: verify needs the .studylog file to check.', 'studylog：verify 需要要校验的 .studylog 文件。', 'studylog'],
    [
      ['hub', 'token', 'create', '--name', 'Ms Wang'],
      'studylog: hub token create needs --role teacher or --role admin (students join with a class code).',
      'studylog：hub token create 需要 --role teacher 或 --role admin（学生用班级码加入，不需要令牌）。',
      'hub',
    ],
    [['hub', 'serve', '--prot', '1'], "studylog: Unknown option '--prot'.", "studylog：没有 '--prot' 这个选项。", 'hub'],
    [
      ['sync', '--hub', 'http://127.0.0.1:1'],
      'studylog: sync needs --hub URL and a token (--token, or STUDYLOG_HUB_TOKEN).',
      'studylog：sync 需要 --hub URL 和一个中心令牌（--token，或环境变量 STUDYLOG_HUB_TOKEN）。',
      'sync',
    ],
  ];
  const usageStart = {
    studylog: ['Usage: studylog <command>', '用法：studylog <命令>'],
    hub: ['Usage: studylog hub', '用法：studylog hub'],
    sync: ['Usage: studylog sync', '用法：studylog sync'],
  } as const;

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
    expect(enUsage!.startsWith(usageStart[usage][0])).toBe(true);
    expect(en.stderr).not.toMatch(CJK);
    const [zhFirst, zhBlank, zhUsage] = zh.stderr.split('\n');
    expect([zhFirst, zhBlank]).toEqual([chinese, '']);
    expect(zhUsage!.startsWith(usageStart[usage][1])).toBe(true);
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
    const lines = zh.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`studylog：${ERROR_HEADLINES['zh-CN'].db_corrupt}`);
    expect(lines[0]).toBe('studylog：本地数据库已损坏。');
    expect(lines[1]).toMatch(detail);
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
    expect(zh.stderr).toBe("studylog：未找到。\n没有编号为 'no-such-token' 的令牌（见 token list）。 [not_found]\n");
  });

  test('migrate’s summary in both languages', async () => {
    const [zh, en] = await Promise.all([cli(['migrate', '--data-dir', tempDir()], ZH), cli(['migrate', '--data-dir', tempDir()], ENGLISH.C)]);
    expect(zh.code, zh.stderr).toBe(0);
    expect(zh.stdout).toMatch(/^数据库：.*studylog\.db（新建）\n本次应用的迁移：0000_init, /);
    expect(zh.stdout).toContain('会话 0 个，消息 0 条，作业 0 份');
    expect(en.stdout).toMatch(/^database: .*studylog\.db \(created\)\nmigrations applied now: 0000_init, /);
  });
});
