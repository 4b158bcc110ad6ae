/**
 * This laptop's link to a class hub (Settings → Class hub): joining with the hub's address and the
 * class code (what the class's QR code holds), the device token kept in the system keychain like
 * API keys (never in the database), the sync state in words, "sync now", and the background sync
 * of the serving process (the desktop app, `studylog serve`): a round every SYNC_INTERVAL_MS,
 * skipped while the client backs off after failures (client.ts), stopped on close.
 *
 * Stored: setting `hub.link` (address, class, student name, when joined — no secret) and setting
 * `hub.sync_state` (last attempt, last success, last error), so the state survives a restart.
 *
 * One student per link: a hub device token is one student's identity, so the link belongs to the
 * local user who joined (the installation's owner), only that user's sessions and hand-ins are
 * sent with it (outbox.ts `userId`), joining is refused while another student uses this
 * installation (a `studylog serve` with students' tokens), and no student token can be made while
 * joined (users.repo.ts) — `hub_shared_install` either way (SECURITY.md "The class hub").
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { HUB_PREFIX, type HubLinkStatus, type JoinHubInput } from '../../../shared/api/hub.ts';
import { normalizeJoinCode, parseClassQr } from '../../../shared/hub-text.ts';
import { ApiError, ERROR_STATUS, type ErrorCode, type FieldIssue } from '../../../shared/errors.ts';
import type { Store } from '../db/connection.ts';
import { putSetting } from '../db/setting-rows.ts';
import type { SecretStore } from '../secrets/keychain.ts';
import { tooLargeIn } from '../llm/upstream-limits.ts';
import { HUB_ASSIGNMENTS_KEY, SyncClient, type SyncReport } from './client.ts';
import { hubFetch, JoinReplySchema, redirectRefusal, unreadableReply } from './hub-replies.ts';
import { Outbox } from './outbox.ts';

export const LINK_KEY = 'hub.link';
export const SYNC_STATE_KEY = 'hub.sync_state';
/**
 * The keychain account of a hub device token (a colon: never a provider's id). Each link keeps its
 * own, `hub:device-token:<device id>` (Link.token_account): the keychain is the OS user's, shared
 * by every Studylog data directory of that user, and one account for all of them let a second
 * data directory's join overwrite the first's token — the first laptop then sent its student's
 * work under the second student's identity, and leaving from either signed both out. Links made
 * before use this account alone.
 */
export const HUB_TOKEN_ACCOUNT = 'hub:device-token';
/** How often the serving process tries a round (a round not yet due after failures is skipped). */
export const SYNC_INTERVAL_MS = 60_000;

interface Link {
  hub_url: string;
  class_id: string;
  class_name: string;
  /** The name the class knows the student by: the hub's answer (the roster's name wins over the typed one). */
  student_name: string;
  /** student_name is the roster's (a roster entry claimed with its join code); absent in links made before. */
  name_from_roster?: boolean;
  user_id: string;
  device_id: string;
  joined_at: number;
  /** The local user whose items go with this link (links made before it existed: the owner). */
  local_user_id?: string;
  /** The keychain account holding this link's device token (links made before it existed: HUB_TOKEN_ACCOUNT). */
  token_account?: string;
}

/** Where a link's device token is in the keychain. */
export function hubTokenAccount(link: Pick<Link, 'token_account'> | null): string {
  return link?.token_account ?? HUB_TOKEN_ACCOUNT;
}
interface SyncStateRow {
  last_attempt_at: number | null;
  last_success_at: number | null;
  last_error: { code: string; detail: string } | null;
}

/** What the status lists of a pull's refused entries at most (the count of a whole class's worth is not the point). */
const NOT_APPLIED_SHOWN = 20;

export interface HubLinkOptions {
  store: Store;
  secrets: SecretStore | null;
  /** The installation's owner: who joins, and whose items the link sends. */
  ownerId: string;
  now?: () => number;
  /** The transport (default: hubFetch — bounded replies, no redirects followed). */
  fetch?: typeof fetch;
}

const noKeychain = (why: string) =>
  new ApiError(
    'keychain_unavailable',
    `This laptop cannot join a class hub: its device token is kept in the system keychain, and ${why}. Unlock or install a keyring, then join again.`,
  );

