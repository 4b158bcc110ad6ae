// Hand-ins reach the class hub: a student's signed bundle goes into the laptop's outbox (always),
// is pushed to the hub, verified there by the desktop's own check (handin/accept.ts), filed in the
// assignment's inbox, graded by the teacher on the hub, and the grade comes down to the laptop on
// the next pull, showing as a hand-in returned on the desktop does. A bundle pushed twice is stored
// once; a tampered one, or one signed by another key, is refused with bundle_invalid. On a real
// PostgreSQL (support/postgres.ts), and on the SQLite hub.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Caller } from '../../src/main/core/caller.ts';
import { bundleText, signedText } from '../../src/main/core/handin/bundle.ts';
import { publicKeyOf, signText } from '../../src/main/core/handin/signing.ts';
import { startHubServer } from '../../src/main/core/hub/server.ts';
import { sql } from '../../src/main/core/hub/sql.ts';
import type { HubStore } from '../../src/main/core/hub/store.ts';
import { SyncClient } from '../../src/main/core/sync/client.ts';
import type { Bundle } from '../../src/shared/api/handin.ts';
import { HUB_PREFIX, type HubHandinDetail, type HubHandinRow, type InboxRow } from '../../src/shared/api/hub.ts';
import { setupCore } from '../support/core.ts';
import { hubTeacher, openHub } from '../support/hub.ts';
import { MemorySecretStore } from '../support/http.ts';
import { startPostgres, type PgServer } from '../support/postgres.ts';
import { plainImage, textPdf } from '../support/files.ts';
import { requirePackage } from '../support/requirements.ts';
import { onCleanup, testWrites } from '../support/temp.ts';

const postgres = requirePackage('postgresql');
let server: PgServer | null = null;
beforeAll(async () => {
  if (!postgres.skip) server = await startPostgres();
});
afterAll(() => server?.stop());

