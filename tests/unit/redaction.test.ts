// Redaction of key echoes: whole texts (redact) and text streamed in pieces (StreamRedactor), where
// a key may arrive split over any number of pieces.
import { describe, expect, it } from 'vitest';
import { redact, StreamRedactor } from '../../src/main/core/llm/upstream-errors.ts';
import { keyEchoes, leakedRuns } from '../support/key-echoes.ts';

const KEY = 'fake-key-unit-7Hq2Zx9LmN4pR8sT';

function streamed(text: string, pieceSize: number, secrets: string[]): { pieces: string[]; out: string } {
  const redactor = new StreamRedactor(secrets);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += pieceSize) {
    const visible = redactor.push(text.slice(i, i + pieceSize));
    if (visible) pieces.push(visible);
  }
  const tail = redactor.end();
  if (tail) pieces.push(tail);
  return { pieces, out: pieces.join('') };
}

describe('redaction of a key a provider echoes', () => {
  const echoes = `Your key is ${KEY}. ${Object.entries(keyEchoes(KEY))
    .map(([name, form]) => `${name}: ${form}`)
    .join('\n')} — that is all.`;

  it('removes every form from a whole text and leaves the rest alone', () => {
    const out = redact(echoes, [KEY]);
    expect(leakedRuns(out, KEY)).toEqual([]);
    expect(out).toContain('Your key is [redacted].');
    expect(out).toContain('— that is all.');
    expect(redact('nothing secret here', [KEY])).toBe('nothing secret here');
  });

  it.each([1, 3, 4, 7, 50, 1000])('streamed %i characters at a time: no piece and no sum of pieces carries a run of the key', (size) => {
    const { pieces, out } = streamed(echoes, size, [KEY]);
    expect(leakedRuns(out, KEY)).toEqual([]);
    for (const piece of pieces) expect(leakedRuns(piece, KEY)).toEqual([]);
    // The streamed text says what the whole text says, redactions included.
    expect(out.replaceAll('[redacted]', '')).toBe(redact(echoes, [KEY]).replaceAll('[redacted]', ''));
  });

  it('a key spaced out by any number of separators is removed from the stream too', () => {
    for (const gap of [' ', ' '.repeat(16), '\u200b'.repeat(40), ' - '.repeat(100)]) {
      const text = `key: ${[...KEY].join(gap)} end`;
      for (const size of [1, 5, 64]) {
        const { out } = streamed(text, size, [KEY]);
        expect(leakedRuns(out, KEY), `gap ${JSON.stringify(gap.slice(0, 3))}… ×${gap.length}, pieces of ${size}`).toEqual([]);
        expect(out).toContain('[redacted]');
        expect(out.endsWith(' end')).toBe(true);
      }
    }
  });

  it('holds back only the last 7 characters (separators aside), and nothing without a key', () => {
    const clean = 'a'.repeat(1_000);
    const redactor = new StreamRedactor([KEY]);
    expect(redactor.push(clean)).toBe('a'.repeat(1_000 - 7));
    expect(redactor.push('b c')).toBe('aa');
    expect(redactor.end()).toBe('a'.repeat(5) + 'b c');
    expect(streamed(clean, 10, []).pieces[0]).toBe('a'.repeat(10));
    expect(streamed(clean, 10, []).out).toBe(clean);
  });
});
