/**
 * Users and their API tokens. A token is `slk_<token id>_<secret>`: the id finds the row, and the
 * secret is checked against its stored SHA-256 in constant time. Only the hash is stored; the
 * token is shown once, when it is made.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { desc, eq } from './drizzle.ts';
import { newId } from '../ids.ts';
import { CreateTokenSchema, type ApiTokenInfo, type User, type UserRole } from '../../../shared/api/schemas.ts';
import type { Caller } from '../caller.ts';
import { ApiError } from '../../../shared/errors.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Store } from './connection.ts';
import { dataVersion } from './data-version.ts';
import type { WritableDB } from './handles.ts';
import { apiToken, setting, user } from './schema.ts';
import { putSetting } from './setting-rows.ts';

const TOKEN_PATTERN = /^slk_([0-9a-f-]{36})_([A-Za-z0-9_-]{43})$/;
const OWNER_KEY = 'owner_user_id';
/** sync/link.ts LINK_KEY: set while this installation is joined to a class hub. */
const HUB_LINK_KEY = 'hub.link';
/** last_used_at is a hint, not an audit log: write it at most once a minute per token. */
const LAST_USED_RESOLUTION_MS = 60_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** A token's row and its owner's, as authenticate() reads them. */
interface TokenRow {
  secret_hash: string;
  revoked_at: number | null;
  last_used_at: number | null;
  local_owner: number;
  user_id: string;
  role: User['role'];
  name: string;
}

/**
 * How many times this connection changed a token or a user (temporary triggers call it): the
 * token rows authenticate() keeps are dropped when it moves. Another process's change (a `token
 * revoke` beside the server) moves PRAGMA data_version instead.
 */
const authEpochs = new WeakMap<Store['sqlite'], { epoch: number }>();
function authEpoch(sqlite: Store['sqlite']): { epoch: number } {
  let counter = authEpochs.get(sqlite);
  if (!counter) {
    const created = { epoch: 0 };
    counter = created;
    authEpochs.set(sqlite, created);
    sqlite.function('studylog_auth_changed', { deterministic: false, varargs: false }, () => {
      created.epoch++;
      return null;
    });
    // TEMP: these live in this connection only, never in the file's schema.
    for (const [table, event] of [
      ['api_token', 'UPDATE'],
      ['api_token', 'DELETE'],
      ['user', 'UPDATE'],
      ['user', 'DELETE'],
    ] as const) {
      sqlite.exec(`CREATE TEMP TRIGGER IF NOT EXISTS studylog_auth_${table}_${event.toLowerCase()} AFTER ${event} ON main.${table} BEGIN SELECT studylog_auth_changed(); END`);
    }
  }
  return counter;
}

export class UsersRepo {
  readonly #store: Store;
  readonly #authEpoch: { epoch: number };
  /**
   * Token rows by token id, read once instead of on every request: valid while neither this
   * connection (authEpoch) nor another process (data_version) has changed tokens or users.
   * Bounded: a flood of distinct unknown ids is never kept (only rows that exist are).
   */
  #tokens = new Map<string, TokenRow>();
  #tokensAt = { epoch: -1, dataVersion: -1 };

  constructor(store: Store) {
    this.#store = store;
    this.#authEpoch = authEpoch(store.sqlite);
  }

