// The one-time sign-in code over HTTP (POST /api/v1/llm/auth/signin-code): a code issued by the
// serving process is exchanged, without a token, for a working API token of the owner — once.
// A used, wrong or expired code is `unauthorized`; nothing is written then.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNIN_CODE_TTL_MS, SigninCodes } from '../../src/main/core/auth/signin-codes.ts';
import { startApi, type ApiFixture } from '../support/http.ts';

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
});
