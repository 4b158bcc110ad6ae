import { describe, expect, it } from 'vitest';
import { ftsQuery, ftsText } from '../../src/main/core/db/fts.ts';

describe('ftsText (what is indexed)', () => {
  it('splits Chinese runs into overlapping bigrams plus the run’s last character', () => {
    expect(ftsText('数学题').trim().split(/\s+/)).toEqual(['数学', '学题', '题']);
  });
  it('keeps a one-character run as itself and leaves Latin text alone', () => {
    expect(ftsText('用GPT写').trim().split(/\s+/)).toEqual(['用', 'GPT', '写']);
    expect(ftsText('plain English')).toBe('plain English');
  });
  it('handles Japanese and Korean runs the same way', () => {
    expect(ftsText('ひらがな').trim().split(/\s+/)).toEqual(['ひら', 'らが', 'がな', 'な']);
    expect(ftsText('한국어').trim().split(/\s+/)).toEqual(['한국', '국어', '어']);
  });
});

describe('ftsQuery (what is matched)', () => {
  it('makes a two-character word one token and a longer one a phrase of bigrams', () => {
    expect(ftsQuery('数学')).toBe('"数学"');
    expect(ftsQuery('数学题')).toBe('"数学" + "学题"');
  });
  it('makes a single character a prefix query', () => {
    expect(ftsQuery('题')).toBe('"题"*');
  });
  it('matches Latin words by prefix and requires every term', () => {
    expect(ftsQuery('integral squared')).toBe('"integral"* AND "squared"*');
  });
  it('quotes FTS syntax so it is never interpreted', () => {
    expect(ftsQuery('NEAR(a b)')).toBe('"NEAR" + "a"* AND "b"*');
    expect(ftsQuery('"; DROP')).toBe('"DROP"*');
    expect(ftsQuery('*** --- !!!')).toBeNull();
  });
});
