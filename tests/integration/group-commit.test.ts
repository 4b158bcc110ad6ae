// Group commit on a real database file: writes queued in one tick share one transaction, each is
// rolled back alone when it fails, and a promise resolves only once its write is committed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import { GroupCommit } from '../../src/main/core/db/group-commit.ts';
import { WalSync } from '../../src/main/core/db/wal-sync.ts';
import { onCleanup, openTempStore } from '../support/temp.ts';

function setup() {
  const store = openTempStore();
  store.sqlite.exec('CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)');
  // A second connection to the same file sees only what is committed.
  const other = new Database(store.file, { readonly: true });
  onCleanup(() => other.close());
  const committed = () => other.prepare('SELECT body FROM note ORDER BY id').pluck().all() as string[];
  const insert = (body: string) => () => store.sqlite.prepare('INSERT INTO note (body) VALUES (?)').run(body).lastInsertRowid;
  return { store, committed, insert };
}

describe('group commit', () => {
  it('writes queued in the same tick share one transaction, committed before any promise resolves', async () => {
    const { store, committed, insert } = setup();
    const seenInside: string[][] = [];
    const writes = [
      store.writes.run('add a', insert('a')),
      store.writes.run('add b', insert('b')),
      store.writes.run('look', () => {
        seenInside.push(committed());
        return store.sqlite.inTransaction;
      }),
    ];
    expect(committed()).toEqual([]); // queued, not yet run
    const results = await Promise.all(writes.map((w) => w.then((value) => ({ value, committedThen: committed() }))));
    // While the third write ran, a and b were written but not committed: one transaction.
    expect(seenInside).toEqual([[]]);
    expect(results[2]!.value).toBe(true);
    // Each promise resolved after the COMMIT.
    for (const r of results) expect(r.committedThen).toEqual(['a', 'b']);
  });

  it('a write that throws is rolled back alone and rejects alone, as an ApiError naming its action', async () => {
    const { store, committed, insert } = setup();
    const settled = await Promise.allSettled([
      store.writes.run('add a', insert('a')),
      store.writes.run('add half', () => {
        insert('half')();
        throw new Error('changed my mind');
      }),
      store.writes.run('add a again', insert('a')), // UNIQUE: conflicts with the first
      store.writes.run('add c', insert('c')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'changed my mind' });
    const conflict = (settled[2] as PromiseRejectedResult).reason;
    expect(conflict).toBeInstanceOf(ApiError);
    expect(conflict).toMatchObject({ code: 'conflict', detail: 'Could not add a again: it already exists.' });
    expect(committed()).toEqual(['a', 'c']);
  });

  it('on a full database every write settles truthfully: resolved ones are on disk, rejected ones are not', async () => {
    const { store, committed } = setup();
    const pages = store.sqlite.pragma('page_count', { simple: true }) as number;
    store.sqlite.pragma(`max_page_count = ${pages + 2}`);
    const bodies = Array.from({ length: 6 }, (_, i) => `${i}:${'x'.repeat(3_000)}`);
    const settled = await Promise.allSettled(bodies.map((body) => store.writes.run('add a note', () => store.sqlite.prepare('INSERT INTO note (body) VALUES (?)').run(body))));
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) expect(r.reason).toMatchObject({ code: 'db_unavailable', detail: expect.stringContaining('disk is full') });
    const onDisk = committed();
    bodies.forEach((body, i) => expect(onDisk.includes(body), `write ${i}`).toBe(settled[i]!.status === 'fulfilled'));
    // And the connection goes on working once there is room.
    store.sqlite.pragma('max_page_count = 1073741823');
    await store.writes.run('add a note', () => store.sqlite.prepare('INSERT INTO note (body) VALUES (?)').run('after'));
    expect(committed()).toContain('after');
  });

  it('waits for another process that holds the write lock, rather than failing as busy', async () => {
    const { store, committed, insert } = setup();
    // Another process (a CLI command, say) writes and keeps the lock for 300 ms.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
         const db = new Database(${JSON.stringify(store.file)});
         db.exec('BEGIN IMMEDIATE');
         db.prepare("INSERT INTO note (body) VALUES ('other')").run();
         process.stdout.write('locked\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
         db.exec('COMMIT');
         db.close();`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(holder, 'exit');
    await once(holder.stdout!, 'data');
    // This write reads before it writes, as the proxy's message write does.
    await store.writes.run('look, then add', () => {
      store.sqlite.prepare('SELECT count(*) FROM note').get();
      return insert('mine')();
    });
    expect(committed()).toEqual(['other', 'mine']);
    expect((await exited)[0]).toBe(0);
  });

  it('a write resolves only after a WAL sync that started after its COMMIT has returned; commits made meanwhile share the next sync', async () => {
    const { store, committed, insert } = setup();
    // The real sync on the real WAL, with a log of when each starts and returns.
    const log: string[] = [];
    class LoggedSync extends WalSync {
      override async sync(): Promise<void> {
        log.push(`sync start, committed: ${committed().join('')}`);
        await super.sync();
        log.push('sync done');
      }
    }
    const wal = new LoggedSync(store.file);
    onCleanup(() => wal.close());
    const writes = new GroupCommit(store.sqlite, wal);
    const track = (p: Promise<unknown>, name: string) => p.then(() => log.push(`${name} resolved`));
    const first = [track(writes.run('add a', insert('a')), 'a'), track(writes.run('add b', insert('b')), 'b')];
    // Queued while the first sync runs: committed in the next tick, acknowledged by the next sync.
    await new Promise((resolve) => setImmediate(resolve));
    const second = track(writes.run('add c', insert('c')), 'c');
    await Promise.all([...first, second]);
    // c, committed while the first sync ran, waits for the second (which starts as the first returns).
    expect(log).toEqual(['sync start, committed: ab', 'sync done', 'sync start, committed: abc', 'a resolved', 'b resolved', 'sync done', 'c resolved']);
  });

  it('a write whose WAL cannot be synced is not reported written (db_unavailable)', async () => {
    const { store, insert } = setup();
    // A WAL that is not there: the sync fails as a failing disk would.
    const wal = new WalSync(`${store.file}.missing`);
    onCleanup(() => wal.close());
    const writes = new GroupCommit(store.sqlite, wal);
    const settled = await Promise.allSettled([writes.run('add a', insert('a'))]);
    expect(settled[0]).toMatchObject({
      status: 'rejected',
      reason: { code: 'db_unavailable', detail: expect.stringContaining('Could not add a: the database could not be saved to the disk') },
    });
  });

  it('closing the store commits what is still queued', async () => {
    const { store, insert } = setup();
    const file = store.file;
    const pending = store.writes.run('add late', insert('late'));
    store.close();
    await expect(pending).resolves.toBeTypeOf('number');
    const reopened = new Database(file, { readonly: true });
    expect(reopened.prepare('SELECT body FROM note').pluck().all()).toEqual(['late']);
    reopened.close();
  });
});
