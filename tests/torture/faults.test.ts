// T2 upstream faults under load: every fault of the proxy, mixed with good requests, sent 16 at a
// time through the HTTP face (a real server on a temp core, talking to the OpenAI-compatible test
// server over loopback). Every request must end with its answer or its stable error code; then
// every failed one is retried with the same client_request_id and must be answered, on the same
// user turn — none lost, none duplicated.
//
// How faults are removed for the retries: a retry re-sends the *stored* message, so a fault
// written into the message as a `[[test:…]]` directive would come back with it. Instead, in the
// retry phase every chat request takes a plain-success entry from the test server's script()
// queue (a queued entry replaces the message's directive completely); exactly one is queued per
// retry, and the retries are the only chat requests then. The faults that are not directives
// are fixed in the world instead: the provider with the wrong key gets the right one (settings),
// and the unknown model starts to exist on the server.
import { describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/main/core/http/server.ts';
import { ERROR_STATUS, type ErrorCode } from '../../src/shared/errors.ts';
import type { Fault } from '../support/openai-test-server.ts';
import { setupCore, TEST_API_KEY } from '../support/core.ts';
import { onCleanup } from '../support/temp.ts';
import { http, invariantProblems, turns } from './helpers.ts';

const STUDYLOG_WRONG_KEY = 'fake-key-wrong-key-for-torture-0123456789';
const CONCURRENCY = 16;
const PER_KIND = 12; // × 13 kinds × (stream, not) = 312 requests

interface Kind {
  name: string;
  fault?: Fault;
  usage?: false;
  /** Routes to another provider or model. */
  model?: string;
  expect: ErrorCode | 'answered';
}

const KINDS: Kind[] = [
  { name: 'good', expect: 'answered' },
  { name: 'no usage', usage: false, expect: 'answered' },
  { name: '401', fault: { kind: 'status', status: 401 }, expect: 'upstream_auth' },
  { name: 'wrong key', model: 'qwen-plus', expect: 'upstream_auth' },
  { name: 'unknown model', model: 'gpt-9-ultra', expect: 'model_not_found' },
  { name: '404', fault: { kind: 'status', status: 404 }, expect: 'model_not_found' },
  { name: '429', fault: { kind: 'status', status: 429, retryAfterSeconds: 0 }, expect: 'upstream_rate_limited' },
  { name: '500', fault: { kind: 'status', status: 500 }, expect: 'upstream_error' },
  { name: '503', fault: { kind: 'status', status: 503 }, expect: 'upstream_error' },
  { name: 'reset', fault: { kind: 'reset' }, expect: 'upstream_unreachable' },
  { name: 'cut', fault: { kind: 'cut', afterChunks: 2 }, expect: 'upstream_unreachable' },
  { name: 'hang', fault: { kind: 'hang' }, model: 'llama3.2', expect: 'upstream_timeout' },
  { name: 'malformed', fault: { kind: 'malformed' }, expect: 'upstream_bad_response' },
];

interface Sent {
  crid: string;
  kind: Kind;
  stream: boolean;
  body: { message: string; client_request_id: string; model?: string };
  text: string; // what the test server echoes
  status?: number;
  reply?: { code?: string; detail?: string; content?: string; meta?: { user_turn_id: string; usage: { estimated: boolean } } };
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

describe('T2 upstream faults under load', () => {
  it(`${KINDS.length * PER_KIND * 2} requests, 16 at a time, every fault mixed with good ones: each ends with its answer or its code; retried, all are answered on their one user turn`, async () => {
    const core = await setupCore({
      // A generous timeout for the main provider: a loaded machine must not turn good answers into timeouts.
      // gpt-9-ultra: configured (so a student may choose it) but not served → model_not_found.
      provider: { models: ['gpt-4o-mini', 'gpt-9-ultra'], timeout_ms: 10_000, max_retries: 1 },
      core: { env: { STUDYLOG_TEST_KEY: TEST_API_KEY, STUDYLOG_WRONG_KEY } }, // STUDYLOG_*_BASE_URL: setupCore
    });
    const base = core.settings.get().providers[0]!;
    core.settings.update({
      providers: [
        base,
        { ...base, id: 'wrongkey', name: 'Wrong key', models: ['qwen-plus'], default_model: 'qwen-plus', api_key_ref: { source: 'env', var: 'STUDYLOG_WRONG_KEY' } },
        { ...base, id: 'slow', name: 'Hangs', models: ['llama3.2'], default_model: 'llama3.2', timeout_ms: 1_000, max_retries: 0 },
      ],
    });
    const server = await startHttpServer({ core, port: 0, limits: { perSecond: 10_000, burst: 10_000, concurrent: 64 } });
    onCleanup(() => void server.close());
    const { token } = core.users.createToken({ name: 'student under load', role: 'student' });
    // The owner at this machine: changing where a provider takes its key from is theirs alone.
    const { token: admin } = core.users.issueLocalOwnerToken('owner');

    // Interleaved, so every stretch of the run mixes faults with good requests.
    const sent: Sent[] = [];
    for (let i = 0; i < PER_KIND; i++) {
      for (const kind of KINDS) {
        for (const stream of [false, true]) {
          const n = sent.length;
          const crid = `t2-${String(n).padStart(4, '0')}-${kind.name.replace(/\s/g, '-')}`;
          const text = `question ${n} (${kind.name}${stream ? ', streamed' : ''})`;
          const directive =
            kind.fault || kind.usage === false
              ? `[[test:${JSON.stringify({ ...(kind.fault ? { fault: kind.fault } : {}), ...(kind.usage === false ? { usage: false } : {}) })}]] `
              : '';
          sent.push({ crid, kind, stream, text, body: { message: directive + text, client_request_id: crid, ...(kind.model ? { model: kind.model } : {}) } });
        }
      }
    }

    const send = async (s: Sent) => {
      const reply = await http(server.url, s.stream ? '/proxy/stream' : '/proxy', { token, body: s.body, timeoutMs: 30_000 });
      s.status = reply.status;
      s.reply = reply.body as Sent['reply'];
    };

    // Phase 1: the faults, under load.
    const started = Date.now();
    await pool(sent, CONCURRENCY, send);
    const phase1Ms = Date.now() - started;
    const outcome = (s: Sent) => (s.status === 200 ? 'answered' : (s.reply?.code ?? `HTTP ${s.status}`));
    const wrong = sent.filter((s) => outcome(s) !== s.kind.expect).map((s) => `${s.crid}: expected ${s.kind.expect}, got ${outcome(s)} ${JSON.stringify(s.reply).slice(0, 200)}`);
    expect(wrong).toEqual([]);
    for (const s of sent) {
      if (s.status === 200) {
        expect(s.reply!.content).toBe(`Echo: ${s.text}`);
        expect(s.reply!.meta!.usage.estimated).toBe(s.kind.usage === false);
      } else {
        expect(s.status).toBe(ERROR_STATUS[s.kind.expect as ErrorCode]);
        expect(s.reply!.detail).toMatch(/\S/);
        expect(s.reply!.detail).not.toContain(STUDYLOG_WRONG_KEY);
        expect(s.reply!.detail).not.toContain(TEST_API_KEY);
      }
    }

    // In the database: one user turn per request, answered or failed with the same code.
    let all = turns(core.store.sqlite);
    const userOf = (crid: string) => all.filter((t) => t.role === 'user' && t.meta.client_request_id === crid);
    for (const s of sent) {
      const users = userOf(s.crid);
      expect(users, s.crid).toHaveLength(1);
      const user = users[0]!;
      expect(user.content).toBe(s.body.message);
      if (s.kind.expect === 'answered') {
        expect(user.meta.status).toBe('answered');
        expect(user.id).toBe(s.reply!.meta!.user_turn_id);
      } else {
        expect(user.meta).toMatchObject({ status: 'failed', error: { code: s.kind.expect } });
      }
    }
    // A cut stream keeps what arrived, marked interrupted: a prefix of the answer.
    const interrupted = all.filter((t) => t.role === 'assistant' && t.meta.status === 'interrupted');
    expect(interrupted.length).toBe(sent.filter((s) => s.kind.name === 'cut' && s.stream).length);
    for (const t of interrupted) {
      const s = sent.find((x) => userOf(x.crid)[0]!.id === t.meta.user_turn_id)!;
      expect(s.kind.name).toBe('cut');
      expect(t.content.length).toBeGreaterThan(0);
      expect(`Echo: ${s.text}`.startsWith(t.content)).toBe(true);
    }
    expect(invariantProblems(core.store.sqlite)).toEqual([]);

    // Phase 2: the world is fixed; every failed request is sent again, as it was.
    const failed = sent.filter((s) => s.status !== 200);
    expect(failed.length).toBe(sent.filter((s) => s.kind.expect !== 'answered').length);
    const fixed = await http(server.url, '/settings', {
      method: 'PATCH',
      token: admin,
      body: { providers: core.settings.get().providers.map((p) => (p.id === 'wrongkey' ? { ...p, api_key_ref: { source: 'env', var: 'STUDYLOG_TEST_KEY' } } : p)) },
    });
    expect(fixed.status).toBe(200);
    core.server.models.push('gpt-9-ultra');
    core.server.script(...failed.map(() => ({})));
    const chatsBefore = core.chatRequests().length;
    const firstFailure = new Map(failed.map((s) => [s.crid, { status: s.status, code: s.reply?.code }]));
    await pool(failed, CONCURRENCY, send);
    expect(failed.filter((s) => s.status !== 200).map((s) => `${s.crid}: ${JSON.stringify(s.reply).slice(0, 200)}`)).toEqual([]);
    expect(core.chatRequests().length - chatsBefore).toBe(failed.length); // one model call per retry, none left queued
    for (const s of failed) expect(s.reply!.content, `${s.crid} after ${JSON.stringify(firstFailure.get(s.crid))}`).toBe(`Echo: ${s.text}`);

    // And a third time for a sample of everything: the stored answer comes back, no model call.
    const sample = sent.filter((_, i) => i % 7 === 0);
    const before = new Map(sample.map((s) => [s.crid, s.reply!.content]));
    const chatsBeforeReplay = core.chatRequests().length;
    await pool(sample, CONCURRENCY, send);
    expect(core.chatRequests().length).toBe(chatsBeforeReplay);
    for (const s of sample) {
      expect(s.status).toBe(200);
      expect(s.reply!.content).toBe(before.get(s.crid));
    }

    all = turns(core.store.sqlite);
    const users = all.filter((t) => t.role === 'user');
    expect(users).toHaveLength(sent.length); // none lost, none duplicated
    expect(new Set(users.map((t) => t.meta.client_request_id)).size).toBe(sent.length);
    for (const s of sent) {
      const user = userOf(s.crid)[0]!;
      expect(user.meta.status, s.crid).toBe('answered');
      expect(user.meta.retries ?? 0).toBe(s.kind.expect === 'answered' ? 0 : 1);
      expect(user.id).toBe(s.reply!.meta!.user_turn_id);
      const answer = all.find((t) => t.id === user.meta.assistant_turn_id)!;
      expect(answer).toMatchObject({ role: 'assistant', content: `Echo: ${s.text}`, meta: { status: 'complete' } });
    }
    expect(invariantProblems(core.store.sqlite)).toEqual([]);
    console.log(`T2: ${sent.length} requests in ${phase1Ms} ms, ${failed.length} failed as expected and were answered on retry`);
  }, 90_000);
});
