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

/** Whether zod's output for a value would be that value itself (see asIsCheck). */
type AsIs = (value: unknown) => boolean;
const asIsChecks = new WeakMap<z.ZodType, AsIs>();

/**
 * For a schema, a check that says whether zod's output for a value would be the value itself:
 * the same keys in the same order, nothing stripped, nothing transformed. Then the parsed JSON is
 * kept as it is and zod's copy of it is not made — one day of turns spent most of its time there
 * (bench/NOTES.md, issue 15). It sees through strings, enums, literals, booleans, numbers, null and
 * objects of those (a loose object's unknown keys only after its known ones, as zod puts them; a
 * plain object's none); for anything else (an array, a union, a transform) it says no, and zod
 * reads the value as before. tests/unit/hydrate-fast.test.ts compares the two on random metas.
 */
function asIsCheck(schema: z.ZodType): AsIs {
  let check = asIsChecks.get(schema);
  if (!check) {
    check = buildAsIsCheck(schema);
    asIsChecks.set(schema, check);
  }
  return check;
}

function buildAsIsCheck(schema: z.ZodType): AsIs {
  const def = schema._zod.def as {
    type: string;
    innerType?: z.ZodType;
    shape?: Record<string, z.ZodType>;
    catchall?: z.ZodType;
    checks?: unknown[];
    entries?: Record<string, unknown>;
    values?: unknown[];
  };
  const primitive = (value: unknown) => value === null || typeof value !== 'object';
  switch (def.type) {
    case 'optional':
    case 'nullable':
      // A present key (JSON has no undefined): its inner schema decides; null for nullable is kept.
      return def.type === 'nullable'
        ? (
            (inner) => (value: unknown) =>
              value === null || inner(value)
          )(asIsCheck(def.innerType!))
        : asIsCheck(def.innerType!);
    case 'string':
    case 'boolean':
      if (!def.checks?.length) return (value) => typeof value === def.type;
      // Some checks rewrite the value (trim, toLowerCase, normalize): as is only if zod returns it unchanged.
      return (value) => {
        if (!primitive(value)) return false;
        const parsed = schema.safeParse(value);
        return parsed.success && parsed.data === value;
      };
    case 'enum':
    case 'literal': {
      const allowed = new Set<unknown>(def.type === 'enum' ? Object.values(def.entries!) : def.values);
      return (value) => allowed.has(value);
    }
    case 'number':
      // Its checks (integer, bounds) by zod; the output of a primitive is itself.
      return (value) => typeof value === 'number' && schema.safeParse(value).success;
    case 'object': {
      const shape = def.shape!;
      const keys = Object.keys(shape);
      const position = new Map(keys.map((key, i) => [key, i]));
      const checks = keys.map((key) => asIsCheck(shape[key]!));
      const required = keys.filter((key) => shape[key]!._zod.def.type !== 'optional').length;
      const loose = def.catchall?._zod.def.type === 'unknown';
      if (def.catchall && !loose) return () => false;
      return (value) => {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
        let last = -1;
        let unknownSeen = false;
        let present = 0;
        for (const key of Object.keys(value)) {
          const i = position.get(key);
          if (i === undefined) {
            if (!loose || key === '__proto__') return false;
            unknownSeen = true;
            continue;
          }
          if (unknownSeen || i < last || !checks[i]!((value as Record<string, unknown>)[key])) return false;
          last = i;
          if (shape[key]!._zod.def.type !== 'optional') present++;
        }
        return present === required;
      };
    }
    default:
      return () => false;
  }
}

/** A JSON column's value, read with its schema; every column schema accepts `{}`. */
export function readJsonColumn<S extends ColumnSchema>(schema: S, stored: unknown): z.output<S> {
  const value: unknown = typeof stored === 'string' ? JSON.parse(stored) : stored;
  if (typeof stored === 'string' && asIsCheck(schema)(value)) return value as z.output<S>;
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
