/**
 * A session's title made by its model. The server names a new session after its first message at
 * once (session-title.ts); after the session's first complete answer — so it never delays one —
 * one small non-streamed call to the session's model asks for a short title (at most 12 Chinese
 * characters or 6 words), tidied and cut to MODEL_TITLE_MAX_WIDTH (titleFromReply), which replaces
 * the derived one.
 *
 * Made when the app asks for it (GET /sessions/{id}/title, which the chat calls after a first
 * answer), not for every new session: a script, an editor extension on the OpenAI-compatible face
 * or a benchmark that starts a session per request would otherwise pay a second call per message.
 *
 * - Never over the student's name: a rename (PATCH /sessions/{id}) sets meta.title_source
 *   'student', and the title is written only while title_source is unset (checked in the write).
 * - Offline, or when the call fails or says nothing usable: skipped, the derived title stays.
 * - The call is usage: it is recorded as a system turn (meta.purpose 'title', tokens and cost as
 *   an answer's), which usage counts and which transcripts, context and the active branch leave out.
 */
import type { AssistantTurn } from '../../../shared/api/schemas.ts';
import type { Store } from '../db/connection.ts';
import type { SessionsRepo } from '../db/sessions.repo.ts';
import type { TurnsRepo } from '../db/turns.repo.ts';
import type { SettingsStore } from '../settings/settings.store.ts';
import { traitsOf } from './models.ts';
import type { ChatMessage } from './context.ts';
import type { Prepared } from './prepared.ts';
import { costOf } from './pricing.ts';
import { countPromptTokens, countTokens } from './tokens.ts';
import { redact } from './upstream-errors.ts';
import { markdownToText } from '../../../shared/markdown-text.ts';

/**
 * The widest model-made title, the ellipsis included: a Chinese character (or any full-width one)
 * counts two, a Latin letter one — 16 汉字 (the prompt asks for at most 12) or about 6 English
 * words, so a Chinese title is cut where it would be as wide as an English one.
 */
export const MODEL_TITLE_MAX_WIDTH = 32;
/** Room for the title (and a reasoning model's thinking before it). */
const TITLE_MAX_TOKENS = 256;
/** The most of the question the title call sends. */
const QUESTION_CHARS = 2_000;
/** Sessions kept ready for a title request. */
const READY_KEPT = 64;

const PROMPTS = {
  'zh-CN': '请为下面这位学生的问题起一个简短的标题，不超过12个汉字。只输出标题本身，不要引号、标点或解释。',
  en: "Write a title of at most 6 words for the student's question below. Reply with the title only: no quotes, no punctuation at the end, no explanation.",
} as const;

/**
 * What a model says before its answer instead of a title ("好的！我们一步一步来。首先，…",
 * "Sure! Let's think step by step."), removed from the start, one after another.
 */
