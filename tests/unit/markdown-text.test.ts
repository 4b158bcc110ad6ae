// An answer's Markdown as plain text: what "copy as plain text" gives (formulas as LaTeX) and what
// search snippets show (formulas as readable text).
import { describe, expect, it } from 'vitest';
import { latexToText, markdownToText } from '../../src/shared/markdown-text.ts';

const ANSWER = [
  '## 解法',
  '',
  '**第一步**：由 \\(a^2 + b^2 = c^2\\) 得',
  '',
  '$$',
  'c = \\sqrt{a^2 + b^2}',
  '$$',
  '',
  '1. 画图',
  '2. 代入 *数值*',
  '',
  '| a | b |',
  '|---|---|',
  '| 3 | 4 |',
  '',
  '```python',
  'print(5)',
  '```',
  '',
  '见 [维基百科](https://zh.wikipedia.org)。',
].join('\n');

describe('markdownToText', () => {
  it('copies as plain text: no Markdown, formulas kept as their LaTeX source', () => {
    expect(markdownToText(ANSWER)).toBe(
      [
        '解法',
        '',
        '第一步：由 $a^2 + b^2 = c^2$ 得',
        '',
        '$$',
        'c = \\sqrt{a^2 + b^2}',
        '$$',
        '',
        '1. 画图',
        '2. 代入 数值',
        '',
        'a\tb',
        '3\t4',
        '',
        'print(5)',
        '',
        '见 维基百科。',
      ].join('\n'),
    );
  });

  it('reads formulas as text for snippets', () => {
    expect(markdownToText('由 $a^2 + b^2 = c^2$ 和 $$\\frac{1}{2}$$', { math: 'text' })).toBe('由 a² + b² = c² 和 1/2');
  });
});

describe('latexToText', () => {
  it('turns common commands into symbols and drops the rest', () => {
    expect(latexToText('\\alpha \\le \\sqrt{x_1^2} \\text{if } x \\in \\mathbb{R}')).toBe('α ≤ √(x1²) if x ∈ R');
    expect(latexToText('\\frac{a+b}{2} \\times \\sin x')).toBe('(a+b)/2 × sin x');
  });
});
