/**
 * Session policy: which session a message belongs to, the rules for continuing one, and its
 * policy_snapshot — exactly what is sent (provider, model and the models used since, temperature,
 * max output tokens, reasoning effort, the system prompt).
 *
 * A session's mode and assignment are fixed when it starts, so its policy_snapshot and its place
 * in the assignment's history stay true: a request whose mode or assignment differs from its
 * session's is refused (conflict); omitting them in a follow-up means "the session's own".
 */
import { newId } from '../ids.ts';
import type { AssignmentPolicy, Language, Mode, PolicySnapshot, Provider, ProxyMessage, Session } from '../../../shared/api/schemas.ts';
import { PolicySnapshotSchema } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { Caller } from '../caller.ts';
import type { WritableDB } from '../db/handles.ts';
import type { SessionsRepo } from '../db/sessions.repo.ts';
import type { SettingsStore } from '../settings/settings.store.ts';
import { resolvePolicy } from './policies.ts';
import type { ProviderRegistry } from './providers.ts';
import { titleMeta } from './session-title.ts';
import type { TemplateSnapshot } from '../settings/templates.store.ts';

/** What the proxy needs to know about an assignment to tutor on it. */
export interface AssignmentInfo {
  id: string;
  title: string;
  subject?: string | null;
  description?: string | null;
  due_at?: number | null;
  meta?: Record<string, unknown>;
  /** Its AI policy as set (assignment-policy.ts fills in the defaults). */
  policy?: AssignmentPolicy;
}

export type AssignmentLookup = (id: string) => AssignmentInfo | null;
/** Registers an assignment a message names but nobody created (title = id); runs inside the message's write. */
export type AssignmentRegistrar = (db: WritableDB, id: string) => void;

export interface SessionPolicyOptions {
  sessions: SessionsRepo;
  settings: SettingsStore;
  providers: ProviderRegistry;
  assignments?: AssignmentLookup;
  /** Without it, a message naming an unknown assignment is refused. */
  registerAssignment?: AssignmentRegistrar;
  /** The UI language, for system prompts; settings.language wins when set. */
  defaultLanguage?: Language;
  /** A study template as a new session records it (templates.store.ts); without it, template_id is refused. */
  templates?: (userId: string, templateId: string, language: Language) => TemplateSnapshot;
}

/** The session a message goes to: an existing one, or one to create in the message's write. */
export interface SessionPlan {
  session: Session;
  isNew: boolean;
  /** The message names an assignment nobody created: register it with the session. */
  registerAssignment: boolean;
  /** A new session's study template (its snapshot records it). */
  template?: TemplateSnapshot;
}

/** The snapshot a message is sent with, and where it goes. */
export interface Choice {
  snapshot: PolicySnapshot;
  provider: Provider;
  model: string;
}

const ended = (id: string) => new ApiError('conflict', `Session '${id}' has ended; start a new session.`);

export class SessionPolicy {
  readonly #o: SessionPolicyOptions;

  constructor(options: SessionPolicyOptions) {
    this.#o = options;
  }