const LEADING_FILLER = [
  /^(好的|好|当然可以|当然|没问题|可以|行|嗯|哦|OK|Okay|Sure|Of course|Certainly|Alright|All right|Great)(?![\p{L}\p{N}])[\s!！,，.。~～…]*/iu,
  /^(我们|让我们|我来|我们来)?(一起)?(来)?(一步一步|一步步|逐步)(地)?(来|分析|思考|解答|看)?[\s!！,，.。:：]*/u,
  /^let'?s (think|go|work|solve (it|this)|break (it|this) down)( through (it|this))?( step by step)?[\s!.,:]*/iu,
  /^(首先|第一步|其次|下面|接下来|First(ly)?|To start)[\s,，:：]*/iu,
  /^(here('s| is) (a|the|my) (short |concise )?title|标题(是|为)?)[\s:：]*/iu,
];

/** How wide a character is in a title: full-width (Han, kana, Hangul, full-width forms) two, others one. */
const widthOf = (c: string) => (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff01-\uff60]/u.test(c) ? 2 : 1);

/** `text` cut to MODEL_TITLE_MAX_WIDTH with an ellipsis; an English title at a word's end where one is near. */
function capWidth(text: string): string {
  const chars = Array.from(text);
  if (chars.reduce((sum, c) => sum + widthOf(c), 0) <= MODEL_TITLE_MAX_WIDTH) return text;
  let width = 1; // the ellipsis
  let end = 0;
  while (end < chars.length && width + widthOf(chars[end]!) <= MODEL_TITLE_MAX_WIDTH) width += widthOf(chars[end++]!);
  let kept = chars.slice(0, end).join('');
  const space = kept.lastIndexOf(' ');
  if (/[A-Za-z]/.test(chars[end] ?? '') && space >= kept.length / 2) kept = kept.slice(0, space);
  return `${kept.trimEnd()}…`;
}

/**
 * The model's reply as a title, or null when nothing usable is left: its first line, read as plain
 * text (Markdown and LaTeX markup gone: markdown-text.ts), without quotes, a "标题：" label or the
 * filler a chatty model starts with, its first sentence only, cut to MODEL_TITLE_MAX_WIDTH.
 */
export function titleFromReply(reply: string): string | null {
  const line =
    reply
      .replace(/<think>[\s\S]*?<\/think>/g, '')
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? '';
  // Markup the parser leaves (an emphasis never closed: "回忆一下*…"), and its own bullets.
  let text = markdownToText(line, { math: 'text' })
    .replace(/[*_`#$~\\]|^[•>]\s*|^\d+[.)]\s+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  for (let before = ''; before !== text;) {
    before = text;
    text = text.replace(/^(标题|title)\s*[:：]\s*/i, '').replace(/^[\s"'“”‘’《》「」【】]+/, '');
    for (const filler of LEADING_FILLER) text = text.replace(filler, '');
  }
  // The first sentence: a reply that goes on to answer the question is not a title.
  const sentence = text.split(/(?<=[。！？!?；;])|(?<=\.)\s/u)[0] ?? '';
  const title = sentence.replace(/[\s"'“”‘’《》「」【】。.!！?？；;:：,，、…]+$/u, '').trim();
  return title ? capWidth(title) : null;
}

export interface ModelTitlesOptions {
  store: Store;
  sessions: SessionsRepo;
  turns: TurnsRepo;
  settings: SettingsStore;
  enabled: boolean;
}

export class ModelTitles {
  readonly #o: ModelTitlesOptions;
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Sessions whose first answer just came, ready for a title when the app asks (the newest few). */
  readonly #ready = new Map<string, Prepared>();
  readonly #closing = new AbortController();

  constructor(options: ModelTitlesOptions) {
    this.#o = options;
  }

  /**
   * After an answer was recorded (before its `done` is sent, so a client that asks for the title
   * as soon as it has the answer finds the session ready): when this was the session's first
   * answer, the session may be titled on request.
   */
  afterAnswer(p: Prepared, answer: AssistantTurn): void {
    const sessionId = p.session.id;
    if (!this.#o.enabled || this.#closing.signal.aborted || answer.meta.status !== 'complete' || this.#inFlight.has(sessionId)) return;
    // A session's first message has no parent (versions.ts), or follows only messages that got no
    // answer (failed: never sent as context): a message sent after an answer is not a first
    // answer, no query needed. (The count below decides; this only spares it.)
    if (p.userTurn.parent_id !== null && p.messages.some((m) => m.role === 'assistant')) return;
    // One statement, no session hydration: not renamed (a rename while the answer came counts),
    // and this is the session's one complete answer.
    const { renamed, complete } = this.#o.store.sqlite
      .prepare(
        `SELECT (SELECT json_extract(meta, '$.title_source') IS NOT NULL FROM session WHERE id = @id) AS renamed,
                (SELECT count(*) FROM turn WHERE session_id = @id AND role = 'assistant' AND json_extract(meta, '$.status') = 'complete') AS complete`,
      )
      .get({ id: sessionId }) as { renamed: number | null; complete: number };
    if (renamed !== 0 || complete !== 1) return;
    this.#ready.set(sessionId, p);
    // Bounded: a session nobody asks a title for soon is left with the one from its first message.
    if (this.#ready.size > READY_KEPT) this.#ready.delete(this.#ready.keys().next().value!);
  }

  /**
   * GET /sessions/{id}/title: starts the title call for a session whose first answer just came,
   * and resolves when no call is in flight for it (at once when there is nothing to do).
   */
  async request(sessionId: string): Promise<void> {
    const ready = this.#ready.get(sessionId);
    if (ready && !this.#inFlight.has(sessionId) && !this.#closing.signal.aborted) {
      this.#ready.delete(sessionId);
      const task = this.#title(ready)
        .catch(() => undefined)
        .finally(() => this.#inFlight.delete(sessionId));
      this.#inFlight.set(sessionId, task);
    }
    await this.#inFlight.get(sessionId);
  }

  /** Resolves when no title call is in flight (tests; shutdown). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight.values());
  }

  /** Stops title calls in flight and starts no more (the core is closing). */
  close(): void {
    this.#ready.clear();
    this.#closing.abort(new Error('Studylog is closing'));
  }

  async #title(p: Prepared): Promise<void> {
    const language = p.snapshot.system_prompt.language;
    const messages: ChatMessage[] = [
      { role: 'system', content: PROMPTS[language] },
      { role: 'user', content: p.userTurn.content.slice(0, QUESTION_CHARS) },
    ];
    const traits = traitsOf(p.model);
    const signal = AbortSignal.any([this.#closing.signal, AbortSignal.timeout(p.timeoutMs)]);
    const completion = await p.client.chat.completions.create(
      {
        model: p.model,
        messages,
        stream: false,
        ...(traits.maxCompletionTokens ? { max_completion_tokens: TITLE_MAX_TOKENS } : { max_tokens: TITLE_MAX_TOKENS }),
      },
      { signal, maxRetries: 0 },
    );
    const reply = redact(completion.choices?.[0]?.message?.content ?? '', p.secrets);
    const title = titleFromReply(reply);
    const reported = completion.usage;
    const estimated = typeof reported?.prompt_tokens !== 'number' || typeof reported.completion_tokens !== 'number';
    const tokensIn = estimated ? countPromptTokens(messages) : reported.prompt_tokens;
    const tokensOut = estimated ? countTokens(reply) : reported.completion_tokens;
    const model = completion.model || p.model;
    const costing = costOf(p.model, { tokensIn, cachedTokens: 0, tokensOut }, this.#o.settings.get().prices);
    const { store, sessions, turns } = this.#o;
    await store.writes.run('record the session title', (db) => {
      const session = sessions.getSessionById(p.session.id);
      if (!session) return;
      // The call was made: usage counts it whether or not its title is used.
      turns.insertNewTurn(db, {
        session_id: session.id,
        role: 'system',
        content: title ?? '',
        model,
        tokens_in: tokensIn,
        tokens_out: tokensOut,
        cost: costing.cost,
        meta: {
          purpose: 'title',
          provider_id: p.providerId,
          usage: {
            tokens_in: tokensIn,
            tokens_out: tokensOut,
            cached_tokens: 0,
            cost: costing.cost,
            estimated,
            price_known: costing.price_known,
            price_table_version: costing.price_table_version,
          },
        },
      });
      // A rename made while the call ran wins.
      if (title && session.meta.title_source === undefined) sessions.updateSessionById(db, session.id, { meta: { ...session.meta, title, title_source: 'model' } });
    });
  }
}
