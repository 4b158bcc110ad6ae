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
    case 'number': {
      // The output of a primitive is itself; only whether zod accepts it matters. The checks the
      // metas use (int, bounds) are read from the schema, as zod runs them: zod's safeParse for
      // every number made two objects per number (a month of answers has five numbers each).
      // A schema that is itself a check (z.int()) runs that check before its others.
      const tests = numberTests([...('check' in def ? [schema] : []), ...(def.checks ?? [])]);
      if (!tests) return (value) => typeof value === 'number' && schema.safeParse(value).success;
      return (value) => typeof value === 'number' && Number.isFinite(value) && tests.every((test) => test(value));
    }
    case 'object': {
      const shape = def.shape!;
      const keys = Object.keys(shape);
      // Each known key's place in the schema (a null-prototype object: no inherited names), its
      // check, and whether it may be absent.
      const position = Object.create(null) as Record<string, number>;
      for (const [i, key] of keys.entries()) position[key] = i;
      const checks = keys.map((key) => asIsCheck(shape[key]!));
      const optional = keys.map((key) => shape[key]!._zod.def.type === 'optional');
      const required = optional.filter((o) => !o).length;
      const loose = def.catchall?._zod.def.type === 'unknown';
      if (def.catchall && !loose) return () => false;
      return (value) => {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
        let last = -1;
        let unknownSeen = false;
        let present = 0;
        // for…in, not Object.keys: the same own keys in the same order without an array per
        // object (a day of turns made two per turn). It also lists inherited enumerable names,
        // which Object.keys does not (a polluted Object.prototype): a key that is not the object's
        // own is not as is.
        for (const key in value) {
          if (!Object.hasOwn(value, key)) return false;
          const i = position[key];
          if (i === undefined) {
            if (!loose || key === '__proto__') return false;
            unknownSeen = true;
            continue;
          }
          if (unknownSeen || i < last || !checks[i]!((value as Record<string, unknown>)[key])) return false;
          last = i;
          if (!optional[i]) present++;
        }
        return present === required;
      };
    }
    default:
      return () => false;
  }
}

/**
 * A number schema's checks as tests, the way zod runs them (its $ZodNumber takes finite numbers
 * only; `.int()` is the safeint format; `.min`/`.max`/`.nonnegative()` are greater_than and
 * less_than); null when a check is of another kind, which zod then decides.
 */
function numberTests(checks: unknown[]): ((value: number) => boolean)[] | null {
  const tests: ((value: number) => boolean)[] = [];
  for (const check of checks) {
    const def = (check as { _zod: { def: { check: string; format?: string; value?: unknown; inclusive?: boolean } } })._zod.def;
    const bound = def.value;
    if (def.check === 'number_format' && def.format === 'safeint') tests.push(Number.isSafeInteger);
    else if (def.check === 'greater_than' && typeof bound === 'number') tests.push(def.inclusive ? (v) => v >= bound : (v) => v > bound);
    else if (def.check === 'less_than' && typeof bound === 'number') tests.push(def.inclusive ? (v) => v <= bound : (v) => v < bound);
    else return null;
  }
  return tests;
}

/** A JSON column's value, read with its schema; every column schema accepts `{}`. */
export function readJsonColumn<S extends ColumnSchema>(schema: S, stored: unknown): z.output<S> {
  if (typeof stored !== 'string') return readBySchema(schema, stored);
  const value: unknown = JSON.parse(stored);
  return asIsCheck(schema)(value) ? (value as z.output<S>) : readBySchema(schema, value);
}

/** zod's read of a value: misfitting keys are left out, the rest kept (the file's comment). */
function readBySchema<S extends ColumnSchema>(schema: S, value: unknown): z.output<S> {
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
 * A role's meta check (asIsCheck), picked by comparing the role: looking it up by the row's role
 * string as a key cost more (the string SQLite gave is not an interned property name).
 */
const userMetaAsIs = asIsCheck(TURN_META_SCHEMAS.user);
const assistantMetaAsIs = asIsCheck(TURN_META_SCHEMAS.assistant);
const systemMetaAsIs = asIsCheck(TURN_META_SCHEMAS.system);

/**
 * A turn row, its JSON columns parsed in place: reading a month of history builds tens of
 * thousands of these, and a copy of each would double the memory it takes.
 */
export function hydrateTurn(row: TurnRow): Turn {
  const turn = row as unknown as { role: Turn['role']; tool_calls: unknown[] | null; meta: unknown };
  // A turn without tool calls (most) keeps its null as read: no store.
  if (row.tool_calls !== null) turn.tool_calls = JSON.parse(row.tool_calls) as unknown[];
  const meta: unknown = JSON.parse(row.meta);
  const role = turn.role;
  const asIs = role === 'assistant' ? assistantMetaAsIs(meta) : role === 'user' ? userMetaAsIs(meta) : role === 'system' && systemMetaAsIs(meta);
  turn.meta = asIs ? meta : readBySchema(TURN_META_SCHEMAS[role], meta);
  // The role and its meta now agree, as the discriminated union says.
  return turn as Turn;
}

/** Rows hydrated in place (hydrateTurn), the same array returned: no second array of a day's turns. */
export function hydrateTurns(rows: TurnRow[]): Turn[] {
  for (const row of rows) hydrateTurn(row);
  return rows as unknown as Turn[];
}
