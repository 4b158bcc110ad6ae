// What is sent upstream (llm/context.ts): the whole history when it fits the model's window, the
// newest turns when it does not, and the same choice whether the quick byte bound or the exact
// token count decided it.
import { describe, expect, it } from 'vitest';
import { buildMessages } from '../../src/main/core/llm/context.ts';
import { countTokens } from '../../src/main/core/llm/tokens.ts';
import type { Turn } from '../../src/shared/api/schemas.ts';

function history(pairs: number, words = 50): Turn[] {
  const turns: Turn[] = [];
  for (let i = 0; i < pairs; i++) {
    const q = `question ${i} ` + 'word '.repeat(words);
    const a = `answer ${i} ` + 'word '.repeat(words);
    turns.push({
      id: `u${i}`,
      session_id: 's',
      parent_id: i === 0 ? null : `a${i - 1}`,
      role: 'user',
      content: q,
      tool_calls: null,
      model: null,
      tokens_in: countTokens(q),
      tokens_out: 0,
      cost: 0,
      created_at: 2 * i,
      meta: { status: 'answered' },
    });
    turns.push({
      id: `a${i}`,
      session_id: 's',
      parent_id: `u${i}`,
      role: 'assistant',
      content: a,
      tool_calls: null,
      model: 'm',
      tokens_in: 0,
      tokens_out: countTokens(a),
      cost: 0,
      created_at: 2 * i + 1,
      meta: { status: 'complete' },
    });
  }
  return turns;
}

describe('buildMessages', () => {
  it('sends the whole history when it fits', () => {
    const built = buildMessages({ systemPrompt: 'Be a tutor.', history: history(5), message: 'next?', contextWindow: 128_000, maxOutputTokens: 2_048 });
    expect(built.droppedTurns).toBe(0);
    expect(built.messages.map((m) => m.role)).toEqual(['system', ...Array(5).fill(['user', 'assistant']).flat(), 'user']);
  });

  it('drops the oldest turns when the window is too small, and starts on a question', () => {
    const turns = history(20);
    const perTurn = turns[0]!.tokens_in; // ~52 tokens each
    const window = Math.ceil((2_048 + 200 + 7 * perTurn) / 0.95);
    const built = buildMessages({ systemPrompt: 'Be a tutor.', history: turns, message: 'next?', contextWindow: window, maxOutputTokens: 2_048 });
    expect(built.droppedTurns).toBeGreaterThanOrEqual(30);
    expect(built.droppedTurns).toBeLessThan(40);
    const kept = built.messages.slice(1, -1);
    expect(kept[0]!.role).toBe('user');
    expect(kept.at(-1)!.content).toBe(turns.at(-1)!.content); // the newest stay
  });

  it('counts tokens exactly when the byte bound is not enough: Chinese text (3 bytes a character) that fits by tokens is all sent', () => {
    // ~3,000 bytes of system prompt, but far fewer tokens: only the exact count keeps the history.
    const systemPrompt = '你是一位耐心的数学老师，请一步一步地引导学生思考。'.repeat(40);
    const bytes = Buffer.byteLength(systemPrompt);
    const tokens = countTokens(systemPrompt);
    expect(tokens).toBeLessThan(bytes / 2);
    const turns = history(2, 5);
    const historyTokens = turns.reduce((s, t) => s + t.tokens_in + t.tokens_out, 0);
    const window = Math.ceil((100 + tokens + historyTokens + 20) / 0.95); // fits by tokens, not by bytes
    expect(Math.floor(window * 0.95) - 100 - bytes).toBeLessThan(historyTokens);
    const built = buildMessages({ systemPrompt, history: turns, message: 'x', contextWindow: window, maxOutputTokens: 100 });
    expect(built.droppedTurns).toBe(0);
  });
});
