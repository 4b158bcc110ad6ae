/**
 * An OpenAI-compatible face on the serving port: `POST /v1/chat/completions` (plain and streaming)
 * and `GET /v1/models`, with a Studylog token as the bearer key. Any OpenAI client (the `openai`
 * SDK, an editor extension, a notebook) is then tracked like the app: each call is one proxy
 * message (sendProxyMessage / streamProxyMessage through the transport runtime), so the session,
 * both turns, policies, allowed models, redaction, caps and shutdown all apply unchanged.
 *
 * Mapping: the last `messages` entry (a user message) is the student's message; the earlier ones
 * are NOT sent — the proxy sends the session's stored history. A conversation continues when the
 * client sends `X-Studylog-Session: <id>` (returned on every reply); without it each call starts a
 * new session (no matching of the client's message prefix). Mode and assignment come from
 * `X-Studylog-Mode` / `X-Studylog-Assignment`, or the mode from a model alias `studylog/<mode>`.
 * The client's system messages, temperature and the like are ignored: the mode's policy decides.
 * Auth, the Host check, body and rate limits are the server's own middleware (server.ts).
 */
import type { Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Envelope } from '../../../shared/api/envelope.ts';
import type { Mode, ProxyMessageResponse } from '../../../shared/api/schemas.ts';
import { MODES } from '../../../shared/api/vocabulary.ts';
import { ApiError, ERROR_STATUS, type ApiErrorBody as ErrorBody } from '../../../shared/errors.ts';
import type { Caller } from '../caller.ts';
import type { TransportRuntime } from '../api/runtime.ts';
import type { RateLimiter } from './rate-limit.ts';

export const OPENAI_PREFIX = '/v1';
export const SESSION_HEADER = 'X-Studylog-Session';
export const MODE_HEADER = 'X-Studylog-Mode';
export const ASSIGNMENT_HEADER = 'X-Studylog-Assignment';
/** `studylog/chat`, `studylog/homework`, `studylog/deep_think`: the mode's own model. */
export const MODEL_ALIAS_PREFIX = 'studylog/';

export type FaceApp = Hono<{ Variables: { caller: Caller | null } }>;

export interface OpenAIFaceOptions {
  runtime: TransportRuntime;
  limiter: RateLimiter | null;
  /** The scope a caller's streams live in (the same as /proxy/stream's). */
  scopeOf: (caller: Caller | null) => string;
}

/** OpenAI's error `type` for a status (what its SDKs and tools look at beside the status). */
function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status < 500) return 'invalid_request_error';
  return 'server_error';
}

/** Studylog's `{detail, code, issues?}` in OpenAI's shape `{error: {message, type, code, param}}`. */
export function openAIError(body: ErrorBody, status: number) {
  const param = body.issues?.[0]?.path ?? null;
  return { error: { message: body.detail, type: errorType(status), code: body.code, param } };
}

const isErrorBody = (v: unknown): v is ErrorBody => !!v && typeof v === 'object' && typeof (v as ErrorBody).code === 'string' && typeof (v as ErrorBody).detail === 'string';

/**
 * Middleware for /v1/*: an error reply the server's shared middleware made in Studylog's shape
 * (401 without a valid token, 429, 413, shutting down) is rewritten into OpenAI's, headers kept.
 */
export async function openAIErrorShape(c: Context, next: () => Promise<void>) {
  await next();
  if (c.res.status < 400 || !c.res.headers.get('content-type')?.includes('application/json')) return;
  const body: unknown = await c.res.clone().json();
  if (!isErrorBody(body)) return;
  const headers = new Headers(c.res.headers);
  headers.delete('content-length');
  c.res = new Response(JSON.stringify(openAIError(body, c.res.status)), { status: c.res.status, headers });
}

interface ChatRequest {
  proxyInput: Record<string, unknown>;
  stream: boolean;
  includeUsage: boolean;
}

const invalid = (param: string, message: string) => new ApiError('validation_error', `Invalid request: ${param} ${message}.`, [{ path: param, message }]);

