/**
 * A session's title made by its model. The server names a new session after its first message at
 * once (session-title.ts); after the session's first complete answer — so it never delays one —
 * one small non-streamed call to the session's model asks for a short title (at most 12 Chinese
 * characters or 6 words), cut to MODEL_TITLE_MAX characters, which replaces the derived one.
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

/** The longest model-made title, in characters (code points), the ellipsis included. */
export const MODEL_TITLE_MAX = 20;
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

/** The model's reply as a title: its first line, without quotes or a "标题：" label, cut to MODEL_TITLE_MAX. Null when nothing is left. */
export function titleFromReply(reply: string): string | null {
  const line =
    reply
      .replace(/<think>[\s\S]*?<\/think>/g, '')
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? '';
  const text = line
    .replace(/^(标题|title)\s*[:：]\s*/i, '')
    .replace(/^[\s"'“”‘’《》「」*#]+|[\s"'“”‘’《》「」*。.!！]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return null;
  const chars = Array.from(text);
  return chars.length > MODEL_TITLE_MAX ? `${chars.slice(0, MODEL_TITLE_MAX - 1).join('')}…` : text;
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
    // A session's first message has no parent (versions.ts): any later one is not a first answer, no query needed.
    if (p.userTurn.parent_id !== null) return;
    if (this.#o.sessions.getSessionById(sessionId)?.meta.title_source !== undefined) return;
    const complete = this.#o.store.sqlite
      .prepare(`SELECT count(*) FROM turn WHERE session_id = ? AND role = 'assistant' AND json_extract(meta, '$.status') = 'complete'`)
      .pluck()
      .get(sessionId) as number;
    if (complete !== 1) return;
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
