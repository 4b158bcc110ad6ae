/**
 * The one table from an error code to what the student sees: a headline (i18n `errors.<code>`)
 * and a next action (i18n `errorNext.<code>`, and the kind of button that leads there). The
 * server's `detail` is English and for developers: the UI shows it only behind a "details"
 * disclosure, never as the headline. tests/unit/error-table.test.ts checks that every code of
 * src/shared/errors.ts is here and has both strings in both languages.
 */
import i18next from 'i18next';
import { ClientError } from '../../../shared/api/client.ts';
import type { ErrorCode } from '../../../shared/errors.ts';

/** What the UI needs from a failure: a stable code to branch on and the server's detail. */
export interface UiError {
  code: string;
  detail: string;
  issues?: { path: string; message: string; params?: Record<string, string | number> | undefined }[] | undefined;
  /** A sentence the renderer wrote itself (already localized): shown in place of the next step. */
  localized?: string;
  /** The chat: the answer was cut part-way, its partial text kept on screen (ChatBanner says so, not "unsent"). */
  cut?: boolean;
}

export function toClientError(error: unknown): UiError {
  if (error instanceof ClientError) return { code: error.code, detail: error.detail, issues: error.issues };
  if (error instanceof Error) return { code: 'internal_error', detail: error.message };
  return { code: 'internal_error', detail: String(error) };
}

/**
 * Where the student goes next. `setup`: the setup dialog (admins) or Settings; `settings`:
 * Settings → Model providers; `retry`: the same action again; `sign_in`: sign in again; `wait`:
 * try again in a moment; `new_chat`: start a new chat; `none`: nothing to do.
 */
export type NextAction = 'setup' | 'settings' | 'retry' | 'sign_in' | 'wait' | 'new_chat' | 'none';

/** Codes only the client produces (the server could not be reached at all). */
export const CLIENT_ERROR_CODES = ['network_error'] as const;
export type UiErrorCode = ErrorCode | (typeof CLIENT_ERROR_CODES)[number];

export const ERROR_TABLE: Readonly<Record<UiErrorCode, { action: NextAction }>> = {
  validation_error: { action: 'none' },
  unauthorized: { action: 'sign_in' },
  forbidden: { action: 'none' },
  not_found: { action: 'none' },
  conflict: { action: 'new_chat' },
  bundle_invalid: { action: 'none' },
  handin_closed: { action: 'none' },
  payload_too_large: { action: 'none' },
  attachment_too_large: { action: 'none' },
  attachment_unsupported: { action: 'none' },
  attachment_unreadable: { action: 'none' },
  attachment_encrypted: { action: 'none' },
  rate_limited: { action: 'wait' },
  hint_ceiling_reached: { action: 'none' },
  allowance_exhausted: { action: 'none' },
  daily_allowance_exhausted: { action: 'none' },
  assignment_not_open: { action: 'none' },
  mode_not_allowed: { action: 'none' },
  hub_managed: { action: 'none' },
  upstream_unreachable: { action: 'retry' },
  upstream_auth: { action: 'settings' },
  model_not_found: { action: 'settings' },
  upstream_not_found: { action: 'settings' },
  upstream_rate_limited: { action: 'wait' },
  upstream_timeout: { action: 'retry' },
  upstream_bad_response: { action: 'retry' },
  upstream_bad_request: { action: 'settings' },
  model_refuses_images: { action: 'none' },
  upstream_error: { action: 'retry' },
  provider_not_configured: { action: 'setup' },
  keychain_unavailable: { action: 'settings' },
  signing_key_unavailable: { action: 'none' },
  aborted: { action: 'retry' },
  interrupted: { action: 'retry' },
  db_corrupt: { action: 'none' },
  db_unknown_migration: { action: 'none' },
  db_unavailable: { action: 'retry' },
  chain_broken: { action: 'none' },
  chain_gap: { action: 'retry' },
  device_revoked: { action: 'none' },
  hub_unreachable: { action: 'retry' },
  join_code_required: { action: 'none' },
  join_code_invalid: { action: 'none' },
  join_code_spent: { action: 'none' },
  join_code_reissued: { action: 'none' },
  join_code_locked: { action: 'none' },
  class_closed: { action: 'none' },
  hub_shared_install: { action: 'none' },
  internal_error: { action: 'retry' },
  network_error: { action: 'retry' },
};

