/**
 * Per-token (and, for requests without a valid token, per-address) limits for the HTTP face: a token bucket for the request rate and a cap on requests
 * in flight at once. Small enough to keep here; it answers with the seconds to wait (Retry-After).
 */
export interface RateLimits {
  /** Sustained requests per second per token. */
  perSecond: number;
  /** Requests a token may make at once above the sustained rate. */
  burst: number;
  /** Requests of one token in flight at the same time (a stream counts until it ends). */
  concurrent: number;
}

export const DEFAULT_LIMITS: RateLimits = { perSecond: 10, burst: 60, concurrent: 16 };

/**
 * Per client address, for API requests that carry no valid token (none, unknown, revoked) — /health
 * included. Generous enough for a class behind one NAT address signing in, tight enough that a
 * flood of bad tokens costs little. Requests with a valid token never count here.
 */
export const DEFAULT_ANONYMOUS_LIMITS: RateLimits = { perSecond: 20, burst: 200, concurrent: 32 };

/** Buckets kept before idle ones (full, nothing in flight) are forgotten. */
const MAX_KEYS = 10_000;

type Slot = { ok: true; release: () => void } | { ok: false; retryAfterSeconds: number; detail: string };

interface Bucket {
  tokens: number;
  refilledAt: number;
  active: number;
}

export class RateLimiter {
  readonly limits: RateLimits;
  readonly #buckets = new Map<string, Bucket>();

  constructor(limits: Partial<RateLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /**
   * `inFlight: false`: counts against the rate only, not the requests at once (a stream's stop).
   * `per`: what one key stands for, as the refusal says it ("per token"; the hub's students: "per student").
   */
  acquire(key: string, now = Date.now(), { inFlight = true, per = 'token' }: { inFlight?: boolean; per?: string } = {}): Slot {
    const { perSecond, burst, concurrent } = this.limits;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= MAX_KEYS) this.#forgetIdle(now);
      bucket = { tokens: burst, refilledAt: now, active: 0 };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * perSecond);
    bucket.refilledAt = now;
    if (inFlight && bucket.active >= concurrent) {
      return { ok: false, retryAfterSeconds: 1, detail: `Too many requests at once: at most ${concurrent} per ${per}. Try again shortly.` };
    }
    if (bucket.tokens < 1) {
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)),
        detail: `Too many requests: at most ${perSecond} per second per ${per}. Try again shortly.`,
      };
    }
    bucket.tokens -= 1;
    if (!inFlight) return { ok: true, release: () => undefined };
    bucket.active += 1;
    let released = false;
    const held = bucket;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        held.active -= 1;
      },
    };
  }

  /** Memory stays bounded however many addresses or tokens come and go. */
  #forgetIdle(now: number): void {
    const { perSecond, burst } = this.limits;
    for (const [key, b] of this.#buckets) {
      if (b.active === 0 && b.tokens + ((now - b.refilledAt) / 1000) * perSecond >= burst) this.#buckets.delete(key);
    }
  }
}
