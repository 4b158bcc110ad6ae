// The owner's own name (PATCH /me): the installation's owner starts as "owner" (UsersRepo.ensureOwner)
// and gives their name — Settings → Account, or when they first hand in. Hand-ins made from then
// on carry it (the bundle's student name, the file's name, `studylog verify`); a file handed in
// before keeps the name it was signed with and still verifies. A student cannot rename themself
// (their name is the one their token was made with): refused, nothing written.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/main/core/handin/bundle.ts';
import type { Bundle } from '../../src/shared/api/handin.ts';
import { PERSON_NAME_MAX_CHARS } from '../../src/shared/person-name.ts';
import { runCli } from '../support/cli.ts';
import { startApi, type ApiFixture } from '../support/http.ts';
import { tempDir } from '../support/temp.ts';

const ZH = { LANG: 'zh_CN.UTF-8', LC_ALL: '', LC_MESSAGES: '' };

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
  await api.client(api.adminToken).createAssignment({ id: 'hw-name', title: '一次函数', due_at: '2099-01-01' });
});
afterAll(() => api?.close());

/** The owner hands in (again) and downloads the file: its name and text. */
async function handIn(): Promise<{ filename: string; content: string }> {
  const owner = api.client(api.adminToken);
  const draft = await owner.createSubmission({ id: 'hw-name' });
  await owner.updateSubmission({ id: draft.id, answer: 'y = 2x + 1' });
  await owner.submitSubmission({ id: draft.id });
  return owner.getSubmissionBundle({ id: draft.id });
}

describe('the owner’s name on hand-ins', () => {
  it('starts as "owner"; once named, the next hand-in’s student and file carry the name; the earlier file still verifies', async () => {
    const owner = api.client(api.adminToken);
    const me = await owner.getMe();
    expect(me).toMatchObject({ name: 'owner', role: 'admin' });

    const before = await handIn();
    expect((JSON.parse(before.content) as Bundle).student).toEqual({ id: me.id, name: 'owner' });
    expect(before.filename).toBe('一次函数-owner.studylog');

    // Trimmed as a token's name is.
    const renamed = await owner.updateMe({ name: '  张小明 ' });
    expect(renamed).toEqual({ ...me, name: '张小明' });
    expect(await owner.getMe()).toEqual(renamed);
    // The token list names the user by it too.
    expect((await owner.listTokens()).find((t) => t.user_id === me.id)?.user_name).toBe('张小明');

    const after = await handIn();
    const bundle = JSON.parse(after.content) as Bundle;
    // The bundle's field names are the same; only the name in them changed.
    expect(bundle.student).toEqual({ id: me.id, name: '张小明' });
    expect(Object.keys(bundle)).toEqual(Object.keys(JSON.parse(before.content) as Bundle));
    expect(after.filename).toBe('一次函数-张小明.studylog');
    expect(verifyBundle(after.content).verification.ok).toBe(true);

    // `studylog verify` names the student; the file handed in before the name still verifies, as "owner".
    const dir = tempDir();
    writeFileSync(path.join(dir, after.filename), after.content);
    writeFileSync(path.join(dir, before.filename), before.content);
    const now = runCli(['verify', path.join(dir, after.filename)], ZH);
    expect(now.code, now.stdout + now.stderr).toBe(0);
    expect(now.stdout).toContain('学生 张小明');
    const earlier = runCli(['verify', path.join(dir, before.filename)], ZH);
    expect(earlier.code, earlier.stdout + earlier.stderr).toBe(0);
    expect(earlier.stdout).toContain('学生 owner');
  });

  it('refuses an empty or too long name, and a student renaming themself; nothing is written', async () => {
    const owner = api.client(api.adminToken);
    const name = (await owner.getMe()).name;
    for (const body of [{ name: '   ' }, { name: 'x'.repeat(PERSON_NAME_MAX_CHARS + 1) }, { name: '张三', role: 'admin' }]) {
      const reply = await api.api('PATCH', '/me', { body });
      expect(reply.status, JSON.stringify(body)).toBe(422);
    }
    const student = api.token('student', '王小明');
    const refused = await api.api('PATCH', '/me', { token: student.token, body: { name: '李老师' } });
    expect(refused.status).toBe(403);
    expect(api.core.users.getUser(student.user_id)?.name).toBe('王小明');
    expect((await owner.getMe()).name).toBe(name);
  });

  it('a teacher may give their own name', async () => {
    const teacher = api.token('teacher', 'teacher 1');
    const reply = await api.api('PATCH', '/me', { token: teacher.token, body: { name: '李老师' } });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ id: teacher.user_id, name: '李老师', role: 'teacher' });
    // The token's caller carries the new name at once (the auth cache follows the user row).
    expect(api.core.users.authenticate(teacher.token)?.name).toBe('李老师');
  });
});
