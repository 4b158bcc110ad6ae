/**
 * What a teacher makes on the hub's dashboard without curl: a class (POST /classes; its code and QR
 * code are then shown in the class view) and an assignment with its AI policy (POST /assignments,
 * an upsert: the same form edits one). The policy fields are the ones the desktop applies
 * (AssignmentPolicySchema in shared/api/schemas.ts), in plain words; fields the form does not
 * show (set through the API) are kept as they were — except fields no Studylog knows, which the hub
 * would refuse: those are dropped on saving, and the form names them.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { HubAnswerTokens, HubAssignment, HubClass } from '../../../../shared/api/hub.ts';
import type { Mode } from '../../../../shared/api/schemas.ts';
import { MODES } from '../../../../shared/api/vocabulary.ts';
import { DEFAULT_HINT_CEILING, HINT_LADDER } from '../../../../shared/hint-ladder.ts';
import { withoutUnknownPolicyFields } from '../../../../shared/hub-text.ts';
import { errorHeadline, issuesText, sentences } from '../../lib/errors.ts';
import { formatNumber, fromDateTimeInput, toDateTimeInput } from '../../lib/format.ts';
import { asCallError, type HubCallError, hubPost } from './hub-api.ts';
import { useHubQuery, useHubText } from './hub-hooks.tsx';

function Failed({ error }: { error: HubCallError | null }) {
  const { t } = useTranslation();
  if (!error) return null;
  // The hub names a refused field in English (`policy.hint_ceiling: must be 1 to 5`): said here in
  // the teacher's language, field by field (a policy kept from before the hub checked it can be refused).
  const refused = error.code === 'validation_error' && error.issues.length > 0;
  // An id the laptops cannot store: only an assignment a script or an older hub stored has one
  // (the form sends none for a new assignment), and the form cannot change it — so say what to do.
  const badId = refused && error.issues.some((i) => i.path === 'id');
  return (
    <p role="alert" className="error-text">
      {sentences(
        errorHeadline(error.code),
        refused ? t('hub.assignmentForm.refused', { issues: issuesText(error.issues.map(byField), fieldLabels(t)) }) : error.message,
        badId ? t('hub.assignmentForm.badId') : '',
      )}
    </p>
  );
}

/** An issue of one item of a list (`policy.allowed_modes.0`) is said of the list. */
const byField = <I extends { path: string }>(issue: I): I => ({ ...issue, path: issue.path.replace(/(\.\d+)+$/, '') });

/** The form's words for the fields the hub may refuse (the others are named by their path). */
function fieldLabels(t: TFunction): Record<string, string> {
  return {
    id: t('hub.assignmentForm.id'),
    title: t('hub.assignmentForm.title'),
    description: t('hub.assignmentForm.description'),
    due_at: t('hub.assignmentForm.due'),
    policy: t('hub.assignmentForm.rules'),
    'policy.share_sessions': t('hub.assignmentForm.share'),
    'policy.allowed_modes': t('hub.assignmentForm.modes'),
    'policy.hint_ceiling': t('hub.assignmentForm.ceiling'),
    'policy.allowance': t('hub.assignmentForm.tokens'),
    'policy.allowance.tokens': t('hub.assignmentForm.tokens'),
    'policy.allowance.cost': t('hub.policyFields.cost'),
    'policy.allowed_models': t('hub.policyFields.allowed_models'),
    'policy.opens_at': t('hub.policyFields.opens_at'),
    'policy.closes_at': t('hub.policyFields.closes_at'),
    'policy.context': t('hub.policyFields.context'),
  };
}

