/**
 * The Markdown view's maths: remark-math reads $…$ and $$…$$, rehype-katex typesets them with
 * KaTeX (its JS, CSS and fonts, all bundled: nothing fetched from the network). Markdown.tsx
 * imports this only for a text with maths, so a screen of answers without maths never loads
 * KaTeX (tests/e2e/bundle.test.ts, tests/e2e/maths-loading.test.ts).
 */
import 'katex/dist/katex.min.css';
import type { Options } from 'react-markdown';
import rehypeKatex from 'rehype-katex';
import remarkMath from 'remark-math';

type Plugins = NonNullable<Options['remarkPlugins']>;

export const remarkMathPlugins: Plugins = [remarkMath];
/** Before the highlighter (Markdown.tsx): a bad formula shows as its source, never throws. */
export const rehypeKatexPlugins: Plugins = [[rehypeKatex, { throwOnError: false, strict: 'ignore', output: 'htmlAndMathml' }]];
