/**
 * An assignment's AI policy, applied to each message on it (README "Homework"): which modes and
 * models, the hint ladder's ceiling, an allowance per student, when it opens, and context text for
 * the model. The policy is data in the assignment's meta.policy; every field has a default
 * (applyPolicy). It is checked before anything is sent upstream, from the local database only,
 * so offline too:
 *
 * - not open yet, a model the policy does not allow, a hint request outside homework:
 *   refused, nothing written (like any invalid message);
 * - a mode the policy does not allow, the allowance used up, or "more help" past the ceiling:
 *   refused with `mode_not_allowed` / `allowance_exhausted` / `hint_ceiling_reached`, the
 *   student's message kept (its user turn failed with that code), and
 *   the provider never asked.
 *
 * The hint ladder (src/shared/hint-ladder.ts) applies to homework sessions: the session's level
 * (meta.hint_level, from 1) rises by one only with `hint_request: "more"`; the level's prompt goes
 * into the system message; the user turn and the answer record the level (meta.hint_level).
 *
 * The check pass (finalAnswerFlag) is a local heuristic, not a second model call: it costs
 * nothing, works offline and is predictable in tests, but it only sees phrasing. Below level 5, an
 * answer that states a result — an answer word or a conclusion followed by a value ("所以解析式是
 * $y=2x+1$", "解得 k=2", "答案为 B", "这样就得到 y=2x+1", "即 y=2x+1", "therefore x = 3", "the
 * answer is 4", a LaTeX \boxed{…}) — is
 * flagged meta.flagged = 'final_answer_above_level' and the chat marks it; the answer is kept and
 * shown as it is (regenerating would cost the student's allowance and could still fail). How it
 * reads a reply, and what it leaves alone (questions back, restated givens, "答案不是…"), is
 * described with its patterns ("The check pass", below); tests/unit/final-answer-check.test.ts is
 * its table of tutor replies.
 */
import type { AssignmentStatus, Language, ProxyMessage, Session, UserTurn } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { DEFAULT_HINT_CEILING, FIRST_HINT_LEVEL, hintStep, WORKED_SOLUTION_LEVEL, type AppliedAssignmentPolicy, type HintLevel } from '../../../shared/hint-ladder.ts';
import { MODES } from '../../../shared/api/vocabulary.ts';
import type { WritableDB } from '../db/handles.ts';
import type { SessionsRepo } from '../db/sessions.repo.ts';
import type { AssignmentInfo, AssignmentLookup, SessionPlan } from './session-policy.ts';

/** What one student has used on one assignment (usage.repo.ts assignmentUse). */
export type AssignmentUse = (userId: string, assignmentId: string) => { tokens: number; cost: number };

/**
 * A per-day token allowance that also applies to a message on this assignment, and what the
 * student used of it today; null when none applies. The class hub's allowances (a teacher's
 * change, pulled by sync: sync/allowances.ts) are per class and per day.
 */
export type DailyAllowance = (userId: string, assignment: AssignmentInfo, now: number) => { daily_tokens: number; used_today: number; class_id: string } | null;

/** The policy with every default filled in (an unknown or placeholder assignment gets the defaults). */
export function applyPolicy(a: Pick<AssignmentInfo, 'policy' | 'due_at'> | null): AppliedAssignmentPolicy {
  const p = a?.policy ?? {};
  return {
    allowed_modes: p.allowed_modes?.length ? [...p.allowed_modes] : [...MODES],
    hint_ceiling: (p.hint_ceiling ?? DEFAULT_HINT_CEILING) as HintLevel,
    allowed_models: p.allowed_models ? [...p.allowed_models] : [],
    allowance: { ...(p.allowance?.tokens !== undefined ? { tokens: p.allowance.tokens } : {}), ...(p.allowance?.cost !== undefined ? { cost: p.allowance.cost } : {}) },
    opens_at: p.opens_at ?? null,
    due_at: a?.due_at ?? null,
    closes_at: p.closes_at ?? null,
    context: p.context ? p.context : null,
  };
}

