// Hand-ins end to end below the UI: a student's signed bundle through a file (written, verified
// by the `studylog verify` command, imported into the teacher's own Studylog), each kind of
// tampering refused with its own message, who sees what (teachers, students, admins), late and
// closed hand-ins, the grade going back to the student, grades as CSV, and the upgrade of a
// database from before teachers.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/main/core/app.ts';
import type { Caller } from '../../src/main/core/caller.ts';
import { DEFAULT_MIGRATIONS_FOLDER, openDatabase } from '../../src/main/core/db/connection.ts';
import { canonicalJson } from '../../src/main/core/handin/chain.ts';
import { buildBundle, bundleText, chainSessions, signedText, summarize } from '../../src/main/core/handin/bundle.ts';
import { Outbox } from '../../src/main/core/sync/outbox.ts';
import { publicKeyOf, signText, SIGNING_KEY_ACCOUNT } from '../../src/main/core/handin/signing.ts';
import { MAX_BUNDLE_BYTES, MAX_IMPORT_BODY_BYTES, megabytes, type Bundle, type Submission, type SubmissionDetail } from '../../src/shared/api/handin.ts';
import type { LearnerDay } from '../../src/shared/api/schemas.ts';
import { ApiError } from '../../src/shared/errors.ts';
import { runCli } from '../support/cli.ts';
import { plainImage, textPdf } from '../support/files.ts';
import { setupCore } from '../support/core.ts';
import { API_PREFIX } from '../../src/shared/api/routes.ts';
import { MemorySecretStore, rawRequest, startApi, type ApiFixture } from '../support/http.ts';
import { requirePackage } from '../support/requirements.ts';
import { startServe } from '../support/serve-process.ts';
import { chained, type TurnSpec } from '../support/hub-chain.ts';
import { onCleanup, tempDir, testWrites } from '../support/temp.ts';

const EN = { LANG: 'en_US.UTF-8', LC_ALL: '', LC_MESSAGES: '' };
const ZH = { LANG: 'zh_CN.UTF-8', LC_ALL: '', LC_MESSAGES: '' };
/** keytar's Linux binary links libsecret: without it the keychain fails another way (tests/integration/keychain.test.ts). */
const libsecret = requirePackage('libsecret-1-0');

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<ApiError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected a refusal');
}

/** The student's laptop: two homework sessions of hw_001 (one with a hint level 3 answer) and a practice chat. */
async function studentSide(secrets = new MemorySecretStore()) {
  const core = await setupCore({ core: { secrets } });
  const user = core.users.createUser('王小明', 'student');
  const student: Caller = { user_id: user.id, role: 'student', name: user.name };
  const first = await core.proxy.send(student, { message: '二次函数的顶点怎么求？', mode: 'homework', assignment_id: 'hw_001' });
  await core.proxy.send(student, { message: '能再给一点提示吗？', meta: { session_id: first.session_id } });
  const second = await core.proxy.send(student, { message: '判别式是什么意思？', mode: 'homework', assignment_id: 'hw_001' });
  const practice = await core.proxy.send(student, { message: 'just practising', mode: 'chat' });
  // The hint ladder (another part of Studylog) marks answers with their level.
  core.turns.updateTurnById(testWrites(core.store), first.turn_id, { meta: { ...core.turns.getTurnById(first.turn_id)!.meta, hint_level: 3 } });
  return { core, student, sessions: [first.session_id, second.session_id], practice: practice.session_id };
}

/** The teacher's own Studylog (another data directory), with hw_001 theirs. */
function teacherSide() {
  const core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), defaultLanguage: 'en' });
  onCleanup(() => core.store.sqlite.open && core.close());
  core.settings.update({ language: 'en' });
  const user = core.users.createUser('李老师', 'teacher');
  const teacher: Caller = { user_id: user.id, role: 'teacher', name: user.name };
  core.assignments.create(testWrites(core.store), { id: 'hw_001', title: '数学作业一' }, teacher.user_id);
  return { core, teacher };
}

async function handIn(core: Core, student: Caller, fields: { answer?: string; ai_note?: string } = {}): Promise<{ submission: Submission; file: string; text: string }> {
  const draft = await core.handin.create(student, 'hw_001', { answer: 'x = -b/2a', ...fields });
  const submission = await core.handin.submit(student, draft.id);
  const { content, filename } = core.handin.bundleFile(student, submission.id);
  expect(filename).toMatch(/\.studylog$/);
  const file = path.join(tempDir(), filename);
  writeFileSync(file, content);
  return { submission, file, text: content };
}

const mutate = (text: string, change: (b: Bundle) => void): string => {
  const bundle = JSON.parse(text) as Bundle;
  change(bundle);
  return JSON.stringify(bundle, null, 2);
};

function verifyCli(file: string, env = EN) {
  return runCli(['verify', file], env);
}

