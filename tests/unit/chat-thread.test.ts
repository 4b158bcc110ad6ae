// The chat's thread on screen (features/chat/messages.ts): which turn a message follows (an edit
// names it as its parent) and whether another message follows a failed one (no retry then).
import { describe, expect, test } from 'vitest';
import { isFollowed, parentOf, type ChatMessage } from '../../src/renderer/src/features/chat/messages.ts';

const user = (key: string, turnId: string | null, status: 'sent' | 'failed' = 'sent'): ChatMessage => ({
  kind: 'user',
  key,
  turnId,
  content: key,
  createdAt: 0,
  status,
  error: null,
  clientRequestId: `req-${key}-0001`,
  attachments: [],
});
const answer = (key: string, turnId: string | null): ChatMessage => ({
  kind: 'assistant',
  key,
  turnId,
  content: key,
  reasoning: '',
  status: 'complete',
  model: null,
  usage: null,
  createdAt: 0,
});

describe('the thread on screen', () => {
  // q1 → a1, then two failed messages, then q4 sent live (no parent known yet) and its answer.
  const thread = [user('q1', 't-q1'), answer('a1', 't-a1'), user('f2', 't-f2', 'failed'), user('f3', 't-f3', 'failed'), user('q4', null), answer('a4', null)];

  test('a message sent live follows the stored turn right above it — a failed message too, as the server placed it', () => {
    expect(parentOf(thread, 'f2')).toBe('t-a1');
    expect(parentOf(thread, 'f3')).toBe('t-f2');
    expect(parentOf(thread, 'q4')).toBe('t-f3');
    expect(parentOf(thread, 'q1')).toBeNull();
  });

  test('a stored parent wins', () => {
    expect(parentOf([user('q1', 't-q1'), { ...user('q2', 't-q2'), parentId: 't-other' } as ChatMessage], 'q2')).toBe('t-other');
  });

  test('a failed message is followed when a later message comes after it (its own answers aside)', () => {
    expect(isFollowed(thread, 2)).toBe(true);
    expect(isFollowed(thread, 3)).toBe(true);
    expect(isFollowed(thread, 4)).toBe(false);
    const cut = [user('q1', 't-q1', 'failed'), { ...answer('a1', 't-a1'), status: 'interrupted' } as ChatMessage];
    expect(isFollowed(cut, 0)).toBe(false);
  });
});
