// One-time sign-in codes (src/main/core/auth/signin-codes.ts): random, single-use, expiring.
import { describe, expect, it } from 'vitest';
import { SIGNIN_CODE_TTL_MS, SigninCodes } from '../../src/main/core/auth/signin-codes.ts';

describe('sign-in codes', () => {
  it('are random, at least 128 bits, and URL-safe', () => {
    const codes = new SigninCodes();
    const issued = Array.from({ length: 20 }, () => codes.issue().code);
    expect(new Set(issued).size).toBe(20);
    for (const code of issued) {
      expect(code).toMatch(/^[A-Za-z0-9_-]+$/);
      // base64url: 6 bits a character.
      expect(code.length * 6).toBeGreaterThanOrEqual(128);
    }
  });

  it('work once: a second try, or a code never issued, is refused', () => {
    const codes = new SigninCodes();
    const { code } = codes.issue();
    expect(codes.redeem('not-a-code')).toBe(false);
    expect(codes.redeem(code.slice(0, -1))).toBe(false);
    expect(codes.redeem(code)).toBe(true);
    expect(codes.redeem(code)).toBe(false);
    expect(codes.pending).toBe(0);
  });

  it('expire after 15 minutes', () => {
    let now = 1_000_000;
    const codes = new SigninCodes({ now: () => now });
    const first = codes.issue();
    const second = codes.issue();
    expect(first.expires_at).toBe(now + SIGNIN_CODE_TTL_MS);
    expect(SIGNIN_CODE_TTL_MS).toBe(15 * 60_000);
    now += SIGNIN_CODE_TTL_MS - 1;
    expect(codes.redeem(first.code)).toBe(true);
    now += 1;
    expect(codes.redeem(second.code)).toBe(false);
    expect(codes.pending).toBe(0);
  });
});
