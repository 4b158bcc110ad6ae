// Row ids (src/main/core/ids.ts): UUIDv7 from a pool of random bytes, and — what turns.repo.ts's
// order (created_at, then id) relies on — strictly increasing in the order they were made, also
// many within one millisecond and across refills of the pool.
import { describe, expect, test } from 'vitest';
import { validate, version } from 'uuid';
import { newId } from '../../src/main/core/ids.ts';

describe('newId', () => {
  test('valid UUIDv7s, each one new, in the order they were made', () => {
    // 20,000 ids take a few milliseconds: thousands share one, and the 4 KiB pool is refilled ~80 times.
    const ids = Array.from({ length: 20_000 }, () => newId());
    for (const id of ids.slice(0, 50)) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
    expect(new Set(ids).size).toBe(ids.length);
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
  });

  test('the time in the id is the time it was made', () => {
    const before = Date.now();
    const id = newId();
    const ms = parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    // Equal, or a little ahead only after a counter overflow within one millisecond.
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });
});
