/**
 * The teacher dashboard's calls to the hub (/api/v1/hub, served by `studylog hub`): a bearer
 * token kept in this browser, errors as the `{code, detail}` envelope the rest of the app reads.
 */
import { HUB_PREFIX } from '../../../../shared/api/manifest.ts';
import type { ErrorCode, FieldIssue } from '../../../../shared/errors.ts';

const TOKEN_KEY = 'studylog.hub.token';

export const storedHubToken = (): string | null => window.localStorage.getItem(TOKEN_KEY);
export const storeHubToken = (token: string | null): void => {
  if (token) window.localStorage.setItem(TOKEN_KEY, token);
  else window.localStorage.removeItem(TOKEN_KEY);
};

export class HubCallError extends Error {
  readonly code: ErrorCode | 'network_error';
  /** The hub's issues, for the ones the dashboard words in the teacher's language (e.g. a roster's header). */
  readonly issues: FieldIssue[];
  constructor(code: ErrorCode | 'network_error', detail: string, issues: FieldIssue[] = []) {
    super(detail);
    this.code = code;
    this.issues = issues;
  }
}

/** Whatever a call threw, as the HubCallError the dashboard shows (a bug's error as internal_error). */
export const asCallError = (e: unknown): HubCallError => (e instanceof HubCallError ? e : new HubCallError('internal_error', String(e)));

export async function hubGet<T>(token: string, route: string): Promise<T> {
  return hubCall<T>(token, 'GET', route);
}

export async function hubPost<T>(token: string, route: string, body: unknown): Promise<T> {
  return hubCall<T>(token, 'POST', route, body);
}

/** A route that answers with text (the class's QR code, an SVG): an <img> cannot send the bearer token. */
export async function hubGetText(token: string, route: string): Promise<string> {
  return (await hubFetch(token, 'GET', route)).text();
}

/**
 * A route that answers with a file (a hand-in's answer file), as a data: URL: what an <img> shows
 * and a download link saves — the page's CSP allows data: images, and an <img src> of the route
 * could not send the bearer token.
 */
export async function hubGetDataUrl(token: string, route: string): Promise<string> {
  const blob = await (await hubFetch(token, 'GET', route)).blob();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new HubCallError('network_error', reader.error?.message ?? 'the file could not be read'));
    reader.readAsDataURL(blob);
  });
}

async function hubCall<T>(token: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
  const response = await hubFetch(token, method, route, body);
  return (await response.json().catch(() => null)) as T;
}

/**
 * Every call's one way to the hub: the request with the teacher's token, and a refusal (or no
 * answer at all) thrown as a HubCallError from the hub's `{code, detail, issues}` envelope. The
 * answer's body is left to the caller (JSON, text or a file).
 */
async function hubFetch(token: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(HUB_PREFIX + route, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new HubCallError('network_error', error instanceof Error ? error.message : String(error));
  }
  if (response.ok) return response;
  const { code, detail, issues } = ((await response.json().catch(() => null)) ?? {}) as { code?: ErrorCode; detail?: string; issues?: FieldIssue[] };
  throw new HubCallError(code ?? 'internal_error', detail ?? String(response.status), Array.isArray(issues) ? issues : []);
}
