// T1 crash: `kill -9` the real `studylog serve` process while 16 clients are in the middle of
// proxy and stream requests, ten times, restarting on the same data dir each time. After every
// restart (the start-up repair has run) the database file, opened read-only, must be sound and
// tell the truth about what the clients saw:
//   - PRAGMA integrity_check is ok, foreign_key_check is empty (no turn without its session);
//   - every reply a client received in full has its user turn and its assistant turn, with the
//     content the client saw;
//   - a stream cut by the kill is 'interrupted' with the text flushed so far (a prefix of the
//     full reply), its user turn 'failed' — or, if the answer was stored just before the kill,
//     complete and answered; nothing is left 'pending' or 'streaming';
//   - no client_request_id has two user turns, and a request retried after the crash keeps the
//     user turn it had.
// At the end every request that never got its answer is retried to completion: none is lost.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../support/random.ts';
import { startOpenAITestServer } from '../support/openai-test-server.ts';
import { startServe, type ServeProcess } from '../support/serve-process.ts';
import { onCleanup, tempDir } from '../support/temp.ts';
import type { StreamEvent } from '../../src/shared/api/envelope.ts';
import type { ProxyMessageResponse } from '../../src/shared/api/schemas.ts';
import { http, invariantProblems, openReadOnly, parseSse, sleep, turns, type TurnRow } from './helpers.ts';

const ROUNDS = 10;
const WORKERS = 16;
const API_KEY = 'fake-key-torture-crash-0123456789';
const CHUNK = 6; // characters per streamed delta
const SEED = Number(process.env.TORTURE_SEED ?? Date.now() % 1_000_000);

interface Attempt {
  round: number;
  outcome: 'complete' | 'cut' | 'refused';
  response?: ProxyMessageResponse;
  start?: Extract<StreamEvent, { type: 'start' }>;
  received: string;
  detail?: string;
}

interface Job {
  crid: string;
  stream: boolean;
  body: { message: string; client_request_id: string };
  expectedReply: string;
  attempts: Attempt[];
  done?: ProxyMessageResponse;
  /** The user turn the server named for this request, once seen. */
  userTurnId?: string;
}