/** A student's standing on an assignment: the GET /assignments/{id}/status answer. */
export function assignmentStatus(a: AssignmentInfo, userId: string, use: AssignmentUse, daily: DailyAllowance, now = Date.now()): AssignmentStatus {
  const policy = applyPolicy(a);
  const used = use(userId, a.id);
  const left = (limit: number | undefined, spent: number) => (limit === undefined ? null : Math.max(0, limit - spent));
  // What the gate checks before each message (AssignmentGate.check), so the panel can show it first.
  const today = daily(userId, a, now);
  return {
    assignment_id: a.id,
    user_id: userId,
    policy,
    used,
    left: { tokens: left(policy.allowance.tokens, used.tokens), cost: left(policy.allowance.cost, used.cost) },
    daily: today ? { tokens: today.daily_tokens, used: today.used_today, left: Math.max(0, today.daily_tokens - today.used_today) } : null,
    exhausted: exhaustedBy(policy, used) !== null || (today !== null && today.used_today >= today.daily_tokens),
    not_open: policy.opens_at !== null && now < policy.opens_at,
    late: policy.due_at !== null && now > policy.due_at,
  };
}

/** Which allowance is used up ('tokens' or 'cost'), or null. */
function exhaustedBy(policy: AppliedAssignmentPolicy, used: { tokens: number; cost: number }): 'tokens' | 'cost' | null {
  if (policy.allowance.tokens !== undefined && used.tokens >= policy.allowance.tokens) return 'tokens';
  if (policy.allowance.cost !== undefined && used.cost >= policy.allowance.cost) return 'cost';
  return null;
}

// ── The check pass ────────────────────────────────────────────────────────────────────────────
// A reply is read sentence by sentence and, inside a sentence, clause by clause (split at commas),
// after the maths delimiters are dropped ("$y=2x+1$" reads as "y=2x+1"). A clause gives a final
// answer when it has one of the phrasings below followed by a value; a question (a sentence that
// ends in ？/?, or a clause with 多少/什么/是不是/吗 …), a restated given (已知/设/given …), a verdict
// on the student's work (不对/not right …) and the student's own result (你的答案是 …) never do;
// nor does a condition (当 x=0 时, 的话, if …) or the clause right after one, unless that clause
// starts with a conclusion ("当 x=0 时，y 就是 1" is not a result; "…时 y=1，即 b=1" is).

/** A variable on its own, as a result is stated: x, k, x_1, f(x). */
const VAR = String.raw`[a-zA-Z](?:_\{?\w{1,8}\}?)?(?:\s*\(\s*[a-z]\s*\))?`;
/** A number as a result: not a coefficient ("2k = 4" is a step) nor the start of a longer number. */
const NUMBER = String.raw`[-+−]?\d+(?:\.\d+)?(?![\d.])(?!\s*(?:[a-zA-Z]\b|[=(+\-*/^]))`;
/**
 * What a result looks like after 是/为/is …: an equation for one variable whose right side is a
 * value (its `rhs` group, read by valueLike: not the general form "y = kx + b"), a number, a point,
 * a fraction or root, a choice A–E, a boxed value.
 */
const VALUE = String.raw`\s*[:：]?\s*(?:\\boxed|\\d?frac|\\sqrt|√|${VAR}\s*=\s*(?<rhs>[^\u4e00-\u9fff]{1,40})|${NUMBER}|[(（]\s*[-+−]?\d|[A-E](?![A-Za-z]))`;
/**
 * The same after 得到/就是/即, words a hint uses all the time ("即 k 是斜率", "就是把两点代入",
 * "得到 2 个方程"): no choice letter or point (a letter or point there is mostly a name: "即 A
 * 点"), and a number only where it ends the clause (not 2 个, "偶数就是 2 的倍数", "90 度").
 */
