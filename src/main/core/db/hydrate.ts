/**
 * The one place rows become Sessions and Turns (Signal's hydrateMessage): when a column is added
 * or a JSON column gains a field, this file and its schema in src/shared/api/schemas.ts change.
 *
 * The JSON columns are checked against their schemas. A row that does not fit — a known field of
 * the wrong type, written by raw SQL or by another program — stays readable: that field is left
 * out of what is read (its other fields, known or not, stay). Nothing is thrown on read.
 */
import type { z } from 'zod';
import { SessionMetaSchema, StoredPolicySnapshotSchema, TURN_META_SCHEMAS, type Session, type Turn } from '../../../shared/api/schemas.ts';

/** A session row as SQLite returns it: the JSON columns as text (raw SQL) or parsed (drizzle's json mode). */
export type SessionRow = Omit<Session, 'policy_snapshot' | 'meta'> & { policy_snapshot: unknown; meta: unknown };
/** A turn row as SQLite returns it. */
export type TurnRow = Omit<Turn, 'tool_calls' | 'meta'> & { tool_calls: string | null; meta: string };

type ColumnSchema = z.ZodType<Record<string, unknown>>;

/** A JSON column's value, read with its schema; every column schema accepts `{}`. */
export function readJsonColumn<S extends ColumnSchema>(schema: S, stored: unknown): z.output<S> {
  const value: unknown = typeof stored === 'string' ? JSON.parse(stored) : stored;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const entries = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  const misfits = new Set(parsed.error.issues.map((issue) => issue.path[0]));
  const kept = schema.safeParse(Object.fromEntries(entries.filter(([key]) => !misfits.has(key))));
  return kept.success ? kept.data : schema.parse({});
}

export function hydrateSession(row: SessionRow): Session {
  return {
    id: row.id,
    user_id: row.user_id,
    assignment_id: row.assignment_id,
    mode: row.mode,
    started_at: row.started_at,
    ended_at: row.ended_at,
    policy_snapshot: readJsonColumn(StoredPolicySnapshotSchema, row.policy_snapshot),
    meta: readJsonColumn(SessionMetaSchema, row.meta),
  };
}

/**
 * A turn row, its JSON columns parsed in place: reading a month of history builds tens of
 * thousands of these, and a copy of each would double the memory it takes.
 */
export function hydrateTurn(row: TurnRow): Turn {
  const turn = row as unknown as { role: Turn['role']; tool_calls: unknown[] | null; meta: unknown };
  turn.tool_calls = row.tool_calls === null ? null : (JSON.parse(row.tool_calls) as unknown[]);
  turn.meta = readJsonColumn(TURN_META_SCHEMAS[turn.role], row.meta);
  // The role and its meta now agree, as the discriminated union says.
  return turn as Turn;
}
