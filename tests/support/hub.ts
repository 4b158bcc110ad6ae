// Hub test helpers: open the hub store on SQLite or on a fresh PostgreSQL database, and build
// chained sessions as a desktop would push them.
import path from 'node:path';
import { openPgHub, openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import { createDatabase, type PgServer } from './postgres.ts';
import { tempDir } from './temp.ts';

export async function openHub(kind: 'pg' | 'sqlite', server: PgServer | null, now?: () => number): Promise<HubStore> {
  const db = kind === 'pg' ? await openPgHub(await createDatabase(server!)) : openSqliteHub(path.join(tempDir(), 'hub.db'));
  return new HubStore(db, now ? { now } : {});
}

export { chained, session, type TurnSpec } from './hub-chain.ts';

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
