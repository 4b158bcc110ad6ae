/**
 * Every way a provider call can fail, turned into an ApiError with a stable code. Messages are
 * ours (plus the provider's own words, trimmed) and never contain the API key.
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from 'openai';
import { ApiError } from '../../../shared/errors.ts';

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}

function providerSaid(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  const said = typeof body?.message === 'string' ? body.message : '';
  return said ? ` The provider said: ${said.slice(0, 300)}` : '';
}

export function upstreamError(error: unknown, context: { provider: string; model: string; secrets: readonly string[] }): ApiError {
  if (error instanceof ApiError) return error;
  const { provider, model } = context;
  const make = (code: ConstructorParameters<typeof ApiError>[0], detail: string) => new ApiError(code, redact(detail, context.secrets));
  if (error instanceof APIUserAbortError) return make('aborted', 'The request was stopped before the model finished.');
  if (error instanceof APIConnectionTimeoutError) return make('upstream_timeout', `${provider} did not answer in time.`);
  if (error instanceof APIConnectionError) {
    return make('upstream_unreachable', `${provider} could not be reached (offline, or the base URL is wrong). Your message is saved; retry when you are back online.`);
  }
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
    return make('upstream_auth', `${provider} refused the API key (HTTP ${error.status}). Check the key in Settings.${providerSaid(error)}`);
  }
  if (error instanceof NotFoundError) return make('model_not_found', `${provider} has no model '${model}' (or its base URL is wrong).${providerSaid(error)}`);
  if (error instanceof RateLimitError) return make('upstream_rate_limited', `${provider} is rate-limiting requests; it still refused after retrying. Try again in a minute.${providerSaid(error)}`);
  if (error instanceof InternalServerError) return make('upstream_error', `${provider} had an internal error (HTTP ${error.status}).${providerSaid(error)}`);
  if (error instanceof BadRequestError || error instanceof UnprocessableEntityError) {
    return make('upstream_bad_request', `${provider} rejected the request (HTTP ${error.status}).${providerSaid(error)}`);
  }
  if (error instanceof APIError) return make('upstream_error', `${provider} answered with HTTP ${error.status ?? 'error'}.${providerSaid(error)}`);
  // Node's fetch reports a connection dropped mid-body as TypeError('terminated').
  if (error instanceof Error && (error.message === 'terminated' || /ECONNRESET|socket hang up|other side closed/i.test(String((error as { cause?: unknown }).cause ?? error.message)))) {
    return make('upstream_unreachable', `The connection to ${provider} was lost before the answer was complete. Your message is saved; retry it.`);
  }
  if (error instanceof SyntaxError) return make('upstream_bad_response', `${provider} sent a reply that is not valid JSON.`);
  return make('upstream_bad_response', `${provider} sent a reply Studylog could not read (${error instanceof Error ? error.message.slice(0, 200) : String(error)}).`);
}
