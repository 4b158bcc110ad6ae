// The studylog command's failure lines (src/main/core/cli-text.ts) as pure functions: Node's
// parseArgs refusals become usage errors in both languages, an ApiError gets its code's Chinese
// headline first, a system error (errno) a Chinese line naming it; English stays one line.
import { describe, expect, test } from 'vitest';
import { describeFailure, parseCommandLine, UsageError, words } from '../../src/main/core/cli-text.ts';
import { ERROR_HEADLINES } from '../../src/shared/error-headlines.ts';
import { ApiError, ERROR_STATUS, type ErrorCode } from '../../src/shared/errors.ts';

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
    [['--nope'], "Unknown option '--nope'.", "没有 '--nope' 这个选项。"],
    [['-x'], "Unknown option '-x'.", "没有 '-x' 这个选项。"],
    [['--port'], '--port needs a value.', '--port 后面要跟一个值。'],
    [['--port', '--lan'], '--port needs a value.', '--port 后面要跟一个值。'],
    [['--lan=1'], '--lan takes no value.', '--lan 后面不能带值。'],
    [['--help=yes'], '--help takes no value.', '--help 后面不能带值。'],
    [['extra'], "Unexpected argument 'extra': this command takes only options.", "多了参数 'extra'：这个命令只接受选项。"],
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
  test.each(Object.keys(ERROR_STATUS) as ErrorCode[])('%s: a Chinese first line, then the detail and code as in English', (code) => {
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
