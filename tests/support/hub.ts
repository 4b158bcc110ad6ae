// Hub test helpers: open the hub store on SQLite or on a fresh PostgreSQL database, and build
// chained sessions as a desktop would push them.
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { PushSession, PushTurn } from '../../src/shared/api/hub.ts';
import { GENESIS_HASH, turnHash } from '../../src/main/core/handin/chain.ts';
import { openPgHub, openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import { createDatabase, type PgServer } from './postgres.ts';
import { tempDir } from './temp.ts';

export async function openHub(kind: 'pg' | 'sqlite', server: PgServer | null, now?: () => number): Promise<HubStore> {
  const db = kind === 'pg' ? await openPgHub(await createDatabase(server!)) : openSqliteHub(path.join(tempDir(), 'hub.db'));
  return new HubStore(db, now ? { now } : {});
}

export type TurnSpec = Partial<Omit<PushTurn, 'prev_hash' | 'hash'>> & { content: string };

/** A session's turns chained from `prev` (genesis by default), as the outbox would send them. */
export function chained(sessionId: string, specs: TurnSpec[], prev = GENESIS_HASH, start = 1_700_000_000_000): PushTurn[] {
  const out: PushTurn[] = [];
  specs.forEach((spec, i) => {
    const t = {
      id: spec.id ?? uuidv7(),
      parent_id: spec.parent_id ?? null,
      role: spec.role ?? (i % 2 === 0 ? 'user' : 'assistant'),
      content: spec.content,
      model: spec.model ?? null,
      tokens_in: spec.tokens_in ?? 10,
      tokens_out: spec.tokens_out ?? 20,
      cost: spec.cost ?? 3,
      created_at: spec.created_at ?? start + i * 1000,
      meta: spec.meta ?? {},
    };
    const hash = turnHash(prev, { ...t, session_id: sessionId });
    out.push({ ...t, prev_hash: prev, hash });
    prev = hash;
  });
  return out;
}

export function session(id: string, turns: PushTurn[], extra: Partial<PushSession> = {}): PushSession {
  return { id, assignment_id: null, mode: 'homework', started_at: 1_700_000_000_000, meta: {}, turns, ...extra };
}

/** An admin caller with a real device (a token) on the hub. */
export async function hubAdmin(store: HubStore): Promise<HubCaller> {
  const user = await store.createUser('Admin', 'admin');
  const device = await store.issueDevice(user.id, 'cli');
  return (await store.authenticate(device.token)) as HubCaller;
}

export async function hubTeacher(store: HubStore, name = 'Teacher Li'): Promise<{ caller: HubCaller; token: string }> {
  const user = await store.createUser(name, 'teacher');
  const device = await store.issueDevice(user.id, 'browser');
  return { caller: (await store.authenticate(device.token)) as HubCaller, token: device.token };
}
