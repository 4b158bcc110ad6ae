// Earlier messages' attachments in the history sent upstream (context.ts buildMessages with
// attachment-context.ts historyMessage, as the proxy's upstreamMessages combines them): within the
// context window, newer messages first, so the oldest images are the first to go (as their text).
import { describe, expect, it } from 'vitest';
import { estimateImageTokens } from '../../src/main/core/attachments/process.ts';
import type { MessageFile } from '../../src/main/core/attachments/service.ts';
import { historyMessage } from '../../src/main/core/llm/attachment-context.ts';
import { buildMessages } from '../../src/main/core/llm/context.ts';
import type { Turn, UserTurn } from '../../src/shared/api/schemas.ts';

const image = (sha: string, text: string): MessageFile => ({
  sha256: sha.repeat(64).slice(0, 64),
  kind: 'image',
  mime: 'image/png',
  name: `${sha}.png`,
  bytes: 3,
  width: 768,
  height: 768,
  pages: null,
  text,
  data: Buffer.from(sha),
});

const turn = (id: string, role: 'user' | 'assistant', content: string, files = 0): Turn =>
  ({
    id,
    session_id: 's',
    parent_id: null,
    role,
    content,
    model: 'gpt-4o-mini',
    tokens_in: 0,
    tokens_out: 0,
    cost: 0,
    created_at: 1,
    meta: role === 'user' ? { status: 'answered', ...(files ? { attachments: [{}] } : {}) } : { status: 'complete' },
  }) as unknown as Turn;

type Part = { type: string; text?: string; image_url?: { url: string } };

function build(contextWindow: number, files: Record<string, MessageFile[]>, images = true) {
  const history = [turn('q1', 'user', 'first photo', 1), turn('a1', 'assistant', 'answer one'), turn('q2', 'user', 'second photo', 1), turn('a2', 'assistant', 'answer two')];
  return buildMessages({
    systemPrompt: 'system',
    history,
    message: '第二问呢？',
    contextWindow,
    maxOutputTokens: 500,
    withAttachments: (t: UserTurn, budget: number) => historyMessage(t, files[t.id] ?? [], { images, zh: false, budgetTokens: budget }),
  }).messages;
}

describe('earlier attachments in the history', () => {
  const files = { q1: [image('a', 'old sheet text')], q2: [image('b', 'new sheet text')] };
  const perImage = estimateImageTokens(768, 768);

  it('go as image parts to a vision model when the window has room for all', () => {
    const [, q1, , q2] = build(128_000, files);
    expect((q1!.content as Part[]).map((p) => p.type)).toEqual(['text', 'image_url']);
    expect((q2!.content as Part[])[1]!.image_url!.url).toBe(`data:image/png;base64,${Buffer.from('b').toString('base64')}`);
  });

  it('the oldest image is dropped first (it goes as its text) when the window holds one image only', () => {
    // Room for about one image and the text: 95% of the window less the answer's 500 tokens.
    const window = Math.ceil((500 + perImage + 300) / 0.95);
    const [, q1, , q2, , last] = build(window, files);
    expect((q2!.content as Part[]).map((p) => p.type)).toEqual(['text', 'image_url']);
    expect(typeof q1!.content).toBe('string');
    expect(q1!.content).toContain('Text recognized (OCR) in the attached image "a.png"');
    expect(q1!.content).toContain('old sheet text');
    expect(last).toEqual({ role: 'user', content: '第二问呢？' });
  });

  it('go as their text to a text model; a message with no files stays as it was', () => {
    const messages = build(128_000, { q2: [image('b', 'new sheet text')] }, false);
    expect(messages[1]).toEqual({ role: 'user', content: 'first photo' });
    expect(messages[3]!.content).toBe('second photo\n\nText recognized (OCR) in the attached image "b.png":\nnew sheet text');
  });
});
