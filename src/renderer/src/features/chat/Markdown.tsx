/**
 * A reply as the model wrote it: GitHub-flavoured Markdown, LaTeX maths through KaTeX (CSS and
 * fonts bundled, nothing fetched), highlighted code. Images load only from data: URLs — anything
 * else becomes a link, so no reply can make the app fetch from the network.
 *
 * KaTeX (with remark-math: markdown-math.ts) loads only once a text with maths shows: a text
 * without maths renders at once without it, the same as with it. A text that has maths when it
 * first shows waits for KaTeX behind its parent's Suspense fallback (the plain text, as while this
 * view itself loads), so it is typeset in one step; maths that appear later in a streamed answer
 * show as their source for the moment KaTeX takes to load.
 */
import { memo, use, useCallback, useEffect, useRef, useState, type ComponentProps, type MouseEvent } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';
import { CopyButton } from '../../ui/CopyButton.tsx';
import { FormulaMenu, latexAt } from './CopyMenu.tsx';
import { hasMath, normalizeMathDelimiters } from './math.ts';
// Types only: the module itself is imported dynamically (loadMath).
import type * as MathModule from './markdown-math.ts';

type Plugins = NonNullable<ComponentProps<typeof ReactMarkdown>['remarkPlugins']>;
type MathPlugins = typeof MathModule;

const remarkPlugins: Plugins = [remarkGfm];
const rehypePlugins: Plugins = [[rehypeHighlight, { detect: false }]];

/** KaTeX's plugins once loaded; the one load, shared by every answer (null if it failed: maths then stay as source). */
let mathPlugins: MathPlugins | null = null;
let mathLoad: Promise<MathPlugins | null> | null = null;
function loadMath(): Promise<MathPlugins | null> {
  mathLoad ??= import('./markdown-math.ts').then(
    (m) => (mathPlugins = m),
    () => null,
  );
  return mathLoad;
}

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
  const source = normalizeMathDelimiters(text);
  const needsMath = hasMath(source);
  const [math, setMath] = useState(mathPlugins);
  // Maths from the first render: wait for KaTeX (suspends; mounted again once it is here).
  const [mathAtFirst] = useState(needsMath);
  useEffect(() => {
    if (!needsMath || math) return;
    let live = true;
    void loadMath().then((loaded) => live && loaded && setMath(loaded));
    return () => {
      live = false;
    };
  }, [needsMath, math]);
  // A right-click (or a click that selected nothing) on a formula offers to copy its LaTeX.
  const [formula, setFormula] = useState<{ latex: string; x: number; y: number } | null>(null);
  const closeFormula = useCallback(() => setFormula(null), []);
  const onFormula = (e: MouseEvent, click: boolean) => {
    const latex = latexAt(e.target);
    if (latex === null || (click && !window.getSelection()?.isCollapsed)) return;
    e.preventDefault();
    setFormula({ latex, x: e.clientX, y: e.clientY });
  };
  if (mathAtFirst && !math) use(loadMath());
  const typeset = needsMath ? (math ?? mathPlugins) : null;
  return (
    <div className="markdown" onContextMenu={(e) => onFormula(e, false)} onClick={(e) => onFormula(e, true)}>
      <ReactMarkdown
        remarkPlugins={typeset ? [...remarkPlugins, ...typeset.remarkMathPlugins] : remarkPlugins}
        rehypePlugins={typeset ? [...typeset.rehypeKatexPlugins, ...rehypePlugins] : rehypePlugins}
        components={components}
      >
        {source}
      </ReactMarkdown>
      {formula ? <FormulaMenu {...formula} onClose={closeFormula} /> : null}
    </div>
  );
}

export default memo(Markdown);
