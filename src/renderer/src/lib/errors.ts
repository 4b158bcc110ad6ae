import { ClientError } from '../../../shared/api/client.ts';

/** What the UI needs from a failure: a stable code to branch on and the server's detail to show. */
export interface UiError {
  code: string;
  detail: string;
  issues?: { path: string; message: string }[] | undefined;
}

export function toClientError(error: unknown): UiError {
  if (error instanceof ClientError) return { code: error.code, detail: error.detail, issues: error.issues };
  if (error instanceof Error) return { code: 'internal_error', detail: error.message };
  return { code: 'internal_error', detail: String(error) };
}

/** The provider (or Studylog itself) could not be reached: the message is kept and can be retried. */
export const OFFLINE_CODES: ReadonlySet<string> = new Set(['upstream_unreachable', 'network_error']);

export function isOffline(code: string | undefined): boolean {
  return code !== undefined && OFFLINE_CODES.has(code);
}
