import { ChevronDown, ChevronRight, Download, Inbox, MessageSquare, Pencil, Plus, Send, Trash2, Upload } from 'lucide-react';
import { useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Assignment, AssignmentImportResult, AssignmentPolicy, Mode } from '../../../../shared/api/schemas.ts';
import { MODES } from '../../../../shared/api/vocabulary.ts';
import { DEFAULT_HINT_CEILING, HINT_LADDER } from '../../../../shared/hint-ladder.ts';
import { useIdentity } from '../../app/identity.tsx';
import { useAssignments, useModels } from '../../app/server-state.ts';
import { useApiCache, useRouteQuery } from '../../data/queries.tsx';
import { HandinStatus } from '../handin/HandinStatus.tsx';
import { useChat } from '../chat/chat-context.tsx';
import { LazyMarkdown } from '../chat/MessageText.tsx';
import { issuesFromDetail, issuesText, toClientError, type UiError } from '../../lib/errors.ts';
import { convertCost, formatCost, formatDateTime, formatNumber, fromDateTimeInput, MICRO_CENTS_PER_USD, toDateTimeInput, type Money } from '../../lib/format.ts';
import { useMoney } from '../../lib/prefs.ts';
import { hrefFor, navigate } from '../../lib/route.ts';
import { ConfirmDialog, Dialog, FormFooter } from '../../ui/Dialog.tsx';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { SessionList, useExport } from '../history/SessionList.tsx';
import { IMPORT_EXAMPLE, importPayload, isGeneratedId } from './import.ts';

