// The bundle's verification, case by case, without a database: what each kind of damage is
// called, and that a sound bundle (even an empty one) passes.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildBundle, bundleText, suggestAiNote, summarize, verifyBundle, type BundleInput } from '../../src/main/core/handin/bundle.ts';
import type { ChainTurn } from '../../src/main/core/handin/chain.ts';
import { publicKeyOf } from '../../src/main/core/handin/signing.ts';
import { describeProblem, MAX_ANSWER_FILES_BYTES, type Bundle } from '../../src/shared/api/handin.ts';
import { NOTE_COUNT_PREFIXES, refreshNoteCounts } from '../../src/shared/ai-note.ts';
import { REFUSED_CODES, UNSENT_LABELS } from '../../src/shared/transcript.ts';
import { en } from '../../src/renderer/src/i18n/en.ts';
import { zhCN } from '../../src/renderer/src/i18n/zh-CN.ts';

const key = (() => {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: publicKeyOf(privateKey) };
})();

const turn = (session: string, n: number, extra: Partial<ChainTurn> = {}): ChainTurn => ({
  id: `${session}-t${n}`,
  session_id: session,
  parent_id: null,
  role: n % 2 === 1 ? 'user' : 'assistant',
  content: `turn ${n} of ${session}`,
  model: n % 2 === 1 ? null : 'gpt-4o-mini',
  tokens_in: 10,
  tokens_out: 5,
  cost: 100,
  created_at: 1_700_000_000_000 + n * 1000,
  meta: {},
  ...extra,
});
const session = (id: string) => ({ id, assignment_id: 'hw_1', mode: 'homework', started_at: 1_700_000_000_000, ended_at: null, title: null, models: ['gpt-4o-mini'] });

function input(): BundleInput {
  return {
    assignment: { id: 'hw_1', title: 'Algebra', subject: null, due_at: null },
    student: { id: 'u1', name: 'Ann' },
    submission: { id: 'sub1', submitted_at: 1_700_000_100_000, late: false },
    sessions: [
      { session: session('s1'), turns: [turn('s1', 1), turn('s1', 2, { meta: { hint_level: 2 } }), turn('s1', 3), turn('s1', 4, { meta: { hint_level: 5 } })] },
      { session: session('s2'), turns: [turn('s2', 1), turn('s2', 2), turn('s2', 3, { role: 'assistant', parent_id: 's2-t1', meta: { hint_level: 1 } })] },
    ],
    answer: '42',
    note: 'I used hints.',
    language: 'en',
  };
}

const text = bundleText(buildBundle(input(), key, 1_700_000_200_000));
const tamper = (change: (b: Bundle) => void) => {
  const b = JSON.parse(text) as Bundle;
  change(b);
  return JSON.stringify(b);
};
const codes = (t: string, knownKey?: string) => verifyBundle(t, knownKey ? { knownKey } : {}).verification.problems.map((p) => p.code);