/** A new class: its name; the hub makes its code. */
export function NewClassForm({ token, onCreated, onCancel }: { token: string; onCreated: (klass: HubClass) => void; onCancel?: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<HubCallError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailed(null);
    try {
      onCreated(await hubPost<HubClass>(token, '/classes', { name: name.trim() }));
    } catch (error) {
      setFailed(asCallError(error));
      setBusy(false);
    }
  };
  return (
    <section className="card" data-testid="hub-new-class">
      <h2 className="section-title">{t('hub.newClass.title')}</h2>
      <form className="form-row align-end" onSubmit={(e) => void submit(e)}>
        <label className="field field-grow">
          <span className="field-label">{t('hub.newClass.name')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder={t('hub.newClass.namePlaceholder')} autoFocus />
        </label>
        <button type="submit" className="btn" disabled={busy || !name.trim()}>
          {t('hub.newClass.create')}
        </button>
        {onCancel ? (
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        ) : null}
      </form>
      <Failed error={failed} />
    </section>
  );
}

/** The class code's QR code (what students scan to join), read with the teacher's token: an <img src> could not send it. */
export function ClassQr({ token, klass }: { token: string; klass: HubClass }) {
  const { t } = useTranslation();
  // Without it the code above is still there to type: nothing more to say.
  const { data: svg } = useHubText(token, `/classes/${encodeURIComponent(klass.id)}/qr`);
  return svg ? (
    <img
      className="hub-qr"
      width={112}
      height={112}
      alt={t('hub.classQr', { code: klass.code })}
      src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
      data-testid="hub-class-qr"
    />
  ) : null;
}

interface PolicyFields {
  share: boolean;
  modes: Mode[];
  ceiling: number;
  tokens: string;
}

function fieldsOf(policy: Record<string, unknown> | undefined, isNew: boolean): PolicyFields {
  const p = policy ?? {};
  const modes = Array.isArray(p.allowed_modes) ? MODES.filter((m) => (p.allowed_modes as unknown[]).includes(m)) : [...MODES];
  const allowance = p.allowance && typeof p.allowance === 'object' ? (p.allowance as { tokens?: unknown }) : {};
  return {
    // A new assignment shares its sessions: the dashboard's overview, triage and search read them.
    share: isNew ? true : p.share_sessions === true,
    modes: modes.length ? modes : [...MODES],
    ceiling: typeof p.hint_ceiling === 'number' ? p.hint_ceiling : DEFAULT_HINT_CEILING,
    tokens: typeof allowance.tokens === 'number' ? String(allowance.tokens) : '',
  };
}

/**
 * The policy the fields describe, over the one the assignment had (so what the form does not show
 * stays): a field at its default is left out, as the desktop's assignment editor does.
 */
function policyOf(before: Record<string, unknown>, f: PolicyFields): Record<string, unknown> {
  const { share_sessions: _s, allowed_modes: _m, hint_ceiling: _c, allowance: oldAllowance, ...rest } = before;
  const { tokens: _t, ...otherAllowance } = oldAllowance && typeof oldAllowance === 'object' ? (oldAllowance as Record<string, unknown>) : {};
  const allowance = { ...otherAllowance, ...(f.tokens.trim() ? { tokens: Number(f.tokens) } : {}) };
  return {
    ...rest,
    ...(f.share ? { share_sessions: true } : {}),
    ...(f.modes.length < MODES.length ? { allowed_modes: f.modes } : {}),
    ...(f.ceiling !== DEFAULT_HINT_CEILING ? { hint_ceiling: f.ceiling } : {}),
    ...(Object.keys(allowance).length ? { allowance } : {}),
  };
}

/**
 * A sense of scale for the token allowance: what one answer costs, from the hub's own records
 * (GET /classes/:id/answer-tokens: the class's answers, else the hub's), else the usual range;
 * and, with the hub's figure, about how many questions the allowance typed buys.
 */
function TokenScale({ token, classId, tokens }: { token: string; classId: string; tokens: string }) {
  const { t, i18n } = useTranslation();
  // Without it the usual range below still gives the scale.
  const { data: scale } = useHubQuery<HubAnswerTokens>(token, `/classes/${encodeURIComponent(classId)}/answer-tokens`);
  const n = (value: number) => formatNumber(value, i18n.language);
  const median = scale?.scope !== 'none' ? (scale?.median ?? null) : null;
  const typed = Number(tokens);
  const line =
    scale && median !== null && scale.low !== null && scale.high !== null
      ? t(scale.scope === 'class' ? 'hub.assignmentForm.tokensScaleClass' : 'hub.assignmentForm.tokensScaleHub', {
          answers: n(scale.answers),
          median: n(median),
          low: n(scale.low),
          high: n(scale.high),
        })
      : t('hub.assignmentForm.tokensScaleDefault');
  return (
    <>
      <p className="muted small" data-testid="hub-tokens-scale">
        {line}
      </p>
      {median !== null && tokens.trim() && Number.isInteger(typed) && typed > 0 ? (
        <p className="small" data-testid="hub-tokens-estimate">
          {typed < median ? t('hub.assignmentForm.tokensTooSmall', { median: n(median) }) : t('hub.assignmentForm.tokensAbout', { n: n(Math.floor(typed / median)) })}
        </p>
      ) : null}
    </>
  );
}

/**
 * A new assignment for the class, or one of its assignments edited (the route is an upsert by id).
 * `onDirty`: told whether the form differs from what it opened with (the dashboard asks before an
 * action would drop the edits), and false once it closes.
 */
export function AssignmentForm({
  token,
  classId,
  assignment,
  onSaved,
  onCancel,
  onDirty,
}: {
  token: string;
  classId: string;
  assignment: HubAssignment | null;
  onSaved: (saved: HubAssignment) => void;
  onCancel: () => void;
  onDirty?: (dirty: boolean) => void;
}) {
  const { t } = useTranslation();
  const [title, setTitle] = useState(assignment?.title ?? '');
  const [description, setDescription] = useState(assignment?.description ?? '');
  const [due, setDue] = useState(toDateTimeInput(assignment?.due_at ?? null));
  // Fields no Studylog knows (a script's typo) would make the hub refuse the whole policy, and the
  // form cannot show them: they are left out of what is saved, and the form says which.
  const [stored] = useState(() => withoutUnknownPolicyFields(assignment?.policy ?? {}));
  const [fields, setFields] = useState<PolicyFields>(() => fieldsOf(stored.policy, assignment === null));
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<HubCallError | null>(null);
  const tokensValid = !fields.tokens.trim() || (Number.isInteger(Number(fields.tokens)) && Number(fields.tokens) > 0);
  const set = (change: Partial<PolicyFields>) => setFields((f) => ({ ...f, ...change }));
  // Edited: anything differs from what the form opened with.
  const now = JSON.stringify([title, description, due, fields]);
  const [opened] = useState(now);
  const dirty = now !== opened;
  const tell = useRef(onDirty);
  tell.current = onDirty;
  useEffect(() => tell.current?.(dirty), [dirty]);
  useEffect(() => () => tell.current?.(false), []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailed(null);
    try {
      const saved = await hubPost<HubAssignment>(token, '/assignments', {
        ...(assignment ? { id: assignment.id } : {}),
        class_id: classId,
        title: title.trim(),
        description: description.trim() || null,
        due_at: fromDateTimeInput(due),
        policy: policyOf(stored.policy, fields),
      });
      onSaved(saved);
    } catch (error) {
      setFailed(asCallError(error));
      setBusy(false);
    }
  };
  return (
    <section className="card" data-testid="hub-assignment-form">
      <h2 className="section-title">{assignment ? t('hub.assignmentForm.editTitle', { title: assignment.title }) : t('hub.assignmentForm.newTitle')}</h2>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <div className="form-row">
          <label className="field field-grow">
            <span className="field-label">{t('hub.assignmentForm.title')}</span>
            <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={500} required autoFocus />
          </label>
          <label className="field">
            <span className="field-label">{t('hub.assignmentForm.due')}</span>
            <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
          </label>
        </div>
        <label className="field">
          <span className="field-label">{t('hub.assignmentForm.description')}</span>
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={4} maxLength={20_000} />
        </label>
        <fieldset className="form hub-policy">
          <legend className="field-label">{t('hub.assignmentForm.rules')}</legend>
          <label className="checkbox">
            <input type="checkbox" checked={fields.share} onChange={(e) => set({ share: e.target.checked })} />
            {t('hub.assignmentForm.share')}
          </label>
          <div className="form-row" role="group" aria-label={t('hub.assignmentForm.modes')}>
            <span className="field-label">{t('hub.assignmentForm.modes')}</span>
            {MODES.map((m) => (
              <label key={m} className="checkbox">
                <input
                  type="checkbox"
                  checked={fields.modes.includes(m)}
                  onChange={(e) => set({ modes: e.target.checked ? MODES.filter((x) => x === m || fields.modes.includes(x)) : fields.modes.filter((x) => x !== m) })}
                />
                {t(`modes.${m}.name`)}
              </label>
            ))}
          </div>
          {fields.modes.length === 0 ? <p className="error-text">{t('hub.assignmentForm.modesNone')}</p> : null}
          <div className="form-row">
            <label className="field field-grow">
              <span className="field-label">{t('hub.assignmentForm.ceiling')}</span>
              <select value={fields.ceiling} onChange={(e) => set({ ceiling: Number(e.target.value) })}>
                {HINT_LADDER.map((step) => (
                  <option key={step.level} value={step.level}>
                    {t('hub.assignmentForm.level', { level: step.level, name: t(`homework.levels.${step.id}`) })}
                  </option>
                ))}
              </select>
            </label>
            <label className="field field-grow">
              <span className="field-label">{t('hub.assignmentForm.tokens')}</span>
              <input type="number" min={1} step={1} value={fields.tokens} onChange={(e) => set({ tokens: e.target.value })} placeholder={t('hub.assignmentForm.unlimited')} />
            </label>
          </div>
          {tokensValid ? null : <p className="error-text">{t('hub.assignmentForm.tokensInvalid')}</p>}
          <TokenScale token={token} classId={classId} tokens={fields.tokens} />
          <p className="muted small">{t('hub.assignmentForm.rulesHelp')}</p>
          {stored.dropped.length > 0 ? (
            <p className="notice notice-warning" role="status" data-testid="hub-policy-dropped">
              {t('hub.assignmentForm.unknownDropped', { keys: stored.dropped.join(t('homework.listSeparator')) })}
            </p>
          ) : null}
        </fieldset>
        <Failed error={failed} />
        <div className="form-actions">
          <button type="submit" className="btn" disabled={busy || !title.trim() || fields.modes.length === 0 || !tokensValid}>
            {assignment ? t('hub.assignmentForm.save') : t('hub.assignmentForm.publish')}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
