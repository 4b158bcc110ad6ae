/**
 * The hash chain over a session's turns (hand-in bundles and hub sync verify the same chain).
 * Minimal version written on the hub branch with exactly the agreed API; the hand-in engineer's
 * file replaces it at merge. Each turn's hash is sha256(prevHash + canonicalJson(turn)), hex; the
 * first turn's prevHash is 64 zeros.
 */
import { createHash } from 'node:crypto';

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

/** JSON with object keys sorted at every depth, no spaces: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function turnHash(prevHash: string, turn: ChainTurn): string {
  return createHash('sha256')
    .update(prevHash + canonicalJson(turn))
    .digest('hex');
}

export function chainHashes(turns: ChainTurn[]): string[] {
  const hashes: string[] = [];
  let prev = GENESIS_HASH;
  for (const t of turns) {
    prev = turnHash(prev, t);
    hashes.push(prev);
  }
  return hashes;
}