async function runAttempt(url: string, token: string, job: Job, round: number): Promise<Attempt> {
  const attempt: Attempt = { round, outcome: 'cut', received: '' };
  try {
    const response = await fetch(`${url}/api/v1/llm${job.stream ? '/proxy/stream' : '/proxy'}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(job.body),
      signal: AbortSignal.timeout(20_000),
    });
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      const body = (await response.json()) as ProxyMessageResponse | { code: string; detail: string };
      if (response.status === 200) return { ...attempt, outcome: 'complete', response: body as ProxyMessageResponse };
      return { ...attempt, outcome: 'refused', detail: `${response.status} ${JSON.stringify(body)}` };
    }
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      const end = buffer.lastIndexOf('\n\n');
      if (end < 0) continue;
      for (const event of parseSse(buffer.slice(0, end + 2))) {
        if (event.type === 'start') attempt.start = event;
        if (event.type === 'delta') attempt.received += event.content;
        if (event.type === 'done') Object.assign(attempt, { outcome: 'complete', response: event.response });
        if (event.type === 'error') Object.assign(attempt, { outcome: 'refused', detail: JSON.stringify(event.error) });
      }
      buffer = buffer.slice(end + 2);
    }
  } catch (error) {
    attempt.detail = String((error as Error).cause ?? error); // the kill: connection reset or refused
  }
  return attempt;
}

describe('T1 crash', () => {
  it(`kill -9 during 16-concurrent proxy and stream load, ${ROUNDS} rounds: the database is sound and matches what the clients saw`, async () => {
    const random = mulberry32(SEED);
    const upstream = await startOpenAITestServer({ requiredApiKey: API_KEY, defaults: { chunkDelayMs: 10, chunkSize: CHUNK } });
    onCleanup(() => void upstream.close());
    const dataDir = tempDir();
    const dbFile = `${dataDir}/studylog.db`;
    const env = { OPENAI_BASE_URL: upstream.url, OPENAI_API_KEY: API_KEY, STUDYLOG_MODEL: 'gpt-4o-mini' };

    let server: ServeProcess = await startServe({ dataDir, env });
    const admin = server.adminToken!;
    expect(admin).toMatch(/^slk_/);
    // One student, one token per worker (each worker stays far below its token's limits).
    const first = await http(server.url, '/tokens', { token: admin, body: { name: 'worker 0', role: 'student' } });
    expect(first.status).toBe(200);
    const { token: token0, info } = first.body as { token: string; info: { user_id: string } };
    const tokens = [token0];
    for (let w = 1; w < WORKERS; w++) {
      const made = await http(server.url, '/tokens', { token: admin, body: { name: `worker ${w}`, user_id: info.user_id } });
      tokens.push((made.body as { token: string }).token);
    }

    const jobs: Job[] = [];
    const newJob = (): Job => {
      const n = jobs.length;
      const stream = random() < 0.6;
      const crid = `crash-${String(n).padStart(5, '0')}`;
      // Most answers stream for a fraction of a second; some for longer than the 1 s flush interval.
      const length = random() < 0.3 ? 80 + Math.floor(random() * 20) : 8 + Math.floor(random() * 32);
      const words = Array.from({ length }, (_, i) => ['photosynthesis', 'derivative', 'mitochondria', 'integral', 'vector', 'entropy'][(n + i) % 6]);
      const text = `${stream ? 'stream' : 'plain'} ${crid} ${words.join(' ')}`;
      const latency = stream ? Math.floor(random() * 200) : 100 + Math.floor(random() * 700);
      const job: Job = { crid, stream, body: { message: `[[test:{"latencyMs":${latency}}]] ${text}`, client_request_id: crid }, expectedReply: `Echo: ${text}`, attempts: [] };
      jobs.push(job);
      return job;
    };
    const unresolved = () => jobs.filter((j) => !j.done);

    /** Everything the database must say, given what the clients have seen so far. */
    const check = (label: string) => {
      const db = openReadOnly(dbFile);
      let all: TurnRow[];
      try {
        expect(invariantProblems(db), label).toEqual([]);
        all = turns(db);
      } finally {
        db.close();
      }
      const byId = new Map(all.map((t) => [t.id, t]));
      const userOf = new Map(all.filter((t) => t.role === 'user').map((t) => [t.meta.client_request_id, t]));
      let interrupted = 0;
      let flushedMore = 0;
      for (const job of jobs) {
        const user = userOf.get(job.crid);
        if (job.userTurnId) expect(user?.id, `${label}: ${job.crid} lost its user turn`).toBe(job.userTurnId);
        if (user) expect(user.content).toBe(job.body.message);
        // Attempts cut by a kill: whatever was stored is consistent with what was sent.
        for (const attempt of job.attempts.filter((a) => a.outcome === 'cut' && a.start)) {
          expect(job.expectedReply.startsWith(attempt.received), `${label}: ${job.crid} received text that is not the reply`).toBe(true);
          const partial = byId.get(attempt.start!.turn_id);
          // A delta reaches the client only after the text it belongs to was first written.
          if (attempt.received) expect(partial, `${label}: ${job.crid} got deltas but has no stored answer`).toBeDefined();
          if (!partial) continue;
          expect(partial.meta.user_turn_id).toBe(attempt.start!.user_turn_id);
          if (partial.meta.status === 'interrupted') {
            interrupted++;
            expect(partial.content.length).toBeGreaterThan(0);
            expect(job.expectedReply.startsWith(partial.content), `${label}: ${job.crid} flushed text is not a prefix of the reply`).toBe(true);
            if (partial.content.length > CHUNK) flushedMore++;
          } else {
            // Stored in full just before the kill; the client only missed the last events.
            expect(partial.meta.status).toBe('complete');
            expect(partial.content).toBe(job.expectedReply);
            expect(byId.get(String(partial.meta.user_turn_id))!.meta.status).toBe('answered');
          }
        }
        if (job.done) {
          // Received in full: both turns, as the client saw them.
          expect(user?.meta.status, `${label}: ${job.crid}`).toBe('answered');
          expect(user!.id).toBe(job.done.meta.user_turn_id);
          const answer = byId.get(job.done.turn_id);
          expect(answer, `${label}: ${job.crid}'s answer is missing`).toBeDefined();
          expect(answer!.content).toBe(job.done.content);
          expect(answer!.meta.status).toBe('complete');
          expect(user!.meta.assistant_turn_id).toBe(job.done.turn_id);
          continue;
        }
        // Not answered yet as far as its client knows: failed by the start-up repair (the
        // message was cut), or answered just before the kill (a retry will replay it).
        if (user) expect(['failed', 'answered'], `${label}: ${job.crid}`).toContain(user.meta.status);
        if (user?.meta.status === 'failed') expect(user.meta.error?.code).toBe('interrupted');
      }
      return { interrupted, flushedMore };
    };

    const roundLog: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Earlier unanswered requests go first, with their own ids; then new ones.
      const retryQueue = unresolved();
      const retried = retryQueue.length;
      const jobsBefore = jobs.length;
      let killed = false;
      const url = server.url;
      const worker = async (w: number) => {
        for (let i = 0; i < 200 && !killed; i++) {
          const job = retryQueue.shift() ?? newJob();
          const attempt = await runAttempt(url, tokens[w]!, job, round);
          job.attempts.push(attempt);
          const seen = attempt.response?.meta.user_turn_id ?? attempt.start?.user_turn_id;
          if (seen) {
            // A request retried after a crash keeps its user turn.
            if (job.userTurnId) expect(seen, `${job.crid} changed user turn on retry`).toBe(job.userTurnId);
            job.userTurnId = seen;
          }
          if (attempt.outcome === 'complete') {
            expect(attempt.response!.content).toBe(job.expectedReply);
            if (job.stream) expect(attempt.received).toBe(job.expectedReply);
            job.done = attempt.response!;
          }
          if (attempt.outcome === 'refused') throw new Error(`${job.crid} was refused in round ${round}: ${attempt.detail}`);
        }
      };
      const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      await sleep(1_000 + Math.floor(random() * 900));
      killed = true;
      await server.kill();
      await load;
      expect(server.stderr()).not.toMatch(/failed unexpectedly|internal_error/);
      const cutNow = jobs.filter((j) => j.attempts.at(-1)?.round === round && j.attempts.at(-1)?.outcome === 'cut').length;

      // Restart on the same data dir: the start-up repair runs before it serves. Then check.
      server = await startServe({ dataDir, env });
      expect(server.adminToken).toBeNull(); // printed on the first start only
      const r = check(`after kill ${round}`);
      roundLog.push(`round ${round}: ${retried} retried + ${jobs.length - jobsBefore} new requests, ${cutNow} cut by the kill; ${r.interrupted} interrupted answers stored so far`);
    }

    // At the end, every request that never got its answer is sent again, without kills.
    const left = unresolved();
    const final = await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        const outcomes: Attempt[] = [];
        for (let job = left.shift(); job; job = left.shift()) {
          const attempt = await runAttempt(server.url, tokens[w]!, job, ROUNDS + 1);
          job.attempts.push(attempt);
          outcomes.push(attempt);
          expect(attempt.outcome, `${job.crid}: ${attempt.detail}`).toBe('complete');
          const seen = attempt.response!.meta.user_turn_id;
          if (job.userTurnId) expect(seen, `${job.crid} changed user turn on retry`).toBe(job.userTurnId);
          job.userTurnId = seen;
          expect(attempt.response!.content).toBe(job.expectedReply);
          job.done = attempt.response!;
        }
        return outcomes.length;
      }),
    );
    const totals = check('after the final retries');
    expect((await server.stop()).code).toBe(0);
    expect(server.stderr()).not.toMatch(/failed unexpectedly|internal_error/);
    check('after a clean stop');

    // None lost, none duplicated: one answered user turn per request ever made.
    const db = openReadOnly(dbFile);
    const users = turns(db).filter((t) => t.role === 'user');
    db.close();
    expect(users).toHaveLength(jobs.length);
    expect(users.every((t) => t.meta.status === 'answered')).toBe(true);
    // The kills really landed mid-flight: streams were cut, and their text had been flushed,
    // some of it past the first write (the periodic flush, not only the first delta).
    const cut = jobs.filter((j) => j.attempts.some((a) => a.outcome === 'cut')).length;
    const cutAttempts = jobs.flatMap((j) => j.attempts).filter((a) => a.outcome === 'cut').length;
    expect(cutAttempts).toBeGreaterThanOrEqual(ROUNDS * 8);
    expect(totals.interrupted).toBeGreaterThanOrEqual(ROUNDS);
    expect(totals.flushedMore).toBeGreaterThan(0);
    console.log(
      `T1 (seed ${SEED}): ${jobs.length} requests, ${cut} of them cut (${cutAttempts} times) by ${ROUNDS} kills, ${totals.interrupted} interrupted answers stored ` +
        `(${totals.flushedMore} past the first flush), ${final.reduce((a, b) => a + b, 0)} retried at the end\n  ${roundLog.join('\n  ')}`,
    );
  }, 150_000);
});
