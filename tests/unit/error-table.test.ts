// The renderer's one error table (src/renderer/src/lib/errors.ts): every code the server can send
// has a headline and a next step in both languages, and the table names no code the server does
// not have; field issues from the server's (English) zod messages become localized sentences; and
// the pure rules behind "set up a model" and the offline banner.
import i18next from 'i18next';
import { beforeAll, describe, expect, test } from 'vitest';
import { ERROR_STATUS } from '../../src/shared/errors.ts';
import { PROVIDER_PRESETS } from '../../src/shared/presets.ts';
import { en } from '../../src/renderer/src/i18n/en.ts';
import { zhCN } from '../../src/renderer/src/i18n/zh-CN.ts';
import { CLIENT_ERROR_CODES, ERROR_TABLE, errorAction, errorHeadline, errorNext, issueMessage, issuesFromDetail, issuesText } from '../../src/renderer/src/lib/errors.ts';
import { canAnswer, envNames, isProviderOffline, needsSetup, newProviderId, suggestedModels, type ProviderStatus } from '../../src/renderer/src/features/setup/readiness.ts';

const serverCodes = Object.keys(ERROR_STATUS);
const languages = { en, 'zh-CN': zhCN } as const;

beforeAll(async () => {
  await i18next.init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng: 'zh-CN',
    fallbackLng: false,
    returnNull: false,
    interpolation: { escapeValue: false },
  });
});

describe('the error table', () => {
  test('a mode the assignment does not allow: the next step names the modes it allows, in the UI language', async () => {
    const detail = "Assignment 'hw' allows only these modes: homework, chat (this message is in deep_think); the message is kept, not sent.";
    expect(errorNext('mode_not_allowed', detail)).toContain('它只允许：作业辅导、聊天。');
    await i18next.changeLanguage('en');
    try {
      expect(errorNext('mode_not_allowed', detail)).toContain('It allows only: Homework, Chat.');
    } finally {
      await i18next.changeLanguage('zh-CN');
    }
  });

  test('has every code of src/shared/errors.ts, and only those (plus client-only codes)', () => {
    expect(Object.keys(ERROR_TABLE).sort()).toEqual([...serverCodes, ...CLIENT_ERROR_CODES].sort());
  });

  test.each(Object.entries(languages))('every code has a headline and a next step in %s', (_lang, strings) => {
    const headlines = strings.errors as Record<string, string>;
    const next = strings.errorNext as Record<string, string>;
    for (const code of Object.keys(ERROR_TABLE)) {
      expect(headlines[code]?.trim(), `errors.${code}`).toBeTruthy();
      expect(next[code]?.trim(), `errorNext.${code}`).toBeTruthy();
    }
    // No stray entries either: a renamed code must not leave an orphan string behind.
    expect(Object.keys(headlines).sort()).toEqual(Object.keys(ERROR_TABLE).sort());
    expect(Object.keys(next).sort()).toEqual(Object.keys(ERROR_TABLE).sort());
  });

  test('every action a code leads to has a button label in both languages', () => {
    for (const { action } of Object.values(ERROR_TABLE)) {
      if (action === 'none' || action === 'wait') continue;
      expect(en.errorUi.actions[action], action).toBeTruthy();
      expect(zhCN.errorUi.actions[action], action).toBeTruthy();
    }
  });

  test('the zh-CN headline and next step contain no English sentence', () => {
    for (const code of Object.keys(ERROR_TABLE)) {
      const text = `${errorHeadline(code)} ${errorNext(code)}`;
      // Names (Studylog, API, Settings paths in Chinese) are fine; an English sentence is not.
      expect(text.replace(/Studylog|API|studylog\.db\.\*\.bak/g, ''), code).not.toMatch(/[A-Za-z]{4,}\s+[A-Za-z]{3,}/);
    }
  });

  test('an unknown code reads as "something went wrong", and setup errors lead to the setup dialog', () => {
    expect(errorHeadline('no_such_code')).toBe(zhCN.errors.internal_error);
    expect(errorAction('provider_not_configured')).toBe('setup');
    expect(errorAction('unauthorized')).toBe('sign_in');
    expect(errorAction('upstream_auth')).toBe('settings');
  });
});