export default function AssignmentsScreen() {
  const { t } = useTranslation();
  // Teachers make and import assignments as admins do (their own; the server checks).
  const { me } = useIdentity();
  const isAdmin = me.role === 'admin' || me.role === 'teacher';
  const { assignments, error: assignmentsError } = useAssignments();
  const cache = useApiCache();
  const [editing, setEditing] = useState<Assignment | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Assignment | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [importResult, setImportResult] = useState<(AssignmentImportResult & { file: string }) | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  // Joined to a class hub, this Studylog is one student's (sync/link.ts): its owner hands in, to
  // the hub; no inbox is shown. null: not known yet.
  const hubLink = useRouteQuery('getHubLink', {}, { enabled: me.role === 'admin' });
  const joinedHub = me.role !== 'admin' ? false : hubLink.data ? hubLink.data.joined : hubLink.error ? false : null;

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(null);
    setImportResult(null);
    const payload = importPayload(await file.text());
    if ('error' in payload) {
      const message = payload.error === 'not_json' ? t('assignments.importNotJson', { file: file.name }) : t('assignments.importBadFile', { file: file.name });
      setError({ code: 'validation_error', detail: '', localized: message });
      return;
    }
    try {
      const result = await cache.write('importAssignments', payload);
      setImportResult({ ...result, file: file.name });
    } catch (err) {
      setError(toClientError(err));
    }
  };

  return (
    <section className="screen" aria-labelledby="assignments-title">
      <header className="screen-header">
        <h1 id="assignments-title">{t('assignments.title')}</h1>
        <span className="spacer" />
        {isAdmin ? (
          <>
            <button type="button" className="btn" onClick={() => fileRef.current?.click()} data-testid="import-button">
              <Upload size={14} aria-hidden="true" />
              {t('assignments.import')}
            </button>
            <input
              ref={fileRef}
              type="file"
              accept="application/json,.json"
              className="visually-hidden"
              tabIndex={-1}
              onChange={onFile}
              data-testid="import-file"
              aria-label={t('assignments.import')}
            />
            <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
              <Plus size={14} aria-hidden="true" />
              {t('assignments.new')}
            </button>
          </>
        ) : null}
      </header>
      {isAdmin ? (
        <div className="muted import-help" data-testid="import-help">
          {/* A teacher makes assignments; the desktop's owner (a student) imports the ones a teacher gave. */}
          <p>{me.role === 'teacher' ? t('assignments.importHelpTeacher') : t('assignments.importHelp')}</p>
          <details>
            <summary>{t('assignments.importFormat')}</summary>
            <p>{t('assignments.importFormatNote')}</p>
            <pre className="mono">{IMPORT_EXAMPLE}</pre>
          </details>
        </div>
      ) : null}
      <ErrorText error={error ?? assignmentsError} />

      {importResult ? (
        <div className={`notice ${importResult.errors.length ? 'notice-warning' : 'notice-ok'}`} role="status" data-testid="import-result">
          <p>
            <strong>{t('assignments.importDone', { file: importResult.file, imported: importResult.imported, updated: importResult.updated })}</strong>
          </p>
          {importResult.errors.length ? (
            <>
              <p>{t('assignments.importErrors', { n: importResult.errors.length })}</p>
              <ul className="import-errors">
                {importResult.errors.map((e) => (
                  <li key={e.index} data-index={e.index}>
                    {t('assignments.importEntry', { n: e.index + 1 })}: {issuesText(issuesFromDetail(e.detail))}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}

      {assignments.length === 0 ? <p className="muted empty">{t('assignments.empty')}</p> : null}
      <ul className="cards">
        {assignments.map((a) => (
          <AssignmentCard key={a.id} assignment={a} joinedHub={joinedHub} onEdit={() => setEditing(a)} onDelete={() => setDeleting(a)} />
        ))}
      </ul>

      {editing ? <AssignmentDialog assignment={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={() => setEditing(null)} /> : null}
      {deleting ? (
        <ConfirmDialog
          title={t('assignments.deleteTitle')}
          message={t('assignments.deleteBody', { title: deleting.title })}
          confirmLabel={t('common.delete')}
          danger
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            const id = deleting.id;
            setDeleting(null);
            try {
              await cache.write('deleteAssignment', { id });
            } catch (err) {
              setError(toClientError(err));
            }
          }}
        />
      ) : null}
    </section>
  );
}

function AssignmentCard({
  assignment: a,
  joinedHub,
  onEdit,
  onDelete,
}: {
  assignment: Assignment;
  /** This Studylog is joined to a class hub (its owner is a student); null: not known yet. */
  joinedHub: boolean | null;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { t, i18n } = useTranslation();
  const { me } = useIdentity();
  const isAdmin = me.role === 'admin' || me.role === 'teacher';
  const mine = useRouteQuery('listMySubmissions', {});
  const handin = mine.data?.find((s) => s.assignment_id === a.id) ?? null;
  const chat = useChat();
  const [open, setOpen] = useState(false);
  const exporter = useExport();
  const overdue = a.due_at !== null && a.due_at < Date.now();
  // A class hub's assignment is its teacher's (set on the hub, re-applied at every sync): read-only here.
  const fromHub = typeof a.meta.hub_class_id === 'string';
  // The teacher's inbox, beside "Hand in" only where someone may hand in to this Studylog: always
  // for a teacher; for the owner (an admin), unless it is a student's (joined to a class hub, or a
  // hub's assignment, whose hand-ins go to the hub). Decided without asking the server per card:
  // a request per assignment ran a page of them into the per-token rate limit over HTTP.
  const showInbox = me.role === 'teacher' || (me.role === 'admin' && joinedHub === false && !fromHub);
  return (
    <li className="card assignment-card" data-assignment-id={a.id}>
      <div className="card-head">
        <div className="card-title-block">
          <h2 className="card-title">{a.title}</h2>
          <div className="row-sub">
            {a.subject ? <span className="chip">{a.subject}</span> : null}
            {a.due_at !== null ? (
              <span className={overdue ? 'due overdue' : 'due'}>{t('assignments.due', { date: formatDateTime(a.due_at, i18n.language) })}</span>
            ) : (
              <span className="muted">{t('assignments.noDue')}</span>
            )}
            {isGeneratedId(a.id) ? null : (
              <span className="muted small mono" data-testid="assignment-id">
                {t('assignments.idLabel', { id: a.id })}
              </span>
            )}
          </div>
        </div>
        <div className="row-actions">
          <button
            type="button"
            className="btn btn-primary btn-small"
            onClick={() => {
              chat.newChat({ mode: 'homework', assignmentId: a.id });
              navigate('chat');
            }}
          >
            <MessageSquare size={14} aria-hidden="true" />
            {t('assignments.startHomework')}
          </button>
          {me.role !== 'teacher' ? (
            <a className="btn btn-small" href={hrefFor('handin', a.id)} data-testid="open-handin">
              <Send size={14} aria-hidden="true" />
              {t('handin.open')}
            </a>
          ) : null}
          {showInbox ? (
            <a className="btn btn-small btn-ghost" href={hrefFor('review', a.id)} data-testid="open-inbox">
              <Inbox size={14} aria-hidden="true" />
              {t('handin.inbox')}
            </a>
          ) : null}
          <button type="button" className="btn btn-ghost btn-small" title={t('history.exportMd')} onClick={() => exporter.run({ assignment_id: a.id }, 'md')}>
            <Download size={14} aria-hidden="true" />
            <span aria-hidden="true">MD</span>
            <span className="visually-hidden">{t('history.exportMd')}</span>
          </button>
          <button type="button" className="btn btn-ghost btn-small" title={t('history.exportJson')} onClick={() => exporter.run({ assignment_id: a.id }, 'json')}>
            <Download size={14} aria-hidden="true" />
            <span aria-hidden="true">JSON</span>
            <span className="visually-hidden">{t('history.exportJson')}</span>
          </button>
          {isAdmin && !fromHub ? (
            <>
              <button type="button" className="btn btn-ghost btn-small" title={t('common.edit')} onClick={onEdit}>
                <Pencil size={14} aria-hidden="true" />
                <span className="visually-hidden">{t('common.edit')}</span>
              </button>
              <button type="button" className="btn btn-ghost btn-small btn-danger-text" title={t('common.delete')} onClick={onDelete}>
                <Trash2 size={14} aria-hidden="true" />
                <span className="visually-hidden">{t('common.delete')}</span>
              </button>
            </>
          ) : null}
        </div>
      </div>
      {fromHub ? (
        <p className="muted small" data-testid="hub-managed">
          {t('errors.hub_managed')}
        </p>
      ) : null}
      <PolicySummary policy={a.policy} />
      {handin ? <HandinStatus submission={handin} /> : null}
      {a.description ? (
        <div className="card-desc">
          <LazyMarkdown text={a.description} />
        </div>
      ) : null}
      <ErrorText error={exporter.error} />
      <button type="button" className="btn btn-link btn-small" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {open ? <ChevronDown size={14} aria-hidden="true" /> : <ChevronRight size={14} aria-hidden="true" />}
        {t('assignments.sessions')}
      </button>
      {open ? <SessionList filters={{ assignment_id: a.id }} emptyText={t('assignments.noSessions')} /> : null}
    </li>
  );
}

function AssignmentDialog({ assignment, onClose, onSaved }: { assignment: Assignment | null; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const cache = useApiCache();
  const [title, setTitle] = useState(assignment?.title ?? '');
  const [subject, setSubject] = useState(assignment?.subject ?? '');
  const [due, setDue] = useState(toDateTimeInput(assignment?.due_at ?? null));
  const [description, setDescription] = useState(assignment?.description ?? '');
  const policy = assignment?.policy ?? {};
  const [modes, setModes] = useState<Mode[]>(policy.allowed_modes ?? [...MODES]);
  const [ceiling, setCeiling] = useState(String(policy.hint_ceiling ?? DEFAULT_HINT_CEILING));
  const [models, setModels] = useState<string[]>(policy.allowed_models ?? []);
  const [tokens, setTokens] = useState(policy.allowance?.tokens !== undefined ? String(policy.allowance.tokens) : '');
  // The cost allowance in the currency costs are shown in (Settings); stored as micro-cents (USD).
  // Left untouched, the stored amount is kept exactly (no round trip through the rate).
  const money = useMoney();
  const savedCost = policy.allowance?.cost;
  const [cost, setCost] = useState(savedCost !== undefined ? amountText(savedCost, money) : '');
  const [costEdited, setCostEdited] = useState(false);
  const [opens, setOpens] = useState(toDateTimeInput(policy.opens_at ?? null));
  const [closes, setCloses] = useState(toDateTimeInput(policy.closes_at ?? null));
  const [context, setContext] = useState(policy.context ?? '');
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const fields = {
      title: title.trim(),
      subject: subject.trim() || null,
      description: description.trim() || null,
      due_at: fromDateTimeInput(due),
      // What the form does not show (a hub's share_sessions) is kept as it was.
      policy: { ...notInForm(policy), ...policyOf({ modes, ceiling, models, tokens, cost: costEdited ? microCentsOf(cost, money) : savedCost, opens, closes, context }) },
    };
    try {
      if (assignment) await cache.write('updateAssignment', { id: assignment.id, ...fields });
      else await cache.write('createAssignment', fields);
      onSaved();
    } catch (err) {
      setError(toClientError(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title={assignment ? t('assignments.edit') : t('assignments.new')} onClose={onClose} wide>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span className="field-label">{t('assignments.fieldTitle')}</span>
          <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} required autoFocus name="title" />
        </label>
        <div className="form-row">
          <label className="field field-grow">
            <span className="field-label">{t('assignments.fieldSubject')}</span>
            <input value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={100} name="subject" />
          </label>
          <label className="field">
            <span className="field-label">{t('assignments.fieldDue')}</span>
            <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} name="due" />
          </label>
        </div>
        <label className="field">
          <span className="field-label">{t('assignments.fieldDescription')}</span>
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={5} name="description" />
        </label>
        <fieldset className="form policy-fields" data-testid="policy-fields">
          <legend className="field-label">{t('assignments.policy')}</legend>
          <p className="muted small">{t('assignments.policyHelp')}</p>
          <div className="form-row">
            <span className="field-label">{t('assignments.policyModes')}</span>
            {MODES.map((m) => (
              <label key={m} className="checkbox">
                <input
                  type="checkbox"
                  name={`mode-${m}`}
                  checked={modes.includes(m)}
                  onChange={(e) => setModes((current) => (e.target.checked ? MODES.filter((x) => x === m || current.includes(x)) : current.filter((x) => x !== m)))}
                />
                {t(`modes.${m}.name`)}
              </label>
            ))}
          </div>
          <div className="form-row">
            <label className="field field-grow field-wide-select">
              <span className="field-label">{t('assignments.policyCeiling')}</span>
              <select value={ceiling} onChange={(e) => setCeiling(e.target.value)} name="hint_ceiling">
                {HINT_LADDER.map((step) => (
                  <option key={step.level} value={step.level}>
                    {t('assignments.policyLevel', { level: step.level, name: t(`homework.levels.${step.id}`) })}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field-label">{t('assignments.policyOpens')}</span>
              <input type="datetime-local" value={opens} onChange={(e) => setOpens(e.target.value)} name="opens_at" />
            </label>
            <label className="field">
              <span className="field-label">{t('assignments.policyCloses')}</span>
              <input type="datetime-local" value={closes} onChange={(e) => setCloses(e.target.value)} name="closes_at" />
            </label>
          </div>
          <ModelChoice value={models} onChange={setModels} />
          <div className="form-row">
            <label className="field field-grow">
              <span className="field-label">{t('assignments.policyTokens')}</span>
              <input
                type="number"
                min={1}
                step={1}
                value={tokens}
                onChange={(e) => setTokens(e.target.value)}
                name="allowance_tokens"
                placeholder={t('assignments.policyUnlimited')}
              />
            </label>
            <label className="field field-grow">
              <span className="field-label" data-testid="allowance-cost-label">
                {t('assignments.policyCost', { currency: money.currency === 'CNY' ? t('assignments.currencyCNY') : t('assignments.currencyUSD') })}
              </span>
              <input
                type="number"
                min={0}
                step="any"
                value={cost}
                onChange={(e) => {
                  setCost(e.target.value);
                  setCostEdited(true);
                }}
                name="allowance_cost"
                placeholder={t('assignments.policyUnlimited')}
              />
            </label>
          </div>
          <p className="muted small" data-testid="allowance-cost-note">
            {money.currency === 'CNY' ? t('assignments.policyCostRate', { rate: money.rate }) : t('assignments.policyCostUsdNote')}
          </p>
          <label className="field">
            <span className="field-label">{t('assignments.policyContext')}</span>
            <textarea value={context} onChange={(e) => setContext(e.target.value)} rows={3} name="context" placeholder={t('assignments.policyContextPlaceholder')} />
          </label>
        </fieldset>
        <ErrorText error={error} />
        <FormFooter onCancel={onClose} saveDisabled={busy || !title.trim()} />
      </form>
    </Dialog>
  );
}

/**
 * The policy the editor's fields describe: only what differs from the defaults (every mode, ceiling
 * 4, any model, no allowance, open now, no context), so an untouched form stores no policy.
 */
function policyOf(f: {
  modes: Mode[];
  ceiling: string;
  models: string[];
  tokens: string;
  cost: number | undefined;
  opens: string;
  closes: string;
  context: string;
}): AssignmentPolicy {
  const models = f.models;
  const tokens = f.tokens.trim() ? Number(f.tokens) : undefined;
  const cost = f.cost;
  const opens = fromDateTimeInput(f.opens);
  const closes = fromDateTimeInput(f.closes);
  const ceiling = Number(f.ceiling);
  return {
    ...(f.modes.length < MODES.length ? { allowed_modes: f.modes } : {}),
    ...(ceiling !== DEFAULT_HINT_CEILING ? { hint_ceiling: ceiling } : {}),
    ...(models.length ? { allowed_models: models } : {}),
    ...(tokens !== undefined || cost !== undefined ? { allowance: { ...(tokens !== undefined ? { tokens } : {}), ...(cost !== undefined ? { cost } : {}) } } : {}),
    ...(opens !== null ? { opens_at: opens } : {}),
    ...(closes !== null ? { closes_at: closes } : {}),
    ...(f.context.trim() ? { context: f.context.trim() } : {}),
  };
}

/** The policy's fields the editor does not show (share_sessions, set by a class hub): kept on save. */
function notInForm(policy: AssignmentPolicy): AssignmentPolicy {
  return policy.share_sessions === undefined ? {} : { share_sessions: policy.share_sessions };
}

/** A cost allowance (micro-cents, USD) as the editor shows it: in the display currency, without float noise. */
function amountText(microCents: number, money: Money): string {
  return String(Number(convertCost(microCents, money).toFixed(6)));
}

/** What the teacher typed, in the display currency → micro-cents (USD), as the policy stores it; '' → none. */
function microCentsOf(text: string, money: Money): number | undefined {
  if (!text.trim()) return undefined;
  const amount = Number(text);
  const usd = money.currency === 'CNY' ? amount / money.rate : amount;
  return Math.round(usd * MICRO_CENTS_PER_USD);
}

/**
 * The models a policy allows, as checkboxes: the models the server lists for this installation
 * (GET /models, as the chat's picker), so a typo cannot lock students out. A saved id the server
 * does not list stays visible, checked and marked, so it can be kept or removed knowingly.
 */
function ModelChoice({ value, onChange }: { value: string[]; onChange: (next: string[]) => void }) {
  const { t } = useTranslation();
  const { models } = useModels();
  const offered = [...new Set(models?.providers.flatMap((p) => MODES.flatMap((m) => p.allowed[m] ?? [])) ?? [])];
  // The saved ids (as the dialog opened) stay listed when unticked, so an untick can be undone.
  const [saved] = useState(value);
  const unknown = [...new Set([...saved, ...value])].filter((m) => !offered.includes(m));
  const toggle = (model: string, on: boolean) => onChange(on ? [...value.filter((m) => m !== model), model] : value.filter((m) => m !== model));
  return (
    <fieldset className="field model-choice" data-testid="allowed-models">
      <legend className="field-label">{t('assignments.policyModels')}</legend>
      <p className="muted small">{t('assignments.policyModelsHelp')}</p>
      {models && offered.length === 0 ? <p className="muted small">{t('assignments.policyModelsNone')}</p> : null}
      <div className="model-choice-list">
        {offered.map((m) => (
          <label key={m} className="checkbox">
            <input type="checkbox" name="allowed_model" value={m} checked={value.includes(m)} onChange={(e) => toggle(m, e.target.checked)} />
            {m}
          </label>
        ))}
        {models
          ? unknown.map((m) => (
              <label key={m} className="checkbox model-unknown" title={t('assignments.policyModelUnknownTitle')} data-unknown="true">
                <input type="checkbox" name="allowed_model" value={m} checked={value.includes(m)} onChange={(e) => toggle(m, e.target.checked)} />
                {t('assignments.policyModelUnknown', { model: m })}
              </label>
            ))
          : // Before the list arrives: the saved ids, unmarked (not known yet to be unknown).
            unknown.map((m) => (
              <label key={m} className="checkbox">
                <input type="checkbox" name="allowed_model" value={m} checked={value.includes(m)} onChange={(e) => toggle(m, e.target.checked)} />
                {m}
              </label>
            ))}
      </div>
    </fieldset>
  );
}

/** One line under an assignment's title: the AI rules its policy sets (or that there are none). */
function PolicySummary({ policy }: { policy: AssignmentPolicy }) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const sep = t('homework.listSeparator');
  const parts: string[] = [];
  if (policy.allowed_modes && policy.allowed_modes.length < MODES.length) {
    parts.push(t('assignments.summaryModes', { modes: policy.allowed_modes.map((m) => t(`modes.${m}.name`)).join(sep) }));
  }
  if (policy.hint_ceiling !== undefined && policy.hint_ceiling !== DEFAULT_HINT_CEILING) parts.push(t('assignments.summaryCeiling', { level: policy.hint_ceiling }));
  if (policy.allowance?.tokens !== undefined) parts.push(t('assignments.summaryTokens', { n: formatNumber(policy.allowance.tokens, i18n.language) }));
  if (policy.allowance?.cost !== undefined) parts.push(t('assignments.summaryCost', { cost: formatCost(policy.allowance.cost, money) }));
  if (policy.allowed_models?.length) parts.push(t('assignments.summaryModels', { models: policy.allowed_models.join(sep) }));
  if (policy.opens_at !== undefined && policy.opens_at !== null) parts.push(t('assignments.summaryOpens', { date: formatDateTime(policy.opens_at, i18n.language) }));
  if (policy.closes_at !== undefined && policy.closes_at !== null) parts.push(t('assignments.summaryCloses', { date: formatDateTime(policy.closes_at, i18n.language) }));
  if (policy.context) parts.push(t('assignments.summaryContext'));
  const text = parts.length ? parts.join(' · ') : t('assignments.summaryAny');
  return (
    <p className="muted small policy-summary" data-testid="policy-summary" title={text}>
      <strong>{t('assignments.summaryLabel')}</strong>
      {text}
    </p>
  );
}
