import { describe, expect, it } from 'vitest';
import { UsersRepo } from '../../src/main/core/db/users.repo.ts';
import { openTempStore } from '../support/temp.ts';

describe('users and API tokens', () => {
  it('creates the local owner once, as an admin', () => {
    const users = new UsersRepo(openTempStore());
    const owner = users.ensureOwner();
    expect(owner.role).toBe('admin');
    expect(users.ensureOwner()).toEqual(owner);
  });

  it('a token authenticates its user, is stored only as a hash, and stops working when revoked', async () => {
    const store = openTempStore();
    const users = new UsersRepo(store);
    const { token, info } = users.createToken({ name: 'Li Ming', role: 'student' });
    expect(token).toMatch(/^slk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ name: 'Li Ming', user_name: 'Li Ming', role: 'student', revoked_at: null, last_used_at: null });
    // The secret is the last 43 characters (it may itself hold "_": split('_') would cut it short, even to '').
    const secret = token.slice(-43);
    expect(JSON.stringify(store.sqlite.prepare('SELECT * FROM api_token').all())).not.toContain(secret);
    expect(users.authenticate(token)).toMatchObject({ user_id: info.user_id, role: 'student', token_id: info.id });
    // The last-used note goes through the group commit: a write queued after it lands after it.
    await store.writes.run('after the note', () => undefined);
    expect(users.listTokens()[0]!.last_used_at).toBeGreaterThan(0);
    users.revokeToken(info.id);
    expect(users.authenticate(token)).toBeNull();
    expect(users.listTokens()[0]!.revoked_at).toBeGreaterThan(0);
  });

  it('rejects a right id with a wrong secret, malformed tokens and unknown ids', () => {
    const users = new UsersRepo(openTempStore());
    const { token } = users.createToken({ name: 'x', role: 'admin' });
    const [prefix, id, secret] = [token.slice(0, 4), token.slice(4, 40), token.slice(41)];
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    expect(users.authenticate(`${prefix}${id}_${flipped}`)).toBeNull();
    expect(users.authenticate('slk_00000000-0000-0000-0000-000000000000_' + secret)).toBeNull();
    for (const bad of ['', 'Bearer x', token + 'x', token.toUpperCase(), 'slk_../../etc_x']) expect(users.authenticate(bad)).toBeNull();
  });

  it('adds a token for an existing user (--user) and refuses an unknown one', () => {
    const users = new UsersRepo(openTempStore());
    const owner = users.ensureOwner();
    const tablet = users.createToken({ name: 'my tablet', user_id: owner.id });
    expect(users.authenticate(tablet.token)).toMatchObject({ user_id: owner.id, role: 'admin' });
    expect(() => users.createToken({ name: 'x', user_id: 'nobody' })).toThrow(/no user/);
    expect(() => users.createToken({ name: 'x', role: 'principal' })).toThrow(/Invalid token/);
    // A teacher is a role of its own (issue 13); an unknown role is still refused.
    expect(users.authenticate(users.createToken({ name: '李老师', role: 'teacher' }).token)).toMatchObject({ role: 'teacher', name: '李老师' });
  });
});
