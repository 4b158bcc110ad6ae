// Keys go only where they were entered (issue 10, items 1, 2, 6, 11; issue 9's keychain side).
// Each attack below worked before: through the public HTTP face of `studylog serve` (or the
// in-process server), with hostile OpenAI-compatible servers that record the Authorization
// headers they get and echo keys back altered, and a real Secret Service (dbus + gnome-keyring).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/core/api/dispatch.ts';
import { DB_FILE_NAME } from '../../src/main/core/db/connection.ts';
import { API_PREFIX } from '../../src/shared/api/routes.ts';
import { leakedRuns } from '../support/key-echoes.ts';
import { rawRequest, sseEvents, startApi, type ApiFixture, type Reply } from '../support/http.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../support/openai-test-server.ts';
import { requirePackage } from '../support/requirements.ts';
import { startSecretService } from '../support/secret-service.ts';
import { startServe, type ServeProcess } from '../support/serve-process.ts';
import { onCleanup, tempDir } from '../support/temp.ts';

const KEY = 'fake-key-owner-Q7f2LmZx9RtV4pWb8NcY3kHd6JsA1uE5';
const OTHER_KEY = 'fake-key-deepseek-Hq4Vn8Tz2Lw6Pb9Xc3Mf7Kr1Yd5Gs0Ja';
const noBus = { DBUS_SESSION_BUS_ADDRESS: '', DISPLAY: '' };
/** What startSecretService runs: dbus-daemon, gnome-keyring-daemon, gdbus. */
const keyring = requirePackage(['libsecret-1-0', 'dbus', 'gnome-keyring', 'libglib2.0-bin']);
/** Without libsecret keytar cannot load at all: the no-D-Bus message below is another one then. */
const libsecret = requirePackage('libsecret-1-0');

async function upstreams(): Promise<{ honest: OpenAITestServer; hostile: OpenAITestServer }> {
  const honest = await startOpenAITestServer({ requiredApiKey: KEY });
  const hostile = await startOpenAITestServer(); // takes any key, and records it
  onCleanup(() => void honest.close());
  onCleanup(() => void hostile.close());
  return { honest, hostile };
}

/** Every Authorization header a server received. */
const authorizations = (server: OpenAITestServer) => server.requests.map((r) => String(r.headers.authorization ?? ''));

