/**
 * The desktop's outbox (table sync_outbox): what the student agreed to share with the class hub,
 * appended in each session's chain order and frozen as chained (handin/chain.ts), so what was
 * pushed can never disagree with what is pushed next.
 *
 * What is shared (and nothing else):
 *   - the sessions of an assignment whose policy says so (assignment meta.policy.share_sessions = true);
 *   - a session the student opted in (session meta.share_with_teacher = true) — practice chats never otherwise;
 *   - hand-ins, always (whatever the policy says): each signed bundle handed in on this laptop
 *     for an assignment that came from the class hub (meta.hub_class_id) — kind 'handin', item_id
 *     `handin:<bundle hash>`, payload {submission_id, assignment_id, bundle} with the bundle's text
 *     exactly as signed; a hand-in handed in again is a new entry (the hub replaces the old one
 *     until it is graded). Hand-ins of the laptop's own assignments stay here (they go by file).
 * Only finished turns are appended: a session's turns up to its first one still being written or
 * not yet in its place (a message waiting behind an earlier one, meta.queued).
 *
 * Whose: with `userId`, only that local user's sessions and hand-ins are collected and sent (a
 * hub link is one student's identity: link.ts passes the user who joined), and entries collected
 * for anyone else are never sent under it. Without, every user's (a laptop store with one user).
 */
import type { Store } from '../db/connection.ts';
import { GENESIS_HASH, turnHash, type ChainTurn } from '../handin/chain.ts';

export interface OutboxEntry {
  seq: number;
  kind: 'turn' | 'handin';
  session_id: string;
  item_id: string;
  payload: ChainTurn;
  prev_hash: string;
  hash: string;
  enqueued_at: number;
}

interface TurnRow {
  id: string;
  session_id: string;
  role: string;
  content: string;
  model: string | null;
  tokens_in: number;
  tokens_out: number;
  cost: number;
  created_at: number;
  meta: string;
}

/** A hand-in in the outbox: the bundle's text exactly as it was signed and stored. */
export interface HandinPayload {
  submission_id: string;
  assignment_id: string;
  bundle: string;
}
export interface HandinEntry {
  seq: number;
  session_id: string;
  item_id: string;
  payload: HandinPayload;
  /** The bundle's sha256 (submission.bundle_hash). */
  hash: string;
}

/** A user id as an SQL string literal (ids are ours, uuids; quoted anyway). */
const sqlString = (value: string) => `'${value.replace(/'/g, "''")}'`;

const OPEN_STATUSES = new Set(['pending', 'streaming']);

export class Outbox {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #userId: string | null;

  constructor(store: Store, options: { now?: () => number; userId?: string | null } = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
    this.#userId = options.userId ?? null;
  }