describe('the hand-in bundle through a file', () => {
  it('round trip: hand in, write the file, verify it with the CLI, import it into the teacher’s Studylog', async () => {
    const { core, student, sessions, practice } = await studentSide();
    const { submission, file, text } = await handIn(core, student);
    expect(submission).toMatchObject({ status: 'submitted', late: false, source: 'server', verification: { ok: true, problems: [], sessions: 2, turns: 6 } });
    expect(submission.session_ids).toEqual(sessions);
    expect(submission.session_ids).not.toContain(practice);

    const bundle = JSON.parse(text) as Bundle;
    expect(bundle).toMatchObject({ format: 'studylog.handin', version: 1, student: { id: student.user_id, name: '王小明' }, assignment: { id: 'hw_001' }, answer: 'x = -b/2a' });
    // The prefilled AI-use note names the tool, the model and the highest hint level reached.
    expect(bundle.note).toContain('Studylog (gpt-4o-mini)');
    expect(bundle.note).toMatch(/Highest hint level: 3/);
    expect(bundle.transcript_md).toContain('二次函数的顶点怎么求？');
    expect(bundle.sessions.flatMap((s) => s.turns).map((t) => t.prev_hash)).toEqual([
      '0'.repeat(64),
      ...bundle.sessions
        .flatMap((s) => s.turns)
        .slice(0, -1)
        .map((t) => t.hash),
    ]);
    // The file is canonical JSON: the same bytes as the bundle re-serialised canonically.
    expect(text).toBe(canonicalJson(bundle));

    const ok = verifyCli(file);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^OK: .* verified \(2 session\(s\), 6 message\(s\), student 王小明, assignment 数学作业一\)/);
    expect(verifyCli(file, ZH).stdout).toMatch(/^OK：.*校验通过（2 个会话，6 条消息/);

    const { core: tcore, teacher } = teacherSide();
    const imported = await tcore.handin.import(teacher, readFileSync(file, 'utf8'));
    expect(imported).toMatchObject({ assignment_id: 'hw_001', user_id: student.user_id, student_name: '王小明', status: 'submitted', source: 'file', verification: { ok: true } });
    expect(tcore.handin.list(teacher, 'hw_001').map((s) => s.id)).toEqual([imported.id]);
    const detail: SubmissionDetail = tcore.handin.detail(teacher, imported.id);
    expect(detail.summary).toMatchObject({ sessions: 2, turns: 6, highest_hint_level: 3, worked_solution: false, regenerations: 0, tokens_in: expect.any(Number) });
    expect(detail.summary.highest_hint_at).toBe(bundle.sessions[0]!.turns[1]!.created_at);
    expect(detail.summary.cost).toBe(bundle.sessions.flatMap((s) => s.turns).reduce((sum, t) => sum + t.cost, 0));
    expect(detail.sessions.map((s) => s.session.id)).toEqual(sessions);
    // The same file again is the same hand-in, not a second one.
    expect((await tcore.handin.import(teacher, text)).id).toBe(imported.id);
    expect(tcore.handin.list(teacher, 'hw_001')).toHaveLength(1);
  });

  it('refuses every tampering with its own message, on import and from the CLI', async () => {
    const { core, student } = await studentSide();
    const { text } = await handIn(core, student);
    const { core: tcore, teacher } = teacherSide();
    // The genuine file first: the teacher's Studylog records the student's key.
    await tcore.handin.import(teacher, text);

    const other = generateKeyPairSync('ed25519').privateKey;
    const cases: { name: string; text: string; code: string; cli: RegExp | null; zh: RegExp }[] = [
      {
        name: 'a turn changed',
        text: mutate(text, (b) => (b.sessions[0]!.turns[1]!.content = 'a better answer, written afterwards')),
        code: 'turn_changed',
        cli: /The hash chain is broken at turn 2 of session 1 \(/,
        zh: /对话记录在第 1 个会话（.*）的第 2 条消息处对不上/,
      },
      {
        name: 'a turn removed',
        text: mutate(text, (b) => b.sessions[0]!.turns.splice(1, 1)),
        code: 'turn_missing',
        cli: /One or more turns are missing \(removed\) before turn 2 of session 1/,
        zh: /第 1 个会话（.*）的第 2 条消息之前少了一条或多条消息/,
      },
      {
        name: 'turns reordered',
        text: mutate(text, (b) => {
          const turns = b.sessions[0]!.turns;
          [turns[1], turns[2]] = [turns[2]!, turns[1]!];
        }),
        code: 'order_changed',
        cli: /The order was changed at turn 2 of session 1/,
        zh: /第 1 个会话（.*）的第 2 条消息的顺序被改动过/,
      },
      {
        name: 'the last turn removed',
        text: mutate(text, (b) => b.sessions.at(-1)!.turns.pop()),
        code: 'end_missing',
        cli: /The last turn\(s\) were removed/,
        zh: /最后的一条或多条消息被删除了/,
      },
      {
        name: 'the answer changed (signature)',
        text: mutate(text, (b) => (b.answer = 'copied from a friend')),
        code: 'signature_invalid',
        cli: /The signature does not match/,
        zh: /签名不匹配/,
      },
      {
        // Everything consistent, re-signed by someone else's key: only the key on record tells.
        name: 'signed by another key',
        text: (() => {
          const b = JSON.parse(text) as Bundle;
          b.answer = 'a forged answer';
          b.public_key = publicKeyOf(other);
          b.signature = signText(other, signedText(b));
          return bundleText(b);
        })(),
        code: 'key_mismatch',
        cli: null,
        zh: /这个文件由另一个密钥签名/,
      },
      {
        name: 'a truncated file',
        text: text.slice(0, Math.floor(text.length / 2)),
        code: 'truncated',
        cli: /The file is incomplete \(cut off part-way\)/,
        zh: /文件不完整/,
      },
    ];
    tcore.settings.update({ language: 'zh-CN' });
    for (const c of cases) {
      const error = await refusal(tcore.handin.import(teacher, c.text));
      expect([c.name, error.code, error.issues?.[0]?.path]).toEqual([c.name, 'bundle_invalid', c.code]);
      // Localized in the teacher's language (settings), English in the detail.
      expect(error.issues![0]!.message, c.name).toMatch(c.zh);
      const file = path.join(tempDir(), 'tampered.studylog');
      writeFileSync(file, c.text);
      const run = verifyCli(file);
      if (c.cli) {
        expect([c.name, run.code]).toEqual([c.name, 1]);
        expect(run.stdout.split('\n').slice(0, 2).join('\n'), c.name).toMatch(c.cli);
        expect(error.detail, c.name).toMatch(c.cli);
      } else {
        // The file alone is consistent: the CLI says so and names the key, which is not the student's.
        expect(run.code).toBe(0);
        expect(run.stdout).toContain('Signing key fingerprint:');
      }
    }
    expect(verifyCli(path.join(tempDir(), 'missing.studylog')).code).toBe(1);
    // Nothing was filed: the genuine hand-in is the only one, unchanged.
    expect(tcore.handin.list(teacher, 'hw_001')).toHaveLength(1);
    expect(tcore.handin.list(teacher, 'hw_001')[0]!.answer).toBe('x = -b/2a');
  });

  it('answer files: uploaded, handed in inside the bundle (version 2), verified, imported and shown to the teacher; a changed file refused', async () => {
    const { core, student } = await studentSide();
    const photo = await core.attachments.upload(student, { name: 'x.png', data: (await plainImage('png', 64, 48)).toString('base64') });
    const pdf = await core.attachments.upload(student, { name: 'y.pdf', data: textPdf(['x = 2 or x = 3']).toString('base64') });
    const someoneElse = await core.attachments.upload(
      { user_id: core.users.createUser('张三', 'student').id, role: 'student' },
      {
        name: 'z.png',
        data: (await plainImage('png', 20, 20)).toString('base64'),
      },
    );
    const draft = await core.handin.create(student, 'hw_001', { answer: '见附件。' });
    // Only the caller's own uploads; not more than 4 MB together.
    expect((await refusal(core.handin.update(student, draft.id, { answer_files: [{ sha256: someoneElse.sha256, name: 'z.png' }] }))).code).toBe('not_found');
    const saved = await core.handin.update(student, draft.id, {
      answer_files: [
        { sha256: photo.sha256, name: '解题过程.png' },
        { sha256: pdf.sha256, name: '答案.pdf' },
      ],
    });
    expect(saved.answer_files).toEqual([
      { sha256: photo.sha256, name: '解题过程.png', kind: 'image', mime: 'image/png', bytes: photo.bytes },
      { sha256: pdf.sha256, name: '答案.pdf', kind: 'pdf', mime: 'application/pdf', bytes: pdf.bytes },
    ]);
    const submitted = await core.handin.submit(student, draft.id);
    expect(submitted.verification).toMatchObject({ ok: true });
    const { content: text } = core.handin.bundleFile(student, submitted.id);
    const bundle = JSON.parse(text) as Extract<Bundle, { version: 2 }>;
    expect(bundle.version).toBe(2);
    expect(bundle.answer_files.map((f) => [f.name, f.sha256])).toEqual([
      ['解题过程.png', photo.sha256],
      ['答案.pdf', pdf.sha256],
    ]);
    expect(Buffer.from(bundle.file_data[pdf.sha256]!, 'base64').equals(core.attachments.repo.data(pdf.sha256)!)).toBe(true);
    const file = path.join(tempDir(), 'with-files.studylog');
    writeFileSync(file, text);
    const verified = verifyCli(file);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('2 answer file(s), their bytes as signed: 解题过程.png, 答案.pdf');

    // The teacher's own Studylog has never seen the files: they come from the bundle.
    const { core: tcore, teacher } = teacherSide();
    const imported = await tcore.handin.import(teacher, text);
    expect(tcore.handin.detail(teacher, imported.id).submission.answer_files.map((f) => f.name)).toEqual(['解题过程.png', '答案.pdf']);
    const image = await tcore.handin.file(teacher, imported.id, photo.sha256);
    expect(image).toMatchObject({ name: '解题过程.png', kind: 'image', bytes: photo.bytes });
    expect(image.thumbnail).toMatch(/^data:image\/jpeg;base64,/);
    expect(await tcore.handin.file(teacher, imported.id, pdf.sha256)).toMatchObject({ name: '答案.pdf', kind: 'pdf', thumbnail: null });
    expect((await refusal(tcore.handin.file(teacher, imported.id, someoneElse.sha256))).code).toBe('not_found');

    // A file changed after signing: refused on import, and by the CLI, naming the file.
    const changed = mutate(text, (b) => {
      const data = Buffer.from((b as typeof bundle).file_data[pdf.sha256]!, 'base64');
      data[data.length - 3] = 0x21;
      (b as typeof bundle).file_data[pdf.sha256] = data.toString('base64');
    });
    const { core: tcore2, teacher: teacher2 } = teacherSide();
    const error = await refusal(tcore2.handin.import(teacher2, changed));
    expect([error.code, error.issues]).toEqual([
      'bundle_invalid',
      [
        {
          path: 'file_changed',
          message: expect.stringMatching(/answer's file 2 \(答案\.pdf\) was changed after signing/),
          params: { file_index: 2, field: '答案.pdf', sha256: pdf.sha256 },
        },
      ],
    ]);
    expect(tcore2.handin.list(teacher2, 'hw_001')).toEqual([]);
    writeFileSync(file, changed);
    const run = verifyCli(file, ZH);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/答案的第 2 个附件（答案\.pdf）在签名后被改动过/);
  });

  it('a chain recomputed after a change still fails: the signature covers the chain head', async () => {
    const { core, student } = await studentSide();
    const { text } = await handIn(core, student);
    const b = JSON.parse(text) as Bundle;
    b.sessions[1]!.turns[0]!.content = 'rewritten';
    const rechained = chainSessions(b.sessions.map((s) => ({ session: s.session, turns: s.turns.map(({ prev_hash: _p, hash: _h, ...t }) => t) })));
    b.sessions = rechained.sessions;
    b.chain_head = rechained.head;
    const file = path.join(tempDir(), 'rechained.studylog');
    writeFileSync(file, bundleText(b));
    const run = verifyCli(file);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/The signature does not match/);
    expect(run.stdout).not.toMatch(/hash chain is broken/);
  });

  it('without a keychain the hand-in cannot be signed, and says so; the draft stays', async () => {
    const core = await setupCore(); // secrets: null
    const student: Caller = { user_id: 'student-1', role: 'student' };
    await core.proxy.send(student, { message: 'hi', mode: 'homework', assignment_id: 'hw_001' });
    const draft = await core.handin.create(student, 'hw_001', { answer: 'mine' });
    const error = await refusal(core.handin.submit(student, draft.id));
    expect(error.code).toBe('signing_key_unavailable');
    expect(error.detail).toMatch(/^The hand-in could not be signed: the computer running Studylog has no usable system keychain/);
    expect(core.handin.submissions.get(draft.id)).toMatchObject({ status: 'draft', answer: 'mine' });
  });

  // A headless class server: the real keytar, no D-Bus session. The API-key message (and its
  // STUDYLOG_API_KEY_… advice, which does not exist for the signing key) must not come back.
  it.skipIf(libsecret.skip)(`with the real keychain unreachable (no D-Bus): signing_key_unavailable, what to do, no API-key advice; the draft stays${libsecret.note}`, async () => {
    const serve = await startServe({ dataDir: tempDir(), env: { DBUS_SESSION_BUS_ADDRESS: '', DISPLAY: '' } });
    const owner = serve.adminToken!;
    const api = async (method: string, apiPath: string, body?: unknown) => {
      const reply = await rawRequest(serve.url, {
        method,
        path: `${API_PREFIX}${apiPath}`,
        headers: { Authorization: `Bearer ${owner}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: reply.status, json: reply.json as Record<string, unknown> };
    };
    const assignment = await api('POST', '/assignments', { title: '第三章 练习' });
    expect(assignment.status).toBe(200);
    const draft = await api('POST', `/assignments/${String(assignment.json.id)}/submissions`, { answer: '我的答案' });
    expect(draft.status).toBe(200);
    const refused = await api('POST', `/submissions/${String(draft.json.id)}/submit`);
    expect(refused.status).toBe(503);
    expect(refused.json.code).toBe('signing_key_unavailable');
    const detail = String(refused.json.detail);
    expect(detail).toMatch(/^The hand-in could not be signed: the computer running Studylog has no usable system keychain \(there is no D-Bus session/);
    expect(detail).toContain('Your draft is kept.');
    expect(detail).toMatch(/start a Secret Service .* or hand in from Studylog on the student's own laptop/);
    expect(detail).not.toMatch(/STUDYLOG_API_KEY|API key|Keys are never stored|and The/);
    expect((await api('GET', `/submissions/${String(draft.json.id)}`)).json).toMatchObject({ submission: { status: 'draft', answer: '我的答案' } });
    await serve.stop();
  });

  it('a session deleted after it was picked is left out of the hand-in', async () => {
    const { core, student, sessions } = await studentSide();
    const draft = await core.handin.create(student, 'hw_001', {});
    expect(draft.session_ids).toEqual(sessions);
    await core.store.writes.run('delete', (db) => core.sessions.deleteSessionById(db, sessions[1]!));
    const submitted = await core.handin.submit(student, draft.id);
    expect(submitted.verification).toMatchObject({ ok: true, sessions: 1, turns: 4 });
  });

  it('keeps one signing key per installation, in the keychain', async () => {
    const secrets = new MemorySecretStore();
    const { core, student } = await studentSide(secrets);
    const a = await handIn(core, student);
    const key = JSON.parse(a.text).public_key as string;
    const stored = secrets.secrets.get(SIGNING_KEY_ACCOUNT)!;
    expect(publicKeyOf(createPrivateKey({ key: Buffer.from(stored, 'base64'), format: 'der', type: 'pkcs8' }))).toBe(key);
    const again = await core.handin.submit(student, a.submission.id);
    expect(JSON.parse(core.handin.bundleFile(student, again.id).content).public_key).toBe(key);
    // The resubmission replaced the bundle and kept the previous one's hash.
    expect(again.meta.history).toEqual([{ bundle_hash: a.submission.bundle_hash, submitted_at: a.submission.submitted_at, source: 'server' }]);
    expect(again.bundle_hash).not.toBe(a.submission.bundle_hash);
  });
});

describe('what the teacher reads of the sessions: the summary card and the bundle’s Markdown', () => {
  // One question answered twice (a regeneration: two versions), the title call's record between
  // them, the second answer flagged by the hint-ladder check, then a follow-up and its answer.
  const sid = 'sess-versions';
  const specs: TurnSpec[] = [
    { id: 'q1', role: 'user', content: '第1步怎么做？' },
    { id: 'a1', parent_id: 'q1', role: 'assistant', content: '先移项。', meta: { hint_level: 1 } },
    { id: 'title-call', role: 'system', content: '移项练习', meta: { purpose: 'title' } },
    { id: 'a2', parent_id: 'q1', role: 'assistant', content: '答案是 x = 5。', meta: { hint_level: 1, flagged: 'final_answer_above_level' } },
    { id: 'q2', parent_id: 'a2', role: 'user', content: '为什么？' },
    { id: 'a3', parent_id: 'q2', role: 'assistant', content: '两边同时除以三。', meta: { hint_level: 2 } },
  ];
  const session = { id: sid, assignment_id: 'hw_001', mode: 'homework', started_at: 1, ended_at: null, title: null, models: ['gpt-4o-mini'] };
  const turns = chained(sid, specs).map(({ prev_hash: _p, hash: _h, ...t }) => ({ ...t, session_id: sid }));
  const newKey = () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    return { privateKey, publicKey: publicKeyOf(privateKey) };
  };
  /** 王小明's hand-in of these turns, signed with `key`. */
  const bundleOf = (language: 'zh-CN' | 'en', key: ReturnType<typeof newKey>) =>
    buildBundle(
      {
        assignment: { id: 'hw_001', title: '数学作业一', subject: null, due_at: null },
        student: { id: 'stu-1', name: '王小明' },
        submission: { id: 'sub-1', submitted_at: Date.now(), late: false },
        sessions: [{ session, turns }],
        answer: 'x = 5',
        note: '',
        language,
      },
      key,
    );

  it('counts the conversation’s messages (not the title call), its tokens and cost with the title call, and the flagged answers', () => {
    expect(summarize([{ session, turns }])).toMatchObject({ sessions: 1, turns: 5, title_calls: 1, flagged: 1, regenerations: 1, tokens_in: 60, tokens_out: 120, cost: 18 });
  });

  it('`studylog verify` counts the messages the hand-in view counts (not the title call) and says the title call was verified too', () => {
    const bundle = bundleOf('zh-CN', newKey());
    const file = path.join(tempDir(), 'titled.studylog');
    writeFileSync(file, bundleText(bundle));
    // Six turns in the chain: five messages (the view's 对话记录（5 条消息）) and the title call.
    expect(summarize(bundle.sessions).turns).toBe(5);
    const zh = verifyCli(file, ZH);
    expect(zh.code, zh.stderr).toBe(0);
    expect(zh.stdout).toMatch(/^OK：.*校验通过（1 个会话，5 条消息，学生 王小明，作业 数学作业一）/);
    expect(zh.stdout).toContain('签名的记录里另有 1 次自动生成标题的调用，也已校验。');
    const en = verifyCli(file);
    expect(en.stdout).toMatch(/^OK: .* verified \(1 session\(s\), 5 message\(s\), student 王小明/);
    expect(en.stdout).toContain('the hash chain also holds 1 automatic title call(s), verified too.');
  });

  it('writes "version k of n" only where there are versions, marks the flagged answer, and leaves the title call out', () => {
    const key = newKey();
    const markdown = (language: 'zh-CN' | 'en') => bundleOf(language, key).transcript_md;
    const zh = markdown('zh-CN');
    const headings = zh.split('\n').filter((line) => line.startsWith('### '));
    expect(headings).toHaveLength(5);
    expect(headings.map((h) => h.replace(/ — \d{4}-\d{2}-\d{2} \d{2}:\d{2}/, ''))).toEqual([
      '### 学生',
      '### 助手（第 1 版，共 2 版） · 提示级别 1',
      '### 助手（第 2 版，共 2 版） · 提示级别 1 · ⚠ 可能直接给出了答案',
      '### 学生',
      '### 助手 · 提示级别 2',
    ]);
    expect(zh).not.toContain('移项练习');
    expect(zh).not.toMatch(/回复 \w+ 的一个版本|系统/);
    const en = markdown('en');
    expect(en).toContain('### Assistant (version 2 of 2)');
    expect(en).toContain('· ⚠ may give the final answer');
    expect(en).not.toMatch(/a version of the reply to|### System/);
  });

  it('a hand-in to a class hub’s assignment: not delivered until the outbox has sent it, then when it was', async () => {
    const { core, student } = await studentSide();
    // What a sync writes for a hub's assignment (sync/client.ts): meta.hub_class_id.
    await core.store.writes.run('test', (db) => core.assignments.update(db, 'hw_001', { meta: { hub_class_id: 'class-1' } }));
    const { submission } = await handIn(core, student);
    expect(core.handin.detail(student, submission.id).hub_delivery).toEqual({ delivered_at: null });
    const outbox = new Outbox(core.store, { now: () => 1_800_000_000_000 });
    expect(outbox.collect()).toBeGreaterThan(0);
    outbox.ack([`handin:${submission.bundle_hash}`]);
    expect(core.handin.detail(student, submission.id).hub_delivery).toEqual({ delivered_at: 1_800_000_000_000 });
    // Handed in again (the answer changed): a new bundle, not delivered yet.
    await core.handin.update(student, submission.id, { answer: 'x = -b/(2a)' });
    const again = await core.handin.submit(student, submission.id);
    expect(again.bundle_hash).not.toBe(submission.bundle_hash);
    expect(core.handin.detail(student, submission.id).hub_delivery).toEqual({ delivered_at: null });
  });

  it('a hand-in of the laptop’s own assignment goes by file: no delivery to speak of', async () => {
    const { core, student } = await studentSide();
    const { submission } = await handIn(core, student);
    expect(core.handin.detail(student, submission.id).hub_delivery).toBeNull();
  });
});

describe('who sees what on a shared server', () => {
  async function classServer() {
    const api = await startApi();
    onCleanup(() => void api.close());
    const t1 = api.token('teacher', '李老师');
    const t2 = api.token('teacher', '张老师');
    const s = api.token('student', '王小明');
    const s2 = api.token('student', '陈小红');
    const as = (who: { token: string }) => ({
      call: (method: string, p: string, body?: unknown, query?: Record<string, string>) =>
        api.api(method, p, { token: who.token, ...(body !== undefined ? { body } : {}), ...(query ? { query } : {}) }),
    });
    return { api, t1, t2, s, s2, as };
  }

  async function homework(api: ApiFixture, token: string, assignment: string, message: string): Promise<string> {
    const reply = await api.api('POST', '/proxy', { token, body: { message, mode: 'homework', assignment_id: assignment } });
    expect(reply.status, reply.text).toBe(200);
    return (reply.json as { session_id: string }).session_id;
  }

  it('a teacher sees their assignments, the hand-ins to them and the sessions handed in — never a practice chat', async () => {
    const { api, t1, t2, s, s2, as } = await classServer();
    const created = await as(t1).call('POST', '/assignments', { id: 'essay-1', title: '作文一', due_at: '2099-01-01' });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ owner_id: t1.user_id });
    // Another teacher neither sees nor changes it.
    expect((await as(t2).call('GET', '/assignments/essay-1')).status).toBe(404);
    expect(((await as(t2).call('GET', '/assignments')).json as { id: string }[]).map((a) => a.id)).not.toContain('essay-1');
    expect((await as(t2).call('PATCH', '/assignments/essay-1', { title: 'mine now' })).status).toBe(404);
    expect((await as(t2).call('DELETE', '/assignments/essay-1')).status).toBe(404);
    expect(((await as(t1).call('GET', '/assignments')).json as { id: string }[]).map((a) => a.id)).toEqual(['essay-1']);
    // Students see it (to work on it) but cannot make assignments.
    expect((await as(s).call('GET', '/assignments/essay-1')).status).toBe(200);
    expect((await as(s).call('POST', '/assignments', { title: 'no' })).status).toBe(403);

    const handed = await homework(api, s.token, 'essay-1', '帮我看看开头');
    const practice = (await as(s).call('POST', '/proxy', { message: 'a practice chat', mode: 'chat' })).json as { session_id: string };
    // Only sessions of the assignment may be handed in.
    const opened = await as(s).call('POST', '/assignments/essay-1/submissions', {});
    const draft = opened.json as Submission;
    expect(draft).toMatchObject({ status: 'draft', session_ids: [handed] });
    const wrong = await as(s).call('PATCH', `/submissions/${draft.id}`, { session_ids: [handed, practice.session_id] });
    expect([wrong.status, (wrong.json as { code: string }).code]).toEqual([422, 'validation_error']);
    // A draft is the student's alone.
    expect((await as(t1).call('GET', `/submissions/${draft.id}`)).status).toBe(404);
    expect((await as(t1).call('GET', '/assignments/essay-1/submissions')).json).toEqual([]);

    await as(s).call('PATCH', `/submissions/${draft.id}`, { answer: '我的作文', ai_note: '用 AI 检查了开头。' });
    const submitted = await as(s).call('POST', `/submissions/${draft.id}/submit`);
    expect(submitted.status, submitted.text).toBe(200);

    // Edits after handing in are the student's draft until handed in again: the teacher sees what was handed in.
    expect((await as(s).call('PATCH', `/submissions/${draft.id}`, { answer: '还没写完的修改' })).status).toBe(200);
    const inbox = (await as(t1).call('GET', '/assignments/essay-1/submissions')).json as Submission[];
    expect(inbox[0]!.answer).toBe('我的作文');
    expect(inbox.map((x) => [x.student_name, x.status, x.late])).toEqual([['王小明', 'submitted', false]]);
    const detail = (await as(t1).call('GET', `/submissions/${draft.id}`)).json as SubmissionDetail;
    expect(detail.sessions.map((x) => x.session.id)).toEqual([handed]);
    expect(detail.submission).toMatchObject({ answer: '我的作文', ai_note: '用 AI 检查了开头。', verification: { ok: true } });
    expect(JSON.stringify(detail)).not.toContain('a practice chat');
    // The session routes stay the student's: a teacher reads sessions only through the hand-in.
    for (const id of [handed, practice.session_id]) {
      expect((await as(t1).call('GET', `/sessions/${id}`)).status).toBe(404);
      expect((await as(t1).call('GET', `/sessions/${id}/turns`)).status).toBe(404);
    }
    expect((await as(t1).call('GET', '/sessions', undefined, { user_id: s.user_id })).status).toBe(403);
    expect((await as(t1).call('GET', '/turns/search', undefined, { q: 'practice' })).json).toMatchObject({ total: 0 });
    // The other teacher and the other student see nothing of it.
    expect((await as(t2).call('GET', `/submissions/${draft.id}`)).status).toBe(404);
    expect((await as(t2).call('GET', '/assignments/essay-1/submissions')).status).toBe(404);
    expect((await as(t2).call('POST', `/submissions/${draft.id}/return`, { score: 1 })).status).toBe(404);
    expect((await as(s2).call('GET', `/submissions/${draft.id}`)).status).toBe(404);
    expect((await as(s2).call('GET', '/assignments/essay-1/submissions')).json).toEqual([]);
    // A student cannot grade, import or read the grades.
    expect((await as(s).call('POST', `/submissions/${draft.id}/return`, { score: 100 })).status).toBe(403);
    expect((await as(s).call('GET', '/assignments/essay-1/grades')).status).toBe(403);
    expect((await as(s).call('POST', '/submissions/import', { bundle: '{}' })).status).toBe(403);
    // The teacher cannot change the student's hand-in.
    expect((await as(t1).call('PATCH', `/submissions/${draft.id}`, { answer: 'x' })).status).toBe(404);
    // An admin sees every hand-in.
    expect((await api.api('GET', `/submissions/${draft.id}`)).status).toBe(200);
  });

  it('late after the due date; refused after the close date; the grade goes back to the student; grades as CSV', async () => {
    const { api, t1, s, as } = await classServer();
    const past = Date.now() - 86_400_000;
    await as(t1).call('POST', '/assignments', { id: 'late-1', title: 'Late one', due_at: past });
    await as(t1).call('POST', '/assignments', { id: 'closed-1', title: 'Closed one', due_at: past, policy: { closes_at: past + 1000 } });
    await homework(api, s.token, 'late-1', 'help');
    const late = (await as(s).call('POST', '/assignments/late-1/submissions', { answer: '42' })).json as Submission;
    const submitted = (await as(s).call('POST', `/submissions/${late.id}/submit`)).json as Submission;
    expect(submitted).toMatchObject({ status: 'submitted', late: true });
    const closed = (await as(s).call('POST', '/assignments/closed-1/submissions', {})).json as Submission;
    const refused = await as(s).call('POST', `/submissions/${closed.id}/submit`);
    expect([refused.status, (refused.json as { code: string }).code]).toEqual([409, 'handin_closed']);

    // A second student whose name a spreadsheet would run as a formula.
    const evil = api.token('student', '=HYPERLINK("x")');
    const e = (await as(evil).call('POST', '/assignments/late-1/submissions', { answer: 'b' })).json as Submission;
    expect((await as(evil).call('POST', `/submissions/${e.id}/submit`)).status).toBe(200);

    const returned = await as(t1).call('POST', `/submissions/${late.id}/return`, { score: 88, feedback: '思路清楚，注意格式。' });
    expect(returned.json).toMatchObject({ status: 'returned', score: 88, feedback: '思路清楚，注意格式。', returned_at: expect.any(Number) });
    const mine = (await as(s).call('GET', '/submissions')).json as Submission[];
    expect(mine.find((x) => x.id === late.id)).toMatchObject({ status: 'returned', score: 88, feedback: '思路清楚，注意格式。', assignment_title: 'Late one' });
    // Returned: no more changes, no resubmission.
    expect((await as(s).call('POST', `/submissions/${late.id}/submit`)).status).toBe(409);
    expect((await as(s).call('PATCH', `/submissions/${late.id}`, { answer: 'new' })).status).toBe(409);

    const csv = (await as(t1).call('GET', '/assignments/late-1/grades')).json as { filename: string; content_type: string; content: string };
    expect(csv.content_type).toBe('text/csv; charset=utf-8');
    expect(csv.filename).toBe('grades-Late-one.csv');
    const lines = csv.content
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(csv.content.startsWith('\uFEFF')).toBe(true);
    expect(lines[0]).toBe('student_id,student,status,submitted_at,late,score,feedback,returned_at,verified,source');
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith(s.user_id))).toMatch(/^[^,]+,王小明,returned,\d{4}-\d\d-\d\dT[^,]+,yes,88,思路清楚，注意格式。,\d{4}-[^,]+,yes,server$/);
    expect(lines.find((l) => l.startsWith(evil.user_id))).toContain(`,"'=HYPERLINK(""x"")",submitted,`);
  });

  it('the learner summary for a teacher: only the work handed in to them, recomputed — never a practice chat of the same day', async () => {
    const { api, t1, t2, s, s2, as } = await classServer();
    await as(t1).call('POST', '/assignments', { id: 'sum-1', title: '顶点', due_at: '2099-01-01' });
    const handed = await homework(api, s.token, 'sum-1', '顶点坐标怎么求？顶点坐标公式是什么？');
    const practice = ((await as(s).call('POST', '/proxy', { message: '恐龙化石是什么？恐龙化石怎么形成？', mode: 'chat' })).json as { session_id: string }).session_id;
    // One morning (the server's local day): the homework at 10:00, its answer a minute later; the practice chat two and three minutes after.
    const DAY = '2026-03-02';
    const base = new Date(2026, 2, 2, 10, 0).getTime();
    const at = (session: string, role: string, ms: number) =>
      api.core.store.sqlite.prepare('UPDATE turn SET created_at = ? WHERE session_id = ? AND role = ?').run(ms, session, role);
    at(handed, 'user', base);
    at(handed, 'assistant', base + 60_000);
    at(practice, 'user', base + 120_000);
    at(practice, 'assistant', base + 180_000);
    const draft = (await as(s).call('POST', '/assignments/sum-1/submissions', {})).json as Submission;
    expect((await as(s).call('POST', `/submissions/${draft.id}/submit`)).status).toBe(200);

    // The student's own stored day holds both chats: the practice chat's topics and time too.
    const own = (await as(s).call('POST', '/learner-summary/run', { from: DAY, to: '2026-03-03' })).json as LearnerDay[];
    expect(own).toHaveLength(1);
    expect(own[0]!.summary).toMatchObject({ time_on_task_ms: 180_000, messages: 2, sessions: 2 });
    expect(own[0]!.summary.topics.map((t) => t.term)).toEqual(expect.arrayContaining(['顶点坐标', '恐龙化石']));

    // The teacher: the day from the hand-in alone.
    const seen = await as(t1).call('GET', '/learner-summary', undefined, { from: DAY, to: '2026-03-03', user_id: s.user_id });
    expect(seen.status, seen.text).toBe(200);
    const days = seen.json as LearnerDay[];
    expect(days.map((d) => d.day)).toEqual([DAY]);
    expect(days[0]!.summary).toMatchObject({
      time_on_task_ms: 60_000,
      messages: 1,
      answers: 1,
      sessions: 1,
      by_mode: { homework: 1 },
      assignments: [{ assignment_id: 'sum-1', sessions: 1, messages: 1, max_hint_level: 1 }],
      first_at: base,
      last_at: base + 60_000,
    });
    expect(days[0]!.summary.topics.map((t) => t.term)).toEqual(expect.arrayContaining(['顶点坐标']));
    expect(seen.text).not.toMatch(/恐龙|化石/);
    // Days outside the range are left out.
    expect((await as(t1).call('GET', '/learner-summary', undefined, { from: '2026-03-03', to: '2026-03-04', user_id: s.user_id })).json).toEqual([]);
    // Another teacher, and a student who handed nothing in to this teacher: not found.
    expect((await as(t2).call('GET', '/learner-summary', undefined, { from: DAY, to: '2026-03-03', user_id: s.user_id })).status).toBe(404);
    expect((await as(t1).call('GET', '/learner-summary', undefined, { from: DAY, to: '2026-03-03', user_id: s2.user_id })).status).toBe(404);
    // An admin reads the stored day (anyone's), or, with scope=handed_in, what a teacher sees.
    const admin = (query: Record<string, string>) => api.api('GET', '/learner-summary', { query: { from: DAY, to: '2026-03-03', user_id: s.user_id, ...query } });
    expect((await admin({})).text).toMatch(/恐龙/);
    const adminScoped = await admin({ scope: 'handed_in' });
    expect((adminScoped.json as LearnerDay[]).map((d) => d.summary)).toEqual(days.map((d) => d.summary));
    expect((await as(s).call('GET', '/learner-summary', undefined, { from: DAY, to: '2026-03-03', scope: 'handed_in' })).status).toBe(422);
    // Another student: forbidden, as before; running it for someone else stays an admin's.
    expect((await as(s2).call('GET', '/learner-summary', undefined, { from: DAY, to: '2026-03-03', user_id: s.user_id })).status).toBe(403);
    expect((await as(t1).call('POST', '/learner-summary/run', { from: DAY, to: '2026-03-03', user_id: s.user_id })).status).toBe(403);
  });

  it('a teacher imports a file handed in by USB stick into the class server; a student’s earlier key is on record', async () => {
    const { api, t1, as } = await classServer();
    await as(t1).call('POST', '/assignments', { id: 'hw_001-file', title: 'By file' });
    // The student's laptop: its own Studylog, its own key.
    const { core, student } = await studentSide();
    core.assignments.create(testWrites(core.store), { id: 'hw_001-file', title: 'By file' });
    await core.proxy.send(student, { message: 'offline work', mode: 'homework', assignment_id: 'hw_001-file' });
    const draft = await core.handin.create(student, 'hw_001-file', { answer: 'done' });
    const sub = await core.handin.submit(student, draft.id);
    const file = core.handin.bundleFile(student, sub.id).content;
    const imported = await as(t1).call('POST', '/submissions/import', { bundle: file });
    expect(imported.status, imported.text).toBe(200);
    expect(imported.json).toMatchObject({ source: 'file', student_name: '王小明', status: 'submitted' });
    expect(api.core.handin.submissions.studentKey(student.user_id)).toBe(JSON.parse(file).public_key);
    // A file for an assignment the teacher does not have is refused, naming it.
    const foreign = await as(t1).call('POST', '/submissions/import', { bundle: core.handin.bundleFile(student, (await handIn(core, student)).submission.id).content });
    expect([foreign.status, (foreign.json as { detail: string }).detail]).toEqual([404, "There is no assignment 'hw_001' of yours."]);
    const garbage = await as(t1).call('POST', '/submissions/import', { bundle: '{"format":"studylog.handin","version":1' });
    expect(garbage.json).toMatchObject({ code: 'bundle_invalid', issues: [{ path: 'truncated' }] });
  });

  it('over HTTP a hand-in file with answer files larger than the 1 MiB body limit is imported; one above the largest bundle is refused', async () => {
    const { api, t1, as } = await classServer();
    await as(t1).call('POST', '/assignments', { id: 'big-1', title: 'With photos' });
    const { privateKey } = generateKeyPairSync('ed25519');
    const key = { privateKey, publicKey: publicKeyOf(privateKey) };
    // Three scans of 1 MB each (their bytes need not be a picture to be carried and checked).
    const scans = [1, 2, 3].map((n) => ({ name: `scan-${n}.pdf`, kind: 'pdf' as const, mime: 'application/pdf', data: Buffer.alloc(1024 * 1024, n) }));
    const bundle = buildBundle(
      {
        assignment: { id: 'big-1', title: 'With photos', subject: null, due_at: null },
        student: { id: 'stu-big', name: '刘小华' },
        submission: { id: 'sub-big', submitted_at: Date.now(), late: false },
        sessions: [],
        answer: 'see the scans',
        files: scans,
        note: '',
        language: 'en',
      },
      key,
    );
    const text = bundleText(bundle);
    expect(text.length).toBeGreaterThan(4 * 1024 * 1024);
    const imported = await as(t1).call('POST', '/submissions/import', { bundle: text });
    expect(imported.status, imported.text.slice(0, 300)).toBe(200);
    expect((imported.json as Submission).answer_files.map((f) => f.name)).toEqual(['scan-1.pdf', 'scan-2.pdf', 'scan-3.pdf']);
    const tooBig = await as(t1).call('POST', '/submissions/import', { bundle: 'x'.repeat(MAX_IMPORT_BODY_BYTES + 1) });
    expect([tooBig.status, (tooBig.json as { code: string }).code]).toEqual([413, 'payload_too_large']);
    // Other routes keep the 1 MiB limit.
    expect((await as(t1).call('POST', '/assignments', { title: 'x'.repeat(1024 * 1024 + 1) })).status).toBe(413);
    expect(api.core.handin.submissions.studentKey('stu-big')).toBe(key.publicKey);
  });

  it('a hand-in’s size is counted in UTF-8 bytes: one heavy in Chinese over 7 MB is refused on import and when handed in, naming its size', async () => {
    const { t1, as } = await classServer();
    await as(t1).call('POST', '/assignments', { id: 'zh-big', title: '作文' });
    const { privateKey } = generateKeyPairSync('ed25519');
    const key = { privateKey, publicKey: publicKeyOf(privateKey) };
    // 1.25 million Chinese characters (the bundle holds the answer twice: as given and in its transcript):
    // far fewer characters than the limit's bytes, 7.2 MB of UTF-8.
    const essay = '春'.repeat(1_250_000);
    const text = bundleText(
      buildBundle(
        {
          assignment: { id: 'zh-big', title: '作文', subject: null, due_at: null },
          student: { id: 'stu-zh', name: '刘小华' },
          submission: { id: 'sub-zh', submitted_at: Date.now(), late: false },
          sessions: [],
          answer: essay,
          files: [],
          note: '',
          language: 'zh-CN',
        },
        key,
      ),
    );
    const bytes = Buffer.byteLength(text);
    expect(text.length).toBeLessThan(MAX_BUNDLE_BYTES);
    expect(bytes).toBeGreaterThan(MAX_BUNDLE_BYTES);
    const refused = await as(t1).call('POST', '/submissions/import', { bundle: text });
    expect(refused.status).toBe(413);
    const body = refused.json as { code: string; detail: string; issues: { path: string; message: string; params: Record<string, number> }[] };
    expect(body).toMatchObject({ code: 'payload_too_large', issues: [{ path: 'bundle', params: { bytes, max_bytes: MAX_BUNDLE_BYTES } }] });
    expect(body.detail).toContain(`${megabytes(bytes)} (${bytes} bytes)`);
    expect(megabytes(bytes)).toBe('7.2 MB');
    expect(body.detail).toContain(`7 MB (${MAX_BUNDLE_BYTES} bytes)`);
    expect(body.issues[0]!.message).toContain('7.2 MB'); // the settings' language (English here)
    expect((await as(t1).call('GET', '/assignments/zh-big/submissions')).json).toEqual([]);

    // Handing in: the student's own Studylog refuses to make such a file (it could not be downloaded
    // within the 8 MiB reply cap), in the settings' language; the draft stays a draft.
    const { core, student } = await studentSide();
    core.settings.update({ language: 'zh-CN' });
    const draft = await core.handin.create(student, 'hw_001', { answer: essay });
    const error = await refusal(core.handin.submit(student, draft.id));
    expect(error.code).toBe('payload_too_large');
    expect(error.issues?.[0]?.message).toMatch(/^这份作业有 7\.\d MB（\d+ 字节），超过了上限 7 MB（7340032 字节）/);
    expect(core.handin.submissions.get(draft.id)?.status).toBe('draft');
  });
});

describe('the migration to teachers', () => {
  it('studylog token create --role teacher makes a teacher', () => {
    const dir = tempDir();
    const made = runCli(['token', 'create', '--name', '李老师', '--role', 'teacher', '--data-dir', dir]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^slk_/);
    expect(made.stderr).toMatch(/for 李老师 \(teacher, user /);
  });

  it('upgrades a database from before teachers, keeping users and their tokens', () => {
    const dir = tempDir();
    const migrations = path.join(tempDir(), 'migrations');
    cpSync(DEFAULT_MIGRATIONS_FOLDER, migrations, { recursive: true });
    const journalFile = path.join(migrations, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    const at = journal.entries.findIndex((e) => e.tag.endsWith('_teacher_and_submissions'));
    expect(at).toBeGreaterThan(0);
    writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
    const file = path.join(dir, 'studylog.db');
    const old = openDatabase(file, { migrationsFolder: migrations });
    old.sqlite.prepare("INSERT INTO user VALUES ('u1', '王小明', 'student', 1)").run();
    old.sqlite.prepare(`INSERT INTO api_token (id, name, user_id, secret_hash, created_at) VALUES ('t1', 'laptop', 'u1', '${'a'.repeat(64)}', 2)`).run();
    old.sqlite.prepare("INSERT INTO assignment (id, title, created_at, meta) VALUES ('hw_9', 'Old', 3, '{}')").run();
    expect(() => old.sqlite.prepare("INSERT INTO user VALUES ('u2', 'T', 'teacher', 1)").run()).toThrow(/CHECK/);
    old.close();

    const upgraded = openDatabase(file);
    onCleanup(() => upgraded.sqlite.open && upgraded.close());
    // The migration to teachers is applied first (later ones after it).
    expect(upgraded.openReport.appliedMigrations[0]).toMatch(/_teacher_and_submissions$/);
    expect(upgraded.sqlite.prepare('SELECT id, user_id FROM api_token').all()).toEqual([{ id: 't1', user_id: 'u1' }]);
    expect(upgraded.sqlite.prepare("SELECT owner_id FROM assignment WHERE id = 'hw_9'").get()).toEqual({ owner_id: null });
    upgraded.sqlite.prepare("INSERT INTO user VALUES ('u2', 'T', 'teacher', 1)").run();
    expect(() => upgraded.sqlite.prepare("INSERT INTO user VALUES ('u3', 'X', 'principal', 1)").run()).toThrow(/CHECK/);
    // The token still cascades with its user (the foreign key survived the table rebuild).
    upgraded.sqlite.prepare("DELETE FROM user WHERE id = 'u1'").run();
    expect(upgraded.sqlite.prepare('SELECT count(*) AS n FROM api_token').get()).toEqual({ n: 0 });
  });
});
