/**
 * The learner summary (the seed's nightly analysis): per student and local calendar day, what they
 * did — time on task, messages, sessions by mode and assignment, the highest hint level reached
 * per assignment, and the topics of their messages — in `learner_day`, shown to the student on the
 * Usage screen.
 *
 * - Days are calendar days where Studylog serves (the process's time zone: `TZ` sets it).
 * - A day is read a page of turns at a time (getTurnsByUserAndDatePage), so memory stays bounded
 *   whatever the day holds; only counters, the day's sessions and its term counts are kept.
 * - Time on task: the sum of the gaps between consecutive turns of the day (any session), each
 *   gap counted up to IDLE_CAP_MS — a pause longer than that is a break, not study.
 * - Topics: from the student's own messages, Chinese words as Intl.Segmenter('zh') cuts them
 *   (ICU's dictionary: 光合作用 is one word, not 光合 合作 作用) and English words of 3+ letters.
 *   ICU's dictionary does not know many school terms (一次|函数, 解析|式, 平行|四边|形), so runs of up
 *   to three adjacent words count too (一次函数, 解析式), and a day's topics leave out a term that
 *   only occurs inside a longer one (一次 when every 一次 was in 一次函数). Function words — made
 *   only of common function characters (的, 我们, 怎么, 这个 …) or in STOP_WORDS_ZH (需要, 已知,
 *   请问 …) — and English stop-words are left out and end a run; a one-character word is no topic
 *   and only ends a run (数学|题, never 求|解析); a term must occur twice in the day.
 * - Runs once a day (a timer in the serving process compares the last run's day with today: no
 *   cron) for the days since the last run (at most a week back), and on demand for a range.
 * - A teacher never reads the stored rows (a day mixes practice chats with homework): their view
 *   is recomputed from the turns handed in to them (`summarizeDays`, handin.service.ts) — on the
 *   class hub, from what the hub holds of that student for that class (the same summarizeDays, fed
 *   a page at a time: `DaySummaries`, hub/learner-days.ts).
 */
import type { LearnerDay, LearnerSummary, Mode } from '../../shared/api/schemas.ts';
import type { Store } from './db/connection.ts';
import type { WritableDB } from './db/handles.ts';
import type { SessionsRepo } from './db/sessions.repo.ts';
import type { TurnsRepo } from './db/turns.repo.ts';
import { putSetting } from './db/setting-rows.ts';

/** A pause longer than this between two turns is not counted as time on task. */
export const IDLE_CAP_MS = 5 * 60_000;
/** Turns read per page. */
export const SUMMARY_PAGE_SIZE = 500;
/** The daily run looks back at most a week (an on-demand run: at most MAX_RANGE_DAYS, its route's schema checks). */
const DAILY_LOOKBACK_DAYS = 7;
const TOP_TOPICS = 8;
const LAST_RUN_KEY = 'learner_summary:last_run';

const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
// ICU's word breaking (with its Chinese dictionary: Node and Electron ship full ICU).
const WORDS_ZH = new Intl.Segmenter('zh', { granularity: 'word' });
// Function characters: a word made only of them is no topic (的, 我们, 怎么, 这个, 为什么 …).
const STOP_CHARS = new Set([...'的了是我你他她它们这那个吗呢吧啊呀在有和与及就都也还很把被给让么什怎请帮一不没要会能可以为对到说看想做过着得地吗嘛哦哪谁些道太好再问求算啥']);
// Words of a question or request, not of its subject ("光合作用需要哪些条件", "已知一次函数…").
const STOP_WORDS_ZH = new Set(
  '需要 已知 请问 问题 题目 老师 知道 觉得 认为 应该 可能 还是 然后 因为 所以 如果 但是 而且 已经 现在 一下 不太 不懂 明白 理解 意思 答案 步骤 过程 开始 检查 满足 帮忙 谢谢 告诉 解释 讲讲 为啥 如何 怎样 这样 那样 哪些 有些 一些 所有 之后 以后 之前 以前 时候 东西 比如 例如 算出 求出 得出'.split(
    ' ',
  ),
);
/** A run of adjacent words counts as a term up to this many words and characters. */
const MAX_RUN_WORDS = 3;
const MAX_TERM_CHARS = 8;
const STOP_WORDS = new Set(
  'the and for are but not you your with this that what how why who when where which can could would should will about from have has had was were been into than then them they their there these those does did doing just also very please help explain tell give show want need know like make get one two'.split(
    ' ',
  ),
);

