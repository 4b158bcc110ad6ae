import { dispatch } from '../../src/main/core/api/dispatch.ts';
import { createCore, type Core, type CoreOptions } from '../../src/main/core/app.ts';
import type { Caller } from '../../src/main/core/caller.ts';
import type { Provider, ProxyMessageResponse } from '../../src/shared/api/schemas.ts';
import { ApiError } from '../../src/shared/errors.ts';
import { startOpenAITestServer, type Behaviour, type OpenAITestServer } from './openai-test-server.ts';
import { onCleanup, tempDir, testWrites } from './temp.ts';

export const TEST_API_KEY = 'fake-key-test-DO-NOT-LEAK-0123456789abcdefXYZ';
export const TEST_CALLER = { user_id: 'student-1', role: 'student' as const };

export interface TestCore extends Core {
  server: OpenAITestServer;
  dataDir: string;
  /** Chat requests the test server received (not /models). */
  chatRequests(): OpenAITestServer['requests'];
}

/**
 * A real core on a temp data dir, with one provider ("test") pointing at a fresh OpenAI-compatible
 * test server over loopback. The key comes from an environment variable given to the core only,
 * bound to the provider's base URL by STUDYLOG_TEST_BASE_URL.
 */
export async function setupCore(options: { provider?: Partial<Provider>; defaults?: Behaviour; core?: Partial<CoreOptions>; dataDir?: string } = {}): Promise<TestCore> {
  const server = await startOpenAITestServer({ requiredApiKey: TEST_API_KEY, ...(options.defaults ? { defaults: options.defaults } : {}) });
  onCleanup(() => void server.close());
  const dataDir = options.dataDir ?? tempDir();
  // The key in STUDYLOG_TEST_KEY is sent only to STUDYLOG_TEST_BASE_URL's origin (providers.ts).
  // A test giving its own env keeps these companions (for STUDYLOG_TEST_KEY and STUDYLOG_WRONG_KEY).
  const baseUrl = options.provider?.base_url ?? server.url;
  const env = { STUDYLOG_TEST_BASE_URL: baseUrl, STUDYLOG_WRONG_BASE_URL: baseUrl, ...(options.core?.env ?? { STUDYLOG_TEST_KEY: TEST_API_KEY }) };
  const core = createCore({ dataDir, secrets: null, flushIntervalMs: 50, defaultLanguage: 'en', ...options.core, env });
  onCleanup(() => core.store.sqlite.open && core.close());
  core.settings.update({
    providers: [
      {
        id: 'test',
        name: 'Test provider',
        kind: 'other',
        base_url: server.url,
        models: server.models,
        default_model: 'gpt-4o-mini',
        api_key_ref: { source: 'env', var: 'STUDYLOG_TEST_KEY' },
        timeout_ms: 5_000,
        max_retries: 0,
        ...options.provider,
      },
    ],
    default_provider_id: 'test',
  });
  // Homework sessions need an assignment that exists.
  for (const [id, title] of [
    ['hw_001', '数学作业一'],
    ['hw_1', 'Algebra 1'],
    ['hw_2', 'Algebra 2'],
  ] as const)
    core.assignments.create(testWrites(core.store), { id, title });
  return Object.assign(core, { server, dataDir, chatRequests: () => server.requests.filter((r) => r.path.endsWith('/chat/completions')) });
}

/** Drains a proxy stream, returning its events. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const events: T[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

/**
 * Sends a message as a transport does: through dispatch, where every request is validated (the
 * proxy takes the parsed message and does not parse it again). Resolves with the response,
 * rejects with the ApiError — as core.proxy.send does for input that passed validation.
 */
export async function sendThroughDispatch(core: Core, caller: Caller, input: unknown): Promise<ProxyMessageResponse> {
  const envelope = await dispatch(core, 'sendProxyMessage', caller, input);
  if (!envelope.ok) throw new ApiError(envelope.body.code, envelope.body.detail, envelope.body.issues);
  return envelope.body as ProxyMessageResponse;
}