function known(code: string): UiErrorCode {
  return Object.hasOwn(ERROR_TABLE, code) ? (code as UiErrorCode) : 'internal_error';
}

/** The localized headline for a code (an unknown code reads as "something went wrong"). */
export function errorHeadline(code: string): string {
  return i18next.t(`errors.${known(code)}`);
}

/** The localized next step for a code: what the student can do about it (`detail`: the server's, for what it names). */
export function errorNext(code: string, detail?: string): string {
  // A dynamic key with values defeats i18next's types; tests/unit/error-table.test.ts checks the keys.
  return String(i18next.t(`errorNext.${known(code)}` as never, nextParams(code, detail) as never));
}

/**
 * Values a next step names, read from the server's detail: mode_not_allowed names the modes the
 * assignment allows (assignment-policy.ts: "allows only these modes: homework, chat (…").
 */
function nextParams(code: string, detail: string | undefined): Record<string, string> {
  if (code !== 'mode_not_allowed') return {};
  const modes =
    /allows only these modes: ([a-z_, ]+)/
      .exec(detail ?? '')?.[1]
      ?.split(',')
      .map((m) => m.trim()) ?? [];
  const names = modes.map((m) => (i18next.exists(`modes.${m}.name`) ? i18next.t(`modes.${m}.name` as never) : m));
  return { modes: names.length ? names.join(i18next.t('homework.listSeparator')) : '—' };
}

export function errorAction(code: string): NextAction {
  return ERROR_TABLE[known(code)].action;
}

/**
 * The model's provider could not be reached: Studylog kept the message (marked unsent) and it can
 * be retried. Not network_error: that is Studylog itself out of reach (its server stopped), which
 * the client cannot know kept anything — the chat's banner says so in its next step (ChatBanner).
 */
export const OFFLINE_CODES: ReadonlySet<string> = new Set(['upstream_unreachable']);

export function isOffline(code: string | undefined): boolean {
  return code !== undefined && OFFLINE_CODES.has(code);
}

// -------------------------------------------------------------------------------------------
// Field issues (validation_error): the server's zod messages are English; the common ones are
// mapped to localized sentences, the rest become a localized generic line naming the field.