describe('field issues in words', () => {
  test.each([
    ['must not be empty', '不能为空'],
    ['Invalid input: expected string, received undefined', '缺少这一项'],
    ['must be an http(s) URL', '必须是以 http:// 或 https:// 开头的网址'],
    ['must be at most 200 characters', '太长了（最多 200）'],
    // The chat's message limit, grouped as the composer writes it.
    ['must be at most 100000 characters', '太长了（最多 100,000）'],
    ["'hw-1' appears earlier in the file", '文件前面已经出现过相同的 ID'],
    ['must be epoch milliseconds or an ISO date', '必须是日期，例如 2026-09-01（或毫秒时间戳）'],
    ['something nobody mapped', '这个值无效'],
  ])('%s → %s', (message, zh) => {
    expect(issueMessage(message)).toBe(zh);
  });

  test("an import entry's detail becomes localized fields and messages", () => {
    const issues = issuesFromDetail('title: Invalid input: expected string, received undefined; due_at: must be epoch milliseconds or an ISO date');
    expect(issues.map((i) => i.path)).toEqual(['title', 'due_at']);
    expect(issuesText(issues)).toBe('标题：缺少这一项；截止时间：必须是日期，例如 2026-09-01（或毫秒时间戳）');
    expect(issuesText(issuesFromDetail("id: 'x' appears earlier in the file"))).toBe('ID：文件前面已经出现过相同的 ID');
  });

  test('unknown fields are named: from the issue’s params (the hub’s parseInput), else from zod’s message', () => {
    expect(issueMessage('Unrecognized keys: "hint_celing", "extra"', { keys: 'hint_celing, extra' })).toBe('包含 Studylog 不认识的字段：hint_celing、extra');
    expect(issueMessage('Unrecognized key: "hint_celing"')).toBe('包含 Studylog 不认识的字段：hint_celing');
    expect(issueMessage('Unrecognized key')).toBe('包含 Studylog 不认识的字段');
  });

  test('a value of the wrong kind says what was expected, not a guess', () => {
    expect(issueMessage('Invalid input: expected number, received string')).toBe('应为数字');
    expect(issueMessage('Invalid input: expected string, received number')).toBe('应为文字');
    expect(issueMessage('Invalid input: expected boolean, received string')).toBe('应为是或否（true/false）');
    expect(issueMessage('something custom', { expected: 'number' })).toBe('这个值无效');
    expect(issueMessage('Invalid input: expected string, received number', { expected: 'number' })).toBe('应为数字');
    expect(issueMessage('Invalid input: expected date, received string')).toBe('这个值无效');
    // Still "missing", not "should be text", when nothing was given.
    expect(issueMessage('Invalid input: expected string, received undefined')).toBe('缺少这一项');
  });

  test('in English: the keys, the expected kind, and a colon with a space', async () => {
    await i18next.changeLanguage('en');
    try {
      expect(issuesText([{ path: 'policy', message: 'Unrecognized keys: "a", "b"', params: { keys: 'a, b' } }], { policy: 'AI rules' })).toBe(
        'AI rules: contains fields Studylog does not know: a, b',
      );
      expect(issueMessage('Invalid input: expected number, received string')).toBe('must be a number');
    } finally {
      await i18next.changeLanguage('zh-CN');
    }
  });
});

describe('set up a model, or offline', () => {
  const status = (over: Partial<ProviderStatus>): ProviderStatus => ({
    id: 'p',
    name: 'P',
    kind: 'other',
    base_url: 'http://x/v1',
    key_status: 'set',
    models: ['m'],
    cached: false,
    error: null,
    source: 'settings',
    read_only: false,
    env_vars: [],
    defaults: {},
    allowed: {},
    ...over,
  });

  test('no provider, or none with a key and a model: set up a model', () => {
    expect(needsSetup(null)).toBe(false); // not loaded yet: nothing to say
    expect(needsSetup({ providers: [] })).toBe(true);
    expect(needsSetup({ providers: [status({ key_status: 'missing', error: { code: 'provider_not_configured', detail: '' } })] })).toBe(true);
    expect(needsSetup({ providers: [status({ models: [] })] })).toBe(true);
    expect(needsSetup({ providers: [status({})] })).toBe(false);
  });

  test('offline is a failed connection, with or without a cached list; never "not fetched" or "no key"', () => {
    expect(isProviderOffline(status({}))).toBe(false);
    expect(isProviderOffline(status({ cached: true, error: { code: 'upstream_unreachable', detail: '' } }))).toBe(true);
    expect(isProviderOffline(status({ cached: true, error: null }))).toBe(true);
    expect(isProviderOffline(status({ error: { code: 'upstream_timeout', detail: '' } }))).toBe(true);
    expect(isProviderOffline(status({ cached: true, key_status: 'missing', error: { code: 'provider_not_configured', detail: '' } }))).toBe(false);
    // An offline provider with a typed model can still take (and keep) messages.
    expect(canAnswer(status({ cached: true, error: { code: 'upstream_unreachable', detail: '' } }))).toBe(true);
  });

  test('generated ids: the preset id, then a suffix', () => {
    const deepseek = PROVIDER_PRESETS.find((p) => p.id === 'deepseek')!;
    expect(newProviderId(deepseek, [])).toBe('deepseek');
    expect(newProviderId(deepseek, ['deepseek'])).toBe('deepseek-2');
    expect(newProviderId(deepseek, ['deepseek', 'deepseek-2'])).toBe('deepseek-3');
  });

  test("models are prefilled from the preset's defaults, else from the provider's list by kind", () => {
    const deepseek = PROVIDER_PRESETS.find((p) => p.id === 'deepseek')!;
    expect(suggestedModels(deepseek, [])).toEqual({ chat: 'deepseek-chat', homework: 'deepseek-chat', deep_think: 'deepseek-reasoner' });
    expect(suggestedModels(deepseek, ['deepseek-chat', 'deepseek-reasoner'])).toEqual({ chat: 'deepseek-chat', homework: 'deepseek-chat', deep_think: 'deepseek-reasoner' });
    const other = PROVIDER_PRESETS.find((p) => p.id === 'other')!;
    expect(suggestedModels(other, ['text-embedding-3-small', 'deepseek-reasoner', 'gpt-4o-mini'])).toEqual({
      chat: 'gpt-4o-mini',
      homework: 'gpt-4o-mini',
      deep_think: 'deepseek-reasoner',
    });
  });

  test("the keychain hint names this provider's own variables", () => {
    expect(envNames('deepseek-2')).toEqual({ key: 'STUDYLOG_API_KEY_DEEPSEEK_2', baseUrl: 'STUDYLOG_BASE_URL_DEEPSEEK_2' });
  });
});
