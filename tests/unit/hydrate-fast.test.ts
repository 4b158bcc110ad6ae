/**
 * readJsonColumn keeps the parsed JSON as it is when zod's output would be that same value
 * (hydrate.ts's asIsCheck), skipping zod's copy. What it returns must be exactly what zod's read
 * returned before — the same keys in the same order, the same values, misfits left out the same
 * way — for any stored meta, fitting or not.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SessionMetaSchema, StoredPolicySnapshotSchema, TURN_META_SCHEMAS } from '../../src/shared/api/schemas.ts';
import { hydrateTurn, hydrateTurns, readJsonColumn, type TurnRow } from '../../src/main/core/db/hydrate.ts';
import { mulberry32 } from '../support/random.ts';

/** The read as it was before the fast path: zod's output, misfitting keys left out. */
function zodRead(schema: z.ZodType<Record<string, unknown>>, stored: string): unknown {
  const value: unknown = JSON.parse(stored);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const entries = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  const misfits = new Set(parsed.error.issues.map((issue) => issue.path[0]));
  const kept = schema.safeParse(Object.fromEntries(entries.filter(([key]) => !misfits.has(key))));
  return kept.success ? kept.data : schema.parse({});
}

const random = mulberry32(1515);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const shuffle = <T>(items: T[]): T[] => items.sort(() => random() - 0.5);
const usage = () =>
  Object.fromEntries(
    (random() < 0.7 ? ['tokens_in', 'tokens_out', 'cached_tokens', 'cost', 'estimated', 'price_known', 'price_table_version'] : shuffle(['tokens_in', 'estimated', 'zzz', 'cost']))
      .filter(() => random() < 0.8)
      .map((key) => [
        key,
        key === 'estimated' || key === 'price_known' ? pick([true, false, 'yes']) : key === 'price_table_version' ? pick(['2025-01', 3]) : pick([0, 12, -1, 1.5, 'x']),
      ]),
  );
const VALUES: Record<string, () => unknown> = {
  status: () => pick(['pending', 'answered', 'failed', 'complete', 'streaming', 'interrupted', 'bogus', 3]),
  mode: () => pick(['chat', 'homework', 'deep_think', 'other']),
  client_request_id: () => pick(['r-1', 7]),
  client_request_key: () => pick(['["u","r-1"]', null]),
  chat_id: () => pick(['c-1', {}]),
  retries: () => pick([0, 2, -1, 1.5]),
  assistant_turn_id: () => 'a-1',
  user_turn_id: () => pick(['u-1', false]),
  provider_id: () => 'openai',
  usage,
  reasoning: () => pick(['thinking', 1]),
  truncated: () => pick([true, 'no']),
  finish_reason: () => pick(['stop', null, 4]),
  error: () => pick([{ code: 'upstream_timeout', message: 'slow' }, { message: 'slow', code: 'x' }, { code: 'x' }, { code: 'x', message: 'm', extra: 1 }, 'oops']),
  hint_level: () => pick([1, 3, 5, 0, 6, 2.5]),
  hint_request: () => pick(['more', 'less']),
  flagged: () => pick(['final_answer_above_level', true]),
  purpose: () => pick(['title', 'other']),
  attachments: () => pick([[], [{ sha256: 'a'.repeat(64), kind: 'image', mime: 'image/png', name: 'p.png', bytes: 10 }], [{ kind: 'video' }], 'none']),
  title: () => pick(['标题', 5]),
  pinned: () => pick([true, 1]),
  extra: () => pick([1, 'x', { deep: [1, 2] }, null]),
  zz_unknown: () => 'kept',
  ['__proto__']: () => ({ polluted: true }), // computed: an own key, as JSON.parse makes it
};

