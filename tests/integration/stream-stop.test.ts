// Stopping a stream is symmetric: over HTTP as over IPC, a stopped stream still ends with `done`
// and the partial answer (meta.status 'aborted', with its tokens and cost), so a client never has
// to poll for it. The typed client's AbortSignal asks the server to stop (stopProxyStream, by the
// stream's X-Stream-Id) and keeps reading; a stream can be stopped only by its own user.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { StreamEvent } from '../../src/shared/api/envelope.ts';
import { API_PREFIX, STREAM_ID_HEADER } from '../../src/shared/api/manifest.ts';
import { ProxyMessageResponseSchema } from '../../src/shared/api/schemas.ts';
import { sseEvents, startApi, type ApiFixture } from '../support/http.ts';

const REPLY = 'abcdefghij'.repeat(60);
const SLOW = { reply: REPLY, chunkSize: 5, chunkDelayMs: 30 };

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi({ defaults: SLOW, server: { limits: { perSecond: 1_000, burst: 1_000, concurrent: 1 } } });
});
afterAll(() => api?.close());

/** Streams a message through the typed client, stopping it (its AbortSignal) once `deltas` deltas have arrived. */
async function streamAndStop(token: string, deltas: number) {
  const controller = new AbortController();
  const events: StreamEvent[] = [];
  const response = await api.client(token).streamProxyMessage(
    { message: 'tell me everything' },
    {
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (events.filter((e) => e.type === 'delta').length === deltas) controller.abort();
      },
    },
  );
  return { response, events };
}

describe('stopping a stream over HTTP', () => {
  it('the client’s AbortSignal stops it, and the call still resolves with done: the partial answer, aborted, with its usage', async () => {
    const student = api.token('student');
    const { response, events } = await streamAndStop(student.token, 3);
    ProxyMessageResponseSchema.parse(response);
    expect(response.meta.status).toBe('aborted');
    expect(response.content.length).toBeGreaterThanOrEqual(15);
    expect(response.content.length).toBeLessThan(REPLY.length);
    expect(REPLY.startsWith(response.content)).toBe(true);
    expect(response.meta.usage).toMatchObject({ tokens_out: expect.any(Number), cost: expect.any(Number) });
    expect(events.at(-1)).toEqual({ type: 'done', response });
    // What the call gave is what is stored: nothing left to poll for.
    expect(api.core.turns.getTurnById(response.turn_id)).toMatchObject({ content: response.content, meta: { status: 'aborted' } });
  });

  it('a stop right after the call is made (before the server answered) waits for the answer, then stops', async () => {
    const student = api.token('student');
    const controller = new AbortController();
    const pending = api.client(student.token).streamProxyMessage({ message: 'stop me early' }, { signal: controller.signal });
    controller.abort();
    const response = await pending;
    expect(response.meta.status).toBe('aborted');
    expect(response.content.length).toBeLessThan(REPLY.length);
    expect(api.core.turns.getTurnById(response.turn_id)!.meta.status).toBe('aborted');
  });

  it('stopProxyStream stops only the caller’s own stream; another user gets stopped: false and it goes on', async () => {
    const alice = api.token('student', 'alice');
    const bob = api.token('student', 'bob');
    const streamId = 'alice-stream-1';
    const reply = api.api('POST', '/proxy/stream', { token: alice.token, body: { message: 'mine' }, headers: { [STREAM_ID_HEADER]: streamId } });
    // The stream exists once its user turn is written (the server answers after its first event).
    await expect.poll(() => api.core.store.sqlite.prepare("SELECT count(*) FROM turn WHERE role = 'user' AND content = 'mine'").pluck().get(), { timeout: 10_000 }).toBe(1);

    const foreign = await api.api('POST', `/proxy/stream/${streamId}/stop`, { token: bob.token, body: {} });
    expect([foreign.status, foreign.json]).toEqual([200, { stopped: false }]);
    // Another token of the same user may stop it (the student's other device).
    const second = api.tokenFor(alice.user_id, 'alice’s tablet');
    // The stream's slot is held (concurrent: 1 per token) — stopping is not held back by it.
    const own = await api.api('POST', `/proxy/stream/${streamId}/stop`, { token: second.token, body: {} });
    expect([own.status, own.json]).toEqual([200, { stopped: true }]);
    const stopped = await api.api('POST', `/proxy/stream/${streamId}/stop`, { token: alice.token, body: {} });
    expect([stopped.status, stopped.json]).toEqual([200, { stopped: false }]);

    const events = sseEvents((await reply).text);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect((done.data as { response: { meta: { status: string } } }).response.meta.status).toBe('aborted');
  });

  it('a stream id in use by the same user is a conflict; a malformed one is a validation error', async () => {
    const carol = api.token('student', 'carol');
    const carolTablet = api.tokenFor(carol.user_id, 'carol’s tablet');
    const first = api.api('POST', '/proxy/stream', { token: carol.token, body: { message: 'first' }, headers: { [STREAM_ID_HEADER]: 'same-id' } });
    onTestFinished(async () => {
      await api.api('POST', '/proxy/stream/same-id/stop', { token: carol.token, body: {} });
      await first;
    });
    await expect.poll(() => api.core.store.sqlite.prepare("SELECT count(*) FROM turn WHERE role = 'user' AND content = 'first'").pluck().get(), { timeout: 10_000 }).toBe(1);
    const again = await api.api('POST', '/proxy/stream', { token: carolTablet.token, body: { message: 'second' }, headers: { [STREAM_ID_HEADER]: 'same-id' } });
    expect([again.status, (again.json as { code: string }).code]).toEqual([409, 'conflict']);
    const bad = await api.api('POST', '/proxy/stream', { token: carolTablet.token, body: { message: 'third' }, headers: { [STREAM_ID_HEADER]: 'not ok!' } });
    expect([bad.status, (bad.json as { code: string }).code]).toEqual([422, 'validation_error']);
    expect(api.core.store.sqlite.prepare("SELECT count(*) FROM turn WHERE role = 'user' AND content IN ('second', 'third')").pluck().get()).toBe(0);
  });

  it('the OpenAPI document names the stream id header', async () => {
    const doc = (await api.api('GET', '/openapi.json')).json as { paths: Record<string, Record<string, { parameters: { name: string; in: string }[] }>> };
    expect(doc.paths[`${API_PREFIX}/proxy/stream`]!.post!.parameters).toContainEqual(expect.objectContaining({ name: STREAM_ID_HEADER, in: 'header' }));
  });
});
