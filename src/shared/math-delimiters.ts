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
  const parts = text.split(/(```[\s\S]*?(?:```|$)|`[^`\n]*`)/g);
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
