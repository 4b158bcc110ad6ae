// The hub's roster parser (src/main/core/hub/roster.ts): a roster as a school has it — pasted from
// Excel (tab-separated, CRLF), typed with a Chinese input method (full-width commas), saved as CSV
// with a BOM — reads the same; a header without the columns is refused with an issue the dashboard
// words in the teacher's language, naming the cells it found.
import { describe, expect, test } from 'vitest';
import { parseRoster } from '../../src/main/core/hub/roster.ts';
import { ROSTER_HEADER_ISSUE } from '../../src/shared/hub-text.ts';
import { ApiError } from '../../src/shared/errors.ts';

const expected = [
  { student_no: '2024001', name: '张三' },
  { student_no: '2024002', name: '李 四' },
];

function refusal(text: string): ApiError {
  try {
    parseRoster(text);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('the roster was accepted');
}

describe('parseRoster', () => {
  test.each([
    ['commas', '学号,姓名\n2024001,张三\n2024002,李 四\n'],
    ['tabs from an Excel paste, CRLF', '学号\t姓名\r\n2024001\t张三\r\n2024002\t李 四\r\n'],
    ['tabs with a BOM', '\uFEFF学号\t姓名\n2024001\t张三\n2024002\t李 四'],
    ['full-width commas', '学号，姓名\n2024001，张三\n2024002，李 四\n'],
    ['English headers, extra columns, blank lines', 'Name,Class,Student_No\n张三,初二3,2024001\n\n李 四,初二3,2024002\n'],
  ])('%s', (_, text) => {
    expect(parseRoster(text)).toEqual(expected);
  });

  test('a quoted cell keeps its comma or tab', () => {
    expect(parseRoster('学号,姓名\n"1,2","张\t三"\n')).toEqual([{ student_no: '1,2', name: '张\t三' }]);
  });

  test('a header without the columns names what it has, as an issue the dashboard words', () => {
    const error = refusal('编号;名字\n1;张三\n');
    expect(error.code).toBe('validation_error');
    expect(error.issues).toEqual([expect.objectContaining({ path: ROSTER_HEADER_ISSUE, params: { found: '“编号;名字”' } })]);
    expect(error.detail).toContain('“编号;名字”');
    expect(refusal('序号,姓名\n1,张三\n').issues?.[0]?.params).toEqual({ found: '“序号”, “姓名”' });
  });
});
