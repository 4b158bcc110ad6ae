// authenticate() keeps token rows between requests (users.repo.ts): a revoked token, a changed
// role or a deleted user must be seen at once, whether the change came through this connection
// (the server's own routes) or from another process (a `token revoke` beside the server).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/main/core/app.ts';
import { onCleanup, tempDir } from '../support/temp.ts';

/** The next request: another task of the event loop (data-version.ts keeps the version for one task). */
const nextRequest = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const core = createCore({ dataDir: tempDir(), secrets: null });
  onCleanup(() => core.store.sqlite.open && core.close());
  const { token, info } = core.users.createToken({ name: 'laptop', role: 'student' });
  // Another process's connection to the same file.
  const other = new Database(core.store.file);
  onCleanup(() => other.close());
  return { core, token, info, other };
}

describe('the token cache of authenticate()', () => {
  it('a token revoked on this connection is refused at once', () => {
    const { core, token, info } = setup();
    expect(core.users.authenticate(token)).toMatchObject({ user_id: info.user_id, role: 'student' });
    core.users.revokeToken(info.id);
    expect(core.users.authenticate(token)).toBeNull();
  });

  it('a token revoked by another process is refused at the next request', async () => {
    const { core, token, info, other } = setup();
    expect(core.users.authenticate(token)).not.toBeNull();
    other.prepare('UPDATE api_token SET revoked_at = ? WHERE id = ?').run(Date.now(), info.id);
    await nextRequest();
    expect(core.users.authenticate(token)).toBeNull();
  });

  it("a user's new role or name is seen by the next request, from this connection or another", async () => {
    const { core, token, info, other } = setup();
    expect(core.users.authenticate(token)).toMatchObject({ role: 'student', name: 'laptop' });
    other.prepare("UPDATE user SET role = 'admin' WHERE id = ?").run(info.user_id);
    await nextRequest();
    expect(core.users.authenticate(token)).toMatchObject({ role: 'admin' });
    core.store.transaction('rename', (db) => db.prepare("UPDATE user SET name = 'renamed' WHERE id = ?").run(info.user_id));
    expect(core.users.authenticate(token)).toMatchObject({ role: 'admin', name: 'renamed' });
  });

  it('a wrong secret for a cached token id is refused', () => {
    const { core, token } = setup();
    expect(core.users.authenticate(token)).not.toBeNull();
    const wrong = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(core.users.authenticate(wrong)).toBeNull();
  });
});