describe('bundle verification', () => {
  it('passes a sound bundle, and an empty one', () => {
    expect(verifyBundle(text).verification).toMatchObject({ ok: true, problems: [], sessions: 2, turns: 7 });
    const empty = bundleText(buildBundle({ ...input(), sessions: [] }, key));
    expect(verifyBundle(empty).verification).toMatchObject({ ok: true, turns: 0, chain_head: '0'.repeat(64) });
  });

  it('names the turn that changed, by session and position', () => {
    const result = verifyBundle(tamper((b) => (b.sessions[1]!.turns[2]!.meta = { hint_level: 1, edited: true }))).verification;
    expect(result.problems).toEqual([{ code: 'turn_changed', session_index: 2, session_id: 's2', turn_index: 3, turn_id: 's2-t3' }, { code: 'signature_invalid' }]);
  });

  it('tells a removed turn from rearranged ones, also across sessions', () => {
    expect(codes(tamper((b) => b.sessions[0]!.turns.splice(2, 1)))).toEqual(['turn_missing', 'signature_invalid']);
    expect(codes(tamper((b) => b.sessions.reverse()))[0]).toBe('order_changed');
    expect(codes(tamper((b) => b.sessions.splice(0, 1)))).toEqual(['turn_missing', 'signature_invalid']);
    expect(codes(tamper((b) => b.sessions[1]!.turns.pop()))).toEqual(['end_missing', 'signature_invalid']);
    // A turn moved to the next session (the chain's links still hold): its session_id says so.
    expect(codes(tamper((b) => b.sessions[1]!.turns.unshift(b.sessions[0]!.turns.pop()!)))).toEqual(['order_changed', 'signature_invalid']);
  });

  it('refuses what is not a bundle, naming the field, and a newer version', () => {
    expect(verifyBundle('{"format":"studylog.handin","version":1').verification.problems).toEqual([{ code: 'truncated' }]);
    expect(verifyBundle('hello').verification.problems).toEqual([{ code: 'invalid_json' }]);
    expect(verifyBundle(tamper((b) => delete (b as Partial<Bundle>).chain_head)).verification.problems).toEqual([{ code: 'not_a_bundle', field: 'chain_head' }]);
    expect(verifyBundle(tamper((b) => ((b as { version: number }).version = 3))).verification.problems).toEqual([{ code: 'unsupported_version', field: '3' }]);
    // Version 2 is the format with answer files: a version 1 bundle relabelled lacks them.
    expect(verifyBundle(tamper((b) => ((b as { version: number }).version = 2))).verification.problems).toEqual([{ code: 'not_a_bundle', field: 'answer_files' }]);
    expect(verifyBundle('[]').verification.problems).toEqual([{ code: 'not_a_bundle', field: '(file)' }]);
  });

  it('checks the key against the one on record', () => {
    const other = publicKeyOf(generateKeyPairSync('ed25519').privateKey);
    expect(codes(text, other)).toEqual(['key_mismatch']);
    expect(codes(text, key.publicKey)).toEqual([]);
    expect(codes(tamper((b) => (b.public_key = other)))).toEqual(['signature_invalid']);
    expect(codes(tamper((b) => (b.signature = 'AAAA')))).toEqual(['signature_invalid']);
  });
});

