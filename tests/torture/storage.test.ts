// T3 storage faults, against the real `studylog serve` process: a read-only database (while
// running, and at start-up), a full disk (a tiny tmpfs, and a file-size limit), and a WAL file
// deleted while stopped. Each must give a clear error (db_unavailable with a human detail, never
// a 500 internal_error), leave no partial rows, and keep reads working where they can.
//
// Mechanisms, chosen by what this machine allows (the test names say which one ran):
//   read-only  — as root, chmod does not stop writes, so `chattr +i` (immutable; also refuses
//                writes through descriptors already open); as another user, chmod 0444/0555.
//   disk full  — a 4 MiB tmpfs mounted for the test (needs root and mount rights), filled with a
//                file of our own; always also a file-size limit (`ulimit -f` on the serve child,
//                SIGXFSZ ignored) that works for any user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startOpenAITestServer, type OpenAITestServer } from '../support/openai-test-server.ts';
import { startServe, type ServeProcess } from '../support/serve-process.ts';
import { onCleanup, tempDir } from '../support/temp.ts';
import { count, http, invariantProblems, openReadOnly, turns } from './helpers.ts';

const API_KEY = 'fake-key-torture-storage-0123456789';
const isRoot = process.getuid?.() === 0;

function probeDir(): string {
  const dir = path.join(os.tmpdir(), `studylog-probe-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Can root make a file immutable here (and does that really refuse writes)? */
function chattrWorks(): boolean {
  if (!isRoot) return false;
  const dir = probeDir();
  const file = path.join(dir, 'f');
  try {
    writeFileSync(file, 'x');
    if (spawnSync('chattr', ['+i', file]).status !== 0) return false;
    try {
      writeFileSync(file, 'y', { flag: 'a' });
      return false;
    } catch {
      return true;
    } finally {
      spawnSync('chattr', ['-i', file]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tmpfsWorks(): boolean {
  if (!isRoot) return false;
  const dir = probeDir();
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status !== 0) return false;
    spawnSync('umount', [dir]);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes per `ulimit -f` unit of this `sh` (512 for dash, 1024 for bash), or null without one. */
function ulimitBlockBytes(): number | null {
  const dir = probeDir();
  try {
    const file = path.join(dir, 'f');
    const run = spawnSync('sh', ['-c', `ulimit -f 2; trap "" XFSZ; head -c 8192 /dev/zero > "${file}"`]);
    if (run.error || !existsSync(file)) return null;
    const size = statSync(file).size;
    return size === 1024 || size === 2048 ? size / 2 : null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const readOnly: { how: 'chattr' | 'chmod'; why: string } | null = isRoot
  ? chattrWorks()
    ? { how: 'chattr', why: 'root: chattr +i (chmod does not stop root)' }
    : null
  : { how: 'chmod', why: 'non-root: chmod 0444 / 0555' };
const tmpfs = tmpfsWorks();
const blockBytes = ulimitBlockBytes();

/** Makes paths read-only by the chosen mechanism; undone after the test (and by `undo`). */
function makeReadOnly(paths: string[]): () => void {
  const modes = new Map(paths.map((p) => [p, statSync(p).mode & 0o777]));
  const undo = () => {
    for (const p of paths) {
      if (readOnly!.how === 'chattr') spawnSync('chattr', ['-i', p]);
      else if (existsSync(p)) chmodSync(p, modes.get(p)!);
    }
  };
  onCleanup(undo);
  for (const p of paths) {
    if (readOnly!.how === 'chattr') execFileSync('chattr', ['+i', p]);
    else chmodSync(p, statSync(p).isDirectory() ? 0o555 : 0o444);
  }
  return undo;
}

async function upstreamServer(): Promise<OpenAITestServer> {
  const server = await startOpenAITestServer({ requiredApiKey: API_KEY });
  onCleanup(() => void server.close());
  return server;
}

const envFor = (upstream: OpenAITestServer) => ({ OPENAI_BASE_URL: upstream.url, OPENAI_API_KEY: API_KEY, STUDYLOG_MODEL: 'gpt-4o-mini' });

type Reply = Awaited<ReturnType<typeof http>>;

/** A refused write: 503 db_unavailable with a sentence for a person, not a stack or a 500. */
function expectDbUnavailable(reply: Reply, detail: RegExp): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(503);
  const body = reply.body as { code: string; detail: string };
  expect(body.code).toBe('db_unavailable');
  expect(body.detail).toMatch(detail);
  expect(body.detail).not.toMatch(/\n\s+at |SqliteError/);
}

/** Reads that must keep working while writes are refused. */
async function expectReadsWork(s: ServeProcess, token: string, sessionId: string, firstReply: string): Promise<void> {
  expect((await http(s.url, '/health')).status).toBe(200);
  const sessions = await http(s.url, '/sessions', { token });
  expect(sessions.status).toBe(200);
  expect((sessions.body as { items: { id: string }[] }).items.map((x) => x.id)).toContain(sessionId);
  const history = await http(s.url, `/sessions/${sessionId}/turns`, { token });
  expect(history.status).toBe(200);
  expect((history.body as { content: string }[]).map((t) => t.content)).toContain(firstReply);
  expect((await http(s.url, '/me', { token })).status).toBe(200);
}

/** What the server logged: no unexpected failures (those come with a stack and a 500). */
function expectNoInternalErrors(s: ServeProcess): void {
  expect(s.stderr()).not.toMatch(/failed unexpectedly|internal_error|SqliteError/);
}

function expectSound(dbFile: string, options: { openStatusesAllowed?: boolean } = {}): void {
  const db = openReadOnly(dbFile);
  try {
    expect(invariantProblems(db, options)).toEqual([]);
  } finally {
    db.close();
  }
}

function tableCounts(dbFile: string): { sessions: number; turns: number } {
  const db = openReadOnly(dbFile);
  try {
    return { sessions: count(db, 'SELECT count(*) FROM session'), turns: count(db, 'SELECT count(*) FROM turn') };
  } finally {
    db.close();
  }
}

/** Fills the file system holding `file` completely; returns the bytes written. */
function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  const big = Buffer.alloc(256 * 1024, 7);
  let total = 0;
  try {
    for (const size of [big.length, 4096]) {
      for (let i = 0; i < 100_000; i++) {
        try {
          total += writeSync(fd, big, 0, size);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

describe('T3 storage faults', () => {
  describe(`a read-only database (${readOnly?.why ?? 'no mechanism here'})`, () => {
    it.skipIf(readOnly?.how !== 'chattr')(
      `made read-only while serving: writes → db_unavailable, nothing written, reads still served; writable again → writes resume${readOnly?.how === 'chattr' ? '' : ' (needs root with chattr: chmod cannot revoke an open file)'}`,
      async () => {
        // (chmod cannot take write access away from a process that already has the file open, so
        // this case needs chattr, i.e. root; the start-up case below runs for everyone.)
        const upstream = await upstreamServer();
        const dataDir = tempDir();
        const s = await startServe({ dataDir, env: envFor(upstream) });
        const token = s.adminToken!;
        const first = await http(s.url, '/proxy', { token, body: { message: 'before the disk turned read-only', client_request_id: 'ro-live-0001' } });
        expect(first.status).toBe(200);
        const { session_id: sessionId, content: firstReply } = first.body as { session_id: string; content: string };
        const dbFile = path.join(dataDir, 'studylog.db');
        const before = tableCounts(dbFile);
        const undo = makeReadOnly([dbFile, `${dbFile}-wal`]);

        expectDbUnavailable(await http(s.url, '/proxy', { token, body: { message: 'a new question', client_request_id: 'ro-live-0002' } }), /Could not record the message/);
        expectDbUnavailable(await http(s.url, '/proxy/stream', { token, body: { message: 'a streamed question' } }), /Could not record the message/);
        expectDbUnavailable(await http(s.url, '/proxy', { token, body: { message: 'a follow-up', meta: { session_id: sessionId } } }), /Could not record the message/);
        expectDbUnavailable(await http(s.url, '/tokens', { token, body: { name: 'another', role: 'student' } }), /Could not create the token/);
        // An answered request id is a read: its stored answer is replayed.
        const replay = await http(s.url, '/proxy', { token, body: { message: 'before the disk turned read-only', client_request_id: 'ro-live-0001' } });
        expect(replay.status).toBe(200);
        expect(replay.body).toEqual(first.body);
        await expectReadsWork(s, token, sessionId, firstReply);
        expect(tableCounts(dbFile)).toEqual(before);

        undo();
        const again = await http(s.url, '/proxy', { token, body: { message: 'a new question', client_request_id: 'ro-live-0002' } });
        expect(again.status).toBe(200);
        expect((again.body as { content: string }).content).toBe('Echo: a new question');
        expect((await s.stop()).code).toBe(0);
        expectNoInternalErrors(s);
        expectSound(dbFile);
        expect(tableCounts(dbFile)).toEqual({ sessions: before.sessions + 1, turns: before.turns + 2 });
      },
    );

    it.skipIf(!readOnly)(
      `read-only at start-up: it serves reads and refuses writes clearly; a read-only folder too → a clear refusal to start, not "corrupt"${readOnly ? '' : ' (root without chattr here: nothing makes a file read-only for root)'}`,
      async () => {
        const upstream = await upstreamServer();
        const dataDir = tempDir();
        const first = await startServe({ dataDir, env: envFor(upstream) });
        const token = first.adminToken!;
        const answered = await http(first.url, '/proxy', { token, body: { message: 'written before', client_request_id: 'ro-start-0001' } });
        expect(answered.status).toBe(200);
        const { session_id: sessionId, content: firstReply } = answered.body as { session_id: string; content: string };
        expect((await first.stop()).code).toBe(0);
        const dbFile = path.join(dataDir, 'studylog.db');
        const before = tableCounts(dbFile);

        // The file read-only, its folder writable (SQLite can still make its -wal/-shm files).
        const undoFile = makeReadOnly([dbFile]);
        const s = await startServe({ dataDir, env: envFor(upstream) });
        expect(s.adminToken).toBeNull();
        expectDbUnavailable(await http(s.url, '/proxy', { token, body: { message: 'a new question', client_request_id: 'ro-start-0002' } }), /read-only/);
        expectDbUnavailable(await http(s.url, '/proxy/stream', { token, body: { message: 'streamed', client_request_id: 'ro-start-0003' } }), /read-only/);
        await expectReadsWork(s, token, sessionId, firstReply);
        expect((await s.stop()).code).toBe(0);
        expectNoInternalErrors(s);
        expect(tableCounts(dbFile)).toEqual(before);

        // The folder read-only as well: SQLite cannot even make the files a WAL database needs to
        // be read. Refused with one line naming the file and the likely cause; nothing changed.
        undoFile();
        for (const f of ['-wal', '-shm']) rmSync(dbFile + f, { force: true });
        const undoAll = makeReadOnly([dbFile, dataDir]);
        const refused = await startServe({ dataDir, env: envFor(upstream) }).then(
          () => null,
          (error: Error) => error.message,
        );
        expect(refused).toMatch(/exited \(1\)/);
        expect(refused).toContain(`studylog: The Studylog database ${dbFile} cannot be opened for reading and writing`);
        expect(refused).toMatch(/writable by this user.*\[db_unavailable\]/);
        expect(refused).not.toMatch(/db_corrupt|backup|move it away/);
        undoAll();
        expectSound(dbFile);
        expect(tableCounts(dbFile)).toEqual(before);
      },
    );
  });

  describe('a full disk', () => {
    it.skipIf(!tmpfs)(
      `a 4 MiB tmpfs filled up: nothing half-written, the message is failed (not stuck pending), reads served; space freed → retries answer${tmpfs ? '' : ' (needs root and mount rights)'}`,
      async () => {
        const upstream = await upstreamServer();
        const mount = path.join(tempDir(), 'tmpfs');
        mkdirSync(mount);
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mount]);
        onCleanup(() => spawnSync('umount', ['-l', mount])); // lazy: the killed server may still hold files
        const dataDir = path.join(mount, 'data');
        const dbFile = path.join(dataDir, 'studylog.db');
        const filler = path.join(mount, 'filler');
        const s = await startServe({ dataDir, env: envFor(upstream) });
        const token = s.adminToken!;
        const first = await http(s.url, '/proxy', { token, body: { message: 'before the disk filled up', client_request_id: 'full-0001' } });
        expect(first.status).toBe(200);
        const { session_id: sessionId, content: firstReply } = first.body as { session_id: string; content: string };

        // 1. No room at all: the message itself is refused; no session, no turn.
        expect(fillDisk(filler)).toBeGreaterThan(1024 * 1024);
        const before = tableCounts(dbFile);
        expectDbUnavailable(await http(s.url, '/proxy', { token, body: { message: 'a new question', client_request_id: 'full-0002' } }), /disk is full/);
        expectDbUnavailable(await http(s.url, '/proxy/stream', { token, body: { message: 'a streamed question', client_request_id: 'full-0003' } }), /disk is full/);
        expectDbUnavailable(await http(s.url, '/proxy', { token, body: { message: 'a follow-up', meta: { session_id: sessionId } } }), /disk is full/);
        await expectReadsWork(s, token, sessionId, firstReply);
        expect(tableCounts(dbFile)).toEqual(before);
        expectSound(dbFile);

        // 2. Room for the message but not for a long answer: the answer fails to be stored. The
        //    message must then be 'failed' (retry offers itself), not left 'pending' (every retry
        //    refused as "still being answered" until a restart). Find that window by growing the
        //    free space 16 KiB at a time.
        const longReply = 'a long answer '.repeat(7000); // 98,000 characters
        upstream.script({ reply: longReply });
        let window: { crid: string; reply: Reply } | null = null;
        for (let kb = 16; kb <= 512 && !window; kb += 16) {
          rmSync(filler);
          fillDisk(filler);
          execFileSync('truncate', ['-s', `-${kb * 1024}`, filler]);
          const crid = `full-window-${kb}`;
          const reply = await http(s.url, '/proxy', { token, body: { message: `room for ${kb} KiB`, client_request_id: crid } });
          expect(reply.status, JSON.stringify(reply.body)).not.toBe(200); // the long answer never fits
          if (!/Could not record the message/.test(JSON.stringify(reply.body))) window = { crid, reply };
        }
        expect(window, 'no free-space window where the message fits and its answer does not').not.toBeNull();
        expectDbUnavailable(window!.reply, /Could not record the answer: the disk is full/);
        let db = openReadOnly(dbFile);
        const stuck = turns(db).find((t) => t.meta.client_request_id === window!.crid)!;
        db.close();
        expect(stuck.meta.status).toBe('failed');
        expect(stuck.meta.error?.code).toBe('db_unavailable');
        expectSound(dbFile);

        // 3. Space freed: no restart needed; every refused message can be sent again, once.
        rmSync(filler);
        for (const [crid, message] of [
          ['full-0002', 'a new question'],
          ['full-0003', 'a streamed question'],
          [window!.crid, window!.crid.replace('full-window-', 'room for ') + ' KiB'],
        ] as const) {
          const reply = await http(s.url, '/proxy', { token, body: { message, client_request_id: crid } });
          expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        }
        expect((await s.stop()).code).toBe(0);
        expectNoInternalErrors(s);
        expectSound(dbFile);
        db = openReadOnly(dbFile);
        const all = turns(db);
        db.close();
        const users = all.filter((t) => t.role === 'user');
        expect(users.map((t) => t.meta.status)).toEqual(users.map(() => 'answered'));
        expect(users.find((t) => t.meta.client_request_id === window!.crid)!.meta.retries).toBe(1);
        // The long answer was the one that did not fit; the retry asked the model afresh.
        const answer = all.find((t) => t.id === users.find((u) => u.meta.client_request_id === window!.crid)!.meta.assistant_turn_id)!;
        expect(answer.content).toBe(`Echo: ${window!.crid.replace('full-window-', 'room for ')} KiB`);
        expect(all.some((t) => t.content === longReply)).toBe(false);
      },
    );

    it.skipIf(blockBytes === null)(
      `a file-size limit (ulimit -f on the serve child): writes past it → db_unavailable, nothing half-written; without the limit the refused messages go through${blockBytes === null ? ' (no sh with ulimit -f here)' : ''}`,
      async () => {
        const upstream = await upstreamServer();
        const dataDir = tempDir();
        const dbFile = path.join(dataDir, 'studylog.db');
        const first = await startServe({ dataDir, env: envFor(upstream) });
        const token = first.adminToken!;
        expect((await first.stop()).code).toBe(0);
        // The database file as it is, plus 512 KiB: the WAL (a new file) may not grow past that.
        const limit = statSync(dbFile).size + 512 * 1024;
        const s = await startServe({ dataDir, env: envFor(upstream), prefix: ['sh', '-c', `ulimit -f ${Math.ceil(limit / blockBytes!)}; trap "" XFSZ; exec "$@"`, 'sh'] });
        const sent: { crid: string; message: string; status: number }[] = [];
        let refusal: Reply | null = null;
        for (let i = 0; i < 20 && !refusal; i++) {
          const crid = `fsize-${String(i).padStart(4, '0')}`;
          const message = `question ${i}: ${'the mitochondria is the powerhouse of the cell '.repeat(1500)}`.trim();
          const reply = await http(s.url, i % 2 ? '/proxy/stream' : '/proxy', { token, body: { message, client_request_id: crid } });
          sent.push({ crid, message, status: reply.status });
          if (reply.status !== 200) refusal = reply;
        }
        expect(refusal, 'the file-size limit was never reached').not.toBeNull();
        expectDbUnavailable(refusal!, /Could not record the (message|answer)/);
        const answered = sent.filter((r) => r.status === 200);
        expect(answered.length).toBeGreaterThan(0);
        const sessions = await http(s.url, '/sessions', { token });
        expect(sessions.status).toBe(200);
        expect((sessions.body as { total: number }).total).toBeGreaterThanOrEqual(answered.length);
        expect((await http(s.url, '/health')).status).toBe(200);
        expect((await s.stop()).code).toBe(0);
        expectNoInternalErrors(s);
        // Past the limit no write at all succeeds, so a message whose answer could not be stored
        // may stay 'pending' (and a stream's partial answer 'streaming') until the next start.
        expectSound(dbFile, { openStatusesAllowed: true });

        // Without the limit: the next start repairs those; the refused message is sent again with
        // its id and answered, on its own user turn if it had one.
        const free = await startServe({ dataDir, env: envFor(upstream) });
        expectSound(dbFile);
        const last = sent.at(-1)!;
        const retry = await http(free.url, '/proxy', { token, body: { message: last.message, client_request_id: last.crid } });
        expect(retry.status, JSON.stringify(retry.body)).toBe(200);
        expect((await free.stop()).code).toBe(0);
        expectNoInternalErrors(free);
        expectSound(dbFile);
        const db = openReadOnly(dbFile);
        const users = turns(db).filter((t) => t.role === 'user');
        db.close();
        expect(users.map((t) => t.meta.client_request_id)).toEqual(sent.map((r) => r.crid));
        expect(users.map((t) => t.meta.status)).toEqual(sent.map(() => 'answered'));
      },
    );
  });

  it('the WAL deleted while stopped (after kill -9): starts, sound, the checkpointed state survives, unanswered messages are failed and can be retried', async () => {
    const upstream = await upstreamServer();
    const dataDir = tempDir();
    const dbFile = path.join(dataDir, 'studylog.db');
    const s = await startServe({ dataDir, env: envFor(upstream) });
    const token = s.adminToken!;
    const a = await http(s.url, '/proxy', { token, body: { message: 'question A', client_request_id: 'wal-aaaa-0001' } });
    expect(a.status).toBe(200);
    // B: its user turn is committed, then copied into the database file by a checkpoint; its
    // answer (and all of C) arrive afterwards and so live only in the WAL.
    const bPending = http(s.url, '/proxy', { token, body: { message: '[[test:{"latencyMs":1500}]] question B', client_request_id: 'wal-bbbb-0001' } });
    // The model is called only once the user turn is committed.
    await upstream.waitForRequest((r) => r.path.endsWith('/chat/completions') && JSON.stringify(r.body).includes('question B'));
    const rw = new Database(dbFile, { fileMustExist: true });
    const [checkpoint] = rw.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    rw.close();
    expect(checkpoint!.busy).toBe(0);
    const b = await bPending;
    expect(b.status).toBe(200);
    const c = await http(s.url, '/proxy', { token, body: { message: 'question C', client_request_id: 'wal-cccc-0001' } });
    expect(c.status).toBe(200);
    await s.kill();
    expect(statSync(`${dbFile}-wal`).size).toBeGreaterThan(0);
    rmSync(`${dbFile}-wal`); // the -shm stays behind, describing a WAL that is gone

    const restarted = await startServe({ dataDir, env: envFor(upstream) });
    expect(await restarted.waitForStderr(/marked \d+ unanswered message\(s\) from the last run as failed/)).toBe('marked 1 unanswered message(s) from the last run as failed');
    expectSound(dbFile);
    let db = openReadOnly(dbFile);
    let all = turns(db);
    db.close();
    // A survives whole; B's message survives, failed (its answer was only in the WAL); C is gone.
    expect(all.map((t) => `${t.role}:${t.meta.client_request_id ?? ''}:${t.meta.status}`)).toEqual([
      'user:wal-aaaa-0001:answered',
      'assistant::complete',
      'user:wal-bbbb-0001:failed',
    ]);
    expect(all[2]!.meta.error?.code).toBe('interrupted');
    const sessions = await http(restarted.url, '/sessions', { token });
    expect((sessions.body as { total: number }).total).toBe(2);
    const history = await http(restarted.url, `/sessions/${(a.body as { session_id: string }).session_id}/turns`, { token });
    expect((history.body as { content: string }[]).map((t) => t.content)).toEqual(['question A', 'Echo: question A']);

    // Retrying B answers it on the same user turn; C is sent again as new.
    const bAgain = await http(restarted.url, '/proxy', { token, body: { message: '[[test:{"latencyMs":1500}]] question B', client_request_id: 'wal-bbbb-0001' } });
    expect(bAgain.status).toBe(200);
    expect((bAgain.body as { meta: { user_turn_id: string } }).meta.user_turn_id).toBe(all[2]!.id);
    expect((await http(restarted.url, '/proxy', { token, body: { message: 'question C', client_request_id: 'wal-cccc-0001' } })).status).toBe(200);
    expect((await restarted.stop()).code).toBe(0);
    expectNoInternalErrors(restarted);
    expectSound(dbFile);
    db = openReadOnly(dbFile);
    all = turns(db);
    db.close();
    expect(all.filter((t) => t.role === 'user').map((t) => `${t.meta.client_request_id}:${t.meta.status}`)).toEqual([
      'wal-aaaa-0001:answered',
      'wal-bbbb-0001:answered',
      'wal-cccc-0001:answered',
    ]);
  });
});