const PLAIN_VALUE = String.raw`\s*[:：]?\s*(?:\\boxed|\\d?frac|\\sqrt|√|${VAR}\s*=\s*(?<rhs>[^\u4e00-\u9fff]{1,40})|${NUMBER}(?=\s*[了呀啊吧]?\s*$))`;
/** A conclusion: 所以/因此/故/综上(所述)/由此可得/可得/最终/最后 …; 故 only at a clause's start (故事, 缘故). */
const CUE_ZH = String.raw`(?:所以|因此|因而|从而|于是|综上所述|综上|由此可得|由此可知|由此得|可得|可知|最终|最后|(?:^|\s)故)`;
/** What the words between a conclusion and its verb may not hold: method talk, a plan, a given. */
const NOT_A_RESULT_ZH =
  /公式|形式|方法|思路|步|关键|目标|重点|问题|题目|已知|条件|意思|原因|区别|做法|想法|提示|技巧|要|需|先|把|接下来|设|令|假设|检查|验证|代入|带入|验算|试|想|看|回忆|记得|注意|写出|可能/;
/**
 * English words, either case at their start ("So …", "… so …"). The patterns are case-sensitive so
 * that a choice "B" is not the article "a" ("the answer is a whole number").
 */
const EN = (alternatives: string) => `(?:${alternatives.replace(/(^|\|)([a-z])/g, (_, bar: string, c: string) => `${bar}[${c}${c.toUpperCase()}]`)})`;
const EN_CUES = 'so|therefore|thus|hence|in conclusion';
const NOT_A_RESULT_EN = /\b(general form|formula|form|method|step|hint|idea|key|goal|question|trick)\b/i;

/**
 * Phrasings that state a result; each is tried on one clause (maths delimiters dropped). A match
 * does not count when its first group (the words before the verb) matches `gapGuard`, or the
 * clause matches `clauseGuard`.
 */
const RESULT_PATTERNS: readonly { re: RegExp; gapGuard?: RegExp; clauseGuard?: RegExp }[] = [
  // 答案是 5 / 最终答案：x=2 / 结果为 12π / 答案选 B — not "你的答案是 …" (the student's own).
  {
    re: new RegExp(
      String.raw`(?<!你的|你算的|你求的|你写的|你得到的|你算出的|你求出的|你的最终|你的正确)(?:最终|正确)?(?:答案|结果)\s*(?:应该|应|就|即|显然|其实)?\s*(?:是|为|等于|=|选|[:：])(?!不|否)${VALUE}`,
    ),
  },
  // 所以 y = 2x + 1 / 故 x = 3 / 最后得到 y = 2x + 1: a conclusion, a few Chinese words, one variable =.
  { re: new RegExp(String.raw`${CUE_ZH}[，,\s]*([\u4e00-\u9fff\s]{0,12}?)\s*${VAR}\s*=\s*(?<rhs>[^\u4e00-\u9fff]{1,40})`), gapGuard: NOT_A_RESULT_ZH },
  // 所以解析式是 y=2x+1 / 因此 x 的值为 -3 / 所以应该选 C: a conclusion, its subject, 是/为/等于/得 and a value.
  {
    re: new RegExp(String.raw`${CUE_ZH}[，,\s]*([^不没非未+\-*/^=<>]{0,24}?)(?<![化变成作认因称以设令])(?:就是|是|为|等于|得到|得出|得|求得|选)(?!不|否)${VALUE}`),
    gapGuard: NOT_A_RESULT_ZH,
  },
  // 解得 k=2 / 求得 x = 4 — not "还没求出".
  { re: new RegExp(String.raw`(?<![没未不])(?:解得|解之得|求得|算得|算出|求出|得出)${VALUE}`) },
  // 这样就得到 y = 2x + 1 了 / 这个函数就是 y=2x+1 / 即 y=2x+1 / 也就是说 k = 2: the word right
  // before a value — not "你得到 x = 5" (the student's own, also 你的答案就是 …) or a formula
  // ("面积公式就是 S = πr^2"), the words before it in the clause being the first group.
  {
    re: new RegExp(String.raw`^(.*?)(?<![没未不你])(?:得到了?|就是说?|即为|即是|即得|便是|便得|即)${PLAIN_VALUE}`),
    gapGuard: /你(?!就)|公式|形式|一般式|定义|方法|思路|已知|条件|提示|比如|例如/,
  },
  // x=3 即为所求 / y=2x+1 就是我们要求的解析式 / x = 2 是方程的解.
  {
    re: new RegExp(String.raw`${VAR}\s*=\s*(?<rhs>[^\u4e00-\u9fff]{1,40})(?:就|即|便|正)?(?:是|为)[\u4e00-\u9fff]{0,10}?(?:所求|答案|结果|解(?:析式\s*$|(?![题法决析集])))`),
    clauseGuard: /你(?:们)?(?:的|算|求|写|得)/,
  },
  // the answer is 4 / the final answer: 7 / the solution is x = -2 — not "the answer is not …".
  {
    re: new RegExp(
      String.raw`\b${EN('the')}\s+(?:final\s+|correct\s+|right\s+)?(?:answer|solution|result|option|choice)\s+(?:is|would\s+be|should\s+be|equals)(?!\s+not\b)${VALUE}`,
    ),
  },
  { re: new RegExp(String.raw`\b${EN('final|correct')}\s+answer\s*(?:is\b)?(?!\s+not\b)${VALUE}`) },
  // so x = 3 / therefore y = 2x + 1 / you get y = 2x + 1.
  {
    re: new RegExp(String.raw`\b${EN(EN_CUES + '|which gives|this gives|that gives|we get|you get|giving')}\b[,，]?\s*${VAR}\s*=\s*(?<rhs>.{1,40})`),
    clauseGuard: NOT_A_RESULT_EN,
  },
  // so the line is y = 2x + 1 / thus, the slope is 2 — not "so the general form is …".
  { re: new RegExp(String.raw`\b${EN(EN_CUES)}\b[,，]?\s*(the\s+(?:[a-z]+\s+){0,5}?)(?:is|equals)(?!\s+not\b)${VALUE}`), gapGuard: NOT_A_RESULT_EN },
  // x = 2 is the answer.
  { re: new RegExp(String.raw`${VAR}\s*=\s*[^,;]{1,20}?\s+is\s+(?:the|our)\s+(?:final\s+)?(?:answer|solution)\b`) },
];