/** Students other than the owner who can use this installation (a token not revoked): each would need their own hub identity. */
export function otherStudents(db: Pick<Store['sqlite'], 'prepare'>, ownerId: string): string[] {
  return db
    .prepare(
      `SELECT DISTINCT u.name FROM user u WHERE u.role = 'student' AND u.id <> ? AND EXISTS (SELECT 1 FROM api_token t WHERE t.user_id = u.id AND t.revoked_at IS NULL) ORDER BY u.name`,
    )
    .pluck()
    .all(ownerId) as string[];
}

/** The refusal to join while other students use this installation, or null when it is one student's. */
function sharedInstall(others: string[]): ApiError | null {
  if (others.length === 0) return null;
  return new ApiError(
    'hub_shared_install',
    `Other students use this Studylog with their own API tokens (${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}): a class hub link is one student's identity, so each student joins from their own Studylog. Revoke those tokens first to join from here.`,
  );
}

export class HubLink {
  readonly #o: HubLinkOptions;
  readonly #now: () => number;
  /** Aborts a round in flight when the process closes. */
  readonly #closing = new AbortController();
  #client: SyncClient | null = null;
  #running: Promise<SyncReport | null> | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  /** Listeners told after each round (tests wait on this instead of sleeping). */
  readonly #listeners = new Set<(status: HubLinkStatus) => void>();

  constructor(options: HubLinkOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  #read<T>(key: string): T | null {
    const value = this.#o.store.sqlite.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(key) as string | undefined;
    return value === undefined ? null : (JSON.parse(value) as T);
  }

