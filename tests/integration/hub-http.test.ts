// The hub's HTTP face over the SQLite hub: public join by class code, the class's QR code as SVG,
// a roster posted as text/csv, who may call what, and the stable codes for a bad token, a revoked
// device, an unknown route and a bad body; the desktop server's hardening (Host header, per-token
// rate limits, bounded replies and bodies). (The same routes on PostgreSQL: tests/torture/hub-sync.test.ts.)
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, test } from 'vitest';
import { HUB_PREFIX } from '../../src/shared/api/hub.ts';
import { openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { startHubServer } from '../../src/main/core/hub/server.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import { chained, hubAdmin, hubTeacher, session } from '../support/hub.ts';
import { onCleanup, tempDir } from '../support/temp.ts';

async function hub() {
  const store = new HubStore(openSqliteHub(path.join(tempDir(), 'hub.db')));
  const running = await startHubServer({ store, port: 0 });
  onCleanup(() => void running.close().then(() => store.close()));
  const call = async (method: string, route: string, token: string | null, body?: unknown, contentType = 'application/json') => {
    const response = await fetch(running.url + HUB_PREFIX + route, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  return { store, call };
}

describe('the hub over HTTP', () => {
  test('before the web app is built, / says what to do in Chinese and English; built while the hub runs, the next reload serves it', async () => {
    const store = new HubStore(openSqliteHub(path.join(tempDir(), 'hub.db')));
    onCleanup(() => void store.close());
    const staticDir = tempDir('studylog-hub-static-');
    const running = await startHubServer({ store, port: 0, staticDir });
    onCleanup(() => void running.close());
    const page = await (await fetch(`${running.url}/`)).text();
    expect(page).toContain('网页应用还没有构建：请在 Studylog 的目录中运行 <code>npm run build</code>');
    expect(page).toContain('The web app has not been built');
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>built</title>');
    await expect((await fetch(`${running.url}/`)).text()).resolves.toContain('<title>built</title>');
  });

  test('a teacher makes a class, shows its QR code, loads a roster; a student joins with the code', async () => {
    const { store, call } = await hub();
    const teacher = await hubTeacher(store);
    const made = await call('POST', '/classes', teacher.token, { name: '初三（1）班' });
    expect(made.status).toBe(201);
    const klass = made.json() as { id: string; code: string };
    const qr = await call('GET', `/classes/${klass.id}/qr`, teacher.token);
    expect(qr.type).toMatch(/^image\/svg\+xml/);
    expect(qr.text).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const roster = await call('POST', `/classes/${klass.id}/roster`, teacher.token, '学号,姓名\n7,周一\n8,吴二\n', 'text/csv');
    expect(roster.json()).toMatchObject({ added: 2, updated: 0, total: 2 });
    const codes = roster.json().codes as { student_no: string; join_code: string }[];
    const joined = await call('POST', '/join', null, { code: klass.code, name: '周一', student_no: '7', join_code: codes[0]!.join_code });
    expect(joined.status).toBe(201);
    const student = joined.json() as { token: string; device_id: string };
    expect(student.token).toMatch(/^slh_/);
    expect((await call('GET', '/me', student.token)).json()).toMatchObject({ role: 'student', name: '周一' });
    // A student cannot read the class dashboard or make a class.
    expect((await call('GET', `/classes/${klass.id}/overview`, student.token)).json()).toMatchObject({ code: 'forbidden' });
    expect((await call('POST', '/classes', student.token, { name: 'x' })).json()).toMatchObject({ code: 'forbidden' });
    const overview = await call('GET', `/classes/${klass.id}/overview`, teacher.token);
    expect((overview.json() as unknown as { name: string }[]).map((r) => r.name)).toEqual(['吴二', '周一']);
    // An admin adds a second teacher, who then sees the class; a student cannot be added as one.
    const admin = await hubAdmin(store);
    const adminToken = (await store.issueDevice(admin.user_id, 'admin browser')).token;
    const second = await hubTeacher(store, '赵老师');
    expect((await call('GET', `/classes/${klass.id}/overview`, second.token)).json()).toMatchObject({ code: 'forbidden' });
    expect((await call('POST', `/classes/${klass.id}/teachers`, teacher.token, { user_id: second.caller.user_id })).json()).toMatchObject({ code: 'forbidden' });
    expect((await call('POST', `/classes/${klass.id}/teachers`, adminToken, { user_id: second.caller.user_id })).json()).toEqual({ added: true });
    expect((await call('GET', `/classes/${klass.id}/overview`, second.token)).status).toBe(200);
    expect((await call('POST', `/classes/${klass.id}/teachers`, adminToken, { user_id: (await call('GET', '/me', student.token)).json().user_id })).json()).toMatchObject({
      code: 'validation_error',
    });
    // Revoked: a stable code the desktop branches on.
    expect((await call('POST', `/devices/${student.device_id}/revoke`, teacher.token)).status).toBe(200);
    expect(await call('GET', '/me', student.token)).toMatchObject({ status: 401 });
    expect((await call('GET', '/me', student.token)).json()).toMatchObject({ code: 'device_revoked' });
  });

  test('an assignment’s policy is checked with the desktop’s schema: a bad one is refused naming its field, nothing stored', async () => {
    const { store, call } = await hub();
    const teacher = await hubTeacher(store);
    const klass = (await call('POST', '/classes', teacher.token, { name: '初二（3）班' })).json() as { id: string };
    const set = (policy: unknown) => call('POST', '/assignments', teacher.token, { class_id: klass.id, title: '一次函数', policy });
    const refusals: [unknown, string][] = [
      [{ hint_ceiling: 9 }, 'policy.hint_ceiling'],
      [{ allowed_modes: ['cheat'] }, 'policy.allowed_modes.0'],
      [{ allowed_modes: [] }, 'policy.allowed_modes'],
      [{ allowance: { tokens: -5 } }, 'policy.allowance.tokens'],
      [{ share_sessions: 'yes' }, 'policy.share_sessions'],
      [{ closes_at: 'next friday' }, 'policy.closes_at'],
      // A field no Studylog knows (a typo of a script) would be silently ignored by every laptop.
      [{ hint_celing: 2 }, 'policy'],
    ];
    for (const [policy, path] of refusals) {
      const refused = await set(policy);
      expect(refused.status, JSON.stringify(policy)).toBe(422);
      const body = refused.json() as { code: string; detail: string; issues: { path: string }[] };
      expect(body.code).toBe('validation_error');
      expect(body.issues.map((i) => i.path)).toContain(path);
      expect(body.detail).toContain(path);
    }
    expect((await call('GET', `/classes/${klass.id}/assignments`, teacher.token)).json()).toEqual([]);
    // A valid one is stored as the desktop reads it: a date as epoch milliseconds.
    const saved = await set({ hint_ceiling: 2, allowed_modes: ['homework'], share_sessions: true, closes_at: '2026-12-10T18:00:00Z' });
    expect(saved.status).toBe(200);
    expect((saved.json() as { policy: unknown }).policy).toEqual({
      hint_ceiling: 2,
      allowed_modes: ['homework'],
      share_sessions: true,
      closes_at: Date.parse('2026-12-10T18:00:00Z'),
    });
    const listed = (await call('GET', `/classes/${klass.id}/assignments`, teacher.token)).json() as unknown as { policy: unknown }[];
    expect(listed.map((a) => a.policy)).toEqual([{ hint_ceiling: 2, allowed_modes: ['homework'], share_sessions: true, closes_at: Date.parse('2026-12-10T18:00:00Z') }]);
  });

  test('bad tokens, bad bodies and unknown routes get stable codes', async () => {
    const { store, call } = await hub();
    const teacher = await hubTeacher(store);
    expect((await call('GET', '/classes', null)).json()).toMatchObject({ code: 'unauthorized' });
    expect((await call('GET', '/classes', 'slh_not-a-token')).json()).toMatchObject({ code: 'unauthorized' });
    expect((await call('POST', '/join', null, { code: 'ZZZZ2345', name: 'x' })).json()).toMatchObject({ code: 'not_found' });
    expect((await call('POST', '/sync/push', teacher.token, { sessions: [] })).json()).toMatchObject({ code: 'validation_error' });
    expect((await call('POST', '/classes', teacher.token, '{not json')).json()).toMatchObject({ code: 'validation_error' });
    expect((await call('GET', '/sync/pull?since=-1', teacher.token)).json()).toMatchObject({ code: 'validation_error' });
    expect((await call('GET', '/nope', teacher.token)).json()).toMatchObject({ code: 'not_found' });
    expect((await call('GET', '/health', null)).json()).toEqual({ ok: true, database: 'sqlite' });
  });
});

/** A request with a Host header of our choosing (fetch will not send one). */
function withHost(url: string, route: string, host: string, token: string | null): Promise<{ status: number; json: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: HUB_PREFIX + route, headers: { Host: host, ...(token ? { Authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(body) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the hub hardened as the desktop server is', () => {
  test('a Host header naming another machine is refused (DNS rebinding); a name given with --allowed-host is accepted', async () => {
    const store = new HubStore(openSqliteHub(path.join(tempDir(), 'hub.db')));
    const running = await startHubServer({ store, port: 0, allowedHosts: ['hub.school.lan'] });
    onCleanup(() => void running.close().then(() => store.close()));
    const teacher = await hubTeacher(store);
    const port = new URL(running.url).port;
    expect(await withHost(running.url, '/me', `attacker.example:${port}`, teacher.token)).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(await withHost(running.url, '/health', 'attacker.example', null)).toMatchObject({ status: 403 });
    expect(await withHost(running.url, '/me', `hub.school.lan:${port}`, teacher.token)).toMatchObject({ status: 200, json: { role: 'teacher' } });
    expect(await withHost(running.url, '/me', `127.0.0.1:${port}`, teacher.token)).toMatchObject({ status: 200 });
    expect(await withHost(running.url, '/me', `localhost:${port}`, teacher.token)).toMatchObject({ status: 200 });
  });

  test('per device token: a rate limit with Retry-After, one device’s flood not slowing another', async () => {
    const store = new HubStore(openSqliteHub(path.join(tempDir(), 'hub.db')));
    const running = await startHubServer({ store, port: 0, limits: { perSecond: 0.001, burst: 3 } });
    onCleanup(() => void running.close().then(() => store.close()));
    const one = await hubTeacher(store, '甲老师');
    const two = await hubTeacher(store, '乙老师');
    const me = (token: string) => fetch(`${running.url}${HUB_PREFIX}/me`, { headers: { Authorization: `Bearer ${token}` } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await me(one.token)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await me(one.token);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.json()).toMatchObject({ code: 'rate_limited' });
    expect((await me(two.token)).status).toBe(200);
  });

  test('bounded: a reply larger than the limit is refused with payload_too_large; bodies are limited, a hand-in by its own limit', async () => {
    const store = new HubStore(openSqliteHub(path.join(tempDir(), 'hub.db')));
    const running = await startHubServer({ store, port: 0, maxResponseBytes: 4_000, bodyLimitBytes: 1_000 });
    onCleanup(() => void running.close().then(() => store.close()));
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    const joined = await store.joinClass({ code: klass.code, name: '王小明', device_name: 'laptop' });
    const student = (await store.authenticate(joined.token)) as HubCaller;
    const sid = uuidv7();
    await store.push(student, { sessions: [session(sid, chained(sid, [{ content: `数学 ${'很长的问题'.repeat(400)}` }]))] });
    const call = (method: string, route: string, token: string, body?: string) =>
      fetch(`${running.url}${HUB_PREFIX}${route}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, ...(body ? { body } : {}) });
    const big = await call('GET', `/classes/${klass.id}/search?q=${encodeURIComponent('数学')}`, teacher.token);
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'payload_too_large' });
    expect((await call('GET', `/classes/${klass.id}/overview`, teacher.token)).status).toBe(200);
    const tooLong = await call('POST', '/classes', teacher.token, JSON.stringify({ name: 'x'.repeat(2_000) }));
    expect(await tooLong.json()).toMatchObject({ code: 'payload_too_large' });
    // A hand-in is not held to the push limit (it has its own, HUB_HANDIN_BODY_LIMIT_BYTES): this one is read, and refused as no bundle.
    const handin = await call('POST', '/sync/handins', joined.token, JSON.stringify({ format: 'studylog.handin', padding: 'x'.repeat(2_000) }));
    expect(await handin.json()).toMatchObject({ code: 'bundle_invalid' });
    // Its limit is in UTF-8 bytes: 2.5 million Chinese characters (fewer characters than the limit's bytes) are 7.5 MB, over it.
    const chinese = await call('POST', '/sync/handins', joined.token, '数'.repeat(2_500_000));
    expect(chinese.status).toBe(413);
    expect(await chinese.json()).toMatchObject({ code: 'payload_too_large' });
  });
});