/** The text of a message's content: a string, or the text parts of an array (images are refused). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, i) => {
        const p = part as { type?: unknown; text?: unknown } | null;
        if (p?.type === 'text' && typeof p.text === 'string') return p.text;
        throw invalid(`messages[-1].content[${i}]`, 'must be a text part (Studylog sends text only)');
      })
      .join('\n');
  }
  throw invalid('messages[-1].content', 'must be a string or an array of text parts');
}

/** An OpenAI chat.completions request (and our headers) → a proxy message. */
function chatRequest(c: Context, raw: unknown): ChatRequest {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('(body)', 'must be a JSON object');
  const body = raw as { messages?: unknown; model?: unknown; stream?: unknown; stream_options?: unknown };
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw invalid('messages', 'must be a non-empty array');
  const last = body.messages.at(-1) as { role?: unknown; content?: unknown } | null;
  if (last?.role !== 'user') throw invalid('messages[-1].role', "must be 'user': the last message is the student's");
  const message = textOf(last.content);

  let mode: Mode | undefined;
  let model: string | undefined;
  if (body.model !== undefined && body.model !== null) {
    if (typeof body.model !== 'string') throw invalid('model', 'must be a string');
    if (body.model.startsWith(MODEL_ALIAS_PREFIX)) {
      const alias = body.model.slice(MODEL_ALIAS_PREFIX.length);
      if (!(MODES as readonly string[]).includes(alias)) throw invalid('model', `names no mode (aliases: ${MODES.map((m) => MODEL_ALIAS_PREFIX + m).join(', ')})`);
      mode = alias as Mode;
    } else if (body.model.trim()) {
      model = body.model;
    }
  }
  const headerMode = c.req.header(MODE_HEADER);
  if (headerMode !== undefined) {
    if (!(MODES as readonly string[]).includes(headerMode)) throw invalid(MODE_HEADER, `must be one of ${MODES.join(', ')}`);
    if (mode && mode !== headerMode) throw invalid(MODE_HEADER, `says ${headerMode} but the model alias says ${mode}`);
    mode = headerMode as Mode;
  }
  const assignment = c.req.header(ASSIGNMENT_HEADER);
  const session = c.req.header(SESSION_HEADER);
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  return {
    proxyInput: {
      message,
      ...(mode ? { mode } : {}),
      ...(model ? { model } : {}),
      ...(assignment ? { assignment_id: assignment } : {}),
      ...(session ? { meta: { session_id: session } } : {}),
    },
    stream: body.stream === true,
    includeUsage: options?.include_usage === true,
  };
}

const FINISH_REASONS = new Set(['stop', 'length', 'content_filter', 'tool_calls']);
const finishReason = (r: ProxyMessageResponse) => (r.meta.finish_reason && FINISH_REASONS.has(r.meta.finish_reason) ? r.meta.finish_reason : 'stop');

const usageOf = (r: ProxyMessageResponse) => {
  const { tokens_in, tokens_out, cached_tokens } = r.meta.usage;
  return { prompt_tokens: tokens_in, completion_tokens: tokens_out, total_tokens: tokens_in + tokens_out, prompt_tokens_details: { cached_tokens } };
};

const completionId = (turnId: string) => `chatcmpl-${turnId}`;
const seconds = () => Math.floor(Date.now() / 1000);

/** The answer as a chat.completion; `model` is the model that answered (an alias resolved). */
function completion(r: ProxyMessageResponse) {
  return {
    id: completionId(r.turn_id),
    object: 'chat.completion',
    created: seconds(),
    model: r.model,
    choices: [
      {
        index: 0,
        // reasoning_content as DeepSeek's API gives it (clients that know it show it).
        message: { role: 'assistant', content: r.content, refusal: null, ...(r.meta.reasoning ? { reasoning_content: r.meta.reasoning } : {}) },
        finish_reason: finishReason(r),
        logprobs: null,
      },
    ],
    usage: usageOf(r),
  };
}

