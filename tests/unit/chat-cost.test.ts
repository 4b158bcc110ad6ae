// What the chat says a reply cost (src/renderer/src/features/chat/cost.ts): a model without a
// price is free on a local server and "price unknown" anywhere else; a reply whose input was not
// counted is "price unknown" everywhere; the header never turns an unknown price into "$0".
import { describe, expect, it } from 'vitest';
import { inputCounted, isLocalProvider, isLocalReply, replyCost, totalCost } from '../../src/renderer/src/features/chat/cost.ts';
import type { ChatMessage } from '../../src/renderer/src/features/chat/messages.ts';

const providers = [
  { id: 'ollama', kind: 'ollama', base_url: 'http://192.168.1.20:11434/v1', models: ['llama3.2'] },
  { id: 'lan', kind: 'other', base_url: 'http://127.0.0.1:1234/v1', models: ['qwen2.5:7b', 'shared-model'] },
  { id: 'cloud', kind: 'other', base_url: 'https://api.example.com/v1', models: ['mystery-model', 'shared-model'] },
];

const reply = (model: string, cost: number, price_known: boolean, providerId: string | null = null): ChatMessage => ({
  kind: 'assistant',
  key: `${model}-${cost}`,
  turnId: null,
  content: 'x',
  reasoning: '',
  status: 'complete',
  model,
  providerId,
  usage: { tokens_in: 10, tokens_out: 5, cost, estimated: false, price_known },
  createdAt: 0,
});

describe('local providers', () => {
  it('are Ollama and LM Studio by kind, or anything on a loopback address', () => {
    expect(isLocalProvider({ kind: 'ollama', base_url: 'http://192.168.1.20:11434/v1' })).toBe(true);
    expect(isLocalProvider({ kind: 'lmstudio', base_url: 'http://example.com' })).toBe(true);
    expect(isLocalProvider({ kind: 'other', base_url: 'http://127.0.0.1:1234/v1' })).toBe(true);
    expect(isLocalProvider({ kind: 'other', base_url: 'http://localhost:8080' })).toBe(true);
    expect(isLocalProvider({ kind: 'other', base_url: 'http://[::1]:8080' })).toBe(true);
    expect(isLocalProvider({ kind: 'other', base_url: 'https://api.example.com/v1' })).toBe(false);
    expect(isLocalProvider({ kind: 'other', base_url: 'not a url' })).toBe(false);
  });

  it('a reply is local by its recorded provider, else when every provider listing its model is local', () => {
    expect(isLocalReply(providers, 'cloud', 'llama3.2')).toBe(false);
    expect(isLocalReply(providers, null, 'llama3.2')).toBe(true);
    expect(isLocalReply(providers, null, 'shared-model')).toBe(false);
    expect(isLocalReply(providers, null, 'nowhere')).toBe(false);
    expect(isLocalReply(providers, 'gone', null)).toBe(false);
  });
});

describe('costs', () => {
  it('one reply: priced, free (local, no price) or unknown', () => {
    expect(replyCost({ cost: 120, price_known: true }, true)).toEqual({ kind: 'priced', cost: 120 });
    expect(replyCost({ cost: 0, price_known: false }, true)).toEqual({ kind: 'free' });
    expect(replyCost({ cost: 0, price_known: false }, false)).toEqual({ kind: 'unknown' });
  });

  it('an answer cut by a stop of Studylog (input never counted: estimated 0) has no known cost — never "$0" (tryout 7)', () => {
    const cut = { tokens_in: 0, tokens_out: 16, cost: 0, price_known: true, estimated: true };
    expect(inputCounted(cut)).toBe(false);
    expect(replyCost(cut, false)).toEqual({ kind: 'unknown' });
    // Not free either on a local provider (tryout 8: a relay on 127.0.0.1 in front of DeepSeek
    // showed the cut answer as "免费" beside priced ones), whether or not its model has a price.
    expect(replyCost(cut, true)).toEqual({ kind: 'unknown' });
    expect(replyCost({ ...cut, price_known: false }, true)).toEqual({ kind: 'unknown' });
    // A reported 0 (not estimated) and an estimate of a real prompt stay as they are.
    expect(inputCounted({ tokens_in: 0, estimated: false })).toBe(true);
    expect(replyCost({ tokens_in: 248, cost: 20, price_known: true, estimated: true }, false)).toEqual({ kind: 'priced', cost: 20 });
  });

  it('the replies together: all free, priced, or with some prices unknown', () => {
    const isLocal = (p: string | null | undefined, m: string | null) => isLocalReply(providers, p, m);
    expect(totalCost([reply('llama3.2', 0, false), reply('qwen2.5:7b', 0, false)], isLocal)).toEqual({ cost: 0, unknown: 0, allFree: true });
    expect(totalCost([reply('llama3.2', 0, false), reply('gpt-4o-mini', 300, true)], isLocal)).toEqual({ cost: 300, unknown: 0, allFree: false });
    expect(totalCost([reply('mystery-model', 0, false), reply('gpt-4o-mini', 300, true)], isLocal)).toEqual({ cost: 300, unknown: 1, allFree: false });
    expect(totalCost([], isLocal)).toEqual({ cost: 0, unknown: 0, allFree: false });
    // A cut answer (input not counted) from a loopback provider: the header's total is unknown, not free.
    const cut = { ...reply('qwen2.5:7b', 0, true, 'lan'), usage: { tokens_in: 0, tokens_out: 11, cost: 0, estimated: true, price_known: true } } as ChatMessage;
    expect(totalCost([cut], isLocal)).toEqual({ cost: 0, unknown: 1, allFree: false });
    expect(totalCost([reply('qwen2.5:7b', 0, false, 'lan'), cut], isLocal)).toEqual({ cost: 0, unknown: 1, allFree: false });
  });
});