describe('answer files (version 2)', () => {
  const png = Buffer.from('89504e470d0a1a0a' + '00'.repeat(40), 'hex');
  const pdf = Buffer.from('%PDF-1.7 the answer, scanned\n%%EOF\n');
  const withFiles = bundleText(
    buildBundle(
      {
        ...input(),
        files: [
          { name: '解题过程.png', kind: 'image', mime: 'image/png', data: png },
          { name: 'answer.pdf', kind: 'pdf', mime: 'application/pdf', data: pdf },
        ],
      },
      key,
      1_700_000_200_000,
    ),
  );
  const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  const tamperFiles = (change: (b: Extract<Bundle, { version: 2 }>) => void) => {
    const b = JSON.parse(withFiles) as Extract<Bundle, { version: 2 }>;
    change(b);
    return JSON.stringify(b);
  };

  it('a bundle without files is still version 1, exactly the format before files', () => {
    const b = JSON.parse(text) as Record<string, unknown>;
    expect(b.version).toBe(1);
    expect(Object.keys(b).sort()).toEqual(
      ['answer', 'assignment', 'chain_head', 'created_at', 'format', 'note', 'public_key', 'sessions', 'signature', 'student', 'submission', 'transcript_md', 'version'].sort(),
    );
  });

  it('round trip: the files travel as base64, named by their sha256 in the signed part, and verify', () => {
    const b = JSON.parse(withFiles) as Extract<Bundle, { version: 2 }>;
    expect(b.version).toBe(2);
    expect(b.answer_files).toEqual([
      { sha256: sha(png), name: '解题过程.png', kind: 'image', mime: 'image/png', bytes: png.length },
      { sha256: sha(pdf), name: 'answer.pdf', kind: 'pdf', mime: 'application/pdf', bytes: pdf.length },
    ]);
    expect(Buffer.from(b.file_data[sha(png)]!, 'base64').equals(png)).toBe(true);
    expect(Buffer.from(b.file_data[sha(pdf)]!, 'base64').equals(pdf)).toBe(true);
    expect(b.transcript_md).toContain(`- answer.pdf (application/pdf, ${pdf.length} bytes, sha256 ${sha(pdf)})`);
    const result = verifyBundle(withFiles);
    expect(result.verification).toMatchObject({ ok: true, problems: [] });
    expect(result.bundle?.version).toBe(2);
  });

  it('files over 4 MB together are refused where the hand-in is filed, as where it is made (a modified app could sign them)', () => {
    const big = (fill: number, bytes: number) => ({ name: `page-${fill}.png`, kind: 'image' as const, mime: 'image/png', data: Buffer.alloc(bytes, fill) });
    const half = MAX_ANSWER_FILES_BYTES / 2;
    const atLimit = bundleText(buildBundle({ ...input(), files: [big(1, half), big(2, half)] }, key, 1_700_000_200_000));
    expect(verifyBundle(atLimit).verification).toMatchObject({ ok: true, problems: [] });
    const over = bundleText(buildBundle({ ...input(), files: [big(1, half), big(2, half + 1)] }, key, 1_700_000_200_000));
    const { problems } = verifyBundle(over).verification;
    expect(problems).toEqual([{ code: 'files_too_large', bytes: MAX_ANSWER_FILES_BYTES + 1 }]);
    expect(describeProblem(problems[0]!, 'zh-CN')).toBe('答案的附件合计 4 MB（4194305 字节），超过了上限 4 MB（4194304 字节）；Studylog 交作业时不会生成这样的文件。');
    expect(describeProblem(problems[0]!, 'en')).toMatch(/^The answer's files are 4 MB \(4194305 bytes\) together, more than the 4 MB \(4194304 bytes\) a hand-in may carry/);
  });

  it('a file whose bytes do not match its sha256 is refused, by name; a missing one too', () => {
    const changed = Buffer.from(pdf);
    changed[3] = 0x32;
    expect(verifyBundle(tamperFiles((b) => (b.file_data[sha(pdf)] = changed.toString('base64')))).verification.problems).toEqual([
      { code: 'file_changed', file_index: 2, field: 'answer.pdf', sha256: sha(pdf) },
    ]);
    expect(verifyBundle(tamperFiles((b) => delete b.file_data[sha(png)])).verification.problems).toEqual([
      { code: 'file_missing', file_index: 1, field: '解题过程.png', sha256: sha(png) },
    ]);
    // Another file swapped in under a new hash: the signed list no longer matches.
    expect(
      codes(
        tamperFiles((b) => {
          b.answer_files[1]!.sha256 = sha(changed);
          b.file_data = { [sha(png)]: png.toString('base64'), [sha(changed)]: changed.toString('base64') };
        }),
      ),
    ).toEqual(['signature_invalid']);
    // A file left out of the list altogether.
    expect(codes(tamperFiles((b) => b.answer_files.pop()))).toEqual(['signature_invalid']);
  });
});

describe('the summary card', () => {
  it('counts turns, tokens and cost, the highest hint level and when, a worked solution, regenerations', () => {
    const b = JSON.parse(text) as Bundle;
    expect(summarize(b.sessions)).toEqual({
      sessions: 2,
      turns: 7,
      asked: 3,
      answers: 4,
      unanswered: 0,
      first_at: 1_700_000_001_000,
      last_at: 1_700_000_004_000,
      highest_hint_level: 5,
      highest_hint_at: 1_700_000_004_000,
      worked_solution: true,
      regenerations: 0,
      flagged: 0,
      tokens_in: 70,
      tokens_out: 35,
      cost: 700,
      title_calls: 0,
      models: ['gpt-4o-mini'],
    });
    // Two answers to the same question: one regeneration. The title call's record is not a message; its tokens and cost count.
    const again = summarize([
      {
        session: session('s'),
        turns: [
          turn('s', 1),
          turn('s', 2, { parent_id: 's-t1' }),
          turn('s', 3, { role: 'system', meta: { purpose: 'title' } }),
          turn('s', 4, { parent_id: 's-t1', meta: { flagged: 'final_answer_above_level' } }),
        ],
      },
    ]);
    expect(again).toMatchObject({ turns: 3, title_calls: 1, regenerations: 1, flagged: 1, tokens_in: 40, tokens_out: 20, cost: 400 });
  });
});

describe('the suggested AI-use note', () => {
  it('counts the questions that were answered, not one refused (the allowance used up) that has no answer', () => {
    const turns = [
      turn('s', 1),
      turn('s', 2, { parent_id: 's-t1' }),
      turn('s', 3, { parent_id: 's-t2' }),
      turn('s', 4, { parent_id: 's-t3' }),
      // Refused before the model saw it: the message is kept (failed), nothing answers it.
      turn('s', 5, { parent_id: 's-t4', meta: { status: 'failed', error: { code: 'allowance_exhausted', detail: 'allowance used up' } } }),
    ];
    expect(suggestAiNote([{ session: session('s'), turns }], 'zh-CN')).toContain('1 个会话，提问 2 次');
    expect(suggestAiNote([{ session: session('s'), turns }], 'en')).toContain('1 session(s), 2 question(s)');
  });

  it('says the refused message apart, with the counts the transcript heading uses (tryout 8: "提问 2 次" beside 9 messages)', () => {
    const turns = [
      turn('s', 1),
      turn('s', 2, { parent_id: 's-t1' }),
      turn('s', 3, { parent_id: 's-t2', meta: { status: 'failed', error: { code: 'allowance_exhausted', message: 'used up' } } }),
      // A message that failed offline and was answered after a retry: an answer under it, whatever its copy's status says.
      turn('s', 5, { parent_id: 's-t2', meta: { status: 'failed', error: { code: 'network_error', message: 'offline' } } }),
      turn('s', 6, { parent_id: 's-t5' }),
    ];
    const sessions = [{ session: session('s'), turns }];
    expect(summarize(sessions)).toMatchObject({ turns: 5, asked: 2, answers: 2, unanswered: 1 });
    expect(suggestAiNote(sessions, 'zh-CN')).toContain('1 个会话，提问 2 次（另有 1 条消息没有得到回答）');
    expect(suggestAiNote(sessions, 'en')).toContain('1 session(s), 2 question(s) (and 1 message(s) that got no answer)');
    // The signed transcript text marks it too.
    const b = buildBundle({ ...input(), sessions, language: 'zh-CN' }, key);
    expect(b.transcript_md).toMatch(/### 学生（第 1 版，共 2 版） — [\d: -]+ · 未发送：额度已用完\n\nturn 3 of s/);
    expect(b.transcript_md.match(/未发送|没有得到回答/g)).toHaveLength(1);
  });
});

describe("the note's counted lines follow the sessions (shared/ai-note.ts)", () => {
  it('only the lines Studylog wrote are brought up to date; what the student wrote stays', () => {
    const before = [turn('s', 1), turn('s', 2, { parent_id: 's-t1' })];
    const after = [...before, turn('s', 3, { parent_id: 's-t2' }), turn('s', 4, { parent_id: 's-t3' })];
    const old = `${suggestAiNote([{ session: session('s'), turns: before }], 'zh-CN')}先自己设了解析式，卡住时请 AI 提示下一步。\n最后自己检查了两遍。`;
    expect(old).toContain('提问 1 次');
    const fresh = suggestAiNote([{ session: session('s'), turns: after }], 'zh-CN');
    const { note, changed } = refreshNoteCounts(old, fresh);
    expect(changed).toEqual([fresh.split('\n')[1]]);
    expect(note).toContain('提问 2 次');
    expect(note).not.toContain('提问 1 次');
    expect(note).toContain('我是这样使用 AI 的：先自己设了解析式，卡住时请 AI 提示下一步。\n最后自己检查了两遍。');
    // Already up to date, or rewritten by the student (no counted line), or in the other language: left as it is.
    expect(refreshNoteCounts(fresh, fresh)).toEqual({ note: fresh, changed: [] });
    expect(refreshNoteCounts('我只用 AI 检查了答案。', fresh)).toEqual({ note: '我只用 AI 检查了答案。', changed: [] });
    // A counted line the student wrote over, or added to, is theirs now (a review's finding).
    const own = old.replace(/^时间：.*$/m, '时间：周日晚上，大约 40 分钟').replace(/^最高提示级别：(.*)$/m, '最高提示级别：$1（只用了一次）');
    expect(refreshNoteCounts(own, fresh)).toEqual({ note: own, changed: [] });
    // The remark on unanswered messages coming (or going) still refreshes the line.
    const withRefused = fresh.replace(/提问 2 次/, '提问 2 次（另有 1 条消息没有得到回答）');
    expect(refreshNoteCounts(old, withRefused).note).toContain('提问 2 次（另有 1 条消息没有得到回答）');
    expect(refreshNoteCounts(withRefused, fresh).note).toContain('提问 2 次\n');
    const en = suggestAiNote([{ session: session('s'), turns: before }], 'en');
    expect(refreshNoteCounts(en, fresh)).toEqual({ note: en, changed: [] });
    // Every counted line Studylog writes starts as refreshNoteCounts expects.
    for (const language of ['zh-CN', 'en'] as const) {
      const lines = suggestAiNote([{ session: session('s'), turns: after }], language).split('\n');
      expect(lines.slice(0, 3).every((l) => NOTE_COUNT_PREFIXES.some((p) => l.startsWith(p)))).toBe(true);
    }
  });
});

describe('one wording: what bundle.ts writes is what ai-note.ts reads and what the app shows (shared/ai-note.ts, shared/transcript.ts)', () => {
  // Four sessions' worth of states: a refused message, a regenerated answer, hint levels up to a worked solution.
  const turnsUpTo = (n: number) =>
    [
      turn('s', 1),
      turn('s', 2, { parent_id: 's-t1', meta: { hint_level: 2 } }),
      turn('s', 3, { parent_id: 's-t2' }),
      turn('s', 4, { parent_id: 's-t3', meta: { hint_level: 5 } }),
      turn('s', 5, { parent_id: 's-t4', meta: { status: 'failed', error: { code: 'hint_ceiling_reached' } } }),
    ].slice(0, n);
  it.each(['zh-CN', 'en'] as const)('the note bundle.ts writes (%s) is read back by refreshNoteCounts, each counted line brought up to date', (language) => {
    const written = (n: number) =>
      buildBundle(
        { ...input(), sessions: [{ session: session('s'), turns: turnsUpTo(n) }], language, note: suggestAiNote([{ session: session('s'), turns: turnsUpTo(n) }], language) },
        key,
      ).note;
    const early = written(2);
    const late = written(5);
    // Every line but the last (the one the student continues) is a counted line.
    const lines = late.split('\n');
    expect(lines.slice(0, -1).map((l) => NOTE_COUNT_PREFIXES.some((p) => l.startsWith(p)))).toEqual([true, true, true]);
    // The early note, as written, is still Studylog's: each line whose counts moved is replaced by the late one's.
    const { note, changed } = refreshNoteCounts(`${early} …`, late);
    expect(note).toBe(`${late} …`);
    expect(changed).toEqual([lines[1], lines[2]]);
  });

  it('the transcript marks a message that got no answer in the app’s words (the renderer’s i18n is the same labels)', () => {
    for (const [language, messages] of [
      ['zh-CN', zhCN],
      ['en', en],
    ] as const) {
      expect(messages.handin.unsent).toEqual(UNSENT_LABELS[language].unsent);
      expect(messages.handin.unanswered).toBe(UNSENT_LABELS[language].unanswered);
      for (const code of [...REFUSED_CODES, 'network_error']) {
        const turns = [turn('s', 1), turn('s', 2, { parent_id: 's-t1' }), turn('s', 3, { parent_id: 's-t2', meta: { status: 'failed', error: { code } } })];
        const md = buildBundle({ ...input(), sessions: [{ session: session('s'), turns }], language }, key).transcript_md;
        const label = code === 'network_error' ? messages.handin.unanswered : messages.handin.unsent[code as (typeof REFUSED_CODES)[number]];
        expect(md).toMatch(new RegExp(` · ${label.replace(/[()]/g, '\\$&')}\n\nturn 3 of s`));
      }
    }
  });
});
