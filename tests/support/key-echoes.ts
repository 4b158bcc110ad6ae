// How a hostile provider might echo the API key it was sent so that an exact-match redaction
// misses it: reversed, case-changed, spaced or dotted out, interleaved with zero-width
// characters, full-width, in base64 (standard and URL-safe, at each byte alignment), in pieces.
export function keyEchoes(key: string): Record<string, string> {
  const chars = [...key];
  return {
    reversed: chars.reverse().join(''),
    upper: key.toUpperCase(),
    swapped: [...key].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
    spaced: [...key].join(' '),
    dotted: [...key].join('.'),
    zeroWidth: [...key].join('\u200b'),
    fullWidth: [...key].map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join(''),
    base64: Buffer.from(key).toString('base64'),
    base64Shifted1: Buffer.from(`k=${key}`).toString('base64'),
    base64UrlShifted2: Buffer.from(`key:${key}`).toString('base64url'),
    middle: key.slice(3, 15),
    hex: Buffer.from(key).toString('hex'),
    hexUpper: Buffer.from(key).toString('hex').toUpperCase(),
    // Far apart: more separators between two characters than a stream holds back by length.
    farApart: [...key].join(' '.repeat(20)),
  };
}

/** Every 8-character run of every echo form (what must appear nowhere), folded for a lax search. */
export function leakedRuns(text: string, key: string): string[] {
  const fold = (s: string) =>
    s
      .replace(/[\s\-._,:;|/\\*+'"`~=\u200b-\u200f\u2060\ufeff]/g, '')
      .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .toLowerCase();
  const haystack = fold(text);
  const found: string[] = [];
  for (const [name, form] of Object.entries({ key, ...keyEchoes(key) })) {
    const f = fold(form);
    // base64 forms: the middle is what carries the key (the ends mix in neighbouring bytes).
    const core = name.startsWith('base64') ? f.slice(4, -4) : f;
    for (let i = 0; i + 8 <= core.length; i++) if (haystack.includes(core.slice(i, i + 8))) found.push(`${name}: ${core.slice(i, i + 8)}`);
  }
  return found;
}
