/**
 * An answer's Markdown as plain text: what "copy as plain text" puts on the clipboard and what a
 * search snippet shows. The Markdown is parsed as the chat renders it (CommonMark, GFM, the same
 * maths delimiters: math-delimiters.ts) with mdast-util-from-markdown, and the tree is read back as
 * text: no `**`, `#`, link targets or table pipes; lists as `• ` / `1. ` lines, table cells
 * separated by tabs, code as written.
 *
 * Maths, by `math`:
 * - 'latex' (copy): the formula's LaTeX source, in its delimiters (`$x^2$`, `$$ … $$` on lines
 *   of their own), so it pastes into anything that reads LaTeX;
 * - 'text' (snippets): a readable approximation with no LaTeX commands (latexToText below).
 */
import type { Nodes, Parent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { mathFromMarkdown } from 'mdast-util-math';
import { gfm } from 'micromark-extension-gfm';
import { math } from 'micromark-extension-math';
import { normalizeMathDelimiters } from './math-delimiters.ts';

export interface PlainTextOptions {
  math: 'latex' | 'text';
}

/** Block-level nodes: their texts are separated by a blank line. */
const BLOCKS = new Set(['paragraph', 'heading', 'blockquote', 'list', 'table', 'code', 'math', 'thematicBreak', 'html', 'definition', 'footnoteDefinition']);

export function markdownToText(markdown: string, options: PlainTextOptions = { math: 'latex' }): string {
  const tree = fromMarkdown(normalizeMathDelimiters(markdown), {
    extensions: [gfm(), math()],
    mdastExtensions: [gfmFromMarkdown(), mathFromMarkdown()],
  });
  return textOf(tree, options)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function childrenText(node: Parent, options: PlainTextOptions): string {
  const out: string[] = [];
  let previousBlock = false;
  for (const child of node.children as Nodes[]) {
    const block = BLOCKS.has(child.type);
    const text = textOf(child, options);
    if (text === '') continue;
    if (out.length > 0) out.push(block || previousBlock ? '\n\n' : '');
    out.push(text);
    previousBlock = block;
  }
  return out.join('');
}

function textOf(node: Nodes, options: PlainTextOptions): string {
  switch (node.type) {
    case 'text':
      return node.value;
    case 'inlineCode':
    case 'code':
      return node.value;
    case 'inlineMath':
      return options.math === 'latex' ? `$${node.value}$` : latexToText(node.value);
    case 'math':
      return options.math === 'latex' ? `$$\n${node.value}\n$$` : latexToText(node.value);
    case 'break':
      return '\n';
    case 'image':
    case 'imageReference':
      return node.alt ?? '';
    case 'html':
    case 'thematicBreak':
    case 'definition':
    case 'footnoteReference':
    case 'yaml':
      return '';
    case 'list': {
      const start = node.start ?? 1;
      return node.children
        .map((item, i) => {
          const mark = node.ordered ? `${start + i}. ` : '• ';
          return mark + childrenText(item, options).replace(/\n\n/g, '\n').replace(/\n/g, '\n  ');
        })
        .join('\n');
    }
    case 'table':
      return node.children.map((row) => row.children.map((cell) => childrenText(cell, options).replace(/\s*\n\s*/g, ' ')).join('\t')).join('\n');
    default:
      return 'children' in node ? childrenText(node, options) : '';
  }
}

// ---------------------------------------------------------------------------------------------
// LaTeX as text, for snippets: not a renderer, a readable approximation — Greek letters, common
// operators and relations as their Unicode characters, \frac{a}{b} as a/b, \sqrt{x} as √(x),
// ^2 as ², \text{…} as its words, sin/log/lim … as words; other commands are dropped (their braced
// arguments stay as text) and braces disappear.

const SYMBOLS: Record<string, string> = {
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  epsilon: 'ε',
  varepsilon: 'ε',
  zeta: 'ζ',
  eta: 'η',
  theta: 'θ',
  lambda: 'λ',
  mu: 'μ',
  nu: 'ν',
  xi: 'ξ',
  pi: 'π',
  rho: 'ρ',
  sigma: 'σ',
  tau: 'τ',
  phi: 'φ',
  varphi: 'φ',
  chi: 'χ',
  psi: 'ψ',
  omega: 'ω',
  Gamma: 'Γ',
  Delta: 'Δ',
  Theta: 'Θ',
  Lambda: 'Λ',
  Pi: 'Π',
  Sigma: 'Σ',
  Phi: 'Φ',
  Omega: 'Ω',
  times: '×',
  cdot: '·',
  div: '÷',
  pm: '±',
  mp: '∓',
  le: '≤',
  leq: '≤',
  ge: '≥',
  geq: '≥',
  ne: '≠',
  neq: '≠',
  approx: '≈',
  equiv: '≡',
  sim: '∼',
  infty: '∞',
  to: '→',
  rightarrow: '→',
  leftarrow: '←',
  Rightarrow: '⇒',
  Leftrightarrow: '⇔',
  in: '∈',
  notin: '∉',
  subset: '⊂',
  subseteq: '⊆',
  cup: '∪',
  cap: '∩',
  forall: '∀',
  exists: '∃',
  partial: '∂',
  nabla: '∇',
  sum: '∑',
  prod: '∏',
  int: '∫',
  angle: '∠',
  circ: '∘',
  degree: '°',
  ldots: '…',
  cdots: '⋯',
  dots: '…',
  perp: '⊥',
  parallel: '∥',
};
/** Operator names written as words. */
const FUNCTIONS = new Set([
  'sin',
  'cos',
  'tan',
  'cot',
  'sec',
  'csc',
  'arcsin',
  'arccos',
  'arctan',
  'log',
  'ln',
  'lg',
  'exp',
  'lim',
  'max',
  'min',
  'sup',
  'inf',
  'det',
  'gcd',
  'mod',
]);
const SUPERSCRIPTS: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', n: 'ⁿ', '+': '⁺', '-': '⁻' };

/** The braced group starting at `text[at] === '{'`: its content and the index after it. */
function group(text: string, at: number): { body: string; end: number } | null {
  if (text[at] !== '{') return null;
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return { body: text.slice(at + 1, i), end: i + 1 };
  }
  return null;
}

export function latexToText(latex: string): string {
  let out = '';
  let i = 0;
  while (i < latex.length) {
    const ch = latex[i]!;
    if (ch === '\\') {
      const name = /^\\([A-Za-z]+|.)/.exec(latex.slice(i))?.[1] ?? '';
      i += 1 + name.length;
      if (name === 'frac' || name === 'dfrac' || name === 'tfrac') {
        const num = group(latex, i);
        const den = num ? group(latex, num.end) : null;
        if (num && den) {
          const [a, b] = [latexToText(num.body), latexToText(den.body)];
          out += `${a.length > 1 ? `(${a})` : a}/${b.length > 1 ? `(${b})` : b}`;
          i = den.end;
          continue;
        }
      }
      if (name === 'sqrt') {
        const arg = group(latex, i);
        if (arg) {
          out += `√(${latexToText(arg.body)})`;
          i = arg.end;
          continue;
        }
        out += '√';
        continue;
      }
      if (name === 'text' || name === 'mathrm' || name === 'mathbf' || name === 'operatorname' || name === 'textbf' || name === 'mathit') {
        const arg = group(latex, i);
        if (arg) {
          out += name.startsWith('text') ? arg.body : latexToText(arg.body);
          i = arg.end;
          continue;
        }
      }
      if (name === 'left' || name === 'right' || name === 'displaystyle' || name === 'limits') continue;
      if (name === '\\') out += ' ';
      else if (name === ',' || name === ';' || name === ' ' || name === 'quad' || name === 'qquad') out += ' ';
      else if (name === '{' || name === '}' || name === '%' || name === '$' || name === '&' || name === '_' || name === '#') out += name;
      else if (FUNCTIONS.has(name)) out += name;
      else out += SYMBOLS[name] ?? ''; // a font or spacing command: its braced argument stays as text
      continue;
    }
    if (ch === '^') {
      const arg = group(latex, i + 1);
      const body = arg ? arg.body : (latex[i + 1] ?? '');
      const end = arg ? arg.end : i + 2;
      const sup = [...body].every((c) => SUPERSCRIPTS[c]) ? [...body].map((c) => SUPERSCRIPTS[c]).join('') : `^${body.length > 1 ? `(${latexToText(body)})` : body}`;
      out += sup;
      i = end;
      continue;
    }
    if (ch === '_') {
      const arg = group(latex, i + 1);
      out += arg ? latexToText(arg.body) : (latex[i + 1] ?? '');
      i = arg ? arg.end : i + 2;
      continue;
    }
    if (ch === '{' || ch === '}') {
      i++;
      continue;
    }
    if (ch === '&') {
      out += ' ';
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  return out.replace(/\s+/g, ' ').trim();
}