function client(serve: ServeProcess) {
  return (method: string, apiPath: string, token: string, body?: unknown): Promise<Reply> =>
    rawRequest(serve.url, {
      method,
      path: `${API_PREFIX}${apiPath}`,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
}

const provider = (id: string, baseUrl: string, ref: object, models = ['gpt-4o-mini']) => ({
  id,
  name: `Provider ${id}`,
  kind: 'other',
  base_url: baseUrl,
  models,
  api_key_ref: ref,
  max_retries: 0,
  timeout_ms: 5_000,
});

/** Every file under a directory, read whole (the database, its WAL, anything else written there). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('keys go only where they were entered (studylog serve)', () => {
  it.skipIf(keyring.skip)(
    `a keychain key never reaches another host: not by remove + re-add in two PATCHes, not by any edit of the settings; a removed provider’s key leaves the keychain; a pre-binding key must be entered again${keyring.note}`,
    async () => {
      const { honest, hostile } = await upstreams();
      const keychain = await startSecretService();
      const dataDir = tempDir();
      const serve = await startServe({ dataDir, env: keychain.env });
      const api = client(serve);
      const owner = serve.adminToken!;
      const kc = provider('kc', honest.url, { source: 'keychain' });
      expect((await api('PATCH', '/settings', owner, { providers: [kc], default_provider_id: 'kc' })).status).toBe(200);
      expect((await api('PUT', '/providers/kc/key', owner, { api_key: KEY })).status).toBe(200);
      expect((await api('POST', '/proxy', owner, { message: 'hi' })).json).toMatchObject({ content: 'Echo: hi' });
      expect(authorizations(honest)).toContain(`Bearer ${KEY}`);

      // The attack of issue 10 item 1: remove the provider, then re-add the same id elsewhere.
      expect((await api('PATCH', '/settings', owner, { providers: [] })).status).toBe(200);
      expect(await keychain.read('kc')).toBeNull(); // the removed provider's key is gone
      expect((await api('PATCH', '/settings', owner, { providers: [{ ...kc, base_url: hostile.url }] })).status).toBe(200);
      const redirected = await api('POST', '/proxy', owner, { message: 'where does my key go?' });
      expect(redirected.status).toBe(503);
      expect(redirected.json).toMatchObject({ code: 'provider_not_configured' });

      // Bound in the keychain entry itself: even settings changed behind the API cannot move it.
      expect((await api('PATCH', '/settings', owner, { providers: [kc] })).status).toBe(200);
      expect((await api('PUT', '/providers/kc/key', owner, { api_key: KEY })).status).toBe(200);
      expect(JSON.parse((await keychain.read('kc'))!)).toEqual({ v: 1, origin: new URL(honest.url).origin, key: KEY });
      const db = new Database(path.join(dataDir, DB_FILE_NAME));
      db.prepare("UPDATE setting SET value = json_set(value, '$.providers[0].base_url', ?) WHERE key = 'settings'").run(hostile.url);
      db.close();
      const moved = await api('POST', '/proxy', owner, { message: 'and now?' });
      expect(moved.json).toMatchObject({ code: 'provider_not_configured', detail: expect.stringMatching(/entered for another address .*Enter the key again/) });
      expect(hostile.requests).toEqual([]);

      // A plain key left by a Studylog from before the binding: refused, "enter the key again".
      await keychain.write('legacy', KEY);
      honest.models.push('m-legacy');
      expect((await api('PATCH', '/settings', owner, { providers: [kc, provider('legacy', honest.url, { source: 'keychain' }, ['m-legacy'])] })).status).toBe(200);
      const honestCalls = honest.requests.length;
      const legacy = await api('POST', '/proxy', owner, { message: 'old key', model: 'm-legacy' });
      expect(legacy.json).toMatchObject({ code: 'provider_not_configured', detail: expect.stringContaining('Enter the key again') });
      expect(honest.requests.length).toBe(honestCalls);
    },
  );

  it.skipIf(keyring.skip)(`when the keychain cannot delete a removed provider’s key, the change is refused and nothing changes${keyring.note}`, async () => {
    const { honest } = await upstreams();
    const keychain = await startSecretService();
    const serve = await startServe({ dataDir: tempDir(), env: keychain.env });
    const api = client(serve);
    const owner = serve.adminToken!;
    const kc = provider('kc', honest.url, { source: 'keychain' });
    expect((await api('PATCH', '/settings', owner, { providers: [kc] })).status).toBe(200);
    expect((await api('PUT', '/providers/kc/key', owner, { api_key: KEY })).status).toBe(200);
    await keychain.stop(); // the session's bus and keyring go away
    const refused = await api('PATCH', '/settings', owner, { providers: [] });
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ code: 'keychain_unavailable', detail: expect.stringContaining('The settings were not changed') });
    expect((await api('GET', '/settings', owner)).json).toMatchObject({ providers: [expect.objectContaining({ id: 'kc', base_url: honest.url })] });
  });

  it.skipIf(libsecret.skip)(`without a D-Bus session: keychain_unavailable naming what is missing and both ways out, and the key is written nowhere${libsecret.note}`, async () => {
    const { honest } = await upstreams();
    const dataDir = tempDir();
    const serve = await startServe({ dataDir, env: noBus });
    const api = client(serve);
    const owner = serve.adminToken!;
    expect((await api('PATCH', '/settings', owner, { providers: [provider('kc', honest.url, { source: 'keychain' })] })).status).toBe(200);
    const put = await api('PUT', '/providers/kc/key', owner, { api_key: KEY });
    expect(put.status).toBe(503);
    const body = put.json as { code: string; detail: string };
    expect(body.code).toBe('keychain_unavailable');
    expect(body.detail).toMatch(/no D-Bus session/);
    expect(body.detail).toContain('sudo apt install gnome-keyring libsecret-1-0');
    expect(body.detail).toContain('sudo dnf install gnome-keyring libsecret');
    expect(body.detail).toContain('STUDYLOG_API_KEY_KC=<key> with STUDYLOG_BASE_URL_KC=');
    // A message waits, failed with the same code, for a retry once there is a key.
    expect((await api('POST', '/proxy', owner, { message: 'hello' })).json).toMatchObject({ code: 'keychain_unavailable' });
    expect(serve.stdout() + serve.stderr()).not.toContain(KEY);
    await serve.stop();
    for (const file of filesUnder(dataDir)) expect(readFileSync(file).includes(Buffer.from(KEY)), file).toBe(false);
  });

  it('an environment key goes only to its documented base URL: OPENAI_API_KEY, DEEPSEEK_API_KEY, STUDYLOG_API_KEY_<ID>', async () => {
    const { honest, hostile } = await upstreams();
    const serve = await startServe({
      dataDir: tempDir(),
      env: {
        ...noBus,
        OPENAI_BASE_URL: honest.url,
        OPENAI_API_KEY: KEY,
        STUDYLOG_MODEL: 'gpt-4o-mini',
        DEEPSEEK_API_KEY: OTHER_KEY,
        STUDYLOG_API_KEY_KC: KEY,
        STUDYLOG_BASE_URL_KC: honest.url,
      },
    });
    const api = client(serve);
    const owner = serve.adminToken!;
    expect((await api('POST', '/proxy', owner, { message: 'hi' })).json).toMatchObject({ content: 'Echo: hi' }); // provider "env"
    // The owner may add these providers (it is the owner's machine), but the keys do not follow.
    const settings = {
      providers: [
        provider('openai-elsewhere', hostile.url, { source: 'env', var: 'OPENAI_API_KEY' }, ['m-openai']),
        provider('deepseek-elsewhere', hostile.url, { source: 'env', var: 'DEEPSEEK_API_KEY' }, ['m-deepseek']),
        provider('kc', honest.url, { source: 'keychain' }, ['m-kc']),
      ],
    };
    expect((await api('PATCH', '/settings', owner, settings)).status).toBe(200);
    for (const model of ['m-openai', 'm-deepseek']) {
      const reply = await api('POST', '/proxy', owner, { message: 'leak?', model });
      expect(reply.json, model).toMatchObject({ code: 'provider_not_configured', detail: expect.stringContaining('is only sent to') });
    }
    // STUDYLOG_API_KEY_KC (no keychain here) goes to STUDYLOG_BASE_URL_KC … and nowhere else.
    honest.models.push('m-kc');
    expect((await api('POST', '/proxy', owner, { message: 'kc', model: 'm-kc' })).json).toMatchObject({ content: 'Echo: kc' });
    settings.providers[2] = provider('kc', hostile.url, { source: 'keychain' }, ['m-kc']);
    expect((await api('PATCH', '/settings', owner, settings)).status).toBe(200);
    expect((await api('POST', '/proxy', owner, { message: 'kc moved', model: 'm-kc' })).json).toMatchObject({
      code: 'provider_not_configured',
      detail: expect.stringContaining('STUDYLOG_BASE_URL_KC'),
    });
    expect(hostile.requests).toEqual([]);
    expect(authorizations(honest).every((a) => a === `Bearer ${KEY}`)).toBe(true);
  });
});

describe('who may change where keys and the API go (HTTP vs the local owner)', () => {
  let api: ApiFixture;
  beforeAll(async () => {
    // Listening on every interface, so the same token can also come from a non-loopback address.
    api = await startApi({ server: { host: '0.0.0.0', lan: true } });
  });
  afterAll(() => api.close());

  const base = () => api.core.settings.get();
  const test = () => base().providers.find((p) => p.id === 'test')!;
  const restricted = (): [string, Record<string, unknown>][] => [
    ['move a provider to another host', { providers: base().providers.map((p) => (p.id === 'test' ? { ...p, base_url: 'http://attacker.example/v1' } : p)) }],
    // Same origin, another path: a gateway serving many accounts by path would take the key to the attacker's (attack probe).
    [
      'change the path of a provider with a key',
      { providers: base().providers.map((p) => (p.id === 'test' ? { ...p, base_url: `${new URL(p.base_url).origin}/accounts/attacker/v1` } : p)) },
    ],
    ['change a key reference', { providers: base().providers.map((p) => (p.id === 'test' ? { ...p, api_key_ref: { source: 'env', var: 'OPENAI_API_KEY' } } : p)) }],
    ['add a provider with a key', { providers: [...base().providers, { ...test(), id: 'new', api_key_ref: { source: 'keychain' } }] }],
    ['remove a provider with a key', { providers: base().providers.filter((p) => p.id !== 'kc') }],
    ['turn LAN access on', { server: { ...base().server, lan: true } }],
    ['allow a CORS origin', { server: { ...base().server, cors_origins: ['http://attacker.example'] } }],
    ['turn the server on', { server: { ...base().server, enabled: true } }],
    ['change the port', { server: { ...base().server, port: 6000 } }],
  ];

  it('an admin token (a teacher’s), or an owner token made through POST /tokens, is forbidden; nothing changes', async () => {
    const teacher = api.token('admin', 'teacher').token;
    const made = await api.api('POST', '/tokens', { body: { name: 'owner, via the API', user_id: api.core.owner.id } });
    const apiMadeOwnerToken = (made.json as { token: string }).token;
    const before = JSON.stringify(base());
    for (const token of [teacher, apiMadeOwnerToken]) {
      for (const [what, patch] of restricted()) {
        const reply = await api.api('PATCH', '/settings', { token, body: patch });
        expect(reply.status, what).toBe(403);
        expect(reply.json, what).toMatchObject({ code: 'forbidden', detail: expect.stringContaining('Only the owner of this installation') });
      }
    }
    expect(JSON.stringify(base())).toBe(before);
    // What is not about destinations stays an admin's to change.
    const harmless = {
      theme: 'dark',
      providers: [
        ...base().providers.map((p) => ({ ...p, name: `${p.name} (renamed)` })),
        { ...test(), id: 'ollama', base_url: 'http://127.0.0.1:11434/v1', api_key_ref: { source: 'none' } },
      ],
    };
    expect((await api.api('PATCH', '/settings', { token: teacher, body: harmless })).status).toBe(200);
  });

  it('the local owner token from a non-loopback address is forbidden too', async () => {
    const lanUrl = api.http.lanUrl;
    if (!lanUrl) return expect.fail('this machine has no non-loopback IPv4 address to test from');
    const [what, patch] = restricted()[0]!;
    const reply = await rawRequest(lanUrl, {
      method: 'PATCH',
      path: `${API_PREFIX}/settings`,
      headers: { Authorization: `Bearer ${api.adminToken}`, 'Content-Type': 'application/json', Host: new URL(lanUrl).host },
      body: JSON.stringify(patch),
    });
    expect(reply.status, what).toBe(403);
  });

  it('the local owner (its token from loopback, and IPC) may change them all', async () => {
    for (const [what, patch] of restricted()) expect((await api.api('PATCH', '/settings', { body: patch })).status, what).toBe(200);
    const ipcOwner = { user_id: api.core.owner.id, role: 'admin' as const, local_owner: true };
    expect(await dispatch(api.core, 'updateSettings', ipcOwner, { server: { ...base().server, lan: false, cors_origins: [] } })).toMatchObject({ ok: true });
  });
});

describe('redaction of a key a provider echoes back altered', () => {
  let api: ApiFixture;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());
  const key = () => String(api.openai.requiredApiKey);
  const stored = () => JSON.stringify(api.core.store.sqlite.prepare('SELECT content, meta FROM turn').all());

  it('reversed, spaced, zero-width, full-width, case-changed and base64 echoes are removed from answers, reasoning and errors, returned and stored', async () => {
    api.openai.script({ echoKey: true, reasoning: 'Thinking it over.' });
    const answer = await api.api('POST', '/proxy', { body: { message: 'echo my key' } });
    expect(answer.status).toBe(200);
    expect((answer.json as { content: string }).content).toContain('[redacted]');
    expect(leakedRuns(answer.text, key())).toEqual([]);

    // Streamed 4 characters a delta (the test server's default), so every echo arrives split:
    // neither the live deltas nor the final answer may carry a run of it.
    api.openai.script({ echoKey: true, reasoning: 'Thinking it over.' });
    const streamed = await api.api('POST', '/proxy/stream', { body: { message: 'echo my key, streamed' } });
    const events = sseEvents(streamed.text);
    const live = (type: string) =>
      events
        .filter((e) => e.event === type)
        .map((e) => (e.data as { content: string }).content)
        .join('');
    expect(live('delta')).toContain('[redacted]');
    expect(leakedRuns(live('delta'), key())).toEqual([]);
    expect(leakedRuns(live('reasoning'), key())).toEqual([]);
    const done = (events.find((e) => e.event === 'done')!.data as { response: { content: string } }).response;
    expect(leakedRuns(JSON.stringify(done), key())).toEqual([]);
    // What streamed says what was stored (the stream may cut one long run into several redactions).
    const words = (text: string) =>
      text
        .replaceAll('[redacted]', ' ')
        .split(/[\s|]+/)
        .filter(Boolean);
    expect(words(live('delta'))).toEqual(words(done.content));

    for (const status of [500, 401] as const) {
      api.openai.script({ echoKey: true, fault: { kind: 'status', status, message: 'Bad key' } });
      const failed = await api.api('POST', '/proxy', { body: { message: `fail ${status}` } });
      expect(failed.status).toBe(502);
      expect(leakedRuns(failed.text, key())).toEqual([]);
    }
    expect(stored()).toContain('[redacted]');
    expect(leakedRuns(stored(), key())).toEqual([]);
  });
});