  /**
   * The session a new message belongs to. A meta.session_id that names no session at all starts a
   * new session with that id (the seed's `"session_id": "session_xyz"`); a later message with it
   * continues that session. One that names another user's session is not found.
   *
   * An assignment_id that names no assignment is accepted: the assignment is registered with its id
   * as title (meta.registered_from = 'message'), in the same write as the session; a teacher's
   * import of that id fills it in later.
   */
  sessionFor(caller: Caller, req: ProxyMessage): SessionPlan {
    const sessionId = req.meta?.session_id;
    if (sessionId) {
      const existing = this.#o.sessions.getSessionById(sessionId);
      // Another user's session is "not found" too: its content stays out of reach.
      if (existing && existing.user_id !== caller.user_id) throw new ApiError('not_found', `There is no session '${sessionId}'.`);
      if (existing) {
        if (req.mode && req.mode !== existing.mode) {
          throw new ApiError('conflict', `Session '${sessionId}' is in ${existing.mode} mode; start a new session to use ${req.mode} mode.`);
        }
        if (req.assignment_id !== undefined && req.assignment_id !== existing.assignment_id) {
          throw new ApiError(
            'conflict',
            `Session '${sessionId}' belongs to ${existing.assignment_id ? `assignment '${existing.assignment_id}'` : 'no assignment'}; start a new session for another assignment.`,
          );
        }
        const template = existing.policy_snapshot.template?.id;
        if (req.template_id !== undefined && req.template_id !== template) {
          throw new ApiError(
            'conflict',
            `Session '${sessionId}' ${template ? `started with template '${template}'` : 'started without a template'}; start a new session for another template.`,
          );
        }
        if (existing.ended_at !== null) throw ended(sessionId);
        return { session: existing, isNew: false, registerAssignment: false };
      }
    }
    const mode: Mode = req.mode ?? 'chat';
    const policy = resolvePolicy(mode, this.#language(), this.#o.settings.get().policies[mode]);
    if (policy.requires_assignment && !req.assignment_id) {
      throw new ApiError('validation_error', `Invalid message: assignment_id: ${mode} mode needs an assignment`, [
        { path: 'assignment_id', message: `${mode} mode needs an assignment` },
      ]);
    }
    const unknownAssignment = Boolean(req.assignment_id && this.#o.assignments && !this.#o.assignments(req.assignment_id));
    if (unknownAssignment && !this.#o.registerAssignment) {
      throw new ApiError('validation_error', `Invalid message: assignment_id: there is no assignment '${req.assignment_id}'`, [
        { path: 'assignment_id', message: 'no such assignment' },
      ]);
    }
    let template: TemplateSnapshot | undefined;
    if (req.template_id !== undefined) {
      if (!this.#o.templates)
        throw new ApiError('validation_error', 'Invalid message: template_id: templates are not available here', [{ path: 'template_id', message: 'not available' }]);
      template = this.#o.templates(caller.user_id, req.template_id, this.#language());
    }
    const session: Session = {
      id: sessionId ?? newId(),
      user_id: caller.user_id,
      assignment_id: req.assignment_id ?? null,
      mode,
      started_at: Date.now(),
      ended_at: null,
      policy_snapshot: {},
      // Named after its first message here, so every client shows the same title (session-title.ts).
      meta: { ...(req.chat_id ? { chat_id: req.chat_id } : {}), ...titleMeta(req.message) },
    };
    return { session, isNew: true, registerAssignment: unknownAssignment, ...(template ? { template } : {}) };
  }

  /** The session of a message sent again (a retry): it must not have ended since. */
  sessionOfRetry(sessionId: string): SessionPlan {
    const session = this.#o.sessions.getSessionById(sessionId);
    if (!session) throw new ApiError('not_found', `There is no session '${sessionId}'.`);
    if (session.ended_at !== null) throw ended(session.id);
    return { session, isNew: false, registerAssignment: false };
  }

  /** The snapshot and model for this message: a new session's, or a follow-up's in its session. */
  async choose(plan: SessionPlan, requestedModel: string | undefined): Promise<Choice> {
    if (!plan.isNew) return this.#followUp(plan.session, requestedModel);
    const choice = await this.#snapshotFor(plan.session.mode, requestedModel);
    return plan.template ? { ...choice, snapshot: { ...choice.snapshot, template: plan.template } } : choice;
  }

  /**
   * The system prompt sent: the snapshot's, its study template's text, the hint level's instruction
   * (homework), what the assignment (if any) says, and the teacher's context text from its policy
   * (assignment-policy.ts).
   */
  systemPrompt(snapshot: PolicySnapshot, assignmentId: string | null, additions: { level?: string; context?: string } = {}): string {
    const base = [snapshot.system_prompt.text, snapshot.template?.text, additions.level].filter(Boolean).join('\n\n');
    if (!assignmentId) return base;
    const found = this.#o.assignments?.(assignmentId);
    // One a message registered knows only its id (its title is the id).
    const a = found?.meta?.registered_from === 'message' ? null : found;
    const zh = snapshot.system_prompt.language === 'zh-CN';
    const lines = a
      ? [zh ? `作业：${a.title}` : `Assignment: ${a.title}`, a.subject ? (zh ? `科目：${a.subject}` : `Subject: ${a.subject}`) : '', a.description ?? '']
      : [zh ? `作业编号：${assignmentId}` : `Assignment id: ${assignmentId}`];
    const context = additions.context ? `\n\n${zh ? '老师给出的背景材料：' : 'Context from the teacher:'}\n${additions.context}` : '';
    return `${base}\n\n${lines.filter(Boolean).join('\n')}${context}`;
  }

  /**
   * Inside the message's write, before its user turn: the session is checked again (other
   * messages may have been written since the checks above), a model new to the session is added
   * to its snapshot's `models`.
   */
  checkInWrite(db: WritableDB, plan: SessionPlan, choice: Choice): void {
    const { sessions } = this.#o;
    const { session } = plan;
    if (plan.isNew) {
      // An offered session id another message took first.
      if (sessions.getSessionById(session.id)) throw new ApiError('conflict', `Session '${session.id}' was just started by another message; send this one again.`);
      return;
    }
    const current = sessions.getSessionById(session.id);
    if (!current) throw new ApiError('not_found', `There is no session '${session.id}'.`);
    if (current.ended_at !== null) throw ended(session.id);
    // A session kept without a snapshot (its first message found no model): this one says what is sent.
    if (!current.policy_snapshot.model) {
      sessions.updateSessionById(db, session.id, { policy_snapshot: { ...choice.snapshot, models: [choice.model] } });
      return;
    }
    // Another model in this session: the snapshot keeps saying what was sent.
    if (!choice.snapshot.models.includes(choice.model)) {
      const models = current.policy_snapshot.models ?? choice.snapshot.models;
      if (!models.includes(choice.model))
        sessions.updateSessionById(db, session.id, { policy_snapshot: { ...choice.snapshot, ...current.policy_snapshot, models: [...models, choice.model] } });
    }
  }

  /**
   * Inside the write of a message no model could be chosen for (proxy.service.ts #keepUnsent): a
   * new session is created with an empty snapshot, which the first answered message fills in.
   */
  createUnchosenInWrite(db: WritableDB, plan: SessionPlan): void {
    if (!plan.isNew) return;
    if (this.#o.sessions.getSessionById(plan.session.id)) throw new ApiError('conflict', `Session '${plan.session.id}' was just started by another message; send this one again.`);
    if (plan.registerAssignment && plan.session.assignment_id) this.#o.registerAssignment!(db, plan.session.assignment_id);
    // The template is kept, so the message's retry (which fills in the rest) still sends it.
    this.#o.sessions.insertNewSession(db, { ...plan.session, policy_snapshot: plan.template ? { template: plan.template } : {} });
  }

  /** Inside the message's write: a new session (and the assignment it names, if unknown) is created. */
  createInWrite(db: WritableDB, plan: SessionPlan, choice: Choice): void {
    if (!plan.isNew) return;
    if (plan.registerAssignment && plan.session.assignment_id) this.#o.registerAssignment!(db, plan.session.assignment_id);
    this.#o.sessions.insertNewSession(db, { ...plan.session, policy_snapshot: { ...choice.snapshot } });
  }

  #language(): Language {
    return this.#o.settings.get().language ?? this.#o.defaultLanguage ?? 'zh-CN';
  }

  /** A new session's snapshot: the mode's policy, and the model the student may have (validly) chosen. */
  async #snapshotFor(mode: Mode, requestedModel: string | undefined): Promise<Choice> {
    const override = this.#o.settings.get().policies[mode] ?? {};
    const policy = resolvePolicy(mode, this.#language(), override);
    const { provider, model } = await this.#o.providers.select({ mode, requested: requestedModel, policy: override });
    const snapshot: PolicySnapshot = {
      provider_id: provider.id,
      provider_name: provider.name,
      model,
      models: [model],
      temperature: policy.temperature,
      max_output_tokens: policy.max_output_tokens,
      reasoning_effort: policy.reasoning_effort,
      system_prompt: policy.system_prompt,
    };
    return { snapshot, provider, model };
  }

  /**
   * A follow-up (or a retry) in an existing session. Named no model, or one the session has used:
   * that model, on the provider it used. Another model: only one the mode allows (as for a new
   * session); the write that records the message adds it to the snapshot's `models`.
   */
  async #followUp(session: Session, requestedModel: string | undefined): Promise<Choice> {
    const snapshot = await this.#snapshotOf(session);
    const model = requestedModel ?? snapshot.model;
    if (model === snapshot.model || snapshot.models.includes(model)) {
      return { snapshot, provider: await this.#o.providers.route(model, model === snapshot.model ? snapshot.provider_id : undefined), model };
    }
    const override = this.#o.settings.get().policies[session.mode] ?? {};
    const chosen = await this.#o.providers.select({ mode: session.mode, requested: model, policy: override });
    return { snapshot, ...chosen };
  }

  async #snapshotOf(session: Session): Promise<PolicySnapshot> {
    const s = session.policy_snapshot;
    // Snapshots from before per-turn models name only the first one.
    const whole = s.model ? PolicySnapshotSchema.safeParse({ ...s, models: s.models ?? [s.model] }) : null;
    if (whole?.success) return whole.data;
    // Sessions written before a snapshot existed (imports, old data), or kept when no model could be
    // chosen, fall back to today's policy (with the template they started with).
    const today = (await this.#snapshotFor(session.mode, undefined)).snapshot;
    return s.template ? { ...today, template: s.template } : today;
  }
}
