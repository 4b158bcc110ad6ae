/**
 * The OpenAI adapter: the only code that calls the provider (through the official `openai` SDK).
 * It shapes the request for what the model accepts (models.ts), maps every failure to a stable
 * error code (upstream-errors.ts), and runs the streaming loop: an idle timeout between chunks,
 * a wall clock for the whole answer, the caps a turn can hold, and the StreamRedactor that holds
 * back anything that could be the start of the key.
 */
import type OpenAI from 'openai';
import { MAX_CONTENT_CHARS, type ProxyStreamEvent } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { traitsOf } from './models.ts';
import { errorContext, type Prepared } from './prepared.ts';
import { StreamRedactor, upstreamError } from './upstream-errors.ts';
import { MAX_REASONING_CHARS, tooLargeIn } from './upstream-limits.ts';

export type ReportedUsage = OpenAI.Completions.CompletionUsage | null | undefined;

/** A whole answer, as the provider sent it. */
export interface Completion {
  content: string;
  reasoning: string;
  finishReason: string | null;
  reported: ReportedUsage;
  /** The model that answered, as the provider names it. */
  model: string;
}

/** Text as it arrives: `visible` is what the caller may see now (the redactor may hold some back). */
export type StreamPiece = { kind: 'reasoning' | 'delta'; visible: string };

/** The request body: the snapshot's parameters, shaped for what this model accepts. */
export function requestParams(p: Prepared): Omit<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, 'stream'> {
  const traits = traitsOf(p.model);
  const s = p.snapshot;
  return {
    model: p.model,
    messages: p.messages,
    ...(s.temperature !== null && !traits.noTemperature ? { temperature: s.temperature } : {}),
    ...(traits.maxCompletionTokens ? { max_completion_tokens: s.max_output_tokens } : { max_tokens: s.max_output_tokens }),
    ...(s.reasoning_effort && traits.reasoningEffort ? { reasoning_effort: s.reasoning_effort } : {}),
  };
}

function tooSlow(p: Prepared): ApiError {
  return new ApiError('upstream_timeout', `${p.providerName} took longer than ${Math.round(p.maxRequestMs / 1000)} s to answer.`);
}

/**
 * One non-streamed call. Throws an ApiError with the failure's code (the caller's abort is
 * `aborted`); the whole answer has a time limit too (the SDK's timeout is the idle timeout).
 */
export async function complete(p: Prepared, signal?: AbortSignal): Promise<Completion> {
  let completion: OpenAI.Chat.Completions.ChatCompletion;
  // A timer cleared when the call ends, not AbortSignal.timeout(): that one's timer (and the signal
  // AbortSignal.any() joins it to) stayed alive for the whole maxRequestMs (10 minutes) after every
  // call — thousands of them on a busy server (bench/NOTES.md, issue 15).
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), p.maxRequestMs);
  const onAbort = () => deadline.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) onAbort();
    completion = await p.client.chat.completions.create({ ...requestParams(p), stream: false }, { signal: deadline.signal });
    if (!completion || typeof completion !== 'object' || !Array.isArray(completion.choices)) throw new SyntaxError('no choices in the reply');
  } catch (error) {
    if (deadline.signal.aborted && !signal?.aborted) throw tooSlow(p);
    const tooLarge = tooLargeIn(error);
    if (tooLarge) throw new ApiError('upstream_bad_response', `${p.providerName} sent a reply larger than ${tooLarge.limitBytes} bytes; it was not kept.`);
    throw upstreamError(error, errorContext(p));
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  const choice = completion.choices[0];
  const message = choice?.message as (OpenAI.Chat.Completions.ChatCompletionMessage & { reasoning_content?: unknown }) | undefined;
  if (!message || (message.content !== null && typeof message.content !== 'string')) {
    throw upstreamError(new SyntaxError('the reply has no message'), errorContext(p));
  }
  return {
    content: message.content ?? '',
    reasoning: typeof message.reasoning_content === 'string' ? message.reasoning_content : '',
    finishReason: choice?.finish_reason ?? null,
    reported: completion.usage,
    model: completion.model || p.model,
  };
}

/**
 * One streamed answer. `run()` yields text as it arrives and keeps what arrived in `content` and
 * `reasoning` (cut at a turn's caps). It ends normally when the model finished, when the answer
 * reached a turn's cap (`capped`: the provider is stopped at once) or when the caller aborted
 * (`stoppedByCaller`); otherwise it throws an ApiError with the failure's code.
 */
