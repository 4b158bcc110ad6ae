// A class hub is another machine, most often reached over plain HTTP on a school network: whatever
// answers at its address is read with care (attack probe, sixth session). A reply larger than a hub
// may send — a small gzip body that expands to tens of MiB — is cut, not read into memory; a
// redirect is not followed (a hand-in or the turns would go where it points); a pull is checked entry
// by entry, so a hub cannot store an assignment id this laptop's rules refuse, nor "grade" (and so
// lock) a draft or a hand-in on an assignment of this laptop's own. The hostile hub here is a real
// HTTP server on loopback, answering as the test says; the laptop is the real core and SyncClient.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import type { Caller } from '../../src/main/core/caller.ts';
import { SyncClient } from '../../src/main/core/sync/client.ts';
import { HUB_MAX_REPLY_BYTES } from '../../src/main/core/sync/hub-replies.ts';
import { HUB_PREFIX } from '../../src/shared/api/hub.ts';
import { setupCore } from '../support/core.ts';
import { MemorySecretStore } from '../support/http.ts';
import { onCleanup, testWrites } from '../support/temp.ts';

type Answer = { status: number; headers?: Record<string, string>; body: string | Buffer };

/** A server answering each route (path without the hub prefix) as `answers` says; every request it received. */
async function hostileHub(answers: Record<string, () => Answer>): Promise<{ url: string; received: string[] }> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    const [route = '', query] = (req.url ?? '').replace(HUB_PREFIX, '').split('?');
    received.push(`${req.method} ${route}${query ? `?${query}` : ''}`);
    req.resume();
    req.on('end', () => {
      const answer = answers[route]?.() ?? { status: 404, body: JSON.stringify({ code: 'not_found', detail: 'no such route' }) };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const json = (value: unknown): Answer => ({ status: 200, body: JSON.stringify(value) });
const emptyPull = { assignments: [], feedback: [], allowances: [], handins: [], cursor: 1 };

async function laptop() {
  const core = await setupCore({ core: { secrets: new MemorySecretStore() } });
  const user = core.users.createUser('王小明', 'student');
  const student: Caller = { user_id: user.id, role: 'student', name: user.name };
  return { core, student };
}

describe('a hostile class hub', () => {
  test('a gzip body that expands past the limit is cut, not read: the round fails as offline and says why', async () => {
    // A valid pull followed by whitespace (still valid JSON) past the limit: read whole, it would apply.
    const expanded = Buffer.concat([Buffer.from(JSON.stringify(emptyPull)), Buffer.alloc(HUB_MAX_REPLY_BYTES + 1024, ' ')]);
    const bomb = gzipSync(expanded, { level: 9 });
    expect(bomb.byteLength).toBeLessThan(HUB_MAX_REPLY_BYTES / 100);
    const hub = await hostileHub({ '/sync/pull': () => ({ status: 200, headers: { 'content-encoding': 'gzip' }, body: bomb }) });
    const { core } = await laptop();
    const client = new SyncClient({ store: core.store, hubUrl: hub.url, token: 'slh_fake_token', random: () => 0 });
    const report = await client.sync();
    expect(report.status).toBe('offline');
    expect(client.state.last_error?.detail).toContain(`larger than ${HUB_MAX_REPLY_BYTES / (1024 * 1024)} MiB`);
  });

  test('a redirect is not followed: joining says so, and the address it points to hears nothing', async () => {
    const elsewhere = await hostileHub({ '/join': () => json({}) });
    const hub = await hostileHub({ '/join': () => ({ status: 307, headers: { location: `${elsewhere.url}${HUB_PREFIX}/join` }, body: '' }) });
    const { core } = await laptop();
    await expect(core.hub.join({ hub_url: hub.url, code: 'ABCD2345', name: '王小明' })).rejects.toMatchObject({
      code: 'hub_unreachable',
      detail: expect.stringContaining('redirect (HTTP 307'),
    });
    expect(hub.received).toEqual(['POST /join']);
    expect(elsewhere.received).toEqual([]);
    // Nor during a sync: the turns or a hand-in would go where it points.
    const syncing = await hostileHub({ '/sync/pull': () => ({ status: 308, headers: { location: `${elsewhere.url}${HUB_PREFIX}/sync/pull` }, body: '' }) });
    const client = new SyncClient({ store: core.store, hubUrl: syncing.url, token: 'slh_fake_token', random: () => 0 });
    expect((await client.sync()).status).toBe('offline');
    expect(client.state.last_error?.detail).toContain('does not follow');
    expect(elsewhere.received).toEqual([]);
  });

  test('a pull is checked entry by entry: an id this laptop refuses is not stored, a draft or a local hand-in is never graded, a malformed pull is no crash', async () => {
    const { core, student } = await laptop();
    // The laptop's own assignment (the core fixture's hw_001), a hand-in handed in on it, and a draft.
    const localDraft = await core.handin.create(student, 'hw_001', {});
    await core.handin.update(student, localDraft.id, { answer: '草稿' });
    // A hub assignment, and a draft on it.
    let pull: unknown = {
      ...emptyPull,
      assignments: [
        { id: 'hw_hub', class_id: 'c1', title: '一次函数', description: null, due_at: null, policy: { share_sessions: true }, updated_at: 1 },
        { id: '../../x y', class_id: 'c1', title: '坏的编号', description: null, due_at: null, policy: {}, updated_at: 1 },
        { id: 'hw_bad_policy', class_id: 'c1', title: '提示上限 9', description: null, due_at: null, policy: { hint_ceiling: 9 }, updated_at: 1 },
      ],
    };
    const hub = await hostileHub({ '/sync/pull': () => json(pull) });
    const client = new SyncClient({ store: core.store, hubUrl: hub.url, token: 'slh_fake_token', random: () => 0 });
    const first = await client.sync();
    expect(first.status).toBe('synced');
    expect(core.assignments.get('hw_hub')).toMatchObject({ title: '一次函数', policy: { share_sessions: true } });
    const stored = testWrites(core.store).prepare("SELECT id FROM assignment WHERE id IN ('../../x y', 'hw_bad_policy')").all();
    expect(stored).toEqual([]);
    expect(first.conflicts).toEqual([
      expect.stringMatching(/^assignment '\.\.\/\.\.\/x y' from the hub is not valid here \(id: /),
      expect.stringMatching(/^assignment 'hw_bad_policy' from the hub is not valid here \(policy\.hint_ceiling: /),
    ]);

    const hubDraft = await core.handin.create(student, 'hw_hub', {});
    const localSubmitted = await core.handin.submit(student, localDraft.id);
    const grade = (submission_id: string, assignment_id: string) => ({
      submission_id,
      assignment_id,
      bundle_hash: 'a'.repeat(64),
      score: 0,
      feedback: '零分',
      returned_at: 2,
      updated_at: 2,
    });
    pull = { ...emptyPull, cursor: 2, handins: [grade(hubDraft.id, 'hw_hub'), grade(localSubmitted.id, 'hw_001')] };
    const second = await client.sync({ force: true });
    expect(second.pulled.grades).toBe(0);
    expect(second.conflicts).toEqual([
      `a grade for hand-in '${hubDraft.id}' is not one handed in on the hub's assignment here: not applied`,
      `a grade for hand-in '${localSubmitted.id}' is not one handed in on the hub's assignment here: not applied`,
    ]);
    const mine = new Map(core.handin.listMine(student).map((s) => [s.id, s]));
    expect(mine.get(hubDraft.id)).toMatchObject({ status: 'draft', score: null });
    expect(mine.get(localSubmitted.id)).toMatchObject({ status: 'submitted', score: null });
    // The draft can still be written and handed in.
    await core.handin.update(student, hubDraft.id, { answer: 'y = 2x + 1' });

    // A reply that is not a pull at all: the round fails and says so (it used to throw a TypeError).
    pull = {};
    const third = await client.sync({ force: true });
    expect(third.status).toBe('offline');
    expect(client.state.last_error?.detail).toContain("the hub's pull is not a Studylog class hub's");
  });

  test('what a pull cannot apply is shown in the link’s status and asked for again; a newer hub’s unknown policy keys are dropped, not the assignment', async () => {
    const { core } = await laptop();
    const hub = await hostileHub({
      '/join': () => ({ status: 201, body: JSON.stringify({ token: 'slh_dev1_secret', device_id: 'dev1', user_id: 'u1', class: { id: 'c1', name: '初二（3）班' } }) }),
      '/sync/pull': () =>
        json({
          ...emptyPull,
          cursor: 50,
          assignments: [
            // A newer hub: a key this version does not know, inside the allowance — dropped, the assignment taken.
            { id: 'hw_new', class_id: 'c1', title: '新版中心的作业', description: null, due_at: null, policy: { allowance: { tokens: 500, requests: 3 } }, updated_at: 1 },
            // An id an older hub let a script set: refused as sent, not trimmed into another assignment.
            { id: ' hw1', class_id: 'c1', title: '前面有空格', description: null, due_at: null, policy: {}, updated_at: 1 },
          ],
        }),
    });
    const status = await core.hub.join({ hub_url: hub.url, code: 'ABCD2345', name: '王小明' });
    expect(core.assignments.get('hw_new')).toMatchObject({ policy: { allowance: { tokens: 500 } } });
    expect(core.assignments.get('hw1')).toBeNull();
    expect(status.not_applied).toEqual([expect.stringMatching(/^assignment ' hw1' from the hub is not valid here \(id: /)]);
    // The cursor stayed: the next pull asks from where the refused entry came again.
    await core.hub.sync({ force: true });
    expect(hub.received.filter((r) => r.startsWith('GET /sync/pull'))).toEqual(['GET /sync/pull?since=0', 'GET /sync/pull?since=0']);
  });

  test('a join answered in a shape this laptop cannot take revokes the device the hub issued', async () => {
    const { core } = await laptop();
    const hub = await hostileHub({
      // No class in the answer: not a join this laptop can store.
      '/join': () => ({ status: 201, body: JSON.stringify({ token: 'slh_dev2_secret', device_id: 'dev2' }) }),
      '/devices/dev2/revoke': () => json({ revoked: true }),
    });
    await expect(core.hub.join({ hub_url: hub.url, code: 'ABCD2345', name: '王小明' })).rejects.toMatchObject({ code: 'hub_unreachable' });
    expect(hub.received).toEqual(['POST /join', 'POST /devices/dev2/revoke']);
    expect(core.hub.status().joined).toBe(false);
  });
});