const ISSUE_PATTERNS: { test: RegExp; key: string; vars?: (m: RegExpExecArray) => Record<string, string> }[] = [
  { test: /must not be empty|expected string to have >=1|Too small: expected string/i, key: 'empty' },
  {
    test: /at most ([\d,]+) (characters|entries)|Too big: expected \w+ to have <=([\d,]+)/i,
    key: 'tooLong',
    vars: (m) => ({ max: groupDigits((m[1] ?? m[3] ?? '').replace(/,/g, '')) }),
  },
  { test: /http\(s\) URL|Invalid URL/i, key: 'url' },
  { test: /epoch milliseconds or an ISO date/i, key: 'date' },
  { test: /lowercase letters, digits/i, key: 'id' },
  { test: /only letters, digits and _|must not be only dots/i, key: 'idChars' },
  { test: /appears earlier in the file/i, key: 'duplicate' },
  // zod: `Unrecognized keys: "a", "b"` — the keys are named (a field hidden from a form is otherwise unfindable).
  { test: /Unrecognized keys?:?(.*)/i, key: 'unknownKey', vars: (m) => ({ keys: [...(m[1] ?? '').matchAll(/"([^"]*)"/g)].map((k) => k[1]).join(', ') }) },
  { test: /received undefined|Required/i, key: 'required' },
  { test: /expected (string|number|boolean|array|object), received/i, key: 'type', vars: (m) => ({ expected: (m[1] ?? '').toLowerCase() }) },
  { test: /_API_KEY|STUDYLOG_…KEY/i, key: 'envVar' },
];

/** A number as the UI language writes it ("100000" → "100,000"); anything else as it is. */
function groupDigits(digits: string): string {
  return /^\d+$/.test(digits) ? new Intl.NumberFormat(i18next.language || 'en').format(Number(digits)) : digits;
}

/** What zod says a value should have been (`expected`), in words: the type message names it. */
const EXPECTED_KINDS = new Set(['string', 'number', 'boolean', 'array', 'object']);

/**
 * A localized sentence for one zod issue message. `params`: what the server's issue carries beside
 * its message (src/shared/validation.ts: `keys` of unrecognized_keys, `expected` of invalid_type),
 * preferred to what the English message says.
 */
export function issueMessage(message: string, params?: Readonly<Record<string, string | number>>): string {
  for (const p of ISSUE_PATTERNS) {
    const m = p.test.exec(message);
    if (!m) continue;
    const vars = { ...(p.vars ? p.vars(m) : {}), ...stringParams(params) };
    if (p.key === 'unknownKey') {
      const keys = (vars.keys ?? '').split(/,\s*/).filter(Boolean);
      if (keys.length === 0) return i18next.t('validation.unknownKeyUnnamed');
      return i18next.t('validation.unknownKey', { keys: keys.join(i18next.t('homework.listSeparator')) });
    }
    if (p.key === 'type') {
      const kind = String(vars.expected ?? '');
      return EXPECTED_KINDS.has(kind) ? String(i18next.t(`validation.expected.${kind}` as never)) : i18next.t('validation.type');
    }
    // Keys and placeholders are checked by the unit test (a dynamic key defeats i18next's types).
    return String(i18next.t(`validation.${p.key}` as never, vars as never));
  }
  return i18next.t('validation.invalid');
}

const stringParams = (params: Readonly<Record<string, string | number>> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(params ?? {}).map(([k, v]) => [k, String(v)]));

/** The localized name of a field, or the path itself when the form does not know it. */
export function fieldName(path: string, labels?: Readonly<Record<string, string>>): string {
  if (labels?.[path]) return labels[path];
  const last = path.split('.').at(-1) ?? path;
  const key = `validation.fields.${last}`;
  if (i18next.exists(key)) return i18next.t(key as 'validation.fields.title');
  if (path === '(root)' || path === '(entry)' || path === '') return i18next.t('validation.fields.entry');
  return path;
}

/**
 * A server detail of the form "path: message; path: message" (the assignment import's per-entry
 * errors) as localized issues.
 */
export function issuesFromDetail(detail: string): { path: string; message: string }[] {
  return detail
    .split(/;\s+/)
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(': ');
      return at > 0 ? { path: part.slice(0, at), message: part.slice(at + 2) } : { path: '(entry)', message: part };
    });
}

type Issue = { path: string; message: string; params?: Readonly<Record<string, string | number>> | undefined };

/** One issue as "Title: must not be empty" (Chinese: full-width "标题：不能为空"). */
export function issueLine(issue: Issue, labels?: Readonly<Record<string, string>>): string {
  const colon = i18next.language === 'zh-CN' ? '：' : ': ';
  return `${fieldName(issue.path, labels)}${colon}${issueMessage(issue.message, issue.params)}`;
}

/** Issues as one localized line: "Title: must not be empty; Due: must be a date …". */
export function issuesText(issues: Issue[], labels?: Readonly<Record<string, string>>): string {
  const sep = i18next.language === 'zh-CN' ? '；' : '; ';
  return issues.map((i) => issueLine(i, labels)).join(sep);
}

/** Full-width punctuation (。！？，；：、）」 …: the CJK symbols and full-width forms blocks). */
const FULL_WIDTH_END = /[\u3000-\u303f\uff00-\uffef]$/u;
const HAN_END = /\p{Script=Han}$/u;
const HAN_OR_FULL_WIDTH_START = /^[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;

/**
 * What goes between two sentences shown as one line: nothing after full-width punctuation (a
 * Chinese sentence ends with 。！？, which carry their own spacing) or between two runs of Chinese;
 * a space after Latin punctuation or words ("Not found. Try again."). By the text, not the UI
 * language: a Chinese headline may be followed by the server's English detail and vice versa.
 * `after` unknown (a React node): decided by `before` alone.
 */
export function sentenceGap(before: string, after?: string): '' | ' ' {
  if (!before || after === '') return '';
  if (FULL_WIDTH_END.test(before)) return '';
  if (HAN_END.test(before) && after !== undefined && HAN_OR_FULL_WIDTH_START.test(after)) return '';
  return ' ';
}

/** Sentences as one line, each gap by sentenceGap (the hub's pages and ErrorText both join so). */
export function sentences(...parts: string[]): string {
  return parts.filter(Boolean).reduce((line, part) => line + sentenceGap(line, part) + part, '');
}
