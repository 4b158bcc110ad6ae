// The hub as a child process for the sync torture tests: `node tests/support/hub-child.ts <kind>
// <database url or file> [exit-after-push|exit-after-handin]`. Prints {"url": …} once listening. With
// exit-after-push it exits (code 137, as kill -9 would) right after the first push is committed,
// before it is answered: the hub vanishes mid-push (exit-after-handin: the first hand-in).
import { openPgHub, openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { startHubServer } from '../../src/main/core/hub/server.ts';
import { HubStore } from '../../src/main/core/hub/store.ts';

const [kind, where, fault] = process.argv.slice(2) as ['pg' | 'sqlite', string, string | undefined];
const store = new HubStore(kind === 'pg' ? await openPgHub(where) : openSqliteHub(where));
const hub = await startHubServer({
  store,
  port: 0,
  ...(fault === 'exit-after-push' ? { onPushStored: () => process.exit(137) } : {}),
  ...(fault === 'exit-after-handin' ? { onHandinStored: () => process.exit(137) } : {}),
});
process.stdout.write(JSON.stringify({ url: hub.url }) + '\n');
