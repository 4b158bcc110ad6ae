// The full-text index follows the turns outside the message's write (fts.ts, fts-indexer.ts): the
// triggers only note a turn in turn_fts_pending; the notes are indexed in the background, before
// any search, and at open. These tests look at turn_fts itself (not only through search, which
// catches up first) to see which of the three did the work.
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Store } from '../../src/main/core/db/connection.ts';
import { AttachmentsRepo } from '../../src/main/core/db/attachments.repo.ts';
import { FTS_TEXT_VERSION, FTS_TEXT_VERSION_KEY, ftsQuery, ftsText, INDEX_BATCH, pendingTextSql, rebuildFtsIndex } from '../../src/main/core/db/fts.ts';
import { INDEX_DELAY_MS } from '../../src/main/core/db/fts-indexer.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { setupCore, TEST_CALLER } from '../support/core.ts';
import { onCleanup, tempDir } from '../support/temp.ts';

function open(file: string): Store {
  const store = openDatabase(file);
  onCleanup(() => store.sqlite.open && store.close());
  return store;
}

/** Entries in turn_fts matching `query` as a search would, read without catching up. */
const indexed = (store: Store, query: string) => store.sqlite.prepare('SELECT count(*) FROM turn_fts WHERE turn_fts MATCH ?').pluck().get(ftsQuery(query)) as number;
const noted = (store: Store) => store.sqlite.prepare('SELECT count(*) FROM turn_fts_pending').pluck().get() as number;

