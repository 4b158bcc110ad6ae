// Two sentences shown as one line (src/renderer/src/lib/errors.ts sentenceGap / sentences): nothing
// between Chinese sentences (they end with 。！？), a space after Latin punctuation; and ErrorText,
// which shows a headline and a next step side by side, joins them so in both languages.
import i18next from 'i18next';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, test } from 'vitest';
import { en } from '../../src/renderer/src/i18n/en.ts';
import { zhCN } from '../../src/renderer/src/i18n/zh-CN.ts';
import { sentenceGap, sentences } from '../../src/renderer/src/lib/errors.ts';
import { ErrorText } from '../../src/renderer/src/ui/ErrorText.tsx';

beforeAll(async () => {
  await i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng: 'zh-CN',
    fallbackLng: false,
    returnNull: false,
    interpolation: { escapeValue: false },
    initAsync: false,
  });
});

/** The text a reader sees (tags dropped, React's entities decoded). */
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');

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

describe('ErrorText', () => {
  const render = (props: Parameters<typeof ErrorText>[0]) => textOf(renderToStaticMarkup(createElement(ErrorText, props)));

  test('zh-CN: the headline and the next step with nothing between them', () => {
    expect(render({ error: { code: 'upstream_error', detail: 'boom' } })).toMatch(/^服务商出错了。问题出在服务商那边：请稍后重试。/);
    expect(render({ error: { code: 'rate_limited', detail: 'x' }, headline: '请求太多。', next: '等一下再试。' })).toMatch(/^请求太多。等一下再试。/);
    // The localized sentence the renderer wrote itself, likewise.
    expect(render({ error: { code: 'not_found', detail: 'x', localized: '这个对话已被删除。' } })).toMatch(/^未找到。这个对话已被删除。/);
  });

  test('en: one space after the headline', async () => {
    await i18next.changeLanguage('en');
    try {
      expect(render({ error: { code: 'rate_limited', detail: 'x' }, headline: 'Too many requests.', next: 'Wait a moment.' })).toMatch(/^Too many requests\. Wait a moment\./);
      expect(render({ error: { code: 'upstream_error', detail: 'boom' } })).toMatch(new RegExp(`^${escape(en.errors.upstream_error)} \\S`));
    } finally {
      await i18next.changeLanguage('zh-CN');
    }
  });

  test('no next step: no trailing space after the headline', () => {
    expect(render({ error: { code: 'rate_limited', detail: '' }, headline: 'Too many requests.', next: '' })).toBe('Too many requests.');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
