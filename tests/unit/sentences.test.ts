// Two sentences shown as one line (src/renderer/src/lib/errors.ts sentenceGap / sentences): nothing
// between Chinese sentences (they end with 。！？), a space after Latin punctuation. ErrorText joins
// its headline and next step so: tests/e2e/setup.test.ts (zh-CN) and settings.test.ts (en).
import i18next from 'i18next';
import { beforeAll, describe, expect, test } from 'vitest';
import { en } from '../../src/renderer/src/i18n/en.ts';
import { zhCN } from '../../src/renderer/src/i18n/zh-CN.ts';
import { sentenceGap, sentences } from '../../src/renderer/src/lib/errors.ts';

beforeAll(async () => {
  await i18next.init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng: 'zh-CN',
    fallbackLng: false,
    returnNull: false,
    interpolation: { escapeValue: false },
  });
});

describe('sentences on one line', () => {
  test('Chinese sentences: nothing between them', () => {
    expect(sentences('服务商出错了。', '请稍后重试。')).toBe('服务商出错了。请稍后重试。');
    expect(sentences('真的吗？', '是的！', '好。')).toBe('真的吗？是的！好。');
    expect(sentences('标题：', '不能为空')).toBe('标题：不能为空');
    // Two runs of Chinese without punctuation between them run on, too.
    expect(sentences('未找到', '请重试。')).toBe('未找到请重试。');
  });

  test('English sentences: one space after Latin punctuation', () => {
    expect(sentences('The provider failed.', 'Try again in a moment.')).toBe('The provider failed. Try again in a moment.');
    expect(sentences('Really?', 'Yes!', 'OK.')).toBe('Really? Yes! OK.');
  });

  test('mixed: by the text, not the UI language', async () => {
    // A Chinese headline before the server's English detail, and the other way round.
    expect(sentences('服务商出错了。', 'Connection refused.')).toBe('服务商出错了。Connection refused.');
    expect(sentences('Connection refused.', '请稍后重试。')).toBe('Connection refused. 请稍后重试。');
    await i18next.changeLanguage('en');
    try {
      expect(sentences('服务商出错了。', '请稍后重试。')).toBe('服务商出错了。请稍后重试。');
    } finally {
      await i18next.changeLanguage('zh-CN');
    }
  });

  test('empty parts leave no gap', () => {
    expect(sentences('', 'Only this.', '')).toBe('Only this.');
    expect(sentenceGap('Headline.', '')).toBe('');
    expect(sentenceGap('', 'Next.')).toBe('');
    // The next part unknown (a React node): by the first alone.
    expect(sentenceGap('出错了。')).toBe('');
    expect(sentenceGap('Failed.')).toBe(' ');
  });
});
