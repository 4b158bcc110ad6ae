import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHashes, type ChainTurn, GENESIS_HASH, turnHash } from '../../src/main/core/handin/chain.ts';

const turn = (id: string, content: string, extra: Partial<ChainTurn> = {}): ChainTurn => ({
  id,
  session_id: 's1',
  parent_id: null,
  role: 'user',
  content,
  model: null,
  tokens_in: 0,
  tokens_out: 0,
  cost: 0,
  created_at: 1_700_000_000_000,
  meta: {},
  ...extra,
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ z: null, y: true }, 'x'], c: { e: 2, d: '中文' } })).toBe('{"a":[{"y":true,"z":null},"x"],"b":1,"c":{"d":"中文","e":2}}');
  });

  it('is independent of insertion order', () => {
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('leaves out undefined members, as JSON.stringify does, and writes numbers as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1e21, c: -0, d: 0.1 })).toBe('{"b":1e+21,"c":0,"d":0.1}');
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/not a JSON number/);
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint is not JSON/);
  });

  it('escapes strings as JSON.stringify does (RFC 8785 for these values)', () => {
    expect(canonicalJson('a"\n\u0001')).toBe('"a\\"\\n\\u0001"');
  });
});

describe('the hash chain', () => {
  it('turnHash = sha256(prev + canonical JSON of the turn fields)', () => {
    const t = turn('t1', 'hello');
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonicalJson(t))
      .digest('hex');
    expect(turnHash(GENESIS_HASH, t)).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('covers only the ChainTurn fields (a row may carry more)', () => {
    const t = turn('t1', 'hello');
    expect(turnHash(GENESIS_HASH, { ...t, extra: 'x' } as ChainTurn)).toBe(turnHash(GENESIS_HASH, t));
  });

  it('links each hash to the previous one', () => {
    const turns = [turn('t1', 'a'), turn('t2', 'b', { role: 'assistant', parent_id: 't1' }), turn('t3', 'c')];
    const hashes = chainHashes(turns);
    expect(hashes).toHaveLength(3);
    expect(hashes[0]).toBe(turnHash(GENESIS_HASH, turns[0]!));
    expect(hashes[1]).toBe(turnHash(hashes[0]!, turns[1]!));
    expect(hashes[2]).toBe(turnHash(hashes[1]!, turns[2]!));
  });

  it('changes from the changed turn on when a turn changes, and when two are swapped', () => {
    const turns = [turn('t1', 'a'), turn('t2', 'b'), turn('t3', 'c')];
    const base = chainHashes(turns);
    const changed = chainHashes([turns[0]!, { ...turns[1]!, content: 'B' }, turns[2]!]);
    expect(changed[0]).toBe(base[0]);
    expect(changed[1]).not.toBe(base[1]);
    expect(changed[2]).not.toBe(base[2]);
    const swapped = chainHashes([turns[0]!, turns[2]!, turns[1]!]);
    expect(swapped[2]).not.toBe(base[2]);
    const metaChanged = chainHashes([turns[0]!, { ...turns[1]!, meta: { hint_level: 5 } }, turns[2]!]);
    expect(metaChanged[1]).not.toBe(base[1]);
  });
});