async function hubWithClass(kind: 'pg' | 'sqlite') {
  const store = await openHub(kind, server);
  onCleanup(() => void store.close());
  const hub = await startHubServer({ store, port: 0 });
  onCleanup(() => void hub.close());
  const teacher = await hubTeacher(store);
  const klass = await store.createClass(teacher.caller, '初二（3）班');
  await store.upsertAssignment(teacher.caller, { id: 'hw_001', class_id: klass.id, title: '二次函数', description: null, due_at: null, policy: {} });
  const call = async <T>(method: string, route: string, token: string | null, body?: string | object, headers: Record<string, string> = {}) => {
    const response = await fetch(hub.url + HUB_PREFIX + route, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const joined = await call<{ token: string; user_id: string }>('POST', '/join', null, { code: klass.code, name: '王小明' });
  expect(joined.status).toBe(201);
  return { store, hub, teacher, klass, call, token: joined.body.token, hubUserId: joined.body.user_id };
}

/** The student's laptop, joined to the hub: it has pulled hw_001 and worked on it; returns a hand-in made there. */
async function laptop(hubUrl: string, token: string) {
  const core = await setupCore({ core: { secrets: new MemorySecretStore() } });
  const user = core.users.createUser('王小明', 'student');
  const student: Caller = { user_id: user.id, role: 'student', name: user.name };
  const client = new SyncClient({ store: core.store, hubUrl, token });
  // The core fixture's own hw_001 would be this laptop's assignment, which a hub's of the same id never takes over.
  testWrites(core.store).prepare("DELETE FROM assignment WHERE id = 'hw_001'").run();
  expect((await client.sync()).pulled.assignments).toBe(1);
  await core.proxy.send(student, { message: '二次函数的顶点怎么求？', mode: 'homework', assignment_id: 'hw_001' });
  const handIn = async (answer: string) => {
    const draft = await core.handin.create(student, 'hw_001', {});
    await core.handin.update(student, draft.id, { answer });
    return core.handin.submit(student, draft.id);
  };
  return { core, student, client, handIn };
}

async function handinRows(store: HubStore): Promise<number> {
  const rows = await store.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_handin`);
  return Number(rows[0]!.n);
}

describe.each([
  { kind: 'pg' as const, skip: postgres.skip, name: `PostgreSQL${postgres.note}` },
  { kind: 'sqlite' as const, skip: false, name: 'SQLite' },
])('hand-ins on the hub ($name)', ({ kind, skip }) => {
  test.skipIf(skip)('a hand-in is pushed, verified and filed once; the grade given on the hub arrives on the laptop', async () => {
    const hub = await hubWithClass(kind);
    const { core, student, client, handIn } = await laptop(hub.hub.url, hub.token);
    const submitted = await handIn('顶点 (-b/2a, …)');

    const first = await client.sync();
    expect(first).toMatchObject({ status: 'synced', handins: 1, pending: 0 });
    expect(await handinRows(hub.store)).toBe(1);
    // The bundle again (the laptop never heard the answer, or a retry storm): acknowledged, not stored twice.
    const text = core.handin.submissions.bundleText(submitted.id)!;
    const again = await Promise.all([1, 2, 3].map(() => hub.call<{ status: string; submission_id: string }>('POST', '/sync/handins', hub.token, text)));
    expect(again.map((a) => [a.status, a.body.status])).toEqual([
      [200, 'duplicate'],
      [200, 'duplicate'],
      [200, 'duplicate'],
    ]);
    expect(await handinRows(hub.store)).toBe(1);
    expect((await client.sync({ force: true })).handins).toBe(0);

    // The teacher's inbox on the hub: filed under the student, verified, with the summary card.
    const inbox = await hub.call<InboxRow[]>('GET', `/classes/${hub.klass.id}/inbox`, hub.teacher.token);
    expect(inbox.body.find((r) => r.assignment_id === 'hw_001')).toMatchObject({ handed_in: 1, graded: 0 });
    const list = await hub.call<HubHandinRow[]>('GET', '/assignments/hw_001/handins', hub.teacher.token);
    expect(list.body).toMatchObject([{ user_id: hub.hubUserId, name: '王小明', submission_id: submitted.id, status: 'submitted', late: false, score: null }]);
    expect(list.body[0]!.key_fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);
    const detail = await hub.call<HubHandinDetail>('GET', `/handins/${list.body[0]!.id}`, hub.teacher.token);
    expect(detail.body.verification).toMatchObject({ ok: true, problems: [] });
    expect(detail.body.bundle.answer).toBe('顶点 (-b/2a, …)');
    expect(detail.body.summary).toMatchObject({ sessions: 1, turns: 2 });
    // A student cannot read the inbox or grade.
    expect((await hub.call('GET', '/assignments/hw_001/handins', hub.token)).body).toMatchObject({ code: 'forbidden' });
    expect((await hub.call('POST', `/handins/${list.body[0]!.id}/return`, hub.token, { score: 100 })).body).toMatchObject({ code: 'forbidden' });

    const graded = await hub.call<HubHandinRow>('POST', `/handins/${list.body[0]!.id}/return`, hub.teacher.token, { score: 92, feedback: '思路清楚，注意符号。' });
    expect(graded.body).toMatchObject({ status: 'returned', score: 92, feedback: '思路清楚，注意符号。' });
    expect(core.handin.listMine(student)[0]).toMatchObject({ status: 'submitted', score: null });

    const down = await client.sync({ force: true });
    expect(down.pulled.grades).toBe(1);
    // As a hand-in returned on the desktop: status, score, feedback, when.
    const mine = core.handin.listMine(student)[0]!;
    expect(mine).toMatchObject({ id: submitted.id, status: 'returned', score: 92, feedback: '思路清楚，注意符号。' });
    expect(mine.returned_at).toBeGreaterThan(0);
    // Graded: handing in again is refused on the laptop, as after a desktop return.
    await expect(core.handin.submit(student, submitted.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  test.skipIf(skip)(
    'a message refused with the allowance used up reaches the teacher marked (failed, allowance_exhausted), counted apart from the questions (tryout 8)',
    async () => {
      const hub = await hubWithClass(kind);
      // The teacher's allowance: one token, so the first answer uses it up and the next message is refused.
      await hub.store.upsertAssignment(hub.teacher.caller, {
        id: 'hw_001',
        class_id: hub.klass.id,
        title: '二次函数',
        description: null,
        due_at: null,
        policy: { allowance: { tokens: 1 } },
      });
      const { core, student, client } = await laptop(hub.hub.url, hub.token);
      await expect(core.proxy.send(student, { message: '那对称轴呢？', mode: 'homework', assignment_id: 'hw_001' })).rejects.toMatchObject({ code: 'allowance_exhausted' });
      core.settings.update({ language: 'zh-CN' });
      const draft = await core.handin.create(student, 'hw_001', { answer: '顶点 (-b/2a, …)' });
      await core.handin.submit(student, draft.id);
      expect(await client.sync()).toMatchObject({ status: 'synced', handins: 1 });

      const list = await hub.call<HubHandinRow[]>('GET', '/assignments/hw_001/handins', hub.teacher.token);
      const detail = await hub.call<HubHandinDetail>('GET', `/handins/${list.body[0]!.id}`, hub.teacher.token);
      // Three messages: one question, its answer, and the refused one — the note's "提问 1 次" and the transcript say the same.
      expect(detail.body.summary).toMatchObject({ turns: 3, asked: 1, answers: 1, unanswered: 1 });
      const refused = detail.body.bundle.sessions.flatMap((x) => x.turns).find((t) => t.content === '那对称轴呢？')!;
      expect(refused.meta).toMatchObject({ status: 'failed', error: { code: 'allowance_exhausted' } });
      expect(detail.body.bundle.note).toMatch(/个会话，提问 1 次（另有 1 条消息没有得到回答）/);
      expect(detail.body.bundle.transcript_md).toMatch(/### 学生 — [\d: -]+ · 未发送：额度已用完\n\n那对称轴呢？/);
    },
  );

  test.skipIf(skip)('a hand-in’s answer files: its class’s teachers fetch each one (typed, inline or to download); nobody else does', async () => {
    const hub = await hubWithClass(kind);
    const { core, student, client } = await laptop(hub.hub.url, hub.token);
    // A photo of handwritten work and a PDF, handed in with the answer (the bundle carries their bytes).
    const photo = await core.attachments.upload(student, { name: 'x.png', data: (await plainImage('png', 40, 30)).toString('base64') });
    // A PDF of some weight (about 100 KB): what the hand-in's detail must not carry.
    const lines = Array.from({ length: 2500 }, (_, i) => `y = 2x + ${i}`);
    const pdf = await core.attachments.upload(student, { name: 'y.pdf', data: textPdf(lines).toString('base64') });
    const draft = await core.handin.create(student, 'hw_001', { answer: '见附件。' });
    await core.handin.update(student, draft.id, {
      answer_files: [
        { sha256: photo.sha256, name: '解题过程.png' },
        { sha256: pdf.sha256, name: '答案 "最终".pdf' },
      ],
    });
    await core.handin.submit(student, draft.id);
    expect(await client.sync()).toMatchObject({ status: 'synced', handins: 1 });
    const [row] = (await hub.call<HubHandinRow[]>('GET', '/assignments/hw_001/handins', hub.teacher.token)).body;
    const get = (route: string, token: string | null) =>
      fetch(hub.hub.url + HUB_PREFIX + route, { headers: token ? { Authorization: `Bearer ${token}` } : {} }).then(async (r) => ({
        status: r.status,
        headers: r.headers,
        bytes: Buffer.from(await r.arrayBuffer()),
      }));
    const fileRoute = (sha256: string) => `/handins/${row!.id}/files/${sha256}`;

    // The hand-in's detail (re-read whenever the dashboard regains focus) carries none of the files'
    // bytes: its bundle is the stored signed one, every field but file_data, and its reply is the
    // size of the bundle's text without them.
    const stored = (await hub.store.db.all<{ bundle: string }>(sql`SELECT bundle FROM hub_handin`))[0]!.bundle;
    const { file_data: fileData, ...signed } = JSON.parse(stored) as Bundle & { file_data: Record<string, string> };
    const base64 = Object.values(fileData);
    expect(base64.map((b) => b.length).reduce((a, b) => a + b)).toBeGreaterThan(100_000);
    const detailText = await fetch(hub.hub.url + HUB_PREFIX + `/handins/${row!.id}`, { headers: { Authorization: `Bearer ${hub.teacher.token}` } }).then((r) => r.text());
    const detail = JSON.parse(detailText) as HubHandinDetail;
    expect(detail.bundle).toEqual(signed);
    expect(detail.bundle).not.toHaveProperty('file_data');
    expect(detail.bundle).toMatchObject({
      version: 2,
      answer_files: [
        { sha256: photo.sha256, name: '解题过程.png' },
        { sha256: pdf.sha256, name: '答案 "最终".pdf' },
      ],
    });
    for (const b of base64) expect(detailText).not.toContain(b.slice(0, 200));
    expect(Buffer.byteLength(detailText)).toBeLessThan(Buffer.byteLength(JSON.stringify(signed)) + 8 * 1024);
    expect(Buffer.byteLength(detailText)).toBeLessThan(Buffer.byteLength(stored) / 4);

    const image = await get(fileRoute(photo.sha256), hub.teacher.token);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('content-disposition')).toBe(`inline; filename="____.png"; filename*=UTF-8''${encodeURIComponent('解题过程.png')}`);
    expect(image.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(image.bytes.equals(core.attachments.repo.data(photo.sha256)!)).toBe(true);
    const paper = await get(`${fileRoute(pdf.sha256)}?download=1`, hub.teacher.token);
    expect(paper.status).toBe(200);
    expect(paper.headers.get('content-type')).toBe('application/pdf');
    expect(paper.headers.get('content-disposition')).toBe(`attachment; filename="__ ____.pdf"; filename*=UTF-8''${encodeURIComponent('答案 "最终".pdf')}`);
    expect(paper.bytes.equals(core.attachments.repo.data(pdf.sha256)!)).toBe(true);

    // The file route serves the stored bytes without hashing them again (store.ts handinFile): they
    // were checked on arrival, and no bundle whose file bytes differ from the signed ones is stored.
    const text = core.handin.submissions.bundleText(draft.id)!;
    const swapped = JSON.parse(text) as Bundle & { file_data: Record<string, string> };
    swapped.file_data[photo.sha256] = swapped.file_data[pdf.sha256]!;
    const refused = await hub.call<{ code: string; issues: { path: string }[] }>('POST', '/sync/handins', hub.token, bundleText(swapped));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'bundle_invalid', issues: [{ path: 'file_changed' }] });
    expect((await hub.store.db.all<{ bundle: string }>(sql`SELECT bundle FROM hub_handin`)).map((r) => r.bundle)).toEqual([text]);
    expect((await get(fileRoute(photo.sha256), hub.teacher.token)).bytes.equals(core.attachments.repo.data(photo.sha256)!)).toBe(true);

    // Nobody else: the student (their own hand-in included), a teacher of another class, no token.
    const json = (r: { bytes: Buffer }) => JSON.parse(r.bytes.toString('utf8')) as { code: string };
    const byStudent = await get(fileRoute(photo.sha256), hub.token);
    expect([byStudent.status, json(byStudent).code]).toEqual([403, 'forbidden']);
    const stranger = await hubTeacher(hub.store, '别班老师');
    await hub.store.createClass(stranger.caller, '初三（1）班');
    const byStranger = await get(fileRoute(photo.sha256), stranger.token);
    expect([byStranger.status, json(byStranger).code]).toEqual([403, 'forbidden']);
    expect((await get(fileRoute(photo.sha256), null)).status).toBe(401);
    // A file the hand-in does not name (another upload of the student's), or no hash at all.
    const unnamed = await get(fileRoute('0'.repeat(64)), hub.teacher.token);
    expect([unnamed.status, json(unnamed).code]).toEqual([404, 'not_found']);
    expect((await get(fileRoute('x.png'), hub.teacher.token)).status).toBe(422);
    expect((await get(`/handins/nope/files/${photo.sha256}`, hub.teacher.token)).status).toBe(404);
  });

  test.skipIf(skip)('a tampered bundle, or one signed by another key, is refused with bundle_invalid and nothing is filed', async () => {
    const hub = await hubWithClass(kind);
    const { core, client, handIn } = await laptop(hub.hub.url, hub.token);
    const submitted = await handIn('x = 2');
    const text = core.handin.submissions.bundleText(submitted.id)!;
    const bundle = JSON.parse(text) as Bundle;

    // A turn changed after signing: the chain no longer fits (and so the signature).
    const changed = structuredClone(bundle);
    changed.sessions[0]!.turns[1]!.content = '答案是 x = 2';
    const refused = await hub.call<{ code: string; issues: { path: string; message: string }[] }>('POST', '/sync/handins', hub.token, bundleText(changed), {
      'Accept-Language': 'zh-CN',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('bundle_invalid');
    expect(refused.body.issues.map((d) => d.path)).toEqual(['turn_changed', 'signature_invalid']);
    expect(refused.body.issues[0]!.message).toMatch(/对话记录在.*对不上/);
    expect((await hub.call<{ code: string }>('POST', '/sync/handins', hub.token, '{"format":"studylog.handin"')).body.code).toBe('bundle_invalid');
    expect(await handinRows(hub.store)).toBe(0);

    // The real one is filed, and records the student's key…
    expect((await hub.call<{ status: string }>('POST', '/sync/handins', hub.token, text)).body.status).toBe('stored');
    // …so a bundle re-signed by someone else's key (a whole new, self-consistent file) is refused.
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = { ...structuredClone(bundle), answer: 'x = 3', public_key: publicKeyOf(privateKey) };
    forged.signature = signText(privateKey, signedText(forged));
    const other = await hub.call<{ code: string; issues: { path: string }[] }>('POST', '/sync/handins', hub.token, bundleText(forged));
    expect(other.body).toMatchObject({ code: 'bundle_invalid', issues: [{ path: 'key_mismatch' }] });
    const stored = await hub.store.db.all<{ bundle: string }>(sql`SELECT bundle FROM hub_handin`);
    expect(stored.map((r) => r.bundle)).toEqual([text]);

    // The laptop's own outbox entry, tampered with: held back with the code, the rest still syncs.
    await handIn('x = 2, checked');
    client.outbox.collect();
    const entry = client.outbox.pendingHandins()[0]!;
    expect(entry.payload.bundle).toContain('"answer":"x = 2, checked"');
    const tampered = JSON.stringify({ ...entry.payload, bundle: entry.payload.bundle.replace('"answer":"x = 2, checked"', '"answer":"x = 5, checked"') });
    core.store.sqlite.prepare('UPDATE sync_outbox SET payload = ? WHERE seq = ?').run(tampered, entry.seq);
    const report = await client.sync({ force: true });
    expect(report).toMatchObject({ status: 'synced', handins: 0 });
    expect(client.state.refused[entry.session_id]).toMatch(/^bundle_invalid: /);
    expect(client.outbox.pendingHandins()).toHaveLength(1);
  });

  test.skipIf(skip)('a hand-in for an assignment the hub does not have stays on the laptop, and is refused if sent', async () => {
    const hub = await hubWithClass(kind);
    const { core, student, client } = await laptop(hub.hub.url, hub.token);
    // hw_1 is the laptop's own assignment (not from the hub): its hand-in is not sent.
    await core.proxy.send(student, { message: '1 + 1?', mode: 'homework', assignment_id: 'hw_1' });
    const draft = await core.handin.create(student, 'hw_1', { answer: '2' });
    await core.handin.submit(student, draft.id);
    expect(client.outbox.collectHandins()).toBe(0);
    const text = core.handin.submissions.bundleText(draft.id)!;
    const bundle = JSON.parse(text) as Bundle;
    expect(bundle.assignment.id).toBe('hw_1');
    const unknown = await hub.call<{ code: string; detail: string }>('POST', '/sync/handins', hub.token, text);
    expect(unknown.body.code).toBe('not_found');
    // Another class's assignment of that id reads the same, word for word: a student cannot probe
    // which assignment ids other classes have (and cannot hand in to them).
    const stranger = await hubTeacher(hub.store, '别班老师');
    const elsewhere = await hub.store.createClass(stranger.caller, '初三（1）班');
    await hub.store.upsertAssignment(stranger.caller, { id: 'hw_1', class_id: elsewhere.id, title: '别班的作业', description: null, due_at: null, policy: {} });
    expect(await hub.call('POST', '/sync/handins', hub.token, text)).toEqual(unknown);
    expect(await handinRows(hub.store)).toBe(0);
  });
});