/** A session for u1 and a user turn written as the proxy writes one: through the group commit. */
async function message(store: Store, content: string) {
  const sessions = new SessionsRepo(store);
  const turns = new TurnsRepo(store);
  const session = await store.writes.run('start', (db) => sessions.insertNewSession(db, { user_id: 'u1' }));
  const turn = await store.writes.run('record the message', (db) => turns.insertNewTurn(db, { session_id: session.id, role: 'user', content }));
  return { sessions, turns, session, turn };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('full-text indexing after the write', () => {
  it('a message is found by search right after it is committed, before the background indexing ran', async () => {
    const store = open(path.join(tempDir(), 'studylog.db'));
    const { turns, sessions, session, turn } = await message(store, '帮我解答这道数学题');
    // Committed and noted, not yet indexed: the commit did no FTS work.
    expect(noted(store)).toBe(1);
    expect(indexed(store, '数学')).toBe(0);

    expect(turns.searchTurns('u1', '数学').items.map((t) => t.id)).toEqual([turn.id]);
    expect(noted(store)).toBe(0);
    expect(indexed(store, '数学')).toBe(1);
    // The sessions filter reads the index too.
    const next = await store.writes.run('record the message', (db) => turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: 'photosynthesis please' }));
    expect(noted(store)).toBe(1);
    expect(sessions.getSessionsByUserId('u1', {}, { q: 'photosynth' }).items.map((s) => s.id)).toEqual([session.id]);
    expect(indexed(store, 'photosynthesis')).toBe(1);
    expect(turns.searchTurns('u1', 'photosynthesis').items.map((t) => t.id)).toEqual([next.id]);
  });

  it('indexes in the background a little after a commit, in a write of the group commit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = open(path.join(tempDir(), 'studylog.db'));
    await message(store, 'integral of x squared');
    expect(noted(store)).toBe(1);
    vi.advanceTimersByTime(INDEX_DELAY_MS - 1);
    expect(noted(store)).toBe(1);
    vi.advanceTimersByTime(1);
    // The timer queued the indexing on the group commit: a write queued after it commits after it.
    await store.writes.run('a later write', () => {});
    expect(noted(store)).toBe(0);
    expect(indexed(store, 'integral')).toBe(1);
  });

  it('a turn indexed, changed and then deleted while noted leaves no entry, and no note', async () => {
    const store = open(path.join(tempDir(), 'studylog.db'));
    const { turns, session, turn } = await message(store, 'quadratic formula');
    expect(turns.searchTurns('u1', 'quadratic').total).toBe(1); // indexed
    const fresh = await store.writes.run('record', (db) => turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: 'never indexed trigonometry' }));
    await store.writes.run('update', (db) => turns.updateTurnById(db, turn.id, { content: 'quadratic formula, edited' }));
    expect(noted(store)).toBe(2);
    await store.writes.run('delete', (db) => {
      db.prepare('DELETE FROM turn WHERE id IN (?, ?)').run(turn.id, fresh.id);
    });
    expect(noted(store)).toBe(0);
    expect(indexed(store, 'quadratic')).toBe(0);
    expect(turns.searchTurns('u1', 'quadratic').total).toBe(0);
    expect(turns.searchTurns('u1', 'trigonometry').total).toBe(0);
    expect(indexed(store, 'trigonometry')).toBe(0);
  });

  it('a system turn (a title call’s record, an imported prompt) is not indexed: neither noted and caught up nor at a rebuild', async () => {
    const store = open(path.join(tempDir(), 'studylog.db'));
    const { turns, session } = await message(store, '抛物线的最低点在哪？');
    await store.writes.run('name the session', (db) => {
      turns.insertNewTurn(db, { session_id: session.id, role: 'system', content: '二次函数的顶点', meta: { purpose: 'title' } });
      turns.insertNewTurn(db, { session_id: session.id, role: 'system', content: '你是顶点专家' });
    });
    expect(noted(store)).toBe(3);
    expect(store.searchIndex.catchUp()).toBe(true);
    expect(noted(store)).toBe(0);
    expect(indexed(store, '最低点')).toBe(1);
    expect(indexed(store, '顶点')).toBe(0);
    // Its content changed (noted again): still out.
    await store.writes.run('rename', (db) => db.prepare("UPDATE turn SET content = '二次函数顶点式' WHERE role = 'system' AND content = '二次函数的顶点'").run());
    store.searchIndex.catchUp();
    expect(indexed(store, '顶点')).toBe(0);
    // A rebuild (after a migration, a repair) indexes the messages alone too.
    rebuildFtsIndex(store.sqlite);
    expect(indexed(store, '最低点')).toBe(1);
    expect(indexed(store, '顶点')).toBe(0);
  });

  it('a changed turn is found by its new text only, once', async () => {
    const store = open(path.join(tempDir(), 'studylog.db'));
    const { turns, turn } = await message(store, 'draft about mitochondria');
    expect(turns.searchTurns('u1', 'draft').total).toBe(1);
    await store.writes.run('update', (db) => turns.updateTurnById(db, turn.id, { content: 'final words on chloroplasts' }));
    // Only the content counts: a change of meta alone notes nothing.
    await store.writes.run('update', (db) => turns.updateTurnById(db, turn.id, { meta: { status: 'answered' } }));
    expect(turns.searchTurns('u1', 'draft').total).toBe(0);
    expect(turns.searchTurns('u1', 'chloroplasts').items.map((t) => t.id)).toEqual([turn.id]);
    await store.writes.run('update', (db) => turns.updateTurnById(db, turn.id, { meta: { status: 'failed' } }));
    expect(noted(store)).toBe(0);
  });

  it('an attachment linked in the message’s write is indexed with it: found by its text', async () => {
    const store = open(path.join(tempDir(), 'studylog.db'));
    const attachments = new AttachmentsRepo(store);
    const sha256 = 'c'.repeat(64);
    const { turns, turn } = await message(store, '看一下这个');
    expect(turns.searchTurns('u1', '看一下').total).toBe(1); // indexed without the attachment
    await store.writes.run('attach', (db) => {
      attachments.store(db, 'u1', { sha256, kind: 'pdf', mime: 'application/pdf', data: Buffer.from('%PDF-'), width: null, height: null, pages: 1, text: '牛顿第二定律' });
      attachments.link(db, turn.id, [{ sha256, name: '物理.pdf', text: '牛顿第二定律' }]);
    });
    expect(noted(store)).toBe(1);
    expect(indexed(store, '牛顿')).toBe(0);
    expect(turns.searchTurns('u1', '牛顿').items.map((t) => t.id)).toEqual([turn.id]);
    expect(turns.searchTurns('u1', '看一下').total).toBe(1);
  });

  it('a crash with turns still noted: the next open indexes them', async () => {
    const file = path.join(tempDir(), 'studylog.db');
    const store = open(file);
    await message(store, 'Pythagorean theorem');
    expect(noted(store)).toBe(1);
    // Gone without indexing (as after kill -9): the connection closes under the pending timer.
    store.sqlite.close();

    const reopened = open(file);
    expect(noted(reopened)).toBe(0);
    expect(indexed(reopened, 'pythagorean')).toBe(1);
  });

  it('a turn written by another process (a CLI command beside the server) is found by the next search', async () => {
    const file = path.join(tempDir(), 'studylog.db');
    const server = open(file);
    const cli = open(file);
    const { turn } = await message(cli, 'written by the command line');
    expect(noted(server)).toBe(1);
    expect(new TurnsRepo(server).searchTurns('u1', 'command line').items.map((t) => t.id)).toEqual([turn.id]);
    expect(noted(cli)).toBe(0);
  });

  it('a streamed answer is found by its final text, as one hit', async () => {
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'zulu'];
    const reply = words.join(' ');
    // Flushes every 50 ms while chunks arrive every 40 ms: the answer is written in parts.
    const core = await setupCore({ defaults: { reply, chunkSize: 6, chunkDelayMs: 40 } });
    let turnId: string | undefined;
    let partial: string | undefined;
    for await (const event of core.proxy.stream(TEST_CALLER, { message: 'spell the alphabet' })) {
      if (event.type === 'start') turnId = event.turn_id;
      if (event.type !== 'delta' || partial !== undefined || turnId === undefined) continue;
      const stored = core.turns.getTurnById(turnId)?.content;
      // A search while it streams indexes the part written so far.
      if (stored && stored.length < reply.length) {
        partial = stored;
        expect(core.turns.searchTurns(TEST_CALLER.user_id, 'alpha').items.map((t) => t.id)).toContain(turnId);
      }
    }
    expect(partial).toBeDefined();
    expect(core.turns.getTurnById(turnId!)?.content).toBe(reply);
    const hits = (q: string) => core.turns.searchTurns(TEST_CALLER.user_id, q).items.filter((t) => t.role === 'assistant');
    expect(hits('zulu').map((t) => [t.id, t.content])).toEqual([[turnId, reply]]);
    expect(hits('alpha').map((t) => t.id)).toEqual([turnId]);
  });

  it('another process holding the write lock: the database still opens and a search still answers, from the index as it is; the notes wait', async () => {
    const file = path.join(tempDir(), 'studylog.db');
    const writer = open(file);
    const other = open(file);
    const { sessions, turns, turn } = await message(writer, 'noted before the lock');
    writer.searchIndex.stop();
    // A CLI command (or the server beside one) in the middle of its write.
    other.sqlite.prepare('BEGIN IMMEDIATE').run();
    try {
      // Before: open indexed the notes inside its own transaction and failed with "database is
      // locked" (db_unavailable); a search waited the whole busy_timeout, then failed.
      const cli = open(file);
      expect(noted(cli)).toBe(1);
      expect(new TurnsRepo(cli).searchTurns('u1', 'lock').items).toEqual([]);
      // The answer says the newest messages may be missing (the History screen shows a line).
      expect(turns.searchTurns('u1', 'lock')).toMatchObject({ items: [], index_behind: true });
      expect(sessions.getSessionsByUserId('u1', {}, { q: 'lock' })).toMatchObject({ items: [], index_behind: true });
    } finally {
      other.sqlite.prepare('ROLLBACK').run();
    }
    // The lock is gone: the next search catches up, and says nothing of it.
    const after = turns.searchTurns('u1', 'lock');
    expect(after.items.map((t) => t.id)).toEqual([turn.id]);
    expect(after).not.toHaveProperty('index_behind');
    expect(noted(writer)).toBe(0);
    expect(sessions.getSessionsByUserId('u1', {}, { q: 'lock' })).not.toHaveProperty('index_behind');
  });

  it('on a database that refuses writes, a search answers from what is indexed and leaves the notes', async () => {
    const file = path.join(tempDir(), 'studylog.db');
    const writer = open(file);
    const reader = open(file);
    const { turn } = await message(writer, 'indexed first');
    writer.searchIndex.catchUp();
    await message(writer, 'noted only');
    writer.searchIndex.stop();
    // Every write refused, as on a read-only file (chattr +i needs root: tests/torture/storage.test.ts opens one).
    reader.sqlite.pragma('query_only = ON');
    expect(reader.searchIndex.catchUp()).toBe(false);
    const found = new TurnsRepo(reader).searchTurns('u1', 'indexed');
    expect(found.items.map((t) => t.id)).toEqual([turn.id]);
    expect(found.index_behind).toBe(true);
    expect(noted(reader)).toBe(1);
  });

  /**
   * Makes `store`'s index as the version before FTS_TEXT_VERSION 2 left it: each turn's entry made
   * with Markdown's markers splitting Chinese runs, and no version recorded.
   */
  function asBeforeMarkupJoined(store: Store) {
    store.searchIndex.catchUp();
    const rows = store.sqlite.prepare('SELECT rowid, content FROM turn').all() as { rowid: number; content: string }[];
    store.transaction('index as before', (db) => {
      for (const row of rows) {
        db.prepare('DELETE FROM turn_fts WHERE rowid = ?').run(row.rowid);
        // The markers as spaces split the runs just as they did (ftsText's bigrams per run).
        db.prepare('INSERT INTO turn_fts(rowid, body) VALUES (?, ?)').run(row.rowid, ftsText(row.content.replace(/[*_~`]+/g, ' ')));
      }
      db.prepare('DELETE FROM setting WHERE key = ?').run(FTS_TEXT_VERSION_KEY);
    });
  }
  const textVersion = (store: Store) => store.sqlite.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(FTS_TEXT_VERSION_KEY);

  it('an index made before Markdown’s markers joined Chinese runs is made again at the next open (tryout 10, item 7)', async () => {
    const file = path.join(tempDir(), 'studylog.db');
    const store = open(file);
    expect(textVersion(store)).toBe(JSON.stringify(FTS_TEXT_VERSION));
    const { turns, session } = await message(store, '叶绿素在哪里？');
    const answer = await store.writes.run('record the answer', (db) =>
      turns.insertNewTurn(db, { session_id: session.id, role: 'assistant', content: '3. **叶绿体**中的叶绿素。' }),
    );
    expect(turns.searchTurns('u1', '叶绿体中').items.map((t) => t.id)).toEqual([answer.id]);
    asBeforeMarkupJoined(store);
    expect(indexed(store, '叶绿体中')).toBe(0);
    expect(indexed(store, '叶绿素')).toBe(2);
    store.close();

    const reopened = open(file);
    // Noted at open and indexed by the open's catch-up (a backlog of one batch); the version recorded.
    expect(noted(reopened)).toBe(0);
    expect(indexed(reopened, '叶绿体中')).toBe(1);
    expect(indexed(reopened, '叶绿素')).toBe(2);
    expect(textVersion(reopened)).toBe(JSON.stringify(FTS_TEXT_VERSION));
    expect(new TurnsRepo(reopened).searchTurns('u1', '叶绿体中').items.map((t) => t.id)).toEqual([answer.id]);
    reopened.close();
    // Current: the next open notes nothing.
    const again = open(file);
    expect(noted(again)).toBe(0);
  });

  it('a re-index’s backlog goes in batches, newest first, a search saying meanwhile that the index is behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const file = path.join(tempDir(), 'studylog.db');
    const store = open(file);
    const { turns, session } = await message(store, '**第一**条');
    await store.writes.run('record a history', (db) => {
      for (let i = 0; i < 2 * INDEX_BATCH; i++) turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: `第${i}条 **旧**消息` });
    });
    asBeforeMarkupJoined(store);
    store.close();

    const reopened = open(file);
    // The open indexed one batch, the newest: the oldest turns wait, with their former entries.
    expect(noted(reopened)).toBe(INDEX_BATCH + 1);
    expect(reopened.sqlite.prepare('SELECT max(turn_rowid) FROM turn_fts_pending').pluck().get()).toBe(INDEX_BATCH + 1);
    expect(indexed(reopened, '第一条')).toBe(0);
    expect(indexed(reopened, '旧消息')).toBe(INDEX_BATCH);
    // A search indexes the next batch and says it is behind, finding what it found before.
    const behind = new TurnsRepo(reopened).searchTurns('u1', '第一');
    expect(behind.index_behind).toBe(true);
    expect(noted(reopened)).toBe(1);
    // The background finishes it (the timers the batches set), in writes of the group commit.
    vi.runOnlyPendingTimers();
    await reopened.writes.run('a later write', () => {});
    expect(noted(reopened)).toBe(0);
    expect(indexed(reopened, '第一条')).toBe(1);
    const done = new TurnsRepo(reopened).searchTurns('u1', '第一条');
    expect(done.index_behind).toBeUndefined();
    expect(done.total).toBe(1);
  });

  it('reads only the noted turns, each by its rowid: never a scan of the whole history', async () => {
    const store = open(path.join(tempDir(), 'studylog.db'));
    const { turns, session } = await message(store, 'first');
    await store.writes.run('record a history', (db) => {
      for (let i = 0; i < 2000; i++) turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: `turn ${i}` });
    });
    store.searchIndex.catchUp();
    // Statistics as a migration leaves them (connection.ts): many turns, nothing noted at the time.
    store.sqlite.exec('ANALYZE');
    await store.writes.run('record', (db) => turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: 'one more' }));
    const plan = (store.sqlite.prepare(`EXPLAIN QUERY PLAN ${pendingTextSql(store.sqlite)}`).all() as { detail: string }[]).map((r) => r.detail);
    expect(plan.slice(0, 2)).toEqual(['SCAN p', 'SEARCH t USING INTEGER PRIMARY KEY (rowid=?)']);
  });
});
