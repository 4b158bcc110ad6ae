// The one-time sign-in code over HTTP (POST /api/v1/llm/auth/signin-code): a code issued by the
// serving process is exchanged, without a token, for a working API token of the owner — once.
// A used, wrong or expired code is `unauthorized`; nothing is written then.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNIN_CODE_TTL_MS, SigninCodes } from '../../src/main/core/auth/signin-codes.ts';
import { API_PREFIX } from '../../src/shared/api/routes.ts';
import { addressKey } from '../../src/main/core/http/server.ts';
import { rawRequest, startApi, type ApiFixture } from '../support/http.ts';

let now = Date.now();
let api: ApiFixture;
const exchange = (code: unknown, token: string | null = null) => api.api('POST', '/auth/signin-code', { token, body: { code } });
const tokenCount = () => (api.core.store.sqlite.prepare('SELECT count(*) AS n FROM api_token').get() as { n: number }).n;

beforeAll(async () => {
  api = await startApi({ core: { signinCodes: new SigninCodes({ now: () => now }) } });
});
afterAll(() => api?.close());

describe('sign-in code exchange', () => {
  it('gives a working token of the owner, once', async () => {
    const { code } = api.core.signinCodes.issue();
    const first = await exchange(code);
    expect(first.status).toBe(200);
    const { token } = first.json as { token: string };
    expect(token).toMatch(/^slk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    const me = await api.api('GET', '/me', { token });
    expect(me.status).toBe(200);
    expect(me.json).toEqual(api.core.users.getUser(api.core.owner.id));
    expect(me.json).toMatchObject({ role: 'admin' });
    expect(api.core.users.listTokens().find((t) => token.includes(t.id))).toMatchObject({ user_id: api.core.owner.id, name: 'browser sign-in (one-time link)' });

    const before = tokenCount();
    const again = await exchange(code);
    expect(again.status).toBe(401);
    expect(again.json).toMatchObject({ code: 'unauthorized', detail: expect.stringMatching(/sign-in link is not valid.*already used.*expired/) });
    expect(tokenCount()).toBe(before);
  });

  it('refuses a wrong code, and a wrong code spends nothing', async () => {
    const { code } = api.core.signinCodes.issue();
    const before = tokenCount();
    for (const wrong of ['not-a-code', code.slice(0, -1), `${code}x`, code.toUpperCase() === code ? code.toLowerCase() : code.toUpperCase()]) {
      const r = await exchange(wrong);
      expect([wrong, r.status, (r.json as { code: string }).code]).toEqual([wrong, 401, 'unauthorized']);
    }
    expect(tokenCount()).toBe(before);
    // A guess does not use up the real code.
    expect((await exchange(code)).status).toBe(200);
  });

  it('refuses an expired code', async () => {
    const { code } = api.core.signinCodes.issue();
    now += SIGNIN_CODE_TTL_MS;
    const before = tokenCount();
    expect(await exchange(code)).toMatchObject({ status: 401, json: { code: 'unauthorized' } });
    expect(tokenCount()).toBe(before);
  });

  it('needs no token, and an invalid one does not get in the way; the input is validated', async () => {
    const { code } = api.core.signinCodes.issue();
    expect((await exchange(code, 'slk_not-a-real-token')).status).toBe(200);
    expect(await exchange('')).toMatchObject({ status: 422, json: { code: 'validation_error' } });
    expect(await exchange(42)).toMatchObject({ status: 422, json: { code: 'validation_error' } });
    // Still only this route: the rest of the API wants a token.
    expect((await api.api('GET', '/me', { token: null })).status).toBe(401);
  });

  it('works only from this computer: a code sent from another address is refused and stays unspent', async () => {
    const lan = await startApi({ server: { host: '0.0.0.0', lan: true } });
    try {
      const lanUrl = lan.http.lanUrl;
      if (!lanUrl) return expect.fail('this machine has no non-loopback IPv4 address to test from');
      const { code } = lan.core.signinCodes.issue();
      const fromLan = await rawRequest(lanUrl, {
        method: 'POST',
        path: `${API_PREFIX}/auth/signin-code`,
        headers: { 'Content-Type': 'application/json', Host: new URL(lanUrl).host },
        body: JSON.stringify({ code }),
      });
      expect(fromLan.status).toBe(403);
      expect(JSON.parse(fromLan.text)).toMatchObject({ code: 'forbidden' });
      // Refused before the code was looked at: it still works here.
      expect((await lan.api('POST', '/auth/signin-code', { token: null, body: { code } })).status).toBe(200);
    } finally {
      await lan.close();
    }
  });

  it('guesses count against the per-address limit even with a valid token', async () => {
    const limited = await startApi({ server: { anonymousLimits: { perSecond: 0.001, burst: 2 } } });
    try {
      const guess = () => limited.api('POST', '/auth/signin-code', { body: { code: 'x'.repeat(32) } });
      expect([(await guess()).status, (await guess()).status, (await guess()).status]).toEqual([401, 401, 429]);
    } finally {
      await limited.close();
    }
  });

  it('the per-address limit keys an IPv6 client by its /64 (rotating addresses within it does not help)', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('fe80::1%eth0')).toBe(addressKey('fe80::2'));
  });

  it('signing out ends a token a sign-in link minted, and leaves a token made on purpose working', async () => {
    const { code } = api.core.signinCodes.issue();
    const { token } = (await exchange(code)).json as { token: string };
    expect((await api.api('POST', '/auth/signout', { token, body: {} })).json).toEqual({ revoked: true });
    expect((await api.api('GET', '/me', { token })).status).toBe(401);
    const student = api.token('student', 'a student keeps this one');
    expect((await api.api('POST', '/auth/signout', { token: student.token, body: {} })).json).toEqual({ revoked: false });
    expect((await api.api('GET', '/me', { token: student.token })).status).toBe(200);
  });
});
