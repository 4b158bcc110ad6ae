// Providers: where keys come from (keychain → environment), the headless OPENAI_* default, the
// /models list cached for offline use, and settings that refuse plaintext keys.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createCore } from '../../src/main/core/app.ts';
import { dispatch } from '../../src/main/core/api/dispatch.ts';
import { decodeKeychainEntry } from '../../src/main/core/llm/providers.ts';
import { collect, setupCore, TEST_API_KEY, TEST_CALLER } from '../support/core.ts';
import { startOpenAITestServer } from '../support/openai-test-server.ts';
import { onCleanup, tempDir } from '../support/temp.ts';

describe('providers and keys', () => {
  it('headless with OPENAI_BASE_URL / OPENAI_API_KEY: a default provider with no settings at all', async () => {
    const server = await startOpenAITestServer({ requiredApiKey: TEST_API_KEY });
    onCleanup(() => void server.close());
    const core = createCore({ dataDir: tempDir(), secrets: null, env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: TEST_API_KEY, STUDYLOG_MODEL: 'deepseek-chat' } });
    onCleanup(() => core.close());
    expect(core.providers.list()).toEqual([expect.objectContaining({ id: 'env', base_url: server.url, api_key_ref: { source: 'env', var: 'OPENAI_API_KEY' } })]);
    const res = await core.proxy.send(TEST_CALLER, { message: 'hi' });
    expect(res).toMatchObject({ content: 'Echo: hi', model: 'deepseek-chat' });
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
  });

  it('a keychain provider with no keychain reachable falls back to STUDYLOG_API_KEY_<ID>, else says where to put the key', async () => {
    const core = await setupCore({ provider: { id: 'my-openai', api_key_ref: { source: 'keychain' } }, core: { env: {} } });
    const error = await core.proxy.send(TEST_CALLER, { message: 'x', client_request_id: 'req-no-key-1' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'provider_not_configured', detail: expect.stringContaining('STUDYLOG_API_KEY_MY_OPENAI') });
    // The message is not lost: it waits, failed with that code, for a retry once the key is there.
    const [saved] = core.store.sqlite.prepare("SELECT content, meta FROM turn WHERE role = 'user'").all() as { content: string; meta: string }[];
    expect(saved!.content).toBe('x');
    expect(JSON.parse(saved!.meta)).toMatchObject({ status: 'failed', error: { code: 'provider_not_configured' } });
    // The fallback key goes only to the origin STUDYLOG_BASE_URL_<ID> names: without it, refused.
    const unbound = createCore({ dataDir: core.dataDir, secrets: null, env: { STUDYLOG_API_KEY_MY_OPENAI: TEST_API_KEY } });
    await expect(unbound.proxy.send(TEST_CALLER, { message: 'x', client_request_id: 'req-no-key-1' })).rejects.toMatchObject({
      code: 'provider_not_configured',
      detail: expect.stringContaining('set STUDYLOG_BASE_URL_MY_OPENAI'),
    });
    unbound.close();
    const withEnv = createCore({ dataDir: core.dataDir, secrets: null, env: { STUDYLOG_API_KEY_MY_OPENAI: TEST_API_KEY, STUDYLOG_BASE_URL_MY_OPENAI: core.server.url } });
    onCleanup(() => withEnv.close());
    const retried = await withEnv.proxy.send(TEST_CALLER, { message: 'x', client_request_id: 'req-no-key-1' });
    expect(retried.content).toBe('Echo: x');
    expect(withEnv.store.sqlite.prepare("SELECT count(*) FROM turn WHERE role = 'user'").pluck().get()).toBe(1);
    await expect(withEnv.providers.setApiKey('my-openai', 'sk-new')).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });

  it('refuses to store a key in settings, at any depth', async () => {
    const core = await setupCore();
    const provider = { ...core.settings.get().providers[0]!, api_key: 'sk-plaintext' };
    expect(() => core.settings.update({ providers: [provider] })).toThrow(/api_key: secrets are never stored/);
    expect(() => core.settings.update({ policies: { chat: { apiKey: 'x' } } } as never)).toThrow(/apiKey/);
    expect(JSON.stringify(core.store.sqlite.prepare('SELECT value FROM setting').all())).not.toContain('sk-plaintext');
  });

  it('only key-like environment variables can be a provider’s key', async () => {
    const core = await setupCore();
    const provider = core.settings.get().providers[0]!;
    for (const name of ['HOME', 'PATH', 'AWS_SECRET_ACCESS_KEY']) {
      expect(() => core.settings.update({ providers: [{ ...provider, api_key_ref: { source: 'env', var: name } }] })).toThrow(/OPENAI_API_KEY/);
    }
    for (const name of ['OPENAI_API_KEY', 'DEEPSEEK_API_KEY', 'STUDYLOG_TEST_KEY']) {
      expect(core.settings.update({ providers: [{ ...provider, api_key_ref: { source: 'env', var: name } }] }).providers[0]!.api_key_ref).toEqual({ source: 'env', var: name });
    }
  });

  it('moving a keychain provider to another base_url forgets its stored key', async () => {
    const stored = new Map<string, string>();
    const keychain = { get: async (a: string) => stored.get(a) ?? null, set: async (a: string, k: string) => void stored.set(a, k), delete: async (a: string) => stored.delete(a) };
    const core = await setupCore({ provider: { api_key_ref: { source: 'keychain' } }, core: { secrets: keychain } });
    const owner = { user_id: core.owner.id, role: 'admin' as const, local_owner: true };
    expect(await dispatch(core, 'setProviderKey', owner, { id: 'test', api_key: TEST_API_KEY })).toMatchObject({ ok: true });
    const provider = core.settings.get().providers[0]!;
    expect(await dispatch(core, 'updateSettings', owner, { providers: [{ ...provider, name: 'Renamed' }] })).toMatchObject({ ok: true });
    // same host: the key stays, bound to the origin it was entered for
    expect(decodeKeychainEntry(stored.get('test')!)).toEqual({ v: 1, origin: new URL(core.server.url).origin, key: TEST_API_KEY });
    expect(await dispatch(core, 'updateSettings', owner, { providers: [{ ...provider, base_url: 'http://127.0.0.1:9/v1' }] })).toMatchObject({ ok: true });
    expect(stored.has('test')).toBe(false);
  });

  it('reports whether a key is set without revealing it', async () => {
    const core = await setupCore();
    const [info] = await core.providers.info();
    expect(info).toMatchObject({ id: 'test', key_status: 'set' });
    expect(JSON.stringify(info)).not.toContain(TEST_API_KEY);
  });

  it('lists models from /models and serves the cached list when the provider is unreachable', async () => {
    const core = await setupCore();
    const live = await core.providers.listModels('test');
    expect(live).toMatchObject({ provider_id: 'test', cached: false, models: [...core.server.models].sort() });
    await core.server.close();
    const offline = await core.providers.listModels('test');
    expect(offline).toMatchObject({ cached: true, models: live.models });
    expect(offline.fetched_at).toBeGreaterThan(0);
  });

  const ADMIN = { user_id: 'owner-1', role: 'admin' as const };

  it('a refused key with a cached list says the key was refused, not "offline" (models route and connection test)', async () => {
    const core = await setupCore({ core: { env: { STUDYLOG_TEST_KEY: TEST_API_KEY } } });
    await core.providers.listModels('test'); // cached now
    const wrong = createCore({ dataDir: core.dataDir, secrets: null, env: { STUDYLOG_TEST_KEY: 'fake-key-refused-0001', STUDYLOG_TEST_BASE_URL: core.server.url } });
    onCleanup(() => wrong.close());
    core.server.requiredApiKey = TEST_API_KEY;
    const listed = await wrong.providers.listModels('test');
    expect(listed).toMatchObject({ cached: true, error: { code: 'upstream_auth' } });
    expect(await dispatch(wrong, 'listModels', ADMIN, {})).toMatchObject({ ok: true, body: { providers: [{ cached: true, error: { code: 'upstream_auth' } }] } });
    expect(await dispatch(wrong, 'testProvider', ADMIN, { id: 'test' })).toMatchObject({ ok: true, body: { ok: false, error: { code: 'upstream_auth' } } });
  });

  it('a base URL with no OpenAI-compatible API under it (the model list answers 404) → upstream_not_found, not a missing model', async () => {
    // Tryout 10 #5: "…/wrong" read as "服务商没有这个模型" (model_not_found, naming the model '').
    const core = await setupCore();
    const wrong = `${core.server.url.replace(/\/v1$/, '')}/wrong`;
    core.settings.update({ providers: [{ ...core.settings.get().providers[0]!, base_url: wrong }] });
    await expect(core.providers.listModels('test')).rejects.toMatchObject({ code: 'upstream_not_found', detail: expect.stringContaining('/v1') });
    const tested = await dispatch(core, 'testProvider', ADMIN, { id: 'test' });
    expect(tested).toMatchObject({ ok: true, body: { ok: false, models: [], error: { code: 'upstream_not_found' } } });
    expect(JSON.stringify(tested)).not.toContain("no model ''");
    // A model the provider does not serve, at the right address, is still model_not_found.
    core.settings.update({ providers: [{ ...core.settings.get().providers[0]!, base_url: core.server.url, models: [...core.server.models, 'gpt-9-ultra'] }] });
    await expect(core.proxy.send(TEST_CALLER, { message: 'hi', model: 'gpt-9-ultra' })).rejects.toMatchObject({ code: 'model_not_found' });
  });

  it('an unreachable provider with nothing cached → upstream_unreachable', async () => {
    const core = await setupCore({ provider: { base_url: 'http://127.0.0.1:9/v1' } });
    await expect(core.providers.listModels('test')).rejects.toMatchObject({ code: 'upstream_unreachable' });
  });

  it('after a run with a known key, neither the database files nor the logs contain it', async () => {
    const logged: string[] = [];
    const capture = (chunk: unknown) => {
      logged.push(String(chunk));
      return true;
    };
    const spies: { mockRestore(): void }[] = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
      spies.push(vi.spyOn(console, method).mockImplementation((...args) => void logged.push(args.map(String).join(' '))));
    try {
      const core = await setupCore();
      await core.proxy.send(TEST_CALLER, { message: 'one' });
      await collect(core.proxy.stream(TEST_CALLER, { message: 'two' }));
      for (const fault of [{ kind: 'status', status: 401 }, { kind: 'status', status: 500 }, { kind: 'malformed' }, { kind: 'cut', afterChunks: 1 }] as const) {
        core.server.script({ fault });
        await collect(core.proxy.stream(TEST_CALLER, { message: 'three' })).catch(() => undefined);
      }
      await core.providers.listModels('test');
      core.store.sqlite.pragma('wal_checkpoint(PASSIVE)');
      const files = readdirSync(core.dataDir).map((f) => path.join(core.dataDir, f));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(readFileSync(file).includes(Buffer.from(TEST_API_KEY)), file).toBe(false);
      core.close();
      for (const file of readdirSync(core.dataDir).map((f) => path.join(core.dataDir, f))) expect(readFileSync(file).includes(Buffer.from(TEST_API_KEY)), file).toBe(false);
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    expect(logged.join('\n')).not.toContain(TEST_API_KEY);
  });
});