/**
 * What follows "x =" when it is a result: an expression with digits and at most one variable
 * ("2x + 1", "-3", "√3/2"), up to the first English word ("3 is …"). Not the general form
 * ("kx + b"), a word ("斜率", "rise over run") or an empty right side.
 */
function valueLike(rhs: string): boolean {
  // LaTeX's own words and braces are not variables: "-\\frac{1}{2}" is a number.
  const expr = rhs
    .replace(/\\(?:d?frac|sqrt|pi|cdot|times|left|right)/g, ' ')
    .replace(/[{}]/g, ' ')
    .split(/\s+(?=[a-zA-Z]{2,})/)[0]!
    .trim();
  return /[\d√π]/.test(expr) && /^[\d.a-zA-Z√π()+\-−*/^\s]+$/.test(expr) && new Set(expr.match(/[a-zA-Z]/g)).size <= 1;
}

/** A clause that asks rather than tells (a Chinese question need not end in ？). */
const QUESTION_ZH = /多少|什么|哪|几(?!何)|吗|呢|是否|是不是|还是|对不对|能不能|会不会|可不可以|怎么|怎样|如何|为什么|为何/;
/** A condition ("当 x = 0 时", "x=1 时", "…的话", "if x = 2"): what follows holds under it, it is not the result. */
const CONDITION = /当[^，,。]{0,40}时|=[^，,。=]{1,12}时|的话|如果|假如|倘若|(?<!若)若(?!干)|\b(?:if|when|whenever)\b/i;
/** A verdict on the student's work quotes their result, it does not give one. */
const VERDICT = /不对|不正确|错了|是错的|有误|\bnot\s+(?:right|correct)\b|\bisn't\s+(?:right|correct)\b|\bis\s+wrong\b|\bincorrect\b/i;
/** A restated given or a recalled form. */
const GIVEN = /^\s*(?:已知|设|令|假设|题目(?:中|里)?(?:已知|给出|说|告诉)|given\b|we\s+know\b|recall\b|remember\b|note\s+that\b)/i;
/** A clause that is only a conclusion word, joined to the clause after it ("所以，解析式是 …"). */
const CUE_ONLY = /^\s*(?:所以|因此|因而|从而|于是|综上所述|综上|由此可得|由此可知|故|最终|最后|so|therefore|thus|hence|in conclusion)\s*$/i;

