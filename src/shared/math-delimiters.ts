/** Fenced code blocks and inline code spans (split's odd parts): no maths there. */
const CODE = /(```[\s\S]*?(?:```|$)|`[^`\n]*`)/g;

/**
 * Models write maths as \( … \) and \[ … \] as often as $ … $ and $$ … $$; remark-math reads only
 * the dollar forms, and reads `$$…$$` as display maths only when each `$$` is on a line of its own
 * (a one-line `$$x^2$$` becomes small inline maths; text after an opening `$$` is dropped as the
 * fence's "meta"). This rewrites, outside code (fenced blocks and inline spans):
 * - \[ … \] → a display block, \( … \) → $ … $;
 * - a `$$ … $$` that starts a line and ends one (on one line or several) → a display block.
 * `$$x$$` in the middle of a sentence stays inline. `\\[2pt]` (a LaTeX line break) is not a
 * delimiter.
 */
export function normalizeMathDelimiters(text: string): string {
  if (!text.includes('\\(') && !text.includes('\\[') && !text.includes('$$')) return text;
  const parts = text.split(CODE);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part; // code: leave alone
      return part
        .replace(/(?<!\\)\\\[([\s\S]+?)\\\]/g, (_m, body: string) => `\n$$\n${body.trim()}\n$$\n`)
        .replace(/(?<!\\)\\\(([\s\S]+?)\\\)/g, (_m, body: string) => `$${body.trim()}$`)
        .replace(/^([ \t]*)\$\$((?:(?!\$\$)[\s\S])+?)\$\$[ \t]*$/gm, (_m, indent: string, body: string) => (body.trim() ? `${indent}$$\n${body.trim()}\n${indent}$$` : _m));
    })
    .join('');
}

/**
 * Whether a text (after normalizeMathDelimiters) may hold maths for remark-math: a `$` outside
 * code. Generous on purpose (a lone "$5" counts): it only decides whether the Markdown view loads
 * KaTeX for this text, and a text it calls maths-free renders the same with or without it.
 */
export function hasMath(text: string): boolean {
  return text.includes('$') && text.split(CODE).some((part, i) => i % 2 === 0 && part.includes('$'));
}
