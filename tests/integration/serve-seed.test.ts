// The seed's examples, as written, against `studylog serve` (a real child process) configured only
// by OPENAI_BASE_URL and OPENAI_API_KEY (the SDK's conventions): its three curl calls ("测试验证")
// and its request example (assignment "hw_001", mode homework, model "gpt-5", chat_id "abc123",
// meta.session_id "session_xyz"), each answered in the seed's response shape and stored.
import { describe, expect, it } from 'vitest';
import { startOpenAITestServer } from '../support/openai-test-server.ts';
import { startServe } from '../support/serve-process.ts';
import { onCleanup, tempDir } from '../support/temp.ts';

const KEY = 'fake-key-serve-seed-test-0123456789abcdef';

/** The seed's "请求示例", byte for byte but for its // comment (which JSON does not allow). */
const REQUEST_EXAMPLE = `{
  "message": "帮我解答这道数学题",
  "chat_id": "abc123",
  "assignment_id": "hw_001",
  "mode": "homework",
  "model": "gpt-5",
  "meta": {
    "session_id": "session_xyz"
  }
}`;

interface SeedResponse {
  turn_id: string;
  session_id: string;
  content: string;
  model: string;
  meta: { session_id: string; mode: string; user_turn_id: string };
}

describe('the seed’s examples against studylog serve, configured only by OPENAI_BASE_URL and OPENAI_API_KEY', () => {
  it('the three curl calls and the request example work as written, and both turns of each message are stored', async () => {
    // An OpenAI-style /models: chat, reasoning (gpt-5) and non-chat models.
    const openai = await startOpenAITestServer({ requiredApiKey: KEY, models: ['dall-e-3', 'gpt-4o-mini', 'gpt-5', 'text-embedding-3-small', 'tts-1', 'whisper-1'] });
    onCleanup(() => void openai.close());
    const served = await startServe({ dataDir: tempDir(), env: { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: KEY } });
    const token = served.adminToken!;
    const api = `${served.url}/api/v1/llm`;
    const call = async (path: string, body?: string) => {
      const res = await fetch(`${api}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body } : {}),
      });
      return { status: res.status, json: (await res.json()) as unknown };
    };

    // 1. curl -X POST …/api/v1/llm/proxy -d '{"message": "你好，这是测试", "mode": "chat"}'
    const first = await call(
      '/proxy',
      `{
    "message": "你好，这是测试",
    "mode": "chat"
  }`,
    );
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const chat = first.json as SeedResponse;
    expect(chat).toMatchObject({ turn_id: expect.any(String), session_id: expect.any(String), content: 'Echo: 你好，这是测试', model: 'gpt-4o-mini' });
    expect(chat.meta).toMatchObject({ session_id: chat.session_id, mode: 'chat', user_turn_id: expect.any(String) });

    // The request example: an assignment handed out elsewhere, a session id of the caller's choosing, gpt-5.
    const second = await call('/proxy', REQUEST_EXAMPLE);
    expect(second.status, JSON.stringify(second.json)).toBe(200);
    const homework = second.json as SeedResponse;
    expect(homework).toMatchObject({ turn_id: expect.any(String), session_id: 'session_xyz', content: 'Echo: 帮我解答这道数学题', model: 'gpt-5' });
    expect(homework.meta).toMatchObject({ session_id: 'session_xyz', mode: 'homework', user_turn_id: expect.any(String) });
    expect(openai.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body.model)).toEqual(['gpt-4o-mini', 'gpt-5']);

    // 2. curl …/api/v1/llm/sessions
    const sessions = await call('/sessions');
    expect(sessions.status).toBe(200);
    expect((sessions.json as { items: { id: string; mode: string; assignment_id: string | null }[] }).items).toEqual([
      expect.objectContaining({ id: 'session_xyz', mode: 'homework', assignment_id: 'hw_001' }),
      expect.objectContaining({ id: chat.session_id, mode: 'chat', assignment_id: null }),
    ]);

    // 3. curl …/api/v1/llm/sessions/{session_id}/turns — for both sessions.
    for (const [res, message] of [
      [chat, '你好，这是测试'],
      [homework, '帮我解答这道数学题'],
    ] as const) {
      const turns = await call(`/sessions/${res.session_id}/turns`);
      expect(turns.status).toBe(200);
      expect((turns.json as { id: string; role: string; content: string; model: string }[]).map((t) => [t.id, t.role, t.content, t.model])).toEqual([
        [res.meta.user_turn_id, 'user', message, res.model],
        [res.turn_id, 'assistant', `Echo: ${message}`, res.model],
      ]);
    }

    // hw_001 is now an assignment (registered by the message), for the picker, history and exports.
    const assignments = await call('/assignments');
    expect(assignments.json).toEqual([expect.objectContaining({ id: 'hw_001', title: 'hw_001', meta: { registered_from: 'message' } })]);
  });
});