export class AnswerStream {
  content = '';
  reasoning = '';
  finishReason: string | null = null;
  reported: ReportedUsage;
  model: string;
  /** The answer reached a turn's cap: the upstream is stopped and what fits is kept (meta.truncated). */
  capped = false;
  /** Reasoning past its cap is dropped (not held): the answer after it may still come. */
  reasoningCapped = false;
  timedOut: ApiError | null = null;
  readonly #p: Prepared;
  readonly #signal: AbortSignal | undefined;
  // What the caller sees as it arrives, with any echo of the key removed (held back a little).
  readonly #contentOut: StreamRedactor;
  readonly #reasoningOut: StreamRedactor;

  constructor(p: Prepared, signal?: AbortSignal) {
    this.#p = p;
    this.#signal = signal;
    this.model = p.model;
    this.#contentOut = new StreamRedactor(p.secrets);
    this.#reasoningOut = new StreamRedactor(p.secrets);
  }

  /** The caller stopped it (not our timeouts, not the cap): the partial answer is 'aborted'. */
  get stoppedByCaller(): boolean {
    return this.#signal?.aborted === true && !this.timedOut && !this.capped;
  }

  async *run(): AsyncGenerator<StreamPiece, void, undefined> {
    const p = this.#p;
    const signal = this.#signal;
    // One controller stops the upstream call: the caller's abort, or our timeouts.
    const upstream = new AbortController();
    const onAbort = () => upstream.abort(new Error('aborted by the caller'));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let idleTimer: NodeJS.Timeout | undefined;
    const timeOut = (error: ApiError) => {
      this.timedOut ??= error;
      upstream.abort(new Error(error.detail));
    };
    const armIdleTimer = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => timeOut(new ApiError('upstream_timeout', `${p.providerName} stopped sending data.`)), p.timeoutMs);
    };
    // However steadily it sends, a provider gets maxRequestMs for the whole answer.
    const wallClock = setTimeout(() => timeOut(tooSlow(p)), p.maxRequestMs);
    try {
      armIdleTimer();
      const chunks = await p.client.chat.completions.create({ ...requestParams(p), stream: true, stream_options: { include_usage: true } }, { signal: upstream.signal });
      for await (const chunk of chunks) {
        armIdleTimer();
        if (chunk.usage) this.reported = chunk.usage;
        if (chunk.model) this.model = chunk.model;
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta as { content?: string | null; reasoning_content?: string | null } | undefined;
        if (choice.finish_reason) this.finishReason = choice.finish_reason;
        if (delta?.reasoning_content && !this.reasoningCapped) {
          const piece = delta.reasoning_content.slice(0, MAX_REASONING_CHARS - this.reasoning.length);
          this.reasoning += piece;
          if (this.reasoning.length >= MAX_REASONING_CHARS) this.reasoningCapped = true;
          yield { kind: 'reasoning', visible: this.#reasoningOut.push(piece) };
        }
        if (delta?.content) {
          const piece = delta.content.slice(0, MAX_CONTENT_CHARS - this.content.length);
          this.content += piece;
          yield { kind: 'delta', visible: this.#contentOut.push(piece) };
          if (this.content.length >= MAX_CONTENT_CHARS) {
            // A turn holds no more: stop the provider now rather than read what cannot be kept.
            this.capped = true;
            this.finishReason = 'length';
            upstream.abort(new Error('the answer reached the length a turn holds'));
            break;
          }
        }
      }
      // Our timeouts, or a stream that ends without a finish reason (cut; some SDK paths end quietly).
      if (this.timedOut) throw this.timedOut;
      if (this.finishReason === null && !signal?.aborted) throw new SyntaxError('the stream ended before the model finished');
    } catch (error) {
      // The caller stopped: end normally, and what arrived is kept as 'aborted'.
      if (signal?.aborted === true && !this.timedOut) return;
      const tooLarge = tooLargeIn(error);
      throw (
        this.timedOut ??
        (tooLarge
          ? new ApiError('upstream_bad_response', `${p.providerName} sent more than ${tooLarge.limitBytes} bytes; the stream was stopped.`)
          : upstreamError(error, errorContext(p)))
      );
    } finally {
      clearTimeout(idleTimer);
      clearTimeout(wallClock);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** What the redactors still hold, released once the answer ends (before `done` or the error). */
  *tails(): Generator<ProxyStreamEvent> {
    const reasoningTail = this.#reasoningOut.end();
    if (reasoningTail) yield { type: 'reasoning', content: reasoningTail };
    const contentTail = this.#contentOut.end();
    if (contentTail) yield { type: 'delta', content: contentTail };
  }
}
