/**
 * One-time sign-in codes: what `studylog serve` puts in the link it prints, so the owner signs in
 * to the web app with one click and the long-lived API token never appears in a URL (browser
 * history, screenshots, a shoulder). The web app exchanges the code for a token
 * (POST /auth/signin-code) and removes it from the address bar.
 *
 * A code is 192 random bits, works once, expires after 15 minutes, and exists only as a SHA-256
 * hash in the serving process's memory: a restart forgets every code (it prints a fresh one).
 */
import { createHash, randomBytes } from 'node:crypto';

export const SIGNIN_CODE_TTL_MS = 15 * 60_000;
/** Codes waiting to be used; past this the oldest is forgotten (nothing prints this many). */
const MAX_PENDING = 32;

const digest = (code: string) => createHash('sha256').update(code).digest('base64url');

export interface IssuedSigninCode {
  code: string;
  expires_at: number;
}

export class SigninCodes {
  readonly ttlMs: number;
  readonly #now: () => number;
  /** SHA-256 of the code → when it expires (epoch ms); insertion order = age. */
  readonly #pending = new Map<string, number>();

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.ttlMs = options.ttlMs ?? SIGNIN_CODE_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  issue(): IssuedSigninCode {
    this.#prune();
    while (this.#pending.size >= MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value!);
    const code = randomBytes(24).toString('base64url');
    const expires_at = this.#now() + this.ttlMs;
    this.#pending.set(digest(code), expires_at);
    return { code, expires_at };
  }

  /** True once for a live code; false for an unknown, used or expired one. Either way it is gone. */
  redeem(code: string): boolean {
    const key = digest(code);
    const expires = this.#pending.get(key);
    this.#pending.delete(key);
    return expires !== undefined && this.#now() < expires;
  }

  /** How many codes could still be used (for tests and diagnostics). */
  get pending(): number {
    this.#prune();
    return this.#pending.size;
  }

  #prune(): void {
    const now = this.#now();
    for (const [key, expires] of this.#pending) if (now >= expires) this.#pending.delete(key);
  }
}
