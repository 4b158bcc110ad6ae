/**
 * Row ids: UUIDv7 (time-ordered, so turns written in one millisecond still sort in the order they
 * were written: turns.repo.ts orders by created_at, then id).
 *
 * uuid's own `v7()` asks Web Crypto for 16 random bytes per id, ~2 µs a call: a message makes
 * three ids, and that was ~2 % of the serving process's CPU per message (issue 15). Here the bytes
 * come from a pool filled by the same CSPRNG 4 KiB at a time, and the millisecond and counter are
 * kept as `v7()` keeps them internally (RFC 9562's method 1: a counter seeded from the random bits
 * within a millisecond, incremented after), since uuid takes its state only from its caller once
 * the bytes are given.
 */
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const pool = new Uint8Array(16 * 256);
let used = pool.length;
let lastMs = -Infinity;
let seq = 0;

export function newId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.subarray(used, (used += 16));
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    seq = (seq + 1) | 0;
    // The counter ran over within one millisecond: borrow the next one, as uuid does.
    if (seq === 0) lastMs++;
  }
  return v7({ random, msecs: lastMs, seq });
}
