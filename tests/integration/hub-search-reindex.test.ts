// Turns stored by a hub from before search normalized (NFKC and the CJK radicals) kept an index of
// their raw text — grams on PostgreSQL, FTS text on SQLite — while queries are now normalized: the
// hub re-computes that index once (hub/reindex.ts), in batches that a restart continues. `hub serve`
// does it in the background: the hub answers meanwhile and its search says index_behind until it is
// done; a failed batch is said on stderr and the hub keeps serving; closing the hub stops between
// batches; one-shot commands do not do it. And a PostgreSQL database that is not UTF8 is refused at
// open, untouched, with the fix named.
// Both stores; PostgreSQL is a real throwaway cluster (support/postgres.ts).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HUB_PREFIX, type HubSearchResult } from '../../src/shared/api/hub.ts';
import { isApiError } from '../../src/shared/errors.ts';
import { reindexInBackground } from '../../src/main/core/hub/command.ts';
import { startHubServer } from '../../src/main/core/hub/server.ts';
import { drizzle as drizzleSqlite, migrate as migrateSqlite } from '../../src/main/core/db/drizzle.ts';
import { drizzle as drizzlePg, migrate as migratePg } from '../../src/main/core/hub/drizzle-pg.ts';
import { SEARCH_INDEX, type ReindexOptions } from '../../src/main/core/hub/reindex.ts';
import { openPgHub, openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import { v7 as uuidv7 } from 'uuid';
import { CLI, runCli } from '../support/cli.ts';
import { chained, hubTeacher, session } from '../support/hub.ts';
import { createDatabase, startPostgres, type PgServer } from '../support/postgres.ts';
import { requirePackage } from '../support/requirements.ts';
import { onCleanup, tempDir } from '../support/temp.ts';

const postgres = requirePackage('postgresql');
let server: PgServer | null = null;

beforeAll(async () => {
  if (!postgres.skip) server = await startPostgres();
});
afterAll(() => server?.stop());

/** `studylog hub serve` as a real child process in the language `lang`: its URL once it answers, its stderr lines as they come, and SIGTERM. */
async function serveHub(target: string[], lang: string) {
  const child = spawn(process.execPath, [CLI, 'hub', 'serve', '--port', '0', ...target], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LANG: lang, LC_ALL: lang } });
  onCleanup(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    lines.push(line);
    for (const w of waiting.filter((w) => w.pattern.test(line))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(line);
    }
  });
  let url = '';
  for await (const line of createInterface({ input: child.stdout })) {
    url ||= /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] ?? '';
    if (/^(Teacher dashboard|教师面板)/.test(line)) break;
  }
  return {
    url,
    /** The first stderr line matching `pattern` (one already said, or the next). */
    stderrLine: (pattern: RegExp) =>
      new Promise<string>((resolve) => {
        const said = lines.find((line) => pattern.test(line));
        if (said !== undefined) resolve(said);
        else waiting.push({ pattern, resolve });
      }),
    stop: async () => {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

// The index exactly as the hub wrote it before normalizing: hub/search.ts's tokens and db/fts.ts's
// bigram text, of the raw content.
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
function oldGrams(content: string): string[] {
  const tokens: string[] = [];
  const lower = content.toLowerCase();
  let last = 0;
  for (const match of lower.matchAll(CJK_RUN)) {
    tokens.push(...(lower.slice(last, match.index).match(/[\p{L}\p{N}_]+/gu) ?? []));
    const chars = Array.from(match[0]);
    tokens.push(...chars);
    for (let i = 0; i + 1 < chars.length; i++) tokens.push(chars[i]! + chars[i + 1]!);
    last = match.index + match[0].length;
  }
  tokens.push(...(lower.slice(last).match(/[\p{L}\p{N}_]+/gu) ?? []));
  return [...new Set(tokens)].sort();
}
function oldFtsText(content: string): string {
  return content.replace(CJK_RUN, (run) => {
    const chars = Array.from(run);
    const grams = chars.length === 1 ? chars : [...chars.slice(0, -1).map((c, i) => c + chars[i + 1]!), chars.at(-1)!];
    return ` ${grams.join(' ')} `;
  });
}

const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`;

describe.each([
  { kind: 'sqlite' as const, skip: false, name: 'SQLite' },
  { kind: 'pg' as const, skip: postgres.skip, name: `PostgreSQL${postgres.note}` },
])('the search index of an older hub on $name', ({ kind, skip }) => {
  /**
   * A hub migrated up to the migration before hub_search_reindex, holding a class with one
   * student whose turns (ids t01, t02, … in this order) were indexed the old way, with raw SQL.
   */
  async function olderHub(contents: string[], before = '_hub_search_reindex') {
    const dir = path.join(tempDir('studylog-hub-migrations-'), kind);
    cpSync(fileURLToPath(new URL(`../../migrations-hub/${kind}`, import.meta.url)), dir, { recursive: true });
    const journalFile = path.join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    const at = journal.entries.findIndex((e) => e.tag.endsWith(before));
    expect(at).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, at);
    writeFileSync(journalFile, JSON.stringify(journal));
    const now = Date.now();
    const ids = contents.map((_, i) => `t${String(i + 1).padStart(2, '0')}`);
    const turns = contents.map((content, i) => {
      const grams = kind === 'pg' ? `, ARRAY[${oldGrams(content).map(quoted).join(', ')}]::text[]` : '';
      return `('${ids[i]}', 's1', 'u1', NULL, 'user', ${quoted(content)}, NULL, 0, 0, 0, 1, ${now - 1000 * (i + 1)}, '{}', '${ids[i]!.padEnd(64, '0')}', NULL, ${kind === 'pg' ? 'false' : '0'}${grams})`;
    });
    const seed = [
      `INSERT INTO hub_class (id, name, code, created_at) VALUES ('c1', '旧班', 'OLDCLASS', 1)`,
      `INSERT INTO hub_user (id, name, role, created_at) VALUES ('t1', '老师', 'teacher', 1), ('u1', '甲', 'student', 1)`,
      `INSERT INTO hub_member (class_id, user_id, role, student_no, joined_at) VALUES ('c1', 't1', 'teacher', NULL, 1), ('c1', 'u1', 'student', '1', 1)`,
      `INSERT INTO hub_session (id, user_id, device_id, assignment_id, mode, started_at, meta, received_at, chain_head, turn_count, tokens) VALUES ('s1', 'u1', 'd1', NULL, 'practice', 1, '{}', ${now}, 'x', ${contents.length}, 0)`,
      `INSERT INTO hub_turn (id, session_id, user_id, parent_id, role, content, model, tokens_in, tokens_out, cost, created_at, received_at, meta, hash, hint_level, flagged${kind === 'pg' ? ', grams' : ''}) VALUES ${turns.join(', ')}`,
      ...(kind === 'sqlite' ? [`INSERT INTO hub_turn_fts (turn_id, body) VALUES ${contents.map((c, i) => `('${ids[i]}', ${quoted(oldFtsText(c))})`).join(', ')}`] : []),
    ];
    let where: string;
    if (kind === 'pg') {
      where = await createDatabase(server!);
      const pool = new pg.Pool({ connectionString: where });
      await migratePg(drizzlePg(pool), { migrationsFolder: dir });
      for (const statement of seed) await pool.query(statement);
      await pool.end();
    } else {
      where = path.join(tempDir(), 'hub.db');
      const sqlite = new Database(where);
      migrateSqlite(drizzleSqlite(sqlite), { migrationsFolder: dir });
      for (const statement of seed) sqlite.exec(statement);
      sqlite.close();
    }
    /** Opens the hub (the remaining migrations), then runs the whole re-index unless `reindex` is null. */
    const open = async (reindex: ReindexOptions | null = {}) => {
      const store = new HubStore(kind === 'pg' ? await openPgHub(where) : openSqliteHub(where));
      onCleanup(() => void store.close());
      const device = await store.issueDevice('t1', 'browser');
      const teacher = (await store.authenticate(device.token)) as HubCaller;
      if (reindex) await store.db.searchIndex!.run(reindex);
      return { store, token: device.token, found: async (query: string) => (await store.search(teacher, 'c1', query)).map((h) => h.turn_id).sort() };
    };
    /** One statement beside the hub; its rows. */
    const raw = async <T>(statement: string): Promise<T[]> => {
      if (kind === 'pg') {
        const client = new pg.Client({ connectionString: where });
        await client.connect();
        try {
          return (await client.query(statement)).rows as T[];
        } finally {
          await client.end();
        }
      }
      const sqlite = new Database(where);
      try {
        const prepared = sqlite.prepare(statement);
        return prepared.reader ? (prepared.all() as T[]) : (prepared.run(), []);
      } finally {
        sqlite.close();
      }
    };
    /** The re-index's row. */
    const mark = async () => (await raw<{ cursor: string | null; done_at: number | null }>(`SELECT cursor, done_at FROM hub_reindex WHERE name = '${SEARCH_INDEX}'`))[0]!;
    return { ids, open, mark, raw, where };
  }

  test.skipIf(skip)('a turn indexed from its raw text is found after the upgrade, by the query typed as stored and by its normalized form', async () => {
    const contents = [
      'ＰＨ值是多少？', // full-width letters
      '⽜顿第⼆定律怎么用', // Kangxi radicals, as a Noto-typeset PDF gives them
      '⻄瓜和冬瓜', // a CJK Radicals Supplement character NFKC leaves alone
      '求 𝑥 的取值范围', // a mathematical letter
      'ﬁnd the ﬁrst term', // ligatures
      '第１２３题', // full-width digits
      '普通的问题',
    ];
    const { ids, open, mark } = await olderHub(contents);
    const { found } = await open();
    const [ph, newton, melon, x, find, digits, plain] = ids.map((id) => [id]);
    expect(await found('ＰＨ值')).toEqual(ph);
    expect(await found('ph值')).toEqual(ph);
    expect(await found('⽜顿')).toEqual(newton);
    expect(await found('牛顿 第二定律')).toEqual(newton);
    expect(await found('⻄瓜')).toEqual(melon);
    expect(await found('西瓜')).toEqual(melon);
    expect(await found('𝑥 取值')).toEqual(x);
    expect(await found('x 取值')).toEqual(x);
    expect(await found('ﬁrst')).toEqual(find);
    expect(await found('first')).toEqual(find);
    expect(await found('第１２３题')).toEqual(digits);
    expect(await found('123题')).toEqual(digits);
    expect(await found('普通')).toEqual(plain);
    expect(await found('第二')).toEqual(newton);
    expect(await mark()).toMatchObject({ cursor: expect.any(String), done_at: expect.any(Number) });
  });

  test.skipIf(skip)('a hub whose first re-index was done indexes again once, so 叶绿体中 is found across ** and 测试429 as typed (tryout 10, item 7)', async () => {
    const contents = ['3. **叶绿体**中的叶绿素。', '测试429：太快了吗', '叶绿体，中间'];
    // Up to the migration before hub_search_reindex_markdown, the first re-index done, each turn
    // indexed with Markdown's markers splitting its Chinese runs.
    const { ids, open, mark, raw } = await olderHub(contents, '_hub_search_reindex_markdown');
    await raw(`UPDATE hub_reindex SET done_at = 1 WHERE name = '${SEARCH_INDEX}'`);
    const { store, found } = await open(null);
    expect(store.db.searchIndex!.pending).toBe(true);
    expect(await found('叶绿体中')).toEqual([]);
    await store.db.searchIndex!.run();
    const [chloroplast, mixed] = ids.map((id) => [id]);
    expect(await found('叶绿体中')).toEqual(chloroplast);
    expect(await found('**叶绿体**中')).toEqual(chloroplast);
    expect(await found('测试429')).toEqual(mixed);
    expect(await found('测试 429')).toEqual(mixed);
    expect(await found('叶绿体')).toEqual([ids[0], ids[2]].sort());
    expect(await mark()).toMatchObject({ done_at: expect.any(Number) });
  });

  test.skipIf(skip)('the re-index goes in batches: stopped after one, the next open continues where it stopped, and once done it is not run again', async () => {
    const contents = Array.from({ length: 25 }, (_, i) => `ＰＨ值 第${i}题`);
    const { open, mark } = await olderHub(contents);
    // The first open stops after its first batch of 10 (as a crash or Ctrl-C would).
    const first: number[] = [];
    const stopped = await open({
      batchSize: 10,
      afterBatch: (seen) => {
        first.push(seen);
        throw new Error('stopped');
      },
    }).then(
      () => 'opened',
      (error: Error) => error.message,
    );
    expect(stopped).toBe('stopped');
    expect(first).toEqual([10]);
    const halfway = await mark();
    expect(halfway.done_at).toBeNull();
    expect(halfway.cursor).not.toBeNull();
    // The next open looks at the 15 turns left only (10 + 5), not all 25 again.
    const second: number[] = [];
    const { found } = await open({ batchSize: 10, afterBatch: (seen) => void second.push(seen) });
    expect(second).toEqual([10, 5]);
    expect(await found('ph值')).toHaveLength(25);
    expect(await found('ＰＨ值 第7题')).toEqual(['t08']);
    expect((await mark()).done_at).toEqual(expect.any(Number));
    // Done: the open after that does no batch at all.
    const third: number[] = [];
    const { store } = await open({ batchSize: 10, afterBatch: (seen) => void third.push(seen) });
    expect(third).toEqual([]);
    expect(store.db.searchIndex!.pending).toBe(false);
  });

  test.skipIf(skip)('without the re-index an old turn is not found, not even by the query typed as stored: halfway, only the turns it did are', async () => {
    const contents = Array.from({ length: 4 }, (_, i) => `ＰＨ值 第${i}题`);
    const { open, raw } = await olderHub(contents);
    await expect(
      open({
        batchSize: 2,
        afterBatch: () => {
          throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    // Marked done by hand, the hub searches the index as the stopped re-index left it.
    await raw(`UPDATE hub_reindex SET done_at = 1 WHERE name = '${SEARCH_INDEX}'`);
    const { found } = await open();
    expect(await found('ph值')).toEqual(['t01', 't02']);
    expect(await found('ＰＨ值')).toEqual(['t01', 't02']);
  });

  /** The hub's HTTP face on `store`, as `hub serve` starts it; its search as a teacher with `token` sees it. */
  async function serving(store: HubStore, token: string) {
    const running = await startHubServer({ store, port: 0, limits: false });
    onCleanup(() => void running.close());
    const get = (route: string) => fetch(`${running.url}${HUB_PREFIX}${route}`, { headers: { Authorization: `Bearer ${token}` } });
    const search = async (query: string) => (await (await get(`/classes/c1/search?q=${encodeURIComponent(query)}`)).json()) as HubSearchResult;
    return { running, get, search };
  }

  /** An afterBatch that holds the re-index after its first batch until release() (reached: that batch committed). */
  function holdAfterFirst() {
    const batches: number[] = [];
    let release!: () => void;
    let reach!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (reach = resolve));
    const afterBatch = async (seen: number) => {
      batches.push(seen);
      if (batches.length === 1) {
        reach();
        await held;
      }
    };
    return { batches, afterBatch, reached, release };
  }

  /** Makes every write of the re-index's row fail in the database (as a full disk would), or stops that. */
  const failingMark = (raw: (statement: string) => Promise<unknown[]>, on: boolean) =>
    kind === 'pg'
      ? raw(
          on
            ? `CREATE FUNCTION hub_reindex_fails() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$;
               CREATE TRIGGER hub_reindex_fails BEFORE UPDATE ON hub_reindex FOR EACH ROW EXECUTE FUNCTION hub_reindex_fails()`
            : 'DROP TRIGGER hub_reindex_fails ON hub_reindex',
        )
      : raw(on ? `CREATE TRIGGER hub_reindex_fails BEFORE UPDATE ON hub_reindex BEGIN SELECT RAISE(ABORT, 'the disk is full'); END` : 'DROP TRIGGER hub_reindex_fails');

  test.skipIf(skip)('the hub answers while a pending re-index runs in the background; its search says index_behind until it is done', async () => {
    const contents = Array.from({ length: 25 }, (_, i) => `ＰＨ值 第${i}题`);
    const { open, mark } = await olderHub(contents);
    const { store, token } = await open(null);
    expect(store.db.searchIndex!.pending).toBe(true);
    const { get, search } = await serving(store, token);
    // Before any batch: nothing of the old index is found, and the reply says why.
    expect(await search('ph值')).toEqual({ items: [], index_behind: true });
    const hold = holdAfterFirst();
    const background = reindexInBackground(store.db, { batchSize: 10, afterBatch: hold.afterBatch });
    await hold.reached;
    // Held after its first batch (not done): the hub answers, and its search is behind.
    const health = await get('/health');
    expect(health.status).toBe(200);
    const halfway = await search('ph值');
    expect(halfway.items).toHaveLength(10);
    expect(halfway.index_behind).toBe(true);
    expect((await mark()).done_at).toBeNull();
    hold.release();
    expect(await background).toBe('done');
    expect(hold.batches).toEqual([10, 10, 5]);
    const after = await search('ph值');
    expect(after.items).toHaveLength(25);
    expect(after).not.toHaveProperty('index_behind');
    expect((await mark()).done_at).toEqual(expect.any(Number));
  });

  test.skipIf(skip)('the event loop runs between two batches (better-sqlite3 is synchronous: a batch at a time, then what waits)', async () => {
    const { open } = await olderHub(Array.from({ length: 3 }, (_, i) => `第${i}题`));
    const { store } = await open(null);
    // Queued during the first batch's afterBatch: it runs before the second batch only if the re-index yields to the loop.
    let ranAfter: number | null = null;
    const batches: number[] = [];
    const end = await store.db.searchIndex!.run({
      batchSize: 1,
      afterBatch: (seen) => {
        batches.push(seen);
        if (batches.length === 1) setImmediate(() => (ranAfter = batches.length));
      },
    });
    expect(end).toBe('done');
    expect(batches).toEqual([1, 1, 1, 0]);
    expect(ranAfter).toBe(1);
  });

  test.skipIf(skip)('a failed batch is rolled back: the cursor stays at the last batch committed, the hub keeps serving, and the next start finishes', async () => {
    const contents = Array.from({ length: 25 }, (_, i) => `ＰＨ值 第${i}题`);
    const { open, mark, raw } = await olderHub(contents);
    const { store, token } = await open(null);
    const { get, search } = await serving(store, token);
    // The second batch fails in the database, at its last write (the row's cursor), after it rewrote its turns.
    const end = await reindexInBackground(store.db, {
      batchSize: 10,
      afterBatch: async () => {
        if ((await mark()).cursor !== null) await failingMark(raw, true);
      },
    });
    expect(end).toBe('failed');
    expect(await mark()).toEqual({ cursor: kind === 'pg' ? 't10' : '10', done_at: null });
    expect((await get('/health')).status).toBe(200);
    const halfway = await search('ph值');
    // The first batch's turns only: the second's rewrites were rolled back with the cursor.
    expect(halfway.items).toHaveLength(10);
    expect(halfway.index_behind).toBe(true);
    expect(store.db.searchIndex!.pending).toBe(true);
    await failingMark(raw, false);
    await store.close();
    const batches: number[] = [];
    const next = await open({ batchSize: 10, afterBatch: (seen) => void batches.push(seen) });
    expect(batches).toEqual([10, 5]);
    expect(await next.found('ph值')).toHaveLength(25);
  });

  test.skipIf(skip)('closing the hub while it re-indexes stops it between batches, never under one: the cursor is the last batch’s, and the next start finishes', async () => {
    const contents = Array.from({ length: 25 }, (_, i) => `ＰＨ值 第${i}题`);
    const { open, mark } = await olderHub(contents);
    const { store } = await open(null);
    const hold = holdAfterFirst();
    const background = reindexInBackground(store.db, { batchSize: 10, afterBatch: hold.afterBatch });
    await hold.reached;
    // Closed while the re-index is between its first batch and the next: the pool or file stays open until it stops.
    const closed = store.close();
    hold.release();
    await closed;
    expect(await background).toBe('stopped');
    expect(hold.batches).toEqual([10]);
    expect(await mark()).toEqual({ cursor: kind === 'pg' ? 't10' : '10', done_at: null });
    const batches: number[] = [];
    const next = await open({ batchSize: 10, afterBatch: (seen) => void batches.push(seen) });
    expect(batches).toEqual([10, 5]);
    expect(await next.found('ph值')).toHaveLength(25);
    expect((await mark()).done_at).toEqual(expect.any(Number));
  });

  test.skipIf(skip)('one-shot hub commands work on a hub with a pending re-index and leave it untouched', async () => {
    const { mark, where } = await olderHub(['ＰＨ值是多少？', '第１２３题']);
    const target = kind === 'pg' ? ['--database-url', where] : ['--data-dir', path.dirname(where)];
    const env = { LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };
    const made = runCli(['hub', 'token', 'create', '--name', 'Ms Wang', '--role', 'teacher', ...target], env);
    expect(made.stderr).toContain('Created a token for Ms Wang');
    expect(made.code).toBe(0);
    const listed = runCli(['hub', 'class', 'list', ...target], env);
    expect(listed.stdout).toContain('OLDCLASS');
    expect(listed.stderr).toBe('');
    expect(await mark()).toEqual({ cursor: null, done_at: null });
  });

  test.skipIf(skip)('`hub serve`: a failure of the re-index is said on stderr and the hub keeps serving; the next start finishes it and says so', async () => {
    const { open, mark, raw, where } = await olderHub(['ＰＨ值是多少？', '第１２３题', '普通的问题']);
    const target = kind === 'pg' ? ['--database-url', where] : ['--data-dir', path.dirname(where)];
    const { store, token } = await open(null); // the remaining migrations (hub_reindex), and a teacher's token
    await store.close();
    await failingMark(raw, true);
    const failing = await serveHub(target, 'en_US.UTF-8');
    const failure = await failing.stderrLine(/failed/);
    expect(failure).toMatch(/^studylog hub: re-indexing the messages stored before the upgrade for search failed: .*the disk is full.*\. The hub keeps serving/);
    const get = (url: string, route: string) => fetch(`${url}${HUB_PREFIX}${route}`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await get(failing.url, '/health')).status).toBe(200);
    expect(await (await get(failing.url, `/classes/c1/search?q=${encodeURIComponent('ph值')}`)).json()).toEqual({ items: [], index_behind: true });
    expect(await failing.stop()).toBe(0);
    expect(await mark()).toEqual({ cursor: null, done_at: null });
    await failingMark(raw, false);
    // In Chinese this time: the progress line, then the one saying it is done.
    const next = await serveHub(target, 'zh_CN.UTF-8');
    expect(await next.stderrLine(/正在后台为搜索重新索引/)).toContain('已处理 3 条');
    expect(await next.stderrLine(/已全部重新索引/)).toBe('studylog hub：升级前的消息已全部重新索引（本次处理 3 条），搜索能找到所有消息了。');
    const found = (await (await get(next.url, `/classes/c1/search?q=${encodeURIComponent('ph值')}`)).json()) as HubSearchResult;
    expect(found.items.map((h) => h.turn_id)).toEqual(['t01']);
    expect(found).not.toHaveProperty('index_behind');
    expect(await next.stop()).toBe(0);
    expect((await mark()).done_at).toEqual(expect.any(Number));
  });
});

describe('a SQLite hub whose re-index is done', () => {
  test('opens beside a process holding its write lock: a done re-index takes no lock', async () => {
    const file = path.join(tempDir(), 'hub.db');
    await openSqliteHub(file).close();
    // A `studylog hub serve` in the middle of a write, and a one-shot `studylog hub class list` beside it.
    const writer = new Database(file);
    writer.prepare('BEGIN IMMEDIATE').run();
    try {
      const hub = openSqliteHub(file);
      expect(hub.searchIndex!.pending).toBe(false);
      await hub.close();
    } finally {
      writer.prepare('ROLLBACK').run();
      writer.close();
    }
  });
});

/** A new database on the test cluster with its encoding and locale; its URL. */
async function databaseWith(options: string): Promise<{ name: string; url: string }> {
  const name = `hub_enc_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: server!.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} ${options} TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const url = new URL(server!.adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

describe('a PostgreSQL database that is not UTF8', () => {
  test.skipIf(postgres.skip)('is refused at open, untouched, with a message naming its encoding and how to make a UTF8 one', async () => {
    const { name, url } = await databaseWith(`ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'`);
    const refusal = async () => {
      try {
        await openPgHub(url);
      } catch (error) {
        if (isApiError(error)) return { code: error.code, message: error.message };
        throw error;
      }
      return { code: 'opened', message: '' };
    };
    const saved = process.env.LC_ALL;
    try {
      process.env.LC_ALL = 'en_US.UTF-8';
      const en = await refusal();
      expect(en.code).toBe('db_unavailable');
      expect(en.message).toContain(`database ${name} uses the encoding SQL_ASCII`);
      expect(en.message).toContain('createdb -E UTF8 --locale=C.UTF-8 -T template0');
      process.env.LC_ALL = 'zh_CN.UTF-8';
      const zh = await refusal();
      expect(zh.message).toContain(`数据库 ${name} 的编码是 SQL_ASCII`);
      expect(zh.message).toContain('createdb -E UTF8');
    } finally {
      if (saved === undefined) delete process.env.LC_ALL;
      else process.env.LC_ALL = saved;
    }
    // Nothing was created in it: no migrations, no tables.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`);
      expect(tables.rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});

describe('a UTF8 PostgreSQL database under LC_CTYPE C', () => {
  test.skipIf(postgres.skip)('finds a word typed as stored though lower() there folds only A–Z (both sides of the content check use it)', async () => {
    const { url } = await databaseWith(`ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
    const store = new HubStore(await openPgHub(url));
    onCleanup(() => void store.close());
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    const joined = await store.joinClass({ code: klass.code, name: '王小明', device_name: 'laptop' });
    const student = (await store.authenticate(joined.token)) as HubCaller;
    const id = uuidv7();
    await store.push(student, { sessions: [session(id, chained(id, [{ content: 'Δx 是 x 的变化量' }, { content: 'ＡＢＣ 猜想' }]))] });
    const found = async (query: string) => (await store.search(teacher.caller, klass.id, query)).map((h) => h.content);
    expect(await found('Δx')).toEqual(['Δx 是 x 的变化量']);
    expect(await found('Δx 变化')).toEqual(['Δx 是 x 的变化量']);
    expect(await found('abc 猜想')).toEqual(['ＡＢＣ 猜想']);
  });
});