export function mountOpenAIFace(app: FaceApp, { runtime, limiter, scopeOf }: OpenAIFaceOptions): void {
  const fail = (c: Context, error: ApiError, headers: Record<string, string> = {}) => {
    for (const [k, v] of Object.entries(headers)) c.header(k, v);
    return c.json(openAIError(error.toBody(), error.status), error.status as 400);
  };
  const failEnvelope = (c: Context, envelope: Envelope<unknown>) => c.json(openAIError(envelope.body as ErrorBody, envelope.status), envelope.status as 400);

  /** The per-token slot, as every /api/v1/llm route takes one (a stream holds it until it ends). */
  const acquire = (c: Context) => {
    const caller = c.get('caller') as Caller | null;
    return caller && limiter ? limiter.acquire(caller.token_id ?? caller.user_id) : null;
  };

  app.get(`${OPENAI_PREFIX}/models`, async (c) => {
    const caller = c.get('caller');
    const slot = acquire(c);
    if (slot && !slot.ok) return fail(c, new ApiError('rate_limited', slot.detail), { 'Retry-After': String(slot.retryAfterSeconds) });
    try {
      const mode = c.req.header(MODE_HEADER) ?? 'chat';
      if (!(MODES as readonly string[]).includes(mode)) return fail(c, invalid(MODE_HEADER, `must be one of ${MODES.join(', ')}`));
      const envelope = await runtime.call('listModels', caller, {}, scopeOf(caller));
      if (!envelope.ok) return failEnvelope(c, envelope);
      const { providers } = envelope.body as { providers: { id: string; allowed: Partial<Record<Mode, string[]>> }[] };
      const seen = new Set<string>();
      const data: { id: string; object: 'model'; created: number; owned_by: string }[] = [];
      for (const p of providers)
        for (const id of p.allowed[mode as Mode] ?? []) {
          if (seen.has(id)) continue;
          seen.add(id);
          data.push({ id, object: 'model', created: 0, owned_by: p.id });
        }
      for (const m of MODES) data.push({ id: MODEL_ALIAS_PREFIX + m, object: 'model', created: 0, owned_by: 'studylog' });
      return c.json({ object: 'list', data });
    } finally {
      slot?.release();
    }
  });

  app.post(`${OPENAI_PREFIX}/chat/completions`, async (c) => {
    const caller = c.get('caller');
    const slot = acquire(c);
    if (slot && !slot.ok) return fail(c, new ApiError('rate_limited', slot.detail), { 'Retry-After': String(slot.retryAfterSeconds) });
    let streaming = false;
    try {
      let raw: unknown;
      try {
        raw = JSON.parse(await c.req.text());
      } catch {
        return fail(c, invalid('(body)', 'is not valid JSON'));
      }
      const request = chatRequest(c, raw);
      if (!request.stream) {
        const envelope = await runtime.call('sendProxyMessage', caller, request.proxyInput, scopeOf(caller));
        if (!envelope.ok) return failEnvelope(c, envelope);
        const response = envelope.body as ProxyMessageResponse;
        c.header(SESSION_HEADER, response.session_id);
        return c.json(completion(response));
      }

      const opened = runtime.openStream('streamProxyMessage', caller, request.proxyInput, { scope: scopeOf(caller) });
      if (!opened.ok) return failEnvelope(c, opened.envelope);
      const { stream } = opened;
      // A refusal before the model is asked is an HTTP error, as on /proxy/stream; else the
      // first event (`start`) names the session, which goes out as a header.
      const first = await stream.peek();
      if (first?.type === 'error') return failEnvelope(c, await stream.pump(() => undefined));
      if (first?.type === 'start') c.header(SESSION_HEADER, first.session_id);
      streaming = true;
      return streamSSE(c, async (sse) => {
        sse.onAbort(() => stream.stop(new Error('the client went away')));
        let id = completionId(first?.type === 'start' ? first.turn_id : 'unknown');
        let model = first?.type === 'start' ? first.model : '';
        const created = seconds();
        // With include_usage, OpenAI's chunks carry `usage: null` until the last one.
        const chunk = (delta: Record<string, unknown>, finish: string | null) =>
          sse.writeSSE({
            data: JSON.stringify({
              id,
              object: 'chat.completion.chunk',
              created,
              model,
              choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
              ...(request.includeUsage ? { usage: null } : {}),
            }),
          });
        try {
          await stream.pump(async (event) => {
            switch (event.type) {
              case 'start':
                id = completionId(event.turn_id);
                model = event.model;
                return chunk({ role: 'assistant', content: '' }, null);
              case 'delta':
                return chunk({ content: event.content }, null);
              case 'reasoning':
                return chunk({ reasoning_content: event.content }, null);
              case 'done':
                model = event.response.model;
                await chunk({}, finishReason(event.response));
                if (request.includeUsage) {
                  await sse.writeSSE({
                    data: JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageOf(event.response) }),
                  });
                }
                return sse.writeSSE({ data: '[DONE]' });
              case 'error':
                // OpenAI's SDKs raise an error for a data line carrying `error`.
                return sse.writeSSE({ data: JSON.stringify(openAIError(event.error, ERROR_STATUS[event.error.code])) });
            }
          });
        } finally {
          slot?.release();
        }
      });
    } catch (error) {
      if (error instanceof ApiError) return fail(c, error);
      throw error;
    } finally {
      if (!streaming) slot?.release();
    }
  });

  app.all(`${OPENAI_PREFIX}/*`, (c) =>
    fail(c, new ApiError('not_found', `There is no ${c.req.method} ${c.req.path}; this OpenAI-compatible face has POST /v1/chat/completions and GET /v1/models.`)),
  );
}