const isStopWord = (word: string) => STOP_WORDS_ZH.has(word) || Array.from(word).every((c) => STOP_CHARS.has(c));
/** Characters that are not function characters: a term has two (一次函数, not 一次, 难了, 好难). */
const contentChars = (term: string) => Array.from(term).filter((c) => !STOP_CHARS.has(c)).length;

/**
 * The words of a run of Chinese text. A word the dictionary does not know comes out as single
 * characters (截|距, 韦|达|定理): adjacent single characters that are not function characters are
 * joined back (截距, 韦达).
 */
function wordsOf(run: string): string[] {
  const words: string[] = [];
  let single = false; // the last word is joined single characters
  for (const { segment } of WORDS_ZH.segment(run)) {
    const one = Array.from(segment).length === 1 && !STOP_CHARS.has(segment);
    // Joined up to MAX_TERM_CHARS: a run of characters the dictionary does not know (pasted
    // mojibake, 锟斤拷…) stays a handful of words, not one word as long as the message.
    if (one && single && Array.from(words[words.length - 1]!).length < MAX_TERM_CHARS) words[words.length - 1] += segment;
    else words.push(segment);
    single = one;
  }
  return words;
}

/**
 * The topic terms of one message: each Chinese word of 2+ characters and each run of up to
 * MAX_RUN_WORDS adjacent words starting with one (一次函数, 解析式, 平行四边形; not a word
 * repeated: 叶绿体叶绿体) — with two characters that are not function characters (not 一次, 难了) —
 * then English words.
 */
export function topicTerms(text: string): string[] {
  const terms: string[] = [];
  for (const run of text.match(CJK_RUN) ?? []) {
    const words = wordsOf(run);
    for (let i = 0; i < words.length; i++) {
      // A word longer than a term may be (ICU gives a run of Hangul, or of unknown characters, as one) is no topic.
      const length = Array.from(words[i]!).length;
      if (length < 2 || length > MAX_TERM_CHARS || isStopWord(words[i]!)) continue;
      let term = words[i]!;
      if (contentChars(term) >= 2) terms.push(term);
      for (let j = i + 1; j < words.length && j - i < MAX_RUN_WORDS && !isStopWord(words[j]!) && words[j] !== words[j - 1]; j++) {
        term += words[j]!;
        if (Array.from(term).length > MAX_TERM_CHARS) break;
        if (contentChars(term) >= 2) terms.push(term);
      }
    }
  }
  for (const word of text
    .replace(CJK_RUN, ' ')
    .toLowerCase()
    .match(/[a-z]{3,}/g) ?? [])
    if (!STOP_WORDS.has(word)) terms.push(word);
  return terms;
}

// ---------------------------------------------------------------------------------------------
// Local calendar days.

const pad = (n: number) => String(n).padStart(2, '0');
export function dayOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
/** Local midnight of the day `now` falls in (the laptop's day for its daily allowance, the hub's for its own). */
export function startOfDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
/** [start, end) of a local day in epoch ms (23 or 25 hours long across a DST change). */
export function dayRange(day: string): { from: number; to: number } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return { from: new Date(y, m - 1, d).getTime(), to: new Date(y, m - 1, d + 1).getTime() };
}
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return dayOf(new Date(y, m - 1, d + n).getTime());
}
/** The days in [from, to), in order. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day < to; day = addDays(day, 1)) days.push(day);
  return days;
}

// ---------------------------------------------------------------------------------------------

export interface LearnerSummaryOptions {
  store: Store;
  turns: Pick<TurnsRepo, 'getTurnsByUserAndDatePage'>;
  sessions: Pick<SessionsRepo, 'getSessionById'>;
  /** Turns per page (tests make it small). */
  pageSize?: number;
  now?: () => number;
}

