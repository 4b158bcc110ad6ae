// A separate process that streams one message and reports progress, so a test can kill -9 it
// mid-stream. Usage: node stream-child.ts <dataDir> <providerBaseUrl> <apiKey>
import { createCore } from '../../src/main/core/app.ts';

const [dataDir, baseUrl, apiKey] = process.argv.slice(2) as [string, string, string];
const core = createCore({ dataDir, secrets: null, env: { STUDYLOG_TEST_KEY: apiKey, STUDYLOG_TEST_BASE_URL: baseUrl }, flushIntervalMs: 50, defaultLanguage: 'en' });
core.settings.update({
  providers: [{ id: 'test', name: 'Test', base_url: baseUrl, models: ['gpt-4o-mini'], api_key_ref: { source: 'env', var: 'STUDYLOG_TEST_KEY' }, max_retries: 0 }],
  default_provider_id: 'test',
});
let received = '';
for await (const event of core.proxy.stream({ user_id: 'student-1', role: 'student' }, { message: 'long story please' })) {
  if (event.type === 'delta') {
    received += event.content;
    process.stdout.write(JSON.stringify({ received }) + '\n');
  }
}
