/**
 * Every failure that crosses a boundary (repository → service → IPC/HTTP → UI) is an ApiError:
 * a stable machine `code` the UI branches on, a human `detail` it shows (the FastAPI field the
 * original Open WebUI clients read), and the HTTP status the HTTP face answers with.
 */
export const ERROR_STATUS = {
  validation_error: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  /** A hand-in file that failed verification (chain, signature, key, or not a bundle at all). */
  bundle_invalid: 422,
  /** The assignment closed for hand-ins (its policy's closes_at has passed). */
  handin_closed: 409,
  payload_too_large: 413,
  rate_limited: 429,
  // An assignment's AI policy refused the message (src/main/core/llm/assignment-policy.ts); the
  // message is kept (failed with this code) for the first two, nothing is written for the third.
  hint_ceiling_reached: 409,
  allowance_exhausted: 403,
  /** Today's allowance from the class hub is used up (sync/allowances.ts): kept, failed; it starts again tomorrow. */
  daily_allowance_exhausted: 403,
  assignment_not_open: 403,
  /** The message's mode is one the assignment's policy does not allow: nothing is written. */
  mode_not_allowed: 403,
  /** An assignment from a class hub (meta.hub_class_id): only its teacher changes it, on the hub. */
  hub_managed: 403,
  // An attachment that cannot be taken (README "Attachments"): nothing of it was stored.
  attachment_too_large: 413,
  attachment_unsupported: 415,
  attachment_unreadable: 422,
  attachment_encrypted: 422,
  // The model provider failed; the student's message is safe in the database.
  upstream_unreachable: 502,
  upstream_auth: 502,
  model_not_found: 502,
  /** The provider's /models answered 404: no OpenAI-compatible API at its base URL (a wrong address, not a model). */
  upstream_not_found: 502,
  upstream_rate_limited: 503,
  upstream_timeout: 504,
  upstream_bad_response: 502,
  upstream_bad_request: 502,
  /** The model refused the message's images (it takes text only): the message is kept, failed. */
  model_refuses_images: 502,
  upstream_error: 502,
  provider_not_configured: 503,
  keychain_unavailable: 503,
  /** A hand-in cannot be signed: the installation's signing key needs a keychain this computer lacks (the draft is kept). */
  signing_key_unavailable: 503,
  aborted: 499,
  /** Recorded on a message whose answer a stopped process left unfinished (never an HTTP reply). */
  interrupted: 503,
  // The local database refused to open or to write.
  db_corrupt: 500,
  db_unknown_migration: 500,
  db_unavailable: 503,
  // The hub (hub/, sync/): a pushed turn does not follow the session's verified hash chain, or
  // contradicts a turn already stored under its id ...
  chain_broken: 409,
  // ... or follows a turn the hub does not have yet (the device resends from the hub's head).
  chain_gap: 409,
  // This device's hub token was revoked (also mid-sync): nothing more is accepted from it.
  device_revoked: 401,
  // The class hub could not be reached (offline, wrong address, the hub stopped): sync retries later.
  hub_unreachable: 502,
  // Joining a class (hub/store.ts joinClass): a roster entry is claimed with its own one-time join
  // code — none given, a wrong one, one already used, one the teacher replaced, one locked after
  // too many wrong tries — and a class with a roster takes no one off it (unless the teacher opens it).
  join_code_required: 403,
  join_code_invalid: 403,
  join_code_spent: 409,
  join_code_reissued: 409,
  join_code_locked: 403,
  class_closed: 403,
  // This Studylog is used by more than one person (`studylog serve` with students' tokens): it
  // cannot join a class hub under one student's identity, nor take on another person while joined.
  hub_shared_install: 409,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * One problem with one input field: `path` is dotted (e.g. `meta.session_id`). `params`: the
 * values a client formats the problem with in its own language (a refused hand-in file: `path` is
 * the problem's code, `params` where it is — src/shared/handin-problems.ts `describeProblem`).
 */
export interface FieldIssue {
  path: string;
  message: string;
  params?: Record<string, string | number> | undefined;
}

export interface ApiErrorBody {
  code: ErrorCode;
  detail: string;
  issues?: FieldIssue[];
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly issues: FieldIssue[] | undefined;

  constructor(code: ErrorCode, detail: string, issues?: FieldIssue[]) {
    super(detail);
    this.name = 'ApiError';
    this.code = code;
    this.detail = detail;
    this.issues = issues;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ApiErrorBody {
    return this.issues ? { code: this.code, detail: this.detail, issues: this.issues } : { code: this.code, detail: this.detail };
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/**
 * The database a db_* error is about, as an issue at this path (the same way a locked join code
 * carries its wait, hub-text.ts): for the local database's open (db/connection.ts) `params: {
 * file, unchanged, backup_file? }` — the file, 1 when it was left as it was (else 0), and the copy
 * made before a migration that then failed; for the class hub's (hub/sql.ts) `params: { hub }`, its
 * address with the password left out. The command line's Chinese advice reads it (cli-text.ts);
 * the English detail says the same for people and scripts. Only on failures to open, never on a
 * request's error (those keep their shape).
 */
export const DATABASE_ISSUE = 'database';