  /** `AND` the row (a session, a submission) belongs to the linked user; nothing when there is none. */
  #mine(alias: string): string {
    return this.#userId === null ? '' : ` AND ${alias}.user_id = ${sqlString(this.#userId)}`;
  }

  /** Unacknowledged entries of the linked user only (all when there is none). */
  #ownedEntry(): string {
    if (this.#userId === null) return '';
    const me = sqlString(this.#userId);
    return ` AND ((kind = 'turn' AND EXISTS (SELECT 1 FROM session s WHERE s.id = sync_outbox.session_id AND s.user_id = ${me}))
      OR (kind = 'handin' AND EXISTS (SELECT 1 FROM submission m WHERE m.id = json_extract(sync_outbox.payload, '$.submission_id') AND m.user_id = ${me})))`;
  }

  /** Sessions the student shares: by their assignment's policy, or opted in one by one. */
  sharedSessionIds(): string[] {
    return (
      this.#store.sqlite
        .prepare(
          `SELECT s.id FROM session s LEFT JOIN assignment a ON a.id = s.assignment_id
           WHERE (json_extract(s.meta, '$.share_with_teacher') = 1 OR json_extract(a.meta, '$.policy.share_sessions') = 1)${this.#mine('s')}
           ORDER BY s.started_at, s.id`,
        )
        .all() as { id: string }[]
    ).map((r) => r.id);
  }

  /** Appends what became shareable: hand-ins (always) and the shared sessions' finished turns. Returns how many entries. */
  collect(): number {
    return this.collectHandins() + this.collectTurns();
  }

  /** Appends each bundle handed in for a hub assignment and not in the outbox yet. */
  collectHandins(): number {
    const rows = this.#store.sqlite
      .prepare(
        `SELECT s.id, s.assignment_id, s.bundle, s.bundle_hash FROM submission s JOIN assignment a ON a.id = s.assignment_id
         WHERE s.bundle IS NOT NULL AND s.bundle_hash IS NOT NULL AND s.source = 'server' AND json_extract(a.meta, '$.hub_class_id') IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM sync_outbox o WHERE o.item_id = 'handin:' || s.bundle_hash)${this.#mine('s')}
         ORDER BY s.submitted_at, s.id`,
      )
      .all() as { id: string; assignment_id: string; bundle: string; bundle_hash: string }[];
    if (rows.length === 0) return 0;
    return this.#store.transaction('share hand-ins with the class hub', (db) => {
      const append = db.prepare(
        `INSERT INTO sync_outbox (kind, session_id, item_id, payload, prev_hash, hash, enqueued_at) VALUES ('handin', ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id) DO NOTHING`,
      );
      let appended = 0;
      for (const r of rows) {
        const payload: HandinPayload = { submission_id: r.id, assignment_id: r.assignment_id, bundle: r.bundle };
        appended += append.run(`handin:${r.id}`, `handin:${r.bundle_hash}`, JSON.stringify(payload), GENESIS_HASH, r.bundle_hash, this.#now()).changes;
      }
      return appended;
    });
  }

  /** Appends the shared sessions' finished turns not in the outbox yet. Returns how many. */
  collectTurns(): number {
    const sessions = this.sharedSessionIds();
    if (sessions.length === 0) return 0;
    const newTurns = this.#store.sqlite.prepare(
      `SELECT t.id, t.session_id, t.role, t.content, t.model, t.tokens_in, t.tokens_out, t.cost, t.created_at, t.meta FROM turn t
       WHERE t.session_id = ? AND NOT EXISTS (SELECT 1 FROM sync_outbox o WHERE o.item_id = t.id) ORDER BY t.created_at, t.id`,
    );
    const lastHash = this.#store.sqlite.prepare('SELECT hash FROM sync_outbox WHERE session_id = ? ORDER BY seq DESC LIMIT 1');
    const hasParent = (this.#store.sqlite.prepare("SELECT count(*) AS n FROM pragma_table_info('turn') WHERE name = 'parent_id'").get() as { n: number }).n > 0;
    const parentOf = hasParent ? this.#store.sqlite.prepare('SELECT parent_id FROM turn WHERE id = ?').pluck() : null;
    return this.#store.transaction('share turns with the class hub', (db) => {
      const append = db.prepare(`INSERT INTO sync_outbox (kind, session_id, item_id, payload, prev_hash, hash, enqueued_at) VALUES ('turn', ?, ?, ?, ?, ?, ?)`);
      let appended = 0;
      for (const sessionId of sessions) {
        let prev = (lastHash.get(sessionId) as { hash: string } | undefined)?.hash ?? GENESIS_HASH;
        for (const row of newTurns.all(sessionId) as TurnRow[]) {
          const meta = JSON.parse(row.meta) as Record<string, unknown>;
          if (typeof meta.status === 'string' && OPEN_STATUSES.has(meta.status)) break;
          // A message that has not taken its place yet (proxy.service.ts: it waited behind an
          // earlier one) will move — its parent and created_at — so it is not frozen yet either.
          if (meta.queued === true) break;
          const payload: ChainTurn = {
            id: row.id,
            session_id: row.session_id,
            parent_id: ((parentOf?.get(row.id) as string | null | undefined) ?? null) || null,
            role: row.role,
            content: row.content,
            model: row.model,
            tokens_in: row.tokens_in,
            tokens_out: row.tokens_out,
            cost: row.cost,
            created_at: row.created_at,
            meta,
          };
          const hash = turnHash(prev, payload);
          append.run(sessionId, row.id, JSON.stringify(payload), prev, hash, this.#now());
          prev = hash;
          appended++;
        }
      }
      return appended;
    });
  }

  /** The oldest turns not yet acknowledged by the hub, in order. */
  pending(limit: number): OutboxEntry[] {
    const rows = this.#store.sqlite
      .prepare(
        `SELECT seq, kind, session_id, item_id, payload, prev_hash, hash, enqueued_at FROM sync_outbox WHERE acked_at IS NULL AND kind = 'turn'${this.#ownedEntry()} ORDER BY seq LIMIT ?`,
      )
      .all(limit) as (Omit<OutboxEntry, 'payload'> & { payload: string })[];
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as ChainTurn }));
  }

  /** The hand-ins not yet acknowledged by the hub, oldest first. */
  pendingHandins(): HandinEntry[] {
    const rows = this.#store.sqlite
      .prepare(`SELECT seq, session_id, item_id, payload, hash FROM sync_outbox WHERE acked_at IS NULL AND kind = 'handin'${this.#ownedEntry()} ORDER BY seq`)
      .all() as (Omit<HandinEntry, 'payload'> & { payload: string })[];
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as HandinPayload }));
  }

  /** Marks what the hub says it holds (stored now, or already). */
  ack(itemIds: string[]): void {
    if (itemIds.length === 0) return;
    const at = this.#now();
    this.#store.transaction('record what the class hub stored', (db) => {
      const mark = db.prepare('UPDATE sync_outbox SET acked_at = ? WHERE item_id = ? AND acked_at IS NULL');
      for (const id of itemIds) mark.run(at, id);
    });
  }

  /**
   * The hub lacks turns of a session it had acknowledged (it was restored from an older backup):
   * send them again, from the one whose predecessor is the hub's head. The one change to an entry
   * besides its acknowledgement, and only on the hub's word.
   */
  resendAfter(sessionId: string, hubHead: string): number {
    return this.#store.transaction('resend turns the class hub lost', (db) => {
      const from = db.prepare('SELECT seq FROM sync_outbox WHERE session_id = ? AND prev_hash = ?').get(sessionId, hubHead) as { seq: number } | undefined;
      if (!from) return 0;
      return db.prepare('UPDATE sync_outbox SET acked_at = NULL WHERE session_id = ? AND seq >= ? AND acked_at IS NOT NULL').run(sessionId, from.seq).changes;
    });
  }

  /**
   * When the class hub last acknowledged something of this session — one of its turns, or a
   * hand-in that carries it — or null when it never did. The teacher then has a copy that
   * deleting the session here does not remove (the delete dialog says so).
   */
  sharedAt(sessionId: string): number | null {
    const row = this.#store.sqlite
      .prepare(
        // Two lookups by index (the session's turn entries; each hand-in holding the session by its
        // item id): one query with an OR walked every acknowledged entry of the outbox.
        `SELECT max(at) AS at FROM (
           SELECT o.acked_at AS at FROM sync_outbox o WHERE o.session_id = ? AND o.kind = 'turn' AND o.acked_at IS NOT NULL
           UNION ALL
           SELECT o.acked_at FROM submission m JOIN json_each(m.session_ids) j ON j.value = ?
             JOIN sync_outbox o ON o.item_id = 'handin:' || m.bundle_hash
           WHERE m.bundle_hash IS NOT NULL AND o.acked_at IS NOT NULL)`,
      )
      .get(sessionId, sessionId) as { at: number | null };
    return row.at;
  }

  counts(): { pending: number; acked: number } {
    const row = this.#store.sqlite.prepare(`SELECT count(*) - count(acked_at) AS pending, count(acked_at) AS acked FROM sync_outbox WHERE 1 = 1${this.#ownedEntry()}`).get() as {
      pending: number;
      acked: number;
    };
    return { pending: row.pending, acked: row.acked };
  }
}
