// The wait of a locked join code, as the desktop's join form reads it: the hub's structured field
// (whatever language its detail is in), an old hub's English detail only as the fallback, and
// nothing for any other refusal; and a stored policy's unknown fields, which the dashboard drops.
import { describe, expect, test } from 'vitest';
import { AssignmentPolicySchema } from '../../src/shared/api/schemas.ts';
import { ALLOWANCE_FIELDS, JOIN_CODE_LOCKED_ISSUE, lockedWaitMinutes, lockedWaitText, POLICY_FIELDS, withoutUnknownPolicyFields } from '../../src/shared/hub-text.ts';

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

describe('withoutUnknownPolicyFields (the dashboard editing a policy stored before the hub checked it)', () => {
  test('the field lists are the schema’s', () => {
    expect([...POLICY_FIELDS].sort()).toEqual(Object.keys(AssignmentPolicySchema.shape).sort());
    expect([...ALLOWANCE_FIELDS].sort()).toEqual(Object.keys(AssignmentPolicySchema.shape.allowance.unwrap().shape).sort());
  });

  test('drops the fields the schema does not know, at the top and in the allowance, and names them', () => {
    const { policy, dropped } = withoutUnknownPolicyFields({ hint_celing: 2, context: '一次函数', allowance: { tokens: 500, per_day: 3 }, share_sessions: true });
    expect(policy).toEqual({ context: '一次函数', allowance: { tokens: 500 }, share_sessions: true });
    expect(dropped).toEqual(['hint_celing', 'allowance.per_day']);
    // What is left is a policy the hub accepts.
    expect(AssignmentPolicySchema.safeParse(policy).success).toBe(true);
  });

  test('a policy of known fields is unchanged', () => {
    const stored = { hint_ceiling: 2, allowed_modes: ['homework'], allowance: { cost: 5 } };
    expect(withoutUnknownPolicyFields(stored)).toEqual({ policy: stored, dropped: [] });
  });
});
