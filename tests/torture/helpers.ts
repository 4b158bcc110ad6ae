// Shared by the torture tests: a typed HTTP client, a read-only look at the database file and
// the invariants every torture test checks on it.
import Database from 'better-sqlite3';
import { createClient, httpTransport, type StudylogClient } from '../../src/shared/api/client.ts';
import type { StreamEvent } from '../../src/shared/api/envelope.ts';
import { ERROR_STATUS } from '../../src/shared/errors.ts';

export type Db = Database.Database;

export function client(baseUrl: string, token: string): StudylogClient {
  return createClient(httpTransport({ baseUrl, token }));
}

/** Raw HTTP against the API: status, headers and the parsed JSON body (or the text). */
export async function http(
  baseUrl: string,
  path: string,
  init: { method?: string; token?: string | null; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; body: unknown; ms: number; events?: StreamEvent[] }> {
  const started = performance.now();
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}/api/v1/llm${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
    signal: AbortSignal.timeout(init.timeoutMs ?? 20_000),
  });
  const text = await response.text();
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    // A stream answers 200 before the model does; what counts is how it ended.
    const events = parseSse(text);
    const last = events.at(-1);
    const ms = performance.now() - started;
    if (last?.type === 'done') return { status: 200, headers: response.headers, body: last.response, ms, events };
    if (last?.type === 'error') return { status: ERROR_STATUS[last.error.code] ?? 500, headers: response.headers, body: last.error, ms, events };
    return { status: 0, headers: response.headers, body: { code: 'stream_ended_early', detail: text.slice(-500) }, ms, events };
  }
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
}

/** The events of a server-sent-events body (complete events only). */
export function parseSse(text: string): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const block of text.split(/\n\n/)) {
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data) events.push(JSON.parse(data) as StreamEvent);
  }
  return events;
}

/** Opens the database file read-only (never creates it); the caller closes it. */
export function openReadOnly(file: string): Db {
  return new Database(file, { readonly: true, fileMustExist: true });
}

export interface TurnRow {
  id: string;
  session_id: string;
  role: 'user' | 'assistant' | 'system' | 'tool';
  content: string;
  created_at: number;
  meta: Record<string, unknown> & { status?: string; client_request_id?: string; user_turn_id?: string; assistant_turn_id?: string; error?: { code: string } };
}

export function turns(db: Db): TurnRow[] {
  return (db.prepare('SELECT id, session_id, role, content, created_at, meta FROM turn ORDER BY created_at, id').all() as (Omit<TurnRow, 'meta'> & { meta: string })[]).map(
    (r) => ({ ...r, meta: JSON.parse(r.meta) as TurnRow['meta'] }),
  );
}

export function count(db: Db, sql: string, ...params: unknown[]): number {
  return db
    .prepare(sql)
    .pluck()
    .get(...params) as number;
}

/**
 * What must hold for any Studylog database after any torture: SQLite's own integrity check,
 * no foreign-key violations (no turn without its session), no user turn duplicated for one
 * client_request_id, every session has a first user turn, every assistant turn points at a user
 * turn of its own session. Returns a list of problems (empty = sound).
 */
export function invariantProblems(db: Db, options: { openStatusesAllowed?: boolean } = {}): string[] {
  const problems: string[] = [];
  const integrity = db.pragma('integrity_check', { simple: true });
  if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
  const fk = db.pragma('foreign_key_check') as unknown[];
  if (fk.length) problems.push(`foreign_key_check: ${JSON.stringify(fk.slice(0, 5))}`);
  const orphans = count(db, 'SELECT count(*) FROM turn t LEFT JOIN session s ON s.id = t.session_id WHERE s.id IS NULL');
  if (orphans) problems.push(`${orphans} turn(s) without their session`);
  const dupes = db
    .prepare("SELECT json_extract(meta, '$.client_request_id') AS crid, count(*) AS n FROM turn WHERE role = 'user' AND crid IS NOT NULL GROUP BY crid HAVING n > 1")
    .all();
  if (dupes.length) problems.push(`user turns duplicated per client_request_id: ${JSON.stringify(dupes.slice(0, 5))}`);
  const empty = count(db, "SELECT count(*) FROM session s WHERE NOT EXISTS (SELECT 1 FROM turn t WHERE t.session_id = s.id AND t.role = 'user')");
  if (empty) problems.push(`${empty} session(s) without a user turn (a half-written session)`);
  const all = turns(db);
  const byId = new Map(all.map((t) => [t.id, t]));
  for (const t of all) {
    if (t.role === 'assistant') {
      const user = byId.get(String(t.meta.user_turn_id));
      if (!user || user.role !== 'user' || user.session_id !== t.session_id) problems.push(`assistant turn ${t.id} has no user turn in its session`);
    }
    if (t.role === 'user' && t.meta.status === 'answered') {
      const answer = byId.get(String(t.meta.assistant_turn_id));
      if (!answer || answer.role !== 'assistant') problems.push(`user turn ${t.id} is 'answered' but its answer ${String(t.meta.assistant_turn_id)} is missing`);
    }
    if (!options.openStatusesAllowed && (t.meta.status === 'pending' || t.meta.status === 'streaming')) problems.push(`turn ${t.id} still '${t.meta.status}'`);
  }
  return problems;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
