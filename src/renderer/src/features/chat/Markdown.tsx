/**
 * A reply as the model wrote it: GitHub-flavoured Markdown, LaTeX maths through KaTeX (CSS and
 * fonts bundled, nothing fetched), highlighted code. Images load only from data: URLs — anything
 * else becomes a link, so no reply can make the app fetch from the network.
 */
import 'katex/dist/katex.min.css';
import { memo, useCallback, useRef, useState, type ComponentProps, type MouseEvent } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import rehypeKatex from 'rehype-katex';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';
import { CopyButton } from '../../ui/CopyButton.tsx';
import { FormulaMenu, latexAt } from './CopyMenu.tsx';
import { normalizeMathDelimiters } from './math.ts';

const remarkPlugins = [remarkGfm, remarkMath];
const rehypePlugins: ComponentProps<typeof ReactMarkdown>['rehypePlugins'] = [
  [rehypeKatex, { throwOnError: false, strict: 'ignore', output: 'htmlAndMathml' }],
  [rehypeHighlight, { detect: false }],
];

function CodeBlock(props: ComponentProps<'pre'>) {
  const ref = useRef<HTMLPreElement>(null);
  const { node: _node, ...rest } = props as ComponentProps<'pre'> & { node?: unknown };
  return (
    <div className="code-block">
      <pre ref={ref} {...rest} />
      <CopyButton className="btn btn-ghost btn-small code-copy" text={() => ref.current?.innerText ?? ''} />
    </div>
  );
}

const components: Components = {
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noreferrer noopener">
      {children}
    </a>
  ),
  img: ({ src, alt }) =>
    typeof src === 'string' && src.startsWith('data:image/') ? (
      <img src={src} alt={alt ?? ''} />
    ) : (
      <a href={typeof src === 'string' ? src : undefined} target="_blank" rel="noreferrer noopener">
        {alt || String(src ?? '')}
      </a>
    ),
  pre: CodeBlock,
  table: ({ children }) => (
    <div className="table-scroll">
      <table>{children}</table>
    </div>
  ),
};

function Markdown({ text }: { text: string }) {
  // A right-click (or a click that selected nothing) on a formula offers to copy its LaTeX.
  const [formula, setFormula] = useState<{ latex: string; x: number; y: number } | null>(null);
  const closeFormula = useCallback(() => setFormula(null), []);
  const onFormula = (e: MouseEvent, click: boolean) => {
    const latex = latexAt(e.target);
    if (latex === null || (click && !window.getSelection()?.isCollapsed)) return;
    e.preventDefault();
    setFormula({ latex, x: e.clientX, y: e.clientY });
  };
  return (
    <div className="markdown" onContextMenu={(e) => onFormula(e, false)} onClick={(e) => onFormula(e, true)}>
      <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components}>
        {normalizeMathDelimiters(text)}
      </ReactMarkdown>
      {formula ? <FormulaMenu {...formula} onClose={closeFormula} /> : null}
    </div>
  );
}

export default memo(Markdown);
