/**
 * Builds the B2 history: 1,000,000 turns in 20,000 sessions of one user, spread over a year,
 * Chinese and English text mixed, written through the real schema (so the FTS triggers run).
 * One session holds exactly 500 turns (the "open a long session" query).
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openDatabase } from '../src/main/core/db/connection.ts';
import { FTS_TRIGGERS } from '../src/main/core/db/fts.ts';
import { USAGE_TRIGGERS, usageDayTriggers } from '../src/main/core/db/usage-rollup.ts';
import { mulberry32 } from '../tests/support/random.ts';

export const B2_USER = 'bench-student';
export const B2_LONG_SESSION = 'bench-long-session';
export const B2_SESSIONS = 20_000;
export const B2_TURNS = 1_000_000;
/**
 * Bump when the generated data changes, so a cached file is rebuilt. 5: the full-text index's text
 * changed (fts.ts FTS_TEXT_VERSION 2) — a cached file would otherwise be re-indexed in the
 * background while B2 measures its searches.
 */
export const GENERATOR_VERSION = 5;
export const YEAR_MS = 365 * 86_400_000;
/** The year ends here; fixed so results do not depend on the day the bench runs. */
export const B2_END = Date.UTC(2026, 10, 1);

const ZH = [
  '数学',
  '物理',
  '化学',
  '生物',
  '历史',
  '地理',
  '函数',
  '方程',
  '导数',
  '积分',
  '概率',
  '向量',
  '细胞',
  '光合作用',
  '牛顿定律',
  '作文',
  '阅读理解',
  '单词',
  '语法',
  '实验',
  '证明',
  '几何',
  '三角形',
  '复习',
  '考试',
];
const ZH_GLUE = ['请帮我解释一下', '这道题怎么做', '为什么', '我不太明白', '可以举个例子吗', '下面是我的思路', '我们先看', '所以答案是', '注意这里', '总结一下'];
const EN = [
  'integral',
  'derivative',
  'photosynthesis',
  'velocity',
  'molecule',
  'essay',
  'grammar',
  'theorem',
  'probability',
  'equation',
  'history',
  'revolution',
  'vector',
  'energy',
  'function',
  'homework',
  'explain',
  'example',
  'because',
  'therefore',
];

function sentence(random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const parts: string[] = [];
  const words = 4 + Math.floor(random() * 20);
  const chinese = random() < 0.6;
  for (let i = 0; i < words; i++) parts.push(chinese ? (random() < 0.3 ? pick(ZH_GLUE) : pick(ZH)) : pick(EN));
  return chinese ? parts.join('') + '。' : parts.join(' ') + '.';
}

export function generateHistory(file: string, log: (line: string) => void = () => {}): { seconds: number } {
  const started = performance.now();
  const partial = `${file}.partial`;
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
  const store = openDatabase(partial);
  const db = store.sqlite;
  // A bulk load is faster without the derived-table triggers (FTS5 flushes its in-memory index at
  // every statement savepoint they cause): drop them, load, and let the next open re-create them
  // and rebuild the FTS index, usage buckets and usage days in one pass each (derived.ts).
  for (const name of [...Object.keys(FTS_TRIGGERS), ...Object.keys(USAGE_TRIGGERS), ...Object.keys(usageDayTriggers(0))]) db.exec(`DROP TRIGGER ${name}`);
  const random = mulberry32(20261124);
  const insertSession = db.prepare("INSERT INTO session (id, user_id, assignment_id, mode, started_at, ended_at, policy_snapshot, meta) VALUES (?, ?, ?, ?, ?, NULL, '{}', ?)");
  const insertTurn = db.prepare(
    'INSERT INTO turn (id, session_id, role, content, tool_calls, model, tokens_in, tokens_out, cost, created_at, meta, parent_id) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)',
  );
  const modes = ['chat', 'homework', 'deep_think'] as const;
  const models = ['gpt-4o-mini', 'deepseek-chat', 'qwen-plus', 'llama3.2'];
  const perSession = (B2_TURNS - 500) / (B2_SESSIONS - 1); // 49.99…: the long session holds 500
  let written = 0;
  const batch = db.transaction((from: number, to: number) => {
    for (let s = from; s < to; s++) {
      const id = s === 0 ? B2_LONG_SESSION : uuidv7();
      const startedAt = B2_END - YEAR_MS + Math.floor((s / B2_SESSIONS) * YEAR_MS);
      const mode = modes[s % 3]!;
      insertSession.run(id, B2_USER, mode === 'homework' ? `hw_${s % 40}` : null, mode, startedAt, JSON.stringify({ title: `Session ${s}` }));
      const turns = s === 0 ? 500 : Math.round((s + 1) * perSession) - Math.round(s * perSession);
      // Each turn follows the one before it (versions: turn.parent_id), as a conversation without edits.
      let previous: string | null = null;
      for (let t = 0; t < turns && written < B2_TURNS; t++) {
        const user = t % 2 === 0;
        const turnId = uuidv7();
        const content = user ? sentence(random) : `${sentence(random)} ${sentence(random)} ${sentence(random)}`;
        const tokensIn = user ? 20 : 200 + t * 20;
        const tokensOut = user ? 0 : 120;
        insertTurn.run(
          turnId,
          id,
          user ? 'user' : 'assistant',
          content,
          user ? null : models[s % 4]!,
          tokensIn,
          tokensOut,
          user ? 0 : tokensIn * 15 + tokensOut * 60,
          startedAt + t * 30_000,
          user ? '{"status":"answered"}' : '{"status":"complete","usage":{"estimated":false}}',
          previous,
        );
        previous = turnId;
        written++;
      }
    }
  });
  const step = 500;
  for (let s = 0; s < B2_SESSIONS; s += step) {
    batch(s, Math.min(B2_SESSIONS, s + step));
    if (s % 2500 === 0) log(`  generated ${written.toLocaleString('en')} turns (${((performance.now() - started) / 1000).toFixed(0)} s)…`);
  }
  store.close();
  const rebuilt = openDatabase(partial);
  log(`  rebuilt ${rebuilt.openReport.repairedTriggers.length} triggers and their tables (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  rebuilt.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  rebuilt.sqlite.exec('ANALYZE');
  rebuilt.close();
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  renameSync(partial, file);
  return { seconds: (performance.now() - started) / 1000 };
}

/** The cached history, rebuilt when missing or from another generator version. */
export function ensureHistory(dataDir: string, log: (line: string) => void): { file: string; generatedSeconds: number | null } {
  const file = path.join(dataDir, 'studylog.db');
  const marker = path.join(dataDir, `generator-v${GENERATOR_VERSION}`);
  if (existsSync(file) && existsSync(marker) && statSync(file).size > 0) return { file, generatedSeconds: null };
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  log('Generating the B2 history (1,000,000 turns, 20,000 sessions)…');
  const { seconds } = generateHistory(file, log);
  writeFileSync(marker, new Date().toISOString());
  return { file, generatedSeconds: seconds };
}