  #link(): Link | null {
    return this.#read<Link>(LINK_KEY);
  }

  #fetch: typeof fetch = (input, init) =>
    (this.#o.fetch ?? hubFetch)(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, this.#closing.signal]) : this.#closing.signal });

  status(): HubLinkStatus {
    const link = this.#link();
    const state = this.#read<SyncStateRow>(SYNC_STATE_KEY);
    const counts = new Outbox(this.#o.store, { userId: link?.local_user_id ?? this.#o.ownerId }).counts();
    const client = this.#client;
    return {
      joined: link !== null,
      hub_url: link?.hub_url ?? null,
      class_name: link?.class_name ?? null,
      student_name: link?.student_name ?? null,
      name_from_roster: link?.name_from_roster ?? false,
      joined_at: link?.joined_at ?? null,
      background: this.#timer !== null,
      syncing: this.#running !== null,
      last_attempt_at: state?.last_attempt_at ?? null,
      last_success_at: state?.last_success_at ?? null,
      pending: counts.pending,
      refused: client ? Object.keys(client.state.refused).length : 0,
      not_applied: client ? client.state.not_applied.slice(0, NOT_APPLIED_SHOWN) : [],
      last_error: state?.last_error ?? null,
      next_attempt_at: client && client.state.next_attempt_at > this.#now() ? client.state.next_attempt_at : null,
      revoked: client?.state.revoked ?? false,
    };
  }

  /**
   * Joins a class: the hub issues this device a token (POST /join), kept in the keychain. The
   * keychain is checked first, so a token is never issued only to be lost. A first round follows.
   */
  async join(input: JoinHubInput): Promise<HubLinkStatus> {
    if (this.#link()) throw new ApiError('conflict', 'This laptop is already in a class hub. Leave it first to join another.');
    const shared = sharedInstall(otherStudents(this.#o.store.sqlite, this.#o.ownerId));
    if (shared) throw shared;
    const secrets = this.#o.secrets;
    if (!secrets) throw noKeychain('this Studylog runs without one');
    try {
      await secrets.get(HUB_TOKEN_ACCOUNT);
    } catch (error) {
      throw noKeychain(error instanceof ApiError ? error.detail : 'the keychain could not be reached');
    }
    const hubUrl = input.hub_url.trim().replace(/\/+$/, '');
    // A student's own QR code carries their student number and join code; what was typed wins.
    const scanned = parseClassQr(input.code);
    const studentNo = input.student_no?.trim() || scanned.student_no;
    const joinCode = input.join_code?.trim() ? normalizeJoinCode(input.join_code) : scanned.join_code;
    let response: Response;
    try {
      response = await this.#fetch(`${hubUrl}${HUB_PREFIX}/join`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          code: scanned.code,
          // Optional with a join code: the hub answers the roster's name.
          ...(input.name ? { name: input.name } : {}),
          ...(studentNo ? { student_no: studentNo } : {}),
          ...(joinCode ? { join_code: joinCode } : {}),
          device_name: os.hostname().slice(0, 200) || 'laptop',
        }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new ApiError('hub_unreachable', `The class hub at ${hubUrl} could not be reached: ${error instanceof Error ? error.message : String(error)}`);
    }
    const redirect = redirectRefusal(response);
    if (redirect) throw new ApiError('hub_unreachable', `The class hub at ${hubUrl} could not be joined: ${redirect}.`);
    let answer: unknown = null;
    try {
      answer = await response.json();
    } catch (error) {
      if (tooLargeIn(error)) throw new ApiError('hub_unreachable', `The class hub at ${hubUrl} could not be joined: ${unreadableReply(error)}.`);
    }
    const joined = response.ok ? JoinReplySchema.safeParse(answer) : null;
    if (!joined?.success) {
      // The hub's issues go on to the join form (a locked code's wait: hub-text.ts JOIN_CODE_LOCKED_ISSUE).
      const refusal = (answer ?? {}) as { code?: unknown; detail?: unknown; issues?: unknown };
      if (!response.ok && typeof refusal.code === 'string' && Object.hasOwn(ERROR_STATUS, refusal.code)) {
        const detail = typeof refusal.detail === 'string' ? refusal.detail.slice(0, 2_000) : `The hub answered ${response.status}.`;
        throw new ApiError(refusal.code as ErrorCode, detail, Array.isArray(refusal.issues) ? (refusal.issues.slice(0, 50) as FieldIssue[]) : undefined);
      }
      // A device the hub issued in an answer this laptop cannot take is revoked (best effort), as below.
      const issued = (answer ?? {}) as { token?: unknown; device_id?: unknown };
      if (response.ok && typeof issued.token === 'string' && typeof issued.device_id === 'string' && issued.token.length <= 512 && issued.device_id.length <= 128)
        await this.#revokeIssued(hubUrl, issued.device_id, issued.token);
      throw new ApiError('hub_unreachable', `${hubUrl} did not answer as a Studylog class hub (HTTP ${response.status}).`);
    }
    const body = joined.data;
    const tokenAccount = `${HUB_TOKEN_ACCOUNT}:${body.device_id || randomUUID()}`;
    try {
      await secrets.set(tokenAccount, body.token);
    } catch (error) {
      throw noKeychain(error instanceof ApiError ? error.detail : 'the keychain refused to store the token');
    }
    const link: Link = {
      hub_url: hubUrl,
      class_id: body.class.id,
      class_name: body.class.name,
      // The hub's name for the student (hubs before it said so: the typed name).
      student_name: body.student_name || input.name || '',
      name_from_roster: body.from_roster === true,
      user_id: body.user_id ?? '',
      device_id: body.device_id ?? '',
      joined_at: this.#now(),
      local_user_id: this.#o.ownerId,
      token_account: tokenAccount,
    };
    // Checked again in the write that stores the link: a student token made while the hub was
    // answering (users.repo.ts refuses one only once the link is stored) would otherwise share
    // under this student's hub identity. Refused then, the new token leaves the keychain.
    try {
      await this.#o.store.writes.run('join the class hub', (db) => {
        const refused = sharedInstall(otherStudents(db, this.#o.ownerId));
        if (refused) throw refused;
        putSetting(db, LINK_KEY, link);
        putSetting(db, SYNC_STATE_KEY, { last_attempt_at: null, last_success_at: null, last_error: null } satisfies SyncStateRow);
      });
    } catch (error) {
      // This link's own account (never the shared one an older link may still use).
      await secrets.delete(tokenAccount).catch(() => undefined);
      if (body.device_id) await this.#revokeIssued(hubUrl, body.device_id, body.token);
      throw error;
    }
    this.#client = null;
    await this.sync({ force: true });
    return this.status();
  }

  /** A join that did not complete: the hub is told to revoke the device it issued (best effort), so no working token is left behind. */
  async #revokeIssued(hubUrl: string, deviceId: string, token: string): Promise<void> {
    await this.#fetch(`${hubUrl}${HUB_PREFIX}/devices/${encodeURIComponent(deviceId)}/revoke`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
  }

  /** Leaves the class: the token is deleted from the keychain; the outbox stays (nothing shared is lost). */
  async leave(): Promise<HubLinkStatus> {
    await this.#running;
    try {
      await this.#o.secrets?.delete(hubTokenAccount(this.#link()));
    } catch (error) {
      throw noKeychain(error instanceof ApiError ? error.detail : 'the keychain could not be reached');
    }
    await this.#o.store.writes.run('leave the class hub', (db) => {
      // The hub's copies go too: a class joined later pulls its own from the start.
      db.prepare('DELETE FROM setting WHERE key IN (?, ?, ?)').run(LINK_KEY, SYNC_STATE_KEY, HUB_ASSIGNMENTS_KEY);
    });
    this.#client = null;
    return this.status();
  }

  /**
   * One round: collect, push, pull (client.ts). `force` (the "sync now" button) ignores the
   * backoff; the background timer does not. A round already running is joined, not doubled.
   * Never throws for the hub's failures: they are the status's last_error.
   */
  async sync(options: { force?: boolean } = {}): Promise<HubLinkStatus> {
    const link = this.#link();
    if (!link) throw new ApiError('conflict', 'This laptop has not joined a class hub yet (Settings → Class hub).');
    this.#running ??= this.#round(link, options.force === true).finally(() => {
      this.#running = null;
    });
    await this.#running;
    const status = this.status();
    for (const listener of this.#listeners) listener(status);
    return status;
  }

  async #round(link: Link, force: boolean): Promise<SyncReport | null> {
    let token: string | null;
    try {
      token = (await this.#o.secrets?.get(hubTokenAccount(link))) ?? null;
    } catch (error) {
      this.#record({ code: 'keychain_unavailable', detail: error instanceof ApiError ? error.detail : String(error) }, false);
      return null;
    }
    if (!token) {
      this.#record({ code: 'unauthorized', detail: 'The device token is missing from the keychain: leave the class and join it again.' }, false);
      return null;
    }
    // One client while joined: its backoff and refusals carry over from round to round.
    this.#client ??= new SyncClient({
      store: this.#o.store,
      hubUrl: link.hub_url,
      token,
      userId: link.local_user_id ?? this.#o.ownerId,
      now: this.#now,
      fetch: this.#fetch,
    });
    const report = await this.#client.sync({ force });
    if (report.status === 'not_due') return report;
    const error = this.#client.state.last_error;
    this.#record(report.status === 'synced' ? null : (error ?? { code: 'internal_error', detail: `The sync ended as ${report.status}.` }), report.status === 'synced');
    return report;
  }

  #record(error: { code: string; detail: string } | null, success: boolean): void {
    if (this.#closing.signal.aborted) return;
    const now = this.#now();
    const previous = this.#read<SyncStateRow>(SYNC_STATE_KEY);
    const next: SyncStateRow = { last_attempt_at: now, last_success_at: success ? now : (previous?.last_success_at ?? null), last_error: error };
    this.#o.store.transaction('record the class hub sync', (db) => putSetting(db, SYNC_STATE_KEY, next));
  }

  /** Runs after each round (tests: wait for the background sync without sleeping). */
  onRound(listener: (status: HubLinkStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The serving process's background sync: a round every `intervalMs` while joined (and one now). */
  start(intervalMs = SYNC_INTERVAL_MS): void {
    if (this.#timer) return;
    const tick = () => {
      if (!this.#link() || this.#closing.signal.aborted) return;
      this.sync().catch((error: unknown) => {
        // A failure of the round itself (the database closed under it at shutdown): nothing to do.
        if (!this.#closing.signal.aborted) console.error('studylog: the class hub sync failed:', error);
      });
    };
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
    tick();
  }

  /** Stops the timer and aborts a round in flight (the outbox keeps what was not acknowledged). */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#closing.abort();
  }
}
