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
 * answer containing an explicit final-answer phrase ("答案是", "最终答案", "the answer is",
 * "final answer", a LaTeX \boxed{…}) is flagged meta.flagged = 'final_answer_above_level' and
 * the chat marks it; the answer is kept and shown as it is (regenerating would cost the
 * student's allowance and could still fail). It misses a final answer given without such a
 * phrase, and flags a reply that only quotes one ("the answer is not 5 yet").
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
export function assignmentStatus(a: AssignmentInfo, userId: string, use: AssignmentUse, now = Date.now()): AssignmentStatus {
  const policy = applyPolicy(a);
  const used = use(userId, a.id);
  const left = (limit: number | undefined, spent: number) => (limit === undefined ? null : Math.max(0, limit - spent));
  return {
    assignment_id: a.id,
    user_id: userId,
    policy,
    used,
    left: { tokens: left(policy.allowance.tokens, used.tokens), cost: left(policy.allowance.cost, used.cost) },
    exhausted: exhaustedBy(policy, used) !== null,
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

const FINAL_ANSWER_PATTERNS: readonly RegExp[] = [/(最终|正确)?答案\s*(是|为|[:：])/, /\b(the\s+)?(final|correct)\s+answer\s*(is|:)/i, /\bthe\s+answer\s+is\b/i, /\\boxed\s*\{/];

/** The check pass: does this answer look like it gives a final answer above the allowed level? */
export function finalAnswerFlag(content: string, level: number): 'final_answer_above_level' | undefined {
  if (level >= WORKED_SOLUTION_LEVEL) return undefined;
  return FINAL_ANSWER_PATTERNS.some((p) => p.test(content)) ? 'final_answer_above_level' : undefined;
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
    if (daily && daily.used_today >= daily.daily_tokens) {
      refusal = new ApiError(
        'allowance_exhausted',
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