export interface SessionInfo {
  mode: Mode;
  assignment_id: string | null;
}

/** The turn fields a summary reads (a stored turn's, or a bundle's). */
export interface SummaryTurn {
  session_id: string;
  role: string;
  content: string;
  created_at: number;
  meta: Record<string, unknown>;
}

/** One day's counters, fed its turns in time order (one page at a time or all at once). */
class DayAccumulator {
  readonly #sessionOf: (id: string) => SessionInfo | null;
  readonly #sessions = new Map<string, SessionInfo | null>();
  readonly #byAssignment = new Map<string, { sessions: Set<string>; messages: number; max_hint_level: number }>();
  readonly #terms = new Map<string, number>();
  #messages = 0;
  #answers = 0;
  #timeOnTask = 0;
  #first: number | null = null;
  #last: number | null = null;

  constructor(sessionOf: (id: string) => SessionInfo | null) {
    this.#sessionOf = sessionOf;
  }

  add(turn: SummaryTurn): void {
    if (this.#last !== null) this.#timeOnTask += Math.min(turn.created_at - this.#last, IDLE_CAP_MS);
    this.#first ??= turn.created_at;
    this.#last = turn.created_at;
    if (!this.#sessions.has(turn.session_id)) this.#sessions.set(turn.session_id, this.#sessionOf(turn.session_id));
    const session = this.#sessions.get(turn.session_id)!;
    let entry: { sessions: Set<string>; messages: number; max_hint_level: number } | undefined;
    if (session?.assignment_id) {
      entry = this.#byAssignment.get(session.assignment_id) ?? { sessions: new Set<string>(), messages: 0, max_hint_level: 0 };
      entry.sessions.add(turn.session_id);
      this.#byAssignment.set(session.assignment_id, entry);
    }
    if (turn.role === 'user') {
      this.#messages++;
      if (entry) entry.messages++;
      for (const term of topicTerms(turn.content)) this.#terms.set(term, (this.#terms.get(term) ?? 0) + 1);
    } else if (turn.role === 'assistant') {
      this.#answers++;
      if (entry) entry.max_hint_level = Math.max(entry.max_hint_level, hintLevel(turn));
    }
  }

  result(): LearnerSummary | null {
    if (this.#first === null || this.#last === null) return null;
    const byMode: Partial<Record<Mode, number>> = {};
    for (const info of this.#sessions.values()) if (info) byMode[info.mode] = (byMode[info.mode] ?? 0) + 1;
    return {
      time_on_task_ms: this.#timeOnTask,
      messages: this.#messages,
      answers: this.#answers,
      sessions: this.#sessions.size,
      by_mode: byMode,
      assignments: [...this.#byAssignment].map(([assignment_id, a]) => ({ assignment_id, sessions: a.sessions.size, messages: a.messages, max_hint_level: a.max_hint_level })),
      topics: topTopics(this.#terms),
      first_at: this.#first,
      last_at: this.#last,
    };
  }
}

/**
 * A day's topics: its terms said at least twice, most said first, without a term that occurs only
 * inside a longer one said as often (一次 and 函数 when each was said in 一次函数: only 一次函数).
 */
function topTopics(terms: ReadonlyMap<string, number>): { term: string; count: number }[] {
  const said = [...terms].filter(([, count]) => count >= 2);
  const inside = new Set<string>();
  for (const [term, count] of said) {
    if (!CJK_CHAR.test(term)) continue; // English words as before
    const chars = Array.from(term);
    if (chars.length > MAX_TERM_CHARS) continue; // none is (topicTerms): kept bounded whatever comes in
    // Each shorter piece of a term that is itself a term (at most MAX_TERM_CHARS characters: a few dozen look-ups).
    for (let from = 0; from < chars.length; from++)
      for (let to = from + 2; to <= chars.length; to++) {
        const piece = chars.slice(from, to).join('');
        const pieceCount = terms.get(piece);
        if (piece !== term && pieceCount !== undefined && pieceCount <= count) inside.add(piece);
      }
  }
  return said
    .filter(([term]) => !inside.has(term))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP_TOPICS)
    .map(([term, count]) => ({ term, count }));
}

/**
 * summarizeDays fed a page at a time (the hub reads a student's turns so: hub/learner-days.ts):
 * `add` takes the turns in (created_at, id) order, each once; a day's counters are closed when the
 * next day's first turn comes, so one day's are kept at a time. Turns outside [from, to) are left out.
 */
export class DaySummaries {
  readonly #sessionOf: (id: string) => SessionInfo | null;
  readonly #from: string;
  readonly #to: string;
  readonly #days: { day: string; summary: LearnerSummary }[] = [];
  #day: string | null = null;
  #acc: DayAccumulator | null = null;

  constructor(sessionOf: (id: string) => SessionInfo | null, from: string, to: string) {
    this.#sessionOf = sessionOf;
    this.#from = from;
    this.#to = to;
  }

  add(turn: SummaryTurn): void {
    const day = dayOf(turn.created_at);
    if (day < this.#from || day >= this.#to) return;
    if (day !== this.#day) {
      this.#close();
      this.#day = day;
      this.#acc = new DayAccumulator(this.#sessionOf);
    }
    this.#acc!.add(turn);
  }

  #close(): void {
    const summary = this.#acc?.result();
    if (this.#day !== null && summary) this.#days.push({ day: this.#day, summary });
    this.#acc = null;
  }

  /** The days with a turn, oldest first. */
  result(): { day: string; summary: LearnerSummary }[] {
    this.#close();
    this.#day = null;
    return this.#days;
  }
}

/**
 * Per-day summaries of exactly these turns (whatever else the student did those days), for the
 * days in [from, to): what a teacher sees, from the sessions handed in to them.
 */
export function summarizeDays(
  turns: readonly (SummaryTurn & { id: string })[],
  sessionOf: (id: string) => SessionInfo | null,
  from: string,
  to: string,
): { day: string; summary: LearnerSummary }[] {
  const days = new DaySummaries(sessionOf, from, to);
  const ordered = [...new Map(turns.map((t) => [t.id, t])).values()].sort(byTime);
  for (const turn of ordered) days.add(turn);
  return days.result();
}

/** The order summarizeDays reads turns in: by time, then by id. */
export function byTime(a: { created_at: number; id: string }, b: { created_at: number; id: string }): number {
  return a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class LearnerSummaries {
  readonly #o: LearnerSummaryOptions;
  #timer: ReturnType<typeof setInterval> | null = null;
  #running: Promise<unknown> | null = null;
  #stopped = false;

  constructor(options: LearnerSummaryOptions) {
    this.#o = options;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /** One student's day, read a page at a time; null when they have no turn that day. */
  async computeDay(userId: string, day: string): Promise<LearnerSummary | null> {
    const { from, to } = dayRange(day);
    const acc = new DayAccumulator((id) => {
      const s = this.#o.sessions.getSessionById(id);
      return s ? { mode: s.mode, assignment_id: s.assignment_id } : null;
    });
    let cursor: string | null | undefined;
    do {
      const page = this.#o.turns.getTurnsByUserAndDatePage(userId, from, to, { limit: this.#o.pageSize ?? SUMMARY_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      for (const turn of page.items) acc.add(turn);
      cursor = page.next_cursor;
      // Let the serving process answer between pages.
      if (cursor) await new Promise((resolve) => setImmediate(resolve));
    } while (cursor);
    return acc.result();
  }

  /** Computes and stores the days in [from, to) for these users (every user with turns then when omitted). Returns the rows written. */
  async run(from: string, to: string, userIds?: string[]): Promise<LearnerDay[]> {
    // The range's length is checked where it comes in (schemas.ts checkDayRange, on the route's input).
    const days = daysBetween(from, to);
    const written: LearnerDay[] = [];
    for (const day of days) {
      const { from: start, to: end } = dayRange(day);
      for (const userId of userIds ?? this.#usersWithTurns(start, end)) {
        const summary = await this.computeDay(userId, day);
        const row = summary ? { user_id: userId, day, summary, computed_at: this.#now() } : null;
        await this.#o.store.writes.run('record the learner summary', (db) => this.#put(db, userId, day, row));
        if (row) written.push(row);
      }
    }
    return written;
  }

  #usersWithTurns(from: number, to: number): string[] {
    return this.#o.store.sqlite
      .prepare('SELECT DISTINCT s.user_id FROM turn t CROSS JOIN session s ON s.id = t.session_id WHERE t.created_at >= ? AND t.created_at < ?')
      .pluck()
      .all(from, to) as string[];
  }

  #put(db: WritableDB, userId: string, day: string, row: LearnerDay | null): void {
    if (!row) {
      db.prepare('DELETE FROM learner_day WHERE user_id = ? AND day = ?').run(userId, day);
      return;
    }
    db.prepare(
      'INSERT INTO learner_day (user_id, day, summary, computed_at) VALUES (?, ?, ?, ?) ON CONFLICT(user_id, day) DO UPDATE SET summary = excluded.summary, computed_at = excluded.computed_at',
    ).run(userId, day, JSON.stringify(row.summary), row.computed_at);
  }

  /** The stored days in [from, to) of one student, oldest first. */
  list(userId: string, from: string, to: string): LearnerDay[] {
    const rows = this.#o.store.sqlite
      .prepare('SELECT user_id, day, summary, computed_at FROM learner_day WHERE user_id = ? AND day >= ? AND day < ? ORDER BY day')
      .all(userId, from, to) as { user_id: string; day: string; summary: string; computed_at: number }[];
    return rows.map((r) => ({ ...r, summary: JSON.parse(r.summary) as LearnerSummary }));
  }

  /** The daily run: the days since the last run (at most a week back) up to yesterday, once per day. */
  async runIfDue(): Promise<boolean> {
    const today = dayOf(this.#now());
    const last = this.#o.store.sqlite.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(LAST_RUN_KEY) as string | undefined;
    const lastDay = last ? (JSON.parse(last) as { day?: string }).day : undefined;
    if (lastDay === today) return false;
    const weekAgo = addDays(today, -DAILY_LOOKBACK_DAYS);
    // The last run's own day was not over when it ran: it is computed again.
    await this.run(lastDay && lastDay > weekAgo ? lastDay : weekAgo, today);
    await this.#o.store.writes.run('record the learner summary run', (db) => putSetting(db, LAST_RUN_KEY, { day: today, at: this.#now() }));
    return true;
  }

  /** Checks now and then every `everyMs` whether the daily run is due (the timer never keeps the process alive). */
  startDaily(everyMs = 30 * 60_000): void {
    if (this.#timer) return;
    const check = () => {
      if (this.#running) return;
      this.#running = this.runIfDue()
        // A run the closing store cut short wrote whole days only; it is done again at the next start.
        .catch((error: unknown) => this.#stopped || console.error('studylog: the learner summary could not be computed:', error))
        .finally(() => (this.#running = null));
    };
    setImmediate(check);
    this.#timer = setInterval(check, everyMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

function hintLevel(turn: { meta: Record<string, unknown> }): number {
  const level = (turn.meta as { hint_level?: unknown }).hint_level;
  return typeof level === 'number' && Number.isInteger(level) && level > 0 ? level : 0;
}