  /** The person at the desktop: made on first start, an admin of their own installation. */
  ensureOwner(name = 'owner'): User {
    const existing = this.#store.orm.select().from(setting).where(eq(setting.key, OWNER_KEY)).get();
    const owner = existing ? this.getUser(String(existing.value)) : null;
    if (owner) return owner;
    return this.#store.transaction('create the owner', (db) => {
      const created = this.#insertUser(db, name, 'admin');
      putSetting(db, OWNER_KEY, created.id);
      return created;
    });
  }

  createUser(name: string, role: UserRole): User {
    return this.#store.transaction('create the user', (db) => this.#insertUser(db, name, role));
  }

  #insertUser(db: WritableDB, name: string, role: UserRole): User {
    const row: User = { id: newId(), name, role, created_at: Date.now() };
    db.prepare('INSERT INTO user (id, name, role, created_at) VALUES (@id, @name, @role, @created_at)').run(row);
    return row;
  }

  /**
   * A user's new name (the owner's "owner" until they give theirs: Settings → Account, or when
   * they first hand in). Hand-ins made from now on carry it; those already signed keep the name
   * they were signed with. Null when there is no such user.
   */
  rename(id: string, name: string): User | null {
    return this.#store.transaction('rename the user', (db) => {
      db.prepare('UPDATE user SET name = ? WHERE id = ?').run(name, id);
      return this.getUser(id);
    });
  }

  getUser(id: string): User | null {
    return (this.#store.orm.select().from(user).where(eq(user.id, id)).get() as User | undefined) ?? null;
  }

  /**
   * `{name, role}` makes a user and a token for them; `{name, user_id}` adds a token for a user.
   * What `POST /tokens` calls: such a token is never a local-owner token, whoever it is for.
   */
  createToken(input: unknown): { token: string; info: ApiTokenInfo } {
    return this.#issue(input, false);
  }

  /**
   * THE way to issue a token that acts as the local owner (from loopback; see Caller.local_owner):
   * a token for the installation's owner, issued on this machine — the first admin token
   * `studylog serve` prints, `studylog token create --owner`, and the exchange of the owner's
   * single-use sign-in code. Never reachable from the HTTP API's token routes.
   */
  issueLocalOwnerToken(name: string): { token: string; info: ApiTokenInfo } {
    return this.#issue({ name, user_id: this.ensureOwner().id }, true);
  }

  #issue(input: unknown, localOwner: boolean): { token: string; info: ApiTokenInfo } {
    const data = parseInput(CreateTokenSchema, input, 'token');
    return this.#store.transaction('create the token', (db) => {
      let owner: User;
      if ('user_id' in data) {
        const found = this.getUser(data.user_id);
        if (!found) throw new ApiError('not_found', `There is no user '${data.user_id}'.`);
        owner = found;
      } else {
        owner = this.#insertUser(db, data.name, data.role);
      }
      // Joined to a class hub, this installation is one student's (sync/link.ts): another student
      // would share under that student's hub identity, so none is added while joined.
      if (owner.role === 'student' && db.prepare('SELECT 1 FROM setting WHERE key = ?').get(HUB_LINK_KEY) !== undefined)
        throw new ApiError(
          'hub_shared_install',
          'This Studylog is joined to a class hub as one student: no token for another student can be made while it is. Each student joins from their own Studylog (or leave the class hub first).',
        );
      const id = newId();
      const secret = randomBytes(32).toString('base64url');
      const row = {
        id,
        name: data.name,
        user_id: owner.id,
        secret_hash: sha256(secret).toString('hex'),
        created_at: Date.now(),
        last_used_at: null,
        revoked_at: null,
        local_owner: localOwner,
      };
      db.prepare(
        `INSERT INTO api_token (id, name, user_id, secret_hash, created_at, last_used_at, revoked_at, local_owner)
         VALUES (@id, @name, @user_id, @secret_hash, @created_at, @last_used_at, @revoked_at, @local_owner)`,
      ).run({ ...row, local_owner: row.local_owner ? 1 : 0 });
      return { token: `slk_${id}_${secret}`, info: this.#info(row, owner) };
    });
  }

  listTokens(): ApiTokenInfo[] {
    const rows = this.#store.orm.select({ token: apiToken, owner: user }).from(apiToken).innerJoin(user, eq(user.id, apiToken.user_id)).orderBy(desc(apiToken.created_at)).all();
    return rows.map((r) => this.#info(r.token, r.owner as User));
  }

  /** Revokes a token (it stays listed, marked revoked). Returns it, or null if there is none. */
  revokeToken(id: string): ApiTokenInfo | null {
    const row = this.#store.orm.select().from(apiToken).where(eq(apiToken.id, id)).get();
    if (!row) return null;
    const revoked_at = row.revoked_at ?? Date.now();
    this.#store.transaction('revoke the token', (db) => db.prepare('UPDATE api_token SET revoked_at = ? WHERE id = ?').run(revoked_at, id));
    return this.#info({ ...row, revoked_at }, this.getUser(row.user_id)!);
  }

  /**
   * The caller a bearer token stands for, or null for a malformed, unknown or revoked token. Its
   * `local_owner` is the token's; the HTTP server clears it for requests not from loopback.
   */
  authenticate(token: string): Caller | null {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return null;
    const [, id, secret] = match as unknown as [string, string, string];
    const row = this.#tokenRow(id);
    if (!row) return null;
    const ok = timingSafeEqual(sha256(secret), Buffer.from(row.secret_hash, 'hex'));
    if (!ok || row.revoked_at !== null) return null;
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_MS) {
      row.last_used_at = now;
      // A read-only or full disk must not lock people out: the timestamp is best-effort, and
      // the request does not wait for it.
      this.#store.writes.run('note the token used', (db) => db.prepare('UPDATE api_token SET last_used_at = ? WHERE id = ?').run(now, id)).catch(() => undefined);
    }
    // local_owner here says how the token was issued; the HTTP face also requires loopback.
    return { user_id: row.user_id, role: row.role, name: row.name, token_id: id, local_owner: row.local_owner === 1 };
  }

  /** Every request comes through here: one SQL statement (compiled once) for token and owner, kept while valid. */
  #tokenRow(id: string): TokenRow | undefined {
    const version = dataVersion(this.#store.sqlite);
    if (this.#tokensAt.epoch !== this.#authEpoch.epoch || this.#tokensAt.dataVersion !== version) {
      this.#tokens = new Map();
      this.#tokensAt = { epoch: this.#authEpoch.epoch, dataVersion: version };
    }
    let row = this.#tokens.get(id);
    if (!row) {
      row = this.#store.sqlite
        .prepare(
          `SELECT t.secret_hash, t.revoked_at, t.last_used_at, t.local_owner, u.id AS user_id, u.role, u.name
           FROM api_token t JOIN user u ON u.id = t.user_id WHERE t.id = ?`,
        )
        .get(id) as TokenRow | undefined;
      if (row) this.#tokens.set(id, row);
    }
    return row;
  }

  #info(row: typeof apiToken.$inferSelect, owner: User): ApiTokenInfo {
    return {
      id: row.id,
      name: row.name,
      user_id: owner.id,
      user_name: owner.name,
      role: owner.role,
      created_at: row.created_at,
      last_used_at: row.last_used_at,
      revoked_at: row.revoked_at,
    };
  }
}