/** A clause that starts with a conclusion: it stands on its own after a condition ("…时，y=1，即 b=1"). */
const CONCLUDES = /^\s*(?:所以|因此|因而|从而|于是|综上|由此|故|即|最终|最后|可得|so\b|therefore\b|thus\b|hence\b)/i;

/** The reply as plain sentences: maths delimiters dropped, a display formula joined to its line. */
function sentencesOf(content: string): { text: string; question: boolean }[] {
  const plain = content
    // "解析式为：\n$$y=2x+1$$" is one statement: join a line ending in a colon, and a display formula, to the line before.
    .replace(/([：:])[ \t]*\n+/g, '$1 ')
    .replace(/\n+[ \t]*(?=\$\$|\\\[)/g, ' ')
    .replace(/\$\$?|\\[()[\]]/g, ' ')
    // Markdown emphasis: "**答案**：" is "答案：".
    .replace(/\*\*|__/g, '')
    .replace(/＝/g, '=')
    // A full stop ends an English sentence (not the point in 2.5).
    .replace(/\.(?=\s|$)/g, '。')
    // One space for any run of spaces and tabs: the patterns' \s* next to each other would take
    // time growing with a run's length (a model stuck repeating spaces), on the serving thread.
    .replace(/[^\S\n]+/g, ' ');
  const out: { text: string; question: boolean }[] = [];
  for (const m of plain.matchAll(/[^。！？!?；;\n]+([。！？!?；;\n]?)/g)) {
    if (m[0].trim()) out.push({ text: m[0].replace(/[。！？!?；;\n]$/, ''), question: m[1] === '？' || m[1] === '?' });
  }
  return out;
}

/** Does this reply state a final answer (the check pass's heuristic; the level is not its business)? */
export function statesFinalAnswer(content: string): boolean {
  if (/\\boxed\s*\{/.test(content)) return true;
  for (const sentence of sentencesOf(content)) {
    if (sentence.question) continue;
    const clauses: string[] = [];
    for (const part of sentence.text.split(/[，,]/)) {
      const last = clauses.length - 1;
      if (last >= 0 && CUE_ONLY.test(clauses[last]!)) clauses[last] += `，${part}`;
      else clauses.push(part);
    }
    for (const [i, clause] of clauses.entries()) {
      if (QUESTION_ZH.test(clause) || VERDICT.test(clause) || GIVEN.test(clause) || CONDITION.test(clause)) continue;
      // "当 x=0 时，y 就是 1": the clause after a condition holds under it, unless it concludes.
      if (i > 0 && CONDITION.test(clauses[i - 1]!) && !CONCLUDES.test(clause)) continue;
      for (const { re, gapGuard, clauseGuard } of RESULT_PATTERNS) {
        const m = re.exec(clause);
        if (!m || (gapGuard && m[1] !== undefined && gapGuard.test(m[1])) || clauseGuard?.test(clause)) continue;
        if (m.groups?.rhs !== undefined && !valueLike(m.groups.rhs)) continue;
        return true;
      }
    }
  }
  return false;
}

/** The check pass: does this answer look like it gives a final answer above the allowed level? */
export function finalAnswerFlag(content: string, level: number): 'final_answer_above_level' | undefined {
  if (level >= WORKED_SOLUTION_LEVEL) return undefined;
  return statesFinalAnswer(content) ? 'final_answer_above_level' : undefined;
}

/** What the policy decided about one message on an assignment. */
export interface Gate {
  assignmentId: string;
  policy: AppliedAssignmentPolicy;
  /** Homework only: the level this message is answered at. */
  level: HintLevel | null;
  /** The student asked for more help with this message (`hint_request: "more"`, not a retry). */
  asked: boolean;
  /** …and the level rose. */
  raised: boolean;
  /** Refused, the message kept: allowance used up or the hint ceiling reached. */
  refusal: ApiError | null;
}

const isoOf = (ms: number) => new Date(ms).toISOString();

export class AssignmentGate {
  readonly #assignments: AssignmentLookup | undefined;
  readonly #use: AssignmentUse | undefined;
  readonly #daily: DailyAllowance | undefined;
  readonly #sessions: SessionsRepo;

  constructor(options: { assignments?: AssignmentLookup; assignmentUse?: AssignmentUse; dailyAllowance?: DailyAllowance; sessions: SessionsRepo }) {
    this.#assignments = options.assignments;
    this.#use = options.assignmentUse;
    this.#daily = options.dailyAllowance;
    this.#sessions = options.sessions;
  }

  /**
   * Before the model is chosen: throws for what writes nothing (not open, a mode the policy does
   * not allow, a hint request outside homework); returns the gate (maybe with a refusal that keeps
   * the message), or null for a message on no assignment.
   */
  check(plan: SessionPlan, req: Pick<ProxyMessage, 'hint_request'>, retried: UserTurn | null, now = Date.now()): Gate | null {
    const { session } = plan;
    const homework = session.mode === 'homework';
    if (req.hint_request && !homework) {
      throw new ApiError('validation_error', `Invalid message: hint_request: only homework sessions have hint levels (this one is ${session.mode})`, [
        { path: 'hint_request', message: 'only homework sessions have hint levels' },
      ]);
    }
    const assignmentId = session.assignment_id;
    if (!assignmentId) return null;
    const found = this.#assignments?.(assignmentId) ?? null;
    const policy = applyPolicy(found);

    if (policy.opens_at !== null && now < policy.opens_at) {
      throw new ApiError('assignment_not_open', `Assignment '${assignmentId}' opens at ${isoOf(policy.opens_at)}; no message on it is answered before then.`);
    }
    // A mode the assignment does not allow: refused with its own code, the message kept (below).
    const modeRefusal = policy.allowed_modes.includes(session.mode)
      ? null
      : new ApiError(
          'mode_not_allowed',
          `Assignment '${assignmentId}' allows only these modes: ${policy.allowed_modes.join(', ')} (this message is in ${session.mode}); the message is kept, not sent.`,
        );

    let level: HintLevel | null = null;
    let raised = false;
    let refusal: ApiError | null = null;
    if (homework) {
      const current = Math.min(session.meta.hint_level ?? FIRST_HINT_LEVEL, policy.hint_ceiling) as HintLevel;
      if (retried) {
        // A retry is the same message again: the level it was first sent at, never a new rise.
        level = Math.min(retried.meta.hint_level ?? current, policy.hint_ceiling) as HintLevel;
      } else if (req.hint_request === 'more') {
        if (current >= policy.hint_ceiling) {
          const step = hintStep(policy.hint_ceiling);
          refusal = new ApiError(
            'hint_ceiling_reached',
            `Assignment '${assignmentId}' allows hints up to level ${policy.hint_ceiling} (${step.name.en}), and this session is there already; the message is kept, not sent.`,
          );
          level = current;
        } else {
          level = (current + 1) as HintLevel;
          raised = true;
        }
      } else {
        level = current;
      }
    }

    // The allowance outranks the ladder: when it is used up nothing more may be sent at all.
    if (this.#use) {
      const used = this.#use(session.user_id, assignmentId);
      const over = exhaustedBy(policy, used);
      if (over === 'tokens') {
        refusal = new ApiError(
          'allowance_exhausted',
          `The AI allowance for assignment '${assignmentId}' is used up: ${used.tokens} of ${policy.allowance.tokens} tokens used; the message is kept, not sent.`,
        );
      } else if (over === 'cost') {
        refusal = new ApiError(
          'allowance_exhausted',
          `The AI allowance for assignment '${assignmentId}' is used up: ${used.cost} of ${policy.allowance.cost} micro-cents used; the message is kept, not sent.`,
        );
      }
    }
    // The class hub's daily allowance for this student (a teacher's change), on top of the assignment's own.
    const daily = found && this.#daily && refusal?.code !== 'allowance_exhausted' ? this.#daily(session.user_id, found, now) : null;
    if (daily && daily.daily_tokens === 0) {
      // 0 is the teacher's "no AI on this class's assignments": it does not start again tomorrow.
      refusal = new ApiError(
        'allowance_exhausted',
        `Your teacher has turned AI off on this class's assignments (a daily allowance of 0 tokens from the class hub); the message is kept, not sent.`,
      );
    } else if (daily && daily.used_today >= daily.daily_tokens) {
      // Its own code: the student is told it starts again tomorrow (the assignment's own does not).
      refusal = new ApiError(
        'daily_allowance_exhausted',
        `Today's AI allowance from your class hub is used up: ${daily.used_today} of ${daily.daily_tokens} tokens today on this class's assignments; the message is kept, not sent. It starts again tomorrow.`,
      );
    }
    // The mode outranks the rest: in another mode the ladder and the allowance do not apply yet.
    if (modeRefusal) refusal = modeRefusal;
    if (refusal) raised = false;
    return { assignmentId, policy, level, asked: !retried && req.hint_request === 'more', raised, refusal };
  }

  /**
   * The model to ask for: the student's, or (none named) the mode's default — unless the policy
   * names models and the default is not among them, then its first one.
   */
  modelToRetry(gate: Gate | null, requested: string | undefined, chosen: string): string | null {
    if (!gate || requested !== undefined || gate.policy.allowed_models.length === 0 || gate.policy.allowed_models.includes(chosen)) return null;
    return gate.policy.allowed_models[0]!;
  }

  /** The model chosen must be one the policy allows (nothing is written otherwise). */
  checkModel(gate: Gate | null, model: string): void {
    if (!gate || gate.policy.allowed_models.length === 0 || gate.policy.allowed_models.includes(model)) return;
    const allowed = gate.policy.allowed_models.join(', ');
    throw new ApiError('validation_error', `Invalid message: model: assignment '${gate.assignmentId}' allows only ${allowed}`, [
      { path: 'model', message: `assignment '${gate.assignmentId}' allows only ${allowed}` },
    ]);
  }

  /** What goes into the system prompt: the level's instruction and the teacher's context text. */
  promptAdditions(gate: Gate | null, language: Language): { level?: string; context?: string } {
    if (!gate) return {};
    return {
      ...(gate.level !== null ? { level: hintStep(gate.level).prompt[language] } : {}),
      ...(gate.policy.context ? { context: gate.policy.context } : {}),
    };
  }

  /** A new session's meta starts at the gate's level. */
  newSessionMeta(gate: Gate | null, meta: Session['meta']): Session['meta'] {
    return gate?.level != null ? { ...meta, hint_level: gate.level } : meta;
  }

  /**
   * Inside the message's write, for a session that exists: its level (meta.hint_level) and its
   * snapshot's assignment_policy follow what this message is sent with.
   */
  recordInWrite(db: WritableDB, plan: SessionPlan, gate: Gate | null): void {
    if (!gate || plan.isNew) return;
    const current = this.#sessions.getSessionById(plan.session.id);
    if (!current) return;
    const levelChanged = gate.level !== null && current.meta.hint_level !== gate.level;
    const policyChanged = current.policy_snapshot.model !== undefined && JSON.stringify(current.policy_snapshot.assignment_policy) !== JSON.stringify(gate.policy);
    if (!levelChanged && !policyChanged) return;
    this.#sessions.updateSessionById(db, current.id, {
      ...(levelChanged ? { meta: { ...current.meta, hint_level: gate.level! } } : {}),
      ...(policyChanged ? { policy_snapshot: { ...current.policy_snapshot, assignment_policy: gate.policy } } : {}),
    });
  }

  /** The user turn's meta: the level it was sent at and whether it asked for more. */
  userTurnMeta(gate: Gate | null): { hint_level?: number; hint_request?: 'more' } {
    if (!gate || gate.level === null) return {};
    return { hint_level: gate.level, ...(gate.asked ? { hint_request: 'more' as const } : {}) };
  }
}
