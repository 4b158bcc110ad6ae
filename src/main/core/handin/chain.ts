/**
 * The hash chain of a hand-in bundle (format `studylog.handin`, version 1). Shared API: the hub's
 * sync codes against these exports, so their names and results must not change.
 *
 * - `canonicalJson`: JSON with object keys sorted (by UTF-16 code units, as Array.prototype.sort
 *   does) and no whitespace; strings and numbers as JSON.stringify writes them. For the values a
 *   turn holds (strings, finite numbers, booleans, null, arrays, plain objects) this is RFC 8785
 *   (JCS). `undefined` members are left out (as JSON.stringify does); non-finite numbers,
 *   functions, symbols and bigints are refused, so two machines can never disagree silently.
 * - `turnHash(prev, turn)` = hex sha256 of the UTF-8 bytes of `prev + canonicalJson(turn)`,
 *   where `turn` is reduced to the ChainTurn fields (nothing else a row may carry is covered).
 * - `chainHashes(turns)`: the hashes in order, the first turn's `prev` being 64 zeros.
 */
import { createHash } from 'node:crypto';

/** The turn fields the chain covers: a `turn` row's, with `parent_id` null where absent. */
export interface ChainTurn {
  id: string;
  session_id: string;
  parent_id: string | null;
  role: string;
  content: string;
  model: string | null;
  tokens_in: number;
  tokens_out: number;
  cost: number;
  created_at: number;
  meta: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${String(value)} is not a JSON number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item: unknown) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
      const record = value as Record<string, unknown>;
      const members = Object.keys(record)
        .sort()
        .filter((key) => record[key] !== undefined)
        .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
}

/** Only the ChainTurn fields, in a fresh object: extra fields on a row never change a hash. */
export function chainTurn(turn: ChainTurn): ChainTurn {
  return {
    id: turn.id,
    session_id: turn.session_id,
    parent_id: turn.parent_id ?? null,
    role: turn.role,
    content: turn.content,
    model: turn.model ?? null,
    tokens_in: turn.tokens_in,
    tokens_out: turn.tokens_out,
    cost: turn.cost,
    created_at: turn.created_at,
    meta: turn.meta,
  };
}

export function turnHash(prevHash: string, turn: ChainTurn): string {
  return createHash('sha256')
    .update(prevHash + canonicalJson(chainTurn(turn)), 'utf8')
    .digest('hex');
}

export function chainHashes(turns: ChainTurn[]): string[] {
  const hashes: string[] = [];
  let prev = GENESIS_HASH;
  for (const turn of turns) {
    prev = turnHash(prev, turn);
    hashes.push(prev);
  }
  return hashes;
}
