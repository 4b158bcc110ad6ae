// The wait of a locked join code, as the desktop's join form reads it: the hub's structured field
// (whatever language its detail is in), an old hub's English detail only as the fallback, and
// nothing for any other refusal.
import { describe, expect, test } from 'vitest';
import { JOIN_CODE_LOCKED_ISSUE, lockedWaitMinutes, lockedWaitText } from '../../src/shared/hub-text.ts';

describe('lockedWaitMinutes', () => {
  test('reads the structured field, not the detail', () => {
    const issues = [{ path: JOIN_CODE_LOCKED_ISSUE, message: lockedWaitText(7), params: { minutes: 7, locked_until: 1 } }];
    expect(lockedWaitMinutes({ code: 'join_code_locked', detail: '错误次数太多，请 45 分钟后再试', issues })).toBe(7);
    expect(lockedWaitMinutes({ code: 'join_code_locked', detail: `Too many wrong join codes: ${lockedWaitText(45)}.`, issues })).toBe(7);
  });

  test('an old hub without the field: its English detail', () => {
    expect(lockedWaitMinutes({ code: 'join_code_locked', detail: `Too many wrong join codes: ${lockedWaitText(1)}, or ask your teacher.` })).toBe(1);
    expect(lockedWaitMinutes({ code: 'join_code_locked', detail: '请稍后再试' })).toBeNull();
  });

  test('nothing for another refusal, or none', () => {
    expect(lockedWaitMinutes({ code: 'join_code_invalid', detail: lockedWaitText(3), issues: [{ path: JOIN_CODE_LOCKED_ISSUE, params: { minutes: 3 } }] })).toBeNull();
    expect(lockedWaitMinutes(null)).toBeNull();
  });
});