function randomMeta(): string {
  const keys = shuffle(Object.keys(VALUES)).slice(0, Math.floor(random() * 7));
  // Mostly in the order the app writes them (often the schema's), sometimes shuffled.
  const body = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(VALUES[key]!())}`).join(',');
  return random() < 0.05 ? pick(['[]', '"text"', 'null', '1']) : `{${body}}`;
}

describe('readJsonColumn: the parsed meta kept as it is only where zod would return the same', () => {
  const schemas = { ...TURN_META_SCHEMAS, session: SessionMetaSchema, policy: StoredPolicySnapshotSchema } as Record<string, z.ZodType<Record<string, unknown>>>;

  it('returns exactly zod’s read for 20,000 random stored metas, fitting or not', () => {
    let keptAsIs = 0;
    for (let i = 0; i < 20_000; i++) {
      const [name, schema] = pick(Object.entries(schemas));
      const stored = randomMeta();
      const actual = readJsonColumn(schema, stored);
      const expected = zodRead(schema, stored);
      // Order-sensitive: the same keys in the same order, all the way down.
      expect(JSON.stringify(actual), `${name}: ${stored}`).toBe(JSON.stringify(expected));
      expect(actual, `${name}: ${stored}`).toEqual(expected);
      expect(Object.getPrototypeOf(actual)).toBe(Object.prototype);
      if (schema.safeParse(JSON.parse(stored)).success && JSON.stringify(actual) === stored) keptAsIs++;
    }
    // The fast path is taken (else this test would not cover it).
    expect(keptAsIs).toBeGreaterThan(1_000);
  });

  it('the metas the app writes are kept as they are', () => {
    for (const [role, stored] of [
      ['user', '{"status":"answered","mode":"chat","client_request_id":"r1","client_request_key":"[\\"u\\",\\"r1\\"]","assistant_turn_id":"a1"}'],
      [
        'assistant',
        '{"user_turn_id":"u1","mode":"chat","provider_id":"openai","status":"complete","usage":{"tokens_in":12,"tokens_out":40,"cached_tokens":0,"cost":310,"estimated":false,"price_known":true,"price_table_version":"2025-06"},"finish_reason":"stop"}',
      ],
      ['system', '{"purpose":"title","provider_id":"openai","usage":{"tokens_in":3,"tokens_out":5}}'],
    ] as const) {
      expect(JSON.stringify(readJsonColumn(TURN_META_SCHEMAS[role], stored))).toBe(stored);
    }
  });

  it('a string check that rewrites the value (trim, lowercase) is read through zod, never as stored', () => {
    const schema = z.looseObject({ id: z.string().trim().optional(), tag: z.string().toLowerCase().optional(), n: z.string().min(1).optional() });
    const stored = '{"id":" ab ","tag":"ABC","n":"x"}';
    expect(readJsonColumn(schema, stored)).toEqual({ id: 'ab', tag: 'abc', n: 'x' });
    expect(readJsonColumn(schema, stored)).toEqual(zodRead(schema, stored));
  });

  it('a number is kept as stored exactly where zod accepts it (int, bounds, other checks through zod)', () => {
    const numbers = { int: z.int(), intCheck: z.number().int(), level: z.number().int().min(1).max(5), count: z.int().nonnegative(), positive: z.number().positive() };
    const others = { open: z.number().int().lt(3).gt(-2), even: z.number().multipleOf(2), int32: z.int32(), any: z.number() };
    const stored = [
      '0',
      '-0',
      '1',
      '2',
      '3',
      '5',
      '6',
      '2.5',
      '-1',
      '-2',
      '1e-7',
      '1e999',
      '-1e999',
      '9007199254740991',
      '9007199254740992',
      '-9007199254740992',
      '4294967296',
      '"1"',
    ];
    let kept = 0;
    for (const [name, schema] of Object.entries({ ...numbers, ...others })) {
      const column = z.looseObject({ n: schema.optional(), m: z.string().optional() });
      for (const n of stored) {
        const text = `{"n":${n},"m":"after"}`;
        const actual = readJsonColumn(column, text);
        const expected = zodRead(column, text);
        expect(JSON.stringify(actual), `${name}: ${n}`).toBe(JSON.stringify(expected));
        expect(Object.is(actual.n, expected && (expected as { n?: unknown }).n), `${name}: ${n}`).toBe(true);
        if (schema.safeParse(JSON.parse(n)).success) kept++;
      }
    }
    expect(kept).toBeGreaterThan(40);
  });

  it('an enumerable name on Object.prototype (for…in lists it, Object.keys does not) sends the read through zod', () => {
    const stored = '{"status":"complete"}';
    const proto = Object.prototype as Record<string, unknown>;
    try {
      proto.polluted_meta_key = 'inherited';
      const actual = readJsonColumn(TURN_META_SCHEMAS.assistant, stored);
      const expected = zodRead(TURN_META_SCHEMAS.assistant, stored);
      // zod reads the inherited name as a key of the loose object and makes it the copy's own.
      expect(Object.keys(expected as object)).toEqual(['status', 'polluted_meta_key']);
      expect(Object.keys(actual)).toEqual(Object.keys(expected as object));
    } finally {
      delete proto.polluted_meta_key;
    }
  });
});

describe('hydrateTurn: each role’s meta as zod reads it, the tool calls parsed', () => {
  const row = (role: 'user' | 'assistant' | 'system', meta: string, tool_calls: string | null): TurnRow => ({
    id: 't1',
    session_id: 's1',
    role,
    content: '内容',
    tool_calls,
    model: null,
    tokens_in: 0,
    tokens_out: 0,
    cost: 0,
    created_at: 1,
    meta,
    parent_id: null,
  });

  it('returns zod’s read of the meta for 5,000 random rows of every role, and the tool calls as stored', () => {
    for (let i = 0; i < 5_000; i++) {
      const role = pick(['user', 'assistant', 'system'] as const);
      const stored = randomMeta();
      const toolCalls = pick([null, '[]', '[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]']);
      const turn = hydrateTurn(row(role, stored, toolCalls));
      expect(JSON.stringify(turn.meta), `${role}: ${stored}`).toBe(JSON.stringify(zodRead(TURN_META_SCHEMAS[role], stored)));
      expect(turn.tool_calls).toEqual(toolCalls === null ? null : JSON.parse(toolCalls));
      expect(Object.keys(turn)).toEqual(['id', 'session_id', 'role', 'content', 'tool_calls', 'model', 'tokens_in', 'tokens_out', 'cost', 'created_at', 'meta', 'parent_id']);
    }
  });

  it('hydrateTurns hydrates the rows in place and returns them, each turn its own meta', () => {
    const rows = [row('user', '{"status":"answered"}', null), row('user', '{"status":"answered"}', '[]')];
    const turns = hydrateTurns(rows);
    expect(turns).toBe(rows);
    expect(turns.map((t) => [t.meta, t.tool_calls])).toEqual([
      [{ status: 'answered' }, null],
      [{ status: 'answered' }, []],
    ]);
    // Equal metas are separate objects: a caller may change one.
    expect(turns[0]!.meta).not.toBe(turns[1]!.meta);
  });
});
