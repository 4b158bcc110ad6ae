/**
 * The teacher's dashboard on the hub (`#/hub`): pick a class, then its overview (each student's
 * shared work, and their daily AI allowance, set in place: HubAllowances.tsx), the assignment inbox (with the hand-ins that reached the hub, to read and grade:
 * the score and feedback go back to the student's laptop on its next sync), triage (stuck at a hint level, leaning on worked solutions,
 * flagged replies, out of an allowance), search across the class's shared turns, and the roster with each student's
 * one-time join code (issued on import, add or reissue, shown that once: printable, as CSV and as QR
 * codes; the hub keeps only hashes — so the codes shown stay, across actions and tabs, until the
 * teacher says they are saved, and leaving the page first asks) and whether students off the
 * roster may join. A teacher makes a class (its code and QR code shown) and sets assignments with
 * their AI policy here too (HubForms.tsx), without curl. Rendered instead of the student
 * app when the page is opened at #/hub (main.tsx): the hub has no /api/v1/llm routes.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type {
  HubAddresses,
  HubAssignment,
  HubClass,
  HubHandinDetail,
  HubHandinRow,
  HubSessionView,
  InboxRow,
  IssuedJoinCode,
  OverviewRow,
  ReissuedJoinCode,
  RosterImportResult,
  RosterRow,
  HubSearchResult,
  Triage,
  TriageRow,
} from '../../../../shared/api/hub.ts';
import type { AnswerFile } from '../../../../shared/api/handin.ts';
import { ROSTER_HEADER_ISSUE } from '../../../../shared/hub-text.ts';
import { PERSON_NAME_MAX_CHARS } from '../../../../shared/person-name.ts';
import { errorHeadline, sentences } from '../../lib/errors.ts';
import { useHash } from '../../lib/route.ts';
import { formatDateTime, formatNumber } from '../../lib/format.ts';
import { Marked } from '../../ui/Marked.tsx';
import { formatSize } from '../chat/Attachments.tsx';
import { MessageText } from '../chat/MessageText.tsx';
import { Transcript } from '../handin/Transcript.tsx';
import { asCallError, type HubCallError, hubPost, storedHubToken, storeHubToken } from './hub-api.ts';
import { assignmentsRoute, HubQueries, useHubFile, useHubFileFetch, useHubQuery, useHubRefresh, useHubRefreshOnReturn } from './hub-hooks.tsx';
import { AssignmentForm, ClassQr, NewClassForm } from './HubForms.tsx';
import { DailyAllowanceCell, useClassAllowances } from './HubAllowances.tsx';
import { HubLearnerDays } from './HubLearnerDays.tsx';
import './hub.css';

type Tab = 'overview' | 'inbox' | 'triage' | 'search' | 'roster';
const TABS: Tab[] = ['overview', 'inbox', 'triage', 'search', 'roster'];

/**
 * The class and tab shown, kept in the address as the app's other screens keep theirs (lib/route.ts):
 * `#/hub/<class id>/<tab>`, so a reload or a link shared opens the same class and tab. Either may be
 * missing (`#/hub`: the first class, its overview); an unknown tab reads as the overview.
 */
export function parseHubHash(hash: string): { classId: string | null; tab: Tab } {
  const [, classId, tab] = hash.replace(/^#\/?/, '').split('?')[0]!.split('/');
  return { classId: classId ? decodeURIComponent(classId) : null, tab: (TABS as string[]).includes(tab ?? '') ? (tab as Tab) : 'overview' };
}

export function hubHref(classId: string, tab: Tab): string {
  return `#/hub/${encodeURIComponent(classId)}/${tab}`;
}

/**
 * An excerpt the hub cut (it says so: `excerpt_truncated`) ends with "…", and maths left open by the
 * cut is dropped, so the rest still renders as maths rather than a stray "$".
 */
export function excerptText(text: string, truncated: boolean): string {
  if (!truncated) return text;
  let cut = text;
  if ((cut.match(/\$\$/g)?.length ?? 0) % 2 === 1) cut = cut.slice(0, cut.lastIndexOf('$$'));
  if ((cut.replace(/\$\$/g, '').match(/(?<!\\)\$/g)?.length ?? 0) % 2 === 1) cut = cut.slice(0, cut.lastIndexOf('$'));
  for (const [open, close] of [
    ['\\(', '\\)'],
    ['\\[', '\\]'],
  ] as const) {
    const at = cut.lastIndexOf(open);
    if (at >= 0 && !cut.includes(close, at)) cut = cut.slice(0, at);
  }
  return `${cut.trimEnd()}…`;
}

// The app's date format (lib/format.ts), as on every other screen.
const when = (ms: number | null, locale: string) => (ms === null ? '—' : formatDateTime(ms, locale));

export function HubDashboard() {
  const [token, setToken] = useState(storedHubToken());
  return token ? (
    // One cache per token: signing in again (as another teacher) starts empty.
    <HubQueries key={token}>
      <Dashboard token={token} signOut={() => (storeHubToken(null), setToken(null))} />
    </HubQueries>
  ) : (
    <HubSignIn onToken={(t) => (storeHubToken(t), setToken(t))} />
  );
}

function HubSignIn({ onToken }: { onToken: (token: string) => void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState('');
  return (
    <main className="screen hub-signin" data-testid="hub-signin">
      <h1>{t('hub.title')}</h1>
      {/* The command as code (the translation marks it <cmd>…</cmd>), not in literal backticks. */}
      <p className="muted" data-testid="hub-signin-hint">
        <Trans i18nKey="hub.signInHint" components={{ cmd: <code /> }} />
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <label className="field">
          <span className="field-label">{t('hub.token')}</span>
          <input type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit" className="btn">
          {t('hub.signIn')}
        </button>
      </form>
    </main>
  );
}

/** While `active`, the browser asks before the page is closed or reloaded (in its own words). */
function useWarnBeforeUnload(active: boolean) {
  useEffect(() => {
    if (!active) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [active]);
}

/**
 * Codes issued and not yet saved, per class: each action adds its codes (a reissued code replaces
 * the same student's earlier one, which no longer works), until the teacher dismisses them.
 */
function useIssuedCodes() {
  const { t } = useTranslation();
  const [issued, setIssued] = useState<Record<string, IssuedJoinCode[]>>({});
  const unsaved = Object.values(issued).some((codes) => codes.length > 0);
  useWarnBeforeUnload(unsaved);
  return {
    issued,
    unsaved,
    add: (classId: string, codes: IssuedJoinCode[]) =>
      setIssued((all) => {
        const fresh = new Set(codes.map((c) => c.user_id));
        return { ...all, [classId]: [...(all[classId] ?? []).filter((c) => !fresh.has(c.user_id)), ...codes] };
      }),
    saved: (classId: string) => setIssued(({ [classId]: _saved, ...rest }) => rest),
    /** Asks before something that would lose unsaved codes (signing out). */
    confirmLeave: () => !unsaved || window.confirm(t('hub.roster.unsavedLeave')),
  };
}

function Dashboard({ token, signOut: leave }: { token: string; signOut: () => void }) {
  const { t, i18n } = useTranslation();
  const codes = useIssuedCodes();
  // An assignment being edited and not saved (the inbox's form), or a grade typed and not sent back
  // (a hand-in's score or feedback): an action that would drop either asks first.
  const [assignmentDirty, setAssignmentDirty] = useState(false);
  const [gradeDirty, setGradeDirty] = useState(false);
  // `only`: an action that drops just one of them (the inbox's form buttons, a hand-in's) asks about that one.
  const confirmDiscard = (only?: 'assignment' | 'grade') => {
    const assignment = assignmentDirty && only !== 'grade';
    const grade = gradeDirty && only !== 'assignment';
    return (!assignment && !grade) || window.confirm(t(assignment && grade ? 'hub.discardBoth' : grade ? 'hub.gradeDiscard' : 'hub.assignmentForm.discard'));
  };
  useWarnBeforeUnload(assignmentDirty || gradeDirty);
  const signOut = () => {
    if (confirmDiscard() && codes.confirmLeave()) leave();
  };
  const classes = useHubQuery<HubClass[]>(token, '/classes');
  // The class and tab are the address's (a reload or a shared link keeps them).
  const at = parseHubHash(useHash());
  const tab = at.tab;
  // The address follows the class and tab (a reload or a shared link opens them) without a history
  // entry per switch: Back would otherwise switch tabs with nobody asked about an unsaved grade or
  // assignment; it leaves the dashboard instead, where the page's unload warning asks.
  const show = (id: string | null, next: Tab) => {
    if (id !== null) window.location.replace(hubHref(id, next));
  };
  // A tab opened reads what it shows again, so hand-ins and work that reached the hub meanwhile
  // show without a reload (the rows shown stay until the new ones arrive).
  const refresh = useHubRefresh();
  const again = () => void refresh();
  useHubRefreshOnReturn();
  const [newClass, setNewClass] = useState(false);
  // The hub's address printed with the join codes: suggested, and the teacher's own once typed.
  const addresses = useHubQuery<HubAddresses>(token, '/addresses');
  const [typedUrl, setTypedUrl] = useState<string | null>(null);
  const printUrl = typedUrl ?? suggestedHubUrl(window.location.origin, addresses.data?.urls ?? []);
  // The class just made (named in a note above its code), and a count of "set an assignment" clicks (the inbox opens its form).
  const [created, setCreated] = useState<HubClass | null>(null);
  const [compose, setCompose] = useState(0);
  // A class not (or no longer) the teacher's — a stale link, another teacher's — falls back to the first.
  const known = classes.data?.some((c) => c.id === at.classId) ? at.classId : null;
  const classId = known ?? classes.data?.[0]?.id ?? null;
  const klass = classes.data?.find((c) => c.id === classId) ?? null;
  const stale = classes.data !== undefined && at.classId !== null && known === null;
  useEffect(() => {
    // The address says what is shown: an unknown class's is replaced (not a new history entry).
    if (stale && classId !== null) window.location.replace(hubHref(classId, tab));
  }, [stale, classId, tab]);
  const onCreated = (made: HubClass) => {
    setNewClass(false);
    setCreated(made);
    // Shown once the classes read again include it (before, it would read as unknown and fall back).
    void refresh('/classes').then(() => show(made.id, 'overview'));
  };
  // No classes to show (a wrong token, the hub not reached): said instead of the dashboard. A later
  // read that fails (on a refresh) leaves the classes shown.
  if (classes.error && !classes.data)
    return (
      <main className="screen" data-testid="hub-dashboard">
        <p role="alert" className="error-text">
          {errorHeadline(classes.error.code)} {classes.error.message}
        </p>
        <button type="button" className="btn btn-ghost" onClick={signOut}>
          {t('hub.signOut')}
        </button>
      </main>
    );
  return (
    <main
      className="screen hub-dashboard"
      data-testid="hub-dashboard"
      // A note about what was just done ("class created") stays only until the next action.
      onClickCapture={(e) => {
        if (created && e.target instanceof Element && e.target.closest('button, a, select, summary, input[type=checkbox]')) setCreated(null);
      }}
    >
      <header className="screen-header">
        <h1>{t('hub.title')}</h1>
        <div className="spacer" />
        {classes.data && classes.data.length > 0 ? (
          <label>
            <span className="visually-hidden">{t('hub.class')}</span>
            <select value={classId ?? ''} onChange={(e) => confirmDiscard() && (show(e.target.value, tab), setCreated(null))}>
              {classes.data.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {classes.data && classes.data.length > 0 ? (
          <button type="button" className="btn btn-small" onClick={() => confirmDiscard() && setNewClass(true)} disabled={newClass}>
            {t('hub.newClass.open')}
          </button>
        ) : null}
        <button type="button" className="btn btn-ghost btn-small" onClick={signOut}>
          {t('hub.signOut')}
        </button>
      </header>
      {classes.data && classes.data.length === 0 ? (
        <>
          <p className="muted">{t('hub.noClasses')}</p>
          <NewClassForm token={token} onCreated={onCreated} />
        </>
      ) : null}
      {newClass ? <NewClassForm token={token} onCreated={onCreated} onCancel={() => setNewClass(false)} /> : null}
      {klass ? (
        <>
          {created?.id === klass.id ? (
            <p className="notice" role="status" data-testid="hub-class-created">
              {t('hub.newClass.created', { name: klass.name })}
            </p>
          ) : null}
          <div className="hub-class-head">
            <div>
              <p className="muted" data-testid="hub-class-code">
                {t('hub.classCode', { code: klass.code })}
              </p>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => {
                  if (!confirmDiscard()) return;
                  show(classId, 'inbox');
                  setCompose((n) => n + 1);
                }}
              >
                {t('hub.assignmentForm.open')}
              </button>
            </div>
            <ClassQr token={token} klass={klass} />
          </div>
          <div className="hub-tabs" role="tablist">
            {TABS.map((name) => (
              <button
                key={name}
                type="button"
                role="tab"
                aria-selected={tab === name}
                className={tab === name ? 'active' : ''}
                onClick={() => (name === tab || confirmDiscard()) && (show(classId, name), again())}
              >
                {t(`hub.tabs.${name}`)}
              </button>
            ))}
          </div>
          {/* Keyed by class: a student's 学习小结 left open does not follow to another class. */}
          {tab === 'overview' ? <Overview key={klass.id} token={token} classId={klass.id} locale={i18n.language} /> : null}
          {tab === 'inbox' ? (
            <Inbox
              key={`${klass.id}-${compose}`}
              token={token}
              classId={klass.id}
              locale={i18n.language}
              startNew={compose > 0}
              onDirty={setAssignmentDirty}
              onGradeDirty={setGradeDirty}
              confirmDiscard={confirmDiscard}
            />
          ) : null}
          {tab === 'triage' ? <TriagePanel token={token} classId={klass.id} /> : null}
          {tab === 'search' ? <Search token={token} classId={klass.id} locale={i18n.language} /> : null}
          {tab === 'roster' ? (
            <Roster
              key={klass.id}
              token={token}
              klass={klass}
              onClassChanged={() => void refresh('/classes')}
              issued={codes.issued[klass.id] ?? []}
              onIssued={(issued) => codes.add(klass.id, issued)}
              onSaved={() => codes.saved(klass.id)}
              printUrl={printUrl}
              knownUrls={addresses.data?.urls ?? []}
              onPrintUrl={setTypedUrl}
            />
          ) : null}
        </>
      ) : null}
      <PrintedCodes classes={classes.data ?? []} issued={codes.issued} url={printUrl.trim() && !isLoopbackUrl(printUrl.trim()) ? printUrl.trim() : null} />
    </main>
  );
}

/** An address that means "this computer" (127.0.0.1, localhost, ::1): no student's laptop reaches the hub there. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/**
 * The hub's address as students type it: the one this page was opened at, unless that is this
 * computer's own (a teacher on the hub's machine) — then the first the hub knows it is reached at
 * (GET /addresses: --allowed-host names, --lan addresses), else that loopback one, which the roster
 * card warns about and the printed sheet leaves blank.
 */
function suggestedHubUrl(origin: string, known: string[]): string {
  return !isLoopbackUrl(origin) ? origin : (known[0] ?? origin);
}

/**
 * What "Print" prints (hub.css, @media print: the rest of the dashboard is hidden): each class with
 * codes not yet saved on a page of its own — its name, class code, the hub's address and what to
 * do with them — and each student's slip to cut out (a dashed border): number, name, join code in
 * print large enough to read across a classroom, the address and the class code, so a slip alone
 * is enough to join. `url`: the address students type; null when none usable is known (a line to fill in).
 */
function PrintedCodes({ classes, issued, url }: { classes: HubClass[]; issued: Record<string, IssuedJoinCode[]>; url: string | null }) {
  const { t } = useTranslation();
  const pages = classes.filter((c) => (issued[c.id]?.length ?? 0) > 0);
  if (pages.length === 0) return null;
  const address = url ? t('hub.print.address', { url }) : t('hub.print.addressMissing');
  return (
    <div className="hub-print" data-testid="hub-print">
      {pages.map((c) => (
        <section key={c.id} className="hub-print-class" data-testid="hub-print-class">
          <h1>{c.name}</h1>
          <p data-testid="hub-print-class-code">{t('hub.classCode', { code: c.code })}</p>
          <p data-testid="hub-print-address">{address}</p>
          <p data-testid="hub-print-howto">{t('hub.print.howTo')}</p>
          <div className="hub-print-slips">
            {issued[c.id]!.map((code) => (
              <div key={code.user_id} className="hub-print-slip" data-testid="hub-print-slip">
                <p className="hub-print-who">
                  <span data-testid="hub-slip-no">{t('hub.print.studentNo', { no: code.student_no })}</span>
                  <span data-testid="hub-slip-name">{t('hub.print.name', { name: code.name })}</span>
                </p>
                <p>
                  {t('hub.print.joinCodeLabel')}
                  <span className="hub-print-code" data-testid="hub-slip-code">
                    {code.join_code}
                  </span>
                </p>
                <p className="hub-print-where">
                  <span data-testid="hub-slip-address">{address}</span>
                  <span data-testid="hub-slip-class-code">{t('hub.print.classCode', { code: c.code })}</span>
                </p>
                <p className="hub-print-where">{t('hub.print.howTo')}</p>
              </div>
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}

function Failed({ error }: { error: HubCallError | null }) {
  const { t } = useTranslation();
  if (!error) return null;
  // The hub words its errors in English; the ones a teacher meets while working are worded here in theirs.
  const header = error.issues.find((i) => i.path === ROSTER_HEADER_ISSUE);
  const detail = header ? t('hub.roster.headerError', { found: header.params?.found ?? '' }) : error.message;
  return (
    <p role="alert" className="error-text">
      {sentences(errorHeadline(error.code), detail)}
    </p>
  );
}

/** A roster file as text: UTF-8 (with or without a BOM), else GB18030 — what Excel on a Chinese Windows saves "CSV" in. */
async function rosterFileText(file: Blob): Promise<string> {
  const bytes = await file.arrayBuffer();
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

function Overview({ token, classId, locale }: { token: string; classId: string; locale: string }) {
  const { t, i18n } = useTranslation();
  const n = (value: number) => formatNumber(value, i18n.language);
  const { data, error } = useHubQuery<OverviewRow[]>(token, `/classes/${encodeURIComponent(classId)}/overview`);
  // The student whose 学习小结 is open below the table (HubLearnerDays.tsx).
  const [learner, setLearner] = useState<OverviewRow | null>(null);
  // Each student's 每日 AI 额度, set in place in its column (HubAllowances.tsx).
  const allowances = useClassAllowances(token, classId);
  return (
    <section className="card table-card" data-testid="hub-overview">
      <Failed error={error} />
      <table className="data-table">
        <thead>
          <tr>
            <th>{t('hub.student')}</th>
            <th>{t('hub.studentNo')}</th>
            <th className="num">{t('hub.sessions')}</th>
            <th className="num" title={t('hub.turnsHelp')}>
              {t('hub.turns')}
            </th>
            <th className="num" title={t('hub.tokensHelp')}>
              {t('hub.tokens')}
            </th>
            <th>{t('hub.lastActivity')}</th>
            <th title={t('hub.dailyAllowance.columnHelp')}>{t('hub.dailyAllowance.column')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data?.map((r) => (
            <tr key={r.user_id}>
              <td>{r.name}</td>
              <td>{r.student_no ?? '—'}</td>
              <td className="num">{n(r.sessions)}</td>
              <td className="num">{n(r.turns)}</td>
              <td className="num">{n(r.tokens)}</td>
              <td>{when(r.last_received_at, locale)}</td>
              <td>
                <DailyAllowanceCell token={token} classId={classId} row={allowances.data?.find((a) => a.user_id === r.user_id)} />
              </td>
              <td>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  aria-pressed={learner?.user_id === r.user_id}
                  aria-label={t('learner.hubView.openFor', { name: r.name })}
                  onClick={() => setLearner(r)}
                  data-testid="hub-open-learner"
                >
                  {t('learner.hubView.open')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.length === 0 ? (
        <p className="muted" data-testid="hub-overview-empty">
          {t('hub.overviewEmpty')}
        </p>
      ) : null}
      {/* What each count counts: the laptop's counts (the hand-in's transcript, the allowance), not the model calls. */}
      <p className="muted small" data-testid="hub-counts-note">
        {t('hub.countsNote')}
      </p>
      <p className="muted small" data-testid="hub-daily-allowance-note">
        {t('hub.dailyAllowance.note')}
      </p>
      {learner ? <HubLearnerDays key={learner.user_id} token={token} classId={classId} student={learner} onClose={() => setLearner(null)} /> : null}
    </section>
  );
}

/**
 * The class's assignments: set a new one or edit one (AssignmentForm), each one's progress, and its
 * hand-ins (a button with their count opens them to read and grade).
 */
function Inbox({
  token,
  classId,
  locale,
  startNew,
  onDirty,
  onGradeDirty,
  confirmDiscard,
}: {
  token: string;
  classId: string;
  locale: string;
  startNew: boolean;
  /** The form's edits not saved, a grade typed and not sent back, and the question before dropping them (the Dashboard's). */
  onDirty: (dirty: boolean) => void;
  onGradeDirty: (dirty: boolean) => void;
  confirmDiscard: (only?: 'assignment' | 'grade') => boolean;
}) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState<InboxRow | null>(null);
  const inboxRoute = `/classes/${encodeURIComponent(classId)}/inbox`;
  const { data, error } = useHubQuery<InboxRow[]>(token, inboxRoute);
  // The assignments as set (description, policy): what the editor starts from.
  const assignments = useHubQuery<HubAssignment[]>(token, assignmentsRoute(classId));
  // A grade given below, or an assignment saved, changes the rows: they are read again (after a
  // grade, the assignment's hand-ins are shown afresh, the graded one closed).
  const refresh = useHubRefresh();
  const [graded, setGraded] = useState(0);
  const [editing, setEditing] = useState<HubAssignment | 'new' | null>(startNew ? 'new' : null);
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <>
      {editing ? (
        <AssignmentForm
          key={editing === 'new' ? 'new' : editing.id}
          token={token}
          classId={classId}
          assignment={editing === 'new' ? null : editing}
          onCancel={() => setEditing(null)}
          onDirty={onDirty}
          onSaved={(a) => {
            setEditing(null);
            setSaved(a.title);
            void refresh(inboxRoute, assignmentsRoute(classId));
          }}
        />
      ) : null}
      <section className="card table-card" data-testid="hub-inbox">
        <div className="form-actions">
          <button type="button" className="btn btn-small" onClick={() => confirmDiscard('assignment') && (setEditing('new'), setSaved(null))} disabled={editing === 'new'}>
            {t('hub.assignmentForm.open')}
          </button>
          {saved ? (
            <span className="muted" role="status" data-testid="hub-assignment-saved">
              {t('hub.assignmentForm.saved', { title: saved })}
            </span>
          ) : null}
        </div>
        <Failed error={error ?? assignments.error} />
        {data?.length === 0 ? <p className="muted">{t('hub.noAssignments')}</p> : null}
        <table className="data-table">
          <thead>
            <tr>
              <th>{t('hub.assignment')}</th>
              <th>{t('hub.due')}</th>
              <th className="num">{t('hub.started')}</th>
              <th className="num" title={t('hub.turnsHelp')}>
                {t('hub.turns')}
              </th>
              <th>{t('hub.handIns')}</th>
              <th>{t('hub.lastActivity')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data?.map((r) => (
              <tr key={r.assignment_id} data-testid="hub-inbox-row">
                <td>{r.title}</td>
                <td>{when(r.due_at, locale)}</td>
                <td className="num">{t('hub.startedOf', { started: formatNumber(r.students_started, i18n.language), total: formatNumber(r.students_in_class, i18n.language) })}</td>
                <td className="num">{formatNumber(r.turns, i18n.language)}</td>
                <td>
                  <span className="muted" data-testid={`hub-handin-counts-${r.assignment_id}`}>
                    {t('hub.handedInOf', { handed: formatNumber(r.handed_in, i18n.language), graded: formatNumber(r.graded, i18n.language) })}
                  </span>{' '}
                  <button
                    type="button"
                    className="btn btn-small"
                    // Another assignment's hand-ins close the one being graded.
                    onClick={() => open?.assignment_id === r.assignment_id || (confirmDiscard('grade') && setOpen(r))}
                    data-testid={`hub-open-handins-${r.assignment_id}`}
                  >
                    {t('hub.viewHandins', { count: r.handed_in })}
                  </button>
                </td>
                <td>{when(r.last_received_at, locale)}</td>
                <td>
                  {/* Editable once the assignment as set has been read (the inbox row has no description or policy). */}
                  <button
                    type="button"
                    className="btn btn-ghost btn-small"
                    disabled={!assignments.data?.some((a) => a.id === r.assignment_id)}
                    onClick={() => {
                      if (editing !== null && editing !== 'new' && editing.id === r.assignment_id) return;
                      if (!confirmDiscard('assignment')) return;
                      setSaved(null);
                      setEditing(assignments.data?.find((a) => a.id === r.assignment_id) ?? null);
                    }}
                  >
                    {t('hub.assignmentForm.edit')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {open ? (
        <Handins
          key={`${open.assignment_id}-${graded}`}
          token={token}
          assignment={open}
          locale={locale}
          onDirty={onGradeDirty}
          confirmDiscard={confirmDiscard}
          onGraded={async () => {
            // The rows re-read before the list is shown again: a hand-in opened at once must start
            // from its grade, not from the row before it (saving that again would undo the grade).
            await refresh(inboxRoute, handinsRoute(open.assignment_id));
            setGraded((n) => n + 1);
          }}
        />
      ) : null}
    </>
  );
}

const handinsRoute = (assignmentId: string) => `/assignments/${encodeURIComponent(assignmentId)}/handins`;

/** An assignment's hand-ins on the hub: read one (answer, AI-use note, transcript, verification) and grade it. */
function Handins({
  token,
  assignment,
  locale,
  onGraded,
  onDirty,
  confirmDiscard,
}: {
  token: string;
  assignment: InboxRow;
  locale: string;
  onGraded: () => Promise<void>;
  /** A grade typed and not sent back, and the question before dropping it (the Dashboard's). */
  onDirty: (dirty: boolean) => void;
  confirmDiscard: (only?: 'assignment' | 'grade') => boolean;
}) {
  const { t } = useTranslation();
  const { data, error } = useHubQuery<HubHandinRow[]>(token, handinsRoute(assignment.assignment_id));
  const [shown, setShown] = useState<string | null>(null);
  return (
    <section className="card" data-testid="hub-handins">
      <h2 className="section-title">{t('hub.handinsOf', { title: assignment.title })}</h2>
      <Failed error={error} />
      {data?.length === 0 ? <p className="muted">{t('hub.noHandins')}</p> : null}
      <ul className="hub-handins">
        {data?.map((h) => (
          <li key={h.id} data-testid="hub-handin">
            <strong>{h.name}</strong> {h.student_no ? <span className="muted">{h.student_no}</span> : null} <span className="muted">{when(h.submitted_at, locale)}</span>{' '}
            {h.late ? <span className="badge">{t('hub.late')}</span> : null} <span className="badge">{t(`hub.handinStatus.${h.status}`)}</span>
            {h.status === 'returned' ? <span> {t('hub.gradedWith', { score: h.score ?? '—' })}</span> : null}{' '}
            {/* Closing a hand-in (or opening another) drops a grade typed in it: asked first. */}
            <button type="button" className="btn btn-ghost btn-small" onClick={() => confirmDiscard('grade') && setShown(shown === h.id ? null : h.id)}>
              {t('hub.show')}
            </button>
            {shown === h.id ? <HandinDetail token={token} row={h} onGraded={onGraded} onDirty={onDirty} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function HandinDetail({ token, row, onGraded, onDirty }: { token: string; row: HubHandinRow; onGraded: () => Promise<void>; onDirty: (dirty: boolean) => void }) {
  const { t, i18n } = useTranslation();
  const { data, error } = useHubQuery<HubHandinDetail>(token, `/handins/${encodeURIComponent(row.id)}`);
  const [score, setScore] = useState(row.score === null ? '' : String(row.score));
  const [feedback, setFeedback] = useState(row.feedback ?? '');
  // Typed and not sent back: differs from the grade the hand-in opened with (as AssignmentForm tells its edits).
  const dirty = score !== (row.score === null ? '' : String(row.score)) || feedback !== (row.feedback ?? '');
  const tell = useRef(onDirty);
  tell.current = onDirty;
  useEffect(() => tell.current(dirty), [dirty]);
  useEffect(() => () => tell.current(false), []);
  const [failed, setFailed] = useState<HubCallError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setFailed(null);
    try {
      await hubPost<HubHandinRow>(token, `/handins/${encodeURIComponent(row.id)}/return`, { score: score.trim() === '' ? null : Number(score), feedback });
      await onGraded();
    } catch (e) {
      setFailed(asCallError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="hub-handin-detail" data-testid="hub-handin-detail">
      <Failed error={error} />
      {data ? (
        <>
          <p className={data.verification.ok ? 'muted' : 'error-text'}>
            {data.verification.ok ? t('hub.verified', { fingerprint: data.verification.key_fingerprint ?? '—' }) : t('hub.notVerified')}
          </p>
          {/* Who handed it in as the roster knows them: the bundle's own name is the laptop user's (often "owner"). */}
          <p data-testid="hub-handin-student">{t('hub.handinBy', { name: row.name, no: row.student_no ?? '—' })}</p>
          {data.summary.flagged > 0 ? (
            <p className="status-flagged" data-testid="hub-handin-flagged">
              {t('hub.handinFlagged', { count: data.summary.flagged })}
            </p>
          ) : null}
          <h3>{t('hub.answer')}</h3>
          <div className="plain-text" data-testid="hub-handin-answer">
            {data.bundle.answer || '—'}
          </div>
          <HubAnswerFiles token={token} handinId={row.id} files={data.bundle.version === 2 ? data.bundle.answer_files : []} />
          <h3>{t('hub.aiNote')}</h3>
          <div className="plain-text">{data.bundle.note || '—'}</div>
          <details>
            <summary data-testid="hub-transcript-counts">
              {t(data.summary.unanswered > 0 ? 'hub.transcriptCountsUnanswered' : 'hub.transcriptCounts', {
                turns: formatNumber(data.summary.turns, i18n.language),
                asked: formatNumber(data.summary.asked, i18n.language),
                answers: formatNumber(data.summary.answers, i18n.language),
                unanswered: formatNumber(data.summary.unanswered, i18n.language),
              })}
            </summary>
            {/* Rendered from the signed sessions, as the app's hand-in page does (not the bundle's Markdown text). */}
            <Transcript sessions={data.bundle.sessions} />
          </details>
        </>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label className="field">
          <span className="field-label">{t('hub.score')}</span>
          <input type="number" min={0} max={1000} step={1} value={score} onChange={(e) => setScore(e.target.value)} data-testid="hub-grade-score" />
        </label>
        <label className="field">
          <span className="field-label">{t('hub.feedback')}</span>
          <textarea value={feedback} onChange={(e) => setFeedback(e.target.value)} rows={3} data-testid="hub-grade-feedback" />
        </label>
        <button type="submit" className="btn" disabled={busy} data-testid="hub-grade-return">
          {t('hub.returnGrade')}
        </button>
      </form>
      <Failed error={failed} />
    </div>
  );
}

/**
 * The answer's files as handed in (a photo of handwritten work is the common case), read from the
 * hub (GET /handins/:id/files/:sha256, with the teacher's token) only when needed: a photo when the
 * hand-in is opened — it is the work being graded, and a teacher expects to see it without another
 * click — and any other file (a PDF, which the dashboard cannot show) only when its "download" is
 * clicked. Each file is read once: the image shown is what "download" saves.
 */
function HubAnswerFiles({ token, handinId, files }: { token: string; handinId: string; files: AnswerFile[] }) {
  const { t } = useTranslation();
  if (files.length === 0) return null;
  return (
    <>
      <h3>{t('hub.answerFiles')}</h3>
      <ul className="hub-answer-files" data-testid="hub-answer-files">
        {files.map((f) => (
          <HubAnswerFile key={f.sha256} token={token} handinId={handinId} file={f} />
        ))}
      </ul>
    </>
  );
}

function HubAnswerFile({ token, handinId, file }: { token: string; handinId: string; file: AnswerFile }) {
  const { t, i18n } = useTranslation();
  const route = `/handins/${encodeURIComponent(handinId)}/files/${file.sha256}`;
  // Shown at once: an image. Anything else is in the cache only once it was downloaded.
  const shown = useHubFile(token, route, file.kind === 'image');
  const read = useHubFileFetch(token);
  const [failed, setFailed] = useState<HubCallError | null>(null);
  const download = async () => {
    setFailed(null);
    try {
      saveDataUrl(file.name, await read(route));
    } catch (error) {
      setFailed(asCallError(error));
    }
  };
  return (
    <li className="hub-answer-file" data-testid="hub-answer-file" data-kind={file.kind}>
      {file.kind === 'image' && shown.data ? <img className="hub-answer-image" src={shown.data} alt={file.name} data-testid="hub-answer-image" /> : null}
      <div className="hub-answer-file-line">
        <span className="attachment-name">{file.name}</span> <span className="muted">{formatSize(file.bytes, i18n.language)}</span>{' '}
        <button type="button" className="btn btn-ghost btn-small" onClick={() => void download()} disabled={shown.loading} data-testid="hub-answer-download">
          {shown.loading ? t('hub.fileLoading') : t('hub.fileDownload')}
        </button>
      </div>
      <Failed error={failed ?? shown.error} />
    </li>
  );
}

/** Saves a file read as a data: URL under its own name, through the browser's download. */
function saveDataUrl(name: string, url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

function TriageList<R>({ title, rows, item, testId, note }: { title: string; rows: R[]; item: (r: R, i: number) => ReactNode; testId: string; note?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid={testId}>
      <h2 className="section-title">{title}</h2>
      {rows.length === 0 ? <p className="muted">{t('hub.triageNone')}</p> : null}
      <ul className="hub-hits">{rows.map(item)}</ul>
      {note}
    </section>
  );
}

function TriagePanel({ token, classId }: { token: string; classId: string }) {
  const { t, i18n } = useTranslation();
  const { data, error } = useHubQuery<Triage>(token, `/classes/${encodeURIComponent(classId)}/triage`);
  // The assignments' titles, to name them (the rows carry their ids).
  const assignments = useHubQuery<HubAssignment[]>(token, assignmentsRoute(classId));
  const titleOf = (id: string | null) => (id === null ? '' : (assignments.data?.find((a) => a.id === id)?.title ?? id));
  // A stuck, worked or flagged row opens its conversation below, at the reply it is about (as a search hit does).
  const [open, setOpen] = useState<OpenSession | null>(null);
  const openKey = open ? `${open.session_id}:${open.turn_id ?? ''}` : null;
  const opener = (r: TriageRow, head: ReactNode, body?: ReactNode, className = '') => {
    const target = { session_id: r.session_id, name: r.name, turn_id: r.turn_id };
    return (
      <li
        key={`${r.user_id}-${r.assignment_id ?? ''}-${r.turn_id}`}
        className={`hub-hit ${className} ${openKey === `${r.session_id}:${r.turn_id}` ? 'active' : ''}`}
        data-testid="hub-triage-entry"
        onClick={() => setOpen(target)}
      >
        <button type="button" className="hub-hit-open" onClick={(e) => (e.stopPropagation(), setOpen(target))}>
          <PersonName name={r.name} /> {head} <span className="hub-hit-action">{t('hub.openSession')}</span>
        </button>
        {body}
      </li>
    );
  };
  const unseen = data?.allowance_unseen ?? [];
  return (
    <div className="tables">
      <Failed error={error} />
      {data ? (
        <>
          <TriageList
            testId="hub-stuck"
            title={t('hub.stuck')}
            rows={data.stuck}
            item={(r) => opener(r, t('hub.stuckLine', { level: r.level ?? 0, count: r.count, assignment: titleOf(r.assignment_id) }))}
          />
          <TriageList
            testId="hub-worked"
            title={t('hub.worked')}
            rows={data.worked_solutions}
            item={(r) => opener(r, t('hub.workedLine', { count: r.count, of: r.of, assignment: titleOf(r.assignment_id) }))}
          />
          {/* The reply as the transcripts render it: Markdown and typeset maths, not its LaTeX source. */}
          <TriageList
            testId="hub-flagged"
            title={t('hub.flagged')}
            rows={data.flagged}
            item={(r) =>
              opener(
                r,
                r.assignment_id ? <span className="muted">{t('hub.onAssignment', { title: titleOf(r.assignment_id) })}</span> : null,
                <blockquote className="hub-excerpt">
                  <MessageText text={excerptText(r.excerpt ?? '', r.excerpt_truncated)} role="assistant" />
                </blockquote>,
                'hub-flagged-item',
              )
            }
          />
          {/* Out of an assignment's allowance: what the shared sessions show; the hub cannot see the others. */}
          <TriageList
            testId="hub-allowance"
            title={t('hub.outOfAllowance')}
            rows={data.out_of_allowance ?? []}
            item={(r) => (
              <li key={`${r.user_id}-${r.assignment_id}`}>
                <PersonName name={r.name} />{' '}
                {t('hub.outOfAllowanceLine', { title: r.title, used: formatNumber(r.used, i18n.language), allowance: formatNumber(r.allowance, i18n.language) })}
              </li>
            )}
            note={
              unseen.length > 0 ? (
                <p className="muted small" data-testid="hub-allowance-unseen">
                  {t('hub.allowanceUnseen', { titles: unseen.map((a) => t('hub.quoted', { title: a.title })).join(t('homework.listSeparator')) })}
                </p>
              ) : null
            }
          />
          {/* Out of the class's daily allowance (set on the overview): from the turns synced, the hub's day. */}
          <TriageList
            testId="hub-daily-allowance-triage"
            title={t('hub.outOfDailyAllowance')}
            rows={data.out_of_daily_allowance ?? []}
            item={(r) => (
              <li key={r.user_id}>
                <PersonName name={r.name} /> {t('hub.outOfDailyAllowanceLine', { used: formatNumber(r.used, i18n.language), allowance: formatNumber(r.allowance, i18n.language) })}
              </li>
            )}
            note={<p className="muted small">{t('hub.dailyAsOfSync')}</p>}
          />
        </>
      ) : null}
      {open ? (
        <section className="card hub-triage-session">
          <SessionPanel key={openKey} token={token} classId={classId} hit={open} onClose={() => setOpen(null)} />
        </section>
      ) : null}
    </div>
  );
}

/** A student's name in a list line: a long one (up to 200 characters) is cut with "…", whole in its tooltip. */
function PersonName({ name }: { name: string }) {
  return (
    <strong className="hub-person" title={name}>
      {name}
    </strong>
  );
}

function Search({ token, classId, locale }: { token: string; classId: string; locale: string }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [submitted, setSubmitted] = useState('');
  // What is open below: a message hit (opened at that message) or a title hit (the whole session).
  const [open, setOpen] = useState<OpenSession | null>(null);
  const { data, error } = useHubQuery<HubSearchResult>(token, submitted ? `/classes/${encodeURIComponent(classId)}/search?q=${encodeURIComponent(submitted)}` : null);
  const titles = data?.title_hits ?? [];
  const openKey = open ? `${open.session_id}:${open.turn_id ?? ''}` : null;
  return (
    <section className="card" data-testid="hub-search">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSubmitted(query.trim());
        }}
      >
        <label className="field">
          <span className="field-label">{t('hub.searchLabel')}</span>
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('hub.searchPlaceholder')} />
        </label>
      </form>
      <Failed error={error} />
      {/* The hub is still re-indexing the messages stored before its upgrade: older ones may be missing. */}
      {data?.index_behind ? (
        <p className="muted" data-testid="hub-search-index-behind">
          {t('hub.searchIndexBehind')}
        </p>
      ) : null}
      {data && data.items.length === 0 && titles.length === 0 ? <p className="muted">{t('hub.noResults')}</p> : null}
      {/* Sessions whose title matches, as the desktop's History lists them: a title hit opens its session. */}
      {titles.length > 0 ? (
        <>
          <h3 className="section-title" data-testid="hub-title-hits-heading">
            {t('find.matchingTitles', { n: titles.length })}
          </h3>
          <ul className="hub-hits" data-testid="hub-title-hits">
            {titles.map((h) => {
              const target = { session_id: h.session_id, name: h.name };
              const key = `${h.session_id}:`;
              return (
                <li key={h.session_id} className={openKey === key ? 'hub-hit active' : 'hub-hit'} data-testid="hub-title-hit" onClick={() => setOpen(target)}>
                  <button type="button" className="hub-hit-open" onClick={(e) => (e.stopPropagation(), setOpen(target))}>
                    <strong>{h.name}</strong> <span className="muted">{when(h.started_at, locale)}</span> <span className="hub-hit-action">{t('hub.openSession')}</span>
                  </button>
                  <div className="hub-hit-title">
                    <Marked text={h.title} ranges={h.highlights} />
                  </div>
                </li>
              );
            })}
          </ul>
          {data && data.items.length > 0 ? <h3 className="section-title">{t('find.messageHits')}</h3> : null}
        </>
      ) : null}
      {/* A hit opens its whole session below, at the message found. */}
      {data && data.items.length > 0 ? (
        <ul className="hub-hits">
          {data.items.map((h) => {
            const target = { session_id: h.session_id, name: h.name, turn_id: h.turn_id };
            return (
              <li
                key={h.turn_id}
                className={openKey === `${h.session_id}:${h.turn_id}` ? 'hub-hit active' : 'hub-hit'}
                data-testid="hub-search-hit"
                onClick={() => setOpen(target)}
              >
                <button type="button" className="hub-hit-open" onClick={(e) => (e.stopPropagation(), setOpen(target))}>
                  <strong>{h.name}</strong> <span className="muted">{when(h.created_at, locale)}</span> <span className="hub-hit-action">{t('hub.openSession')}</span>
                </button>
                {/* Cut by the hub (its first SEARCH_HIT_MAX_CHARS characters): "…", as triage's excerpts. */}
                <MessageText text={excerptText(h.content, h.content_truncated === true)} role={h.role} />
              </li>
            );
          })}
        </ul>
      ) : null}
      {open ? <SessionPanel key={openKey} token={token} classId={classId} hit={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

/** A session to open below the search: whose it is, and the message hit to mark (none for a title hit). */
interface OpenSession {
  session_id: string;
  name: string;
  turn_id?: string;
}

/** A shared session as its teacher reads it (GET /classes/:id/sessions/:session_id), opened at a search hit: that message marked and scrolled to. */
function SessionPanel({ token, classId, hit, onClose }: { token: string; classId: string; hit: OpenSession; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { data, error } = useHubQuery<HubSessionView>(token, `/classes/${encodeURIComponent(classId)}/sessions/${encodeURIComponent(hit.session_id)}`);
  const box = useRef<HTMLDivElement>(null);
  // Scrolled to once, when the session first shows: a refresh (the window back in focus) that
  // brings newer turns marks the hit again but leaves the teacher where they are reading.
  const scrolled = useRef(false);
  useEffect(() => {
    if (!data) return;
    // A title hit opens the session at its start (the panel itself is scrolled to).
    const turn = hit.turn_id ? box.current?.querySelector(`[data-turn-id="${CSS.escape(hit.turn_id)}"]`) : null;
    turn?.classList.add('transcript-turn-hit');
    if (scrolled.current) return;
    scrolled.current = true;
    (turn ?? box.current)?.scrollIntoView({ block: turn ? 'center' : 'start' });
  }, [data, hit.turn_id]);
  return (
    <div className="hub-session" data-testid="hub-session" ref={box}>
      <div className="form-actions">
        <h3 className="section-title">{t('hub.sessionOf', { name: hit.name })}</h3>
        <button type="button" className="btn btn-ghost btn-small" onClick={onClose}>
          {t('hub.closeSession')}
        </button>
      </div>
      <Failed error={error} />
      {data ? <Transcript sessions={[{ session: { id: data.session.id, title: data.session.title }, turns: data.turns }]} /> : null}
      {data?.truncated ? <p className="muted small">{t('hub.sessionTruncated', { n: formatNumber(data.turns.length, i18n.language) })}</p> : null}
    </div>
  );
}

/** The issued codes as a CSV file (UTF-8 with a BOM, so Excel reads the Chinese names); `header`: the UI language's column names. */
function codesCsv(codes: IssuedJoinCode[], header: string): string {
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [header, ...codes.map((c) => [c.student_no, c.name, c.join_code, c.qr_text].map(cell).join(','))];
  return `data:text/csv;charset=utf-8,${encodeURIComponent('\uFEFF' + lines.join('\r\n') + '\r\n')}`;
}

/**
 * The class's roster: import or add students (each gets a one-time join code), see each code's state, reissue one.
 * The codes issued are the Dashboard's (`issued`): they outlive this tab until `onSaved`.
 */
function Roster({
  token,
  klass,
  onClassChanged,
  issued,
  onIssued,
  onSaved,
  printUrl,
  knownUrls,
  onPrintUrl,
}: {
  token: string;
  klass: HubClass;
  onClassChanged: () => void;
  issued: IssuedJoinCode[];
  onIssued: (codes: IssuedJoinCode[]) => void;
  onSaved: () => void;
  /** The hub's address printed with the codes (students type it), the ones the hub knows it by, and a change of it. */
  printUrl: string;
  knownUrls: string[];
  onPrintUrl: (url: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const base = `/classes/${encodeURIComponent(klass.id)}`;
  const rosterRoute = `${base}/roster`;
  const { data, error } = useHubQuery<RosterRow[]>(token, rosterRoute);
  const refresh = useHubRefresh();
  const [note, setNote] = useState<string | null>(null);
  const [failed, setFailed] = useState<HubCallError | null>(null);
  const [busy, setBusy] = useState(false);
  const [csv, setCsv] = useState('');
  const [studentNo, setStudentNo] = useState('');
  const [name, setName] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setFailed(null);
    setNote(null);
    try {
      await work();
      await refresh(rosterRoute);
    } catch (e) {
      setFailed(asCallError(e));
    } finally {
      setBusy(false);
    }
  };
  const policy = klass.open_join === null ? 'default' : klass.open_join ? 'open' : 'closed';
  return (
    <div className="tables" data-testid="hub-roster">
      <section className="card">
        <p className="muted">{t('hub.roster.help')}</p>
        <label className="field">
          <span className="field-label">{t('hub.roster.openJoin')}</span>
          <select
            value={policy}
            disabled={busy}
            data-testid="hub-open-join"
            onChange={(e) => {
              const value = e.target.value === 'default' ? null : e.target.value === 'open';
              void act(async () => {
                await hubPost<HubClass>(token, `${base}/join-policy`, { open_join: value });
                onClassChanged();
              });
            }}
          >
            <option value="default">{t('hub.roster.openJoinDefault')}</option>
            <option value="open">{t('hub.roster.openJoinTrue')}</option>
            <option value="closed">{t('hub.roster.openJoinFalse')}</option>
          </select>
        </label>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act(async () => {
              const result = await hubPost<RosterImportResult>(token, `${base}/roster`, { csv });
              onIssued(result.codes);
              setNote(t('hub.roster.imported', { added: result.added, updated: result.updated, total: result.total }));
              setCsv('');
            });
          }}
        >
          <label className="field">
            <span className="field-label">{t('hub.roster.importLabel')}</span>
            <textarea value={csv} onChange={(e) => setCsv(e.target.value)} rows={4} placeholder={t('hub.roster.csvPlaceholder')} data-testid="hub-roster-csv" />
          </label>
          <p className="muted">{t('hub.roster.importHint')}</p>
          <label className="field">
            <span className="field-label">{t('hub.roster.importFile')}</span>
            <input
              type="file"
              accept=".csv,.txt,text/csv,text/plain"
              data-testid="hub-roster-file"
              onChange={(e) => {
                const input = e.target;
                const file = input.files?.[0];
                if (!file) return;
                // The file's text goes into the box above, to look at before importing.
                void rosterFileText(file).then((text) => {
                  setCsv(text);
                  input.value = '';
                });
              }}
            />
          </label>
          <button type="submit" className="btn btn-small" disabled={busy || !csv.trim()}>
            {t('hub.roster.import')}
          </button>
        </form>
        <form
          className="form-row"
          onSubmit={(e) => {
            e.preventDefault();
            void act(async () => {
              const code = await hubPost<IssuedJoinCode>(token, `${base}/students`, { student_no: studentNo.trim(), name: name.trim() });
              onIssued([code]);
              setStudentNo('');
              setName('');
            });
          }}
        >
          <label className="field">
            <span className="field-label">{t('hub.roster.addNo')}</span>
            <input value={studentNo} onChange={(e) => setStudentNo(e.target.value)} maxLength={64} />
          </label>
          <label className="field field-grow">
            <span className="field-label">{t('hub.roster.addName')}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={PERSON_NAME_MAX_CHARS} />
          </label>
          <button type="submit" className="btn btn-small" disabled={busy || !studentNo.trim() || !name.trim()}>
            {t('hub.roster.add')}
          </button>
        </form>
        {note ? <p className="muted">{note}</p> : null}
        <Failed error={failed ?? error} />
      </section>
      {issued.length > 0 ? (
        <section className="card" data-testid="hub-issued-codes">
          <h2 className="section-title">{t('hub.roster.issuedTitle')}</h2>
          <p className="muted">{t('hub.roster.issuedHelp')}</p>
          <label className="field">
            <span className="field-label">{t('hub.roster.printUrl')}</span>
            <input value={printUrl} onChange={(e) => onPrintUrl(e.target.value)} list="hub-print-urls" inputMode="url" autoComplete="off" data-testid="hub-print-url" />
            <datalist id="hub-print-urls">
              {knownUrls.map((u) => (
                <option key={u} value={u} />
              ))}
            </datalist>
          </label>
          {!printUrl.trim() ? (
            <p className="notice notice-warning" data-testid="hub-print-url-warning">
              {t('hub.roster.printUrlEmpty')}
            </p>
          ) : isLoopbackUrl(printUrl.trim()) ? (
            <p className="notice notice-warning" data-testid="hub-print-url-warning">
              {t('hub.roster.printUrlLocal', { url: printUrl.trim() })}
            </p>
          ) : null}
          <div className="form-actions">
            <button type="button" className="btn btn-small" onClick={() => window.print()}>
              {t('hub.roster.print')}
            </button>
            <a className="btn btn-ghost btn-small" href={codesCsv(issued, t('hub.roster.csvHeader'))} download={t('hub.roster.csvFileName', { name: klass.name })}>
              {t('hub.roster.downloadCsv')}
            </a>
            <button type="button" className="btn btn-ghost btn-small" onClick={onSaved} data-testid="hub-codes-saved">
              {t('hub.roster.codesSaved')}
            </button>
          </div>
          <table className="data-table">
            <thead>
              <tr>
                <th>{t('hub.studentNo')}</th>
                <th>{t('hub.student')}</th>
                <th>{t('hub.roster.joinCode')}</th>
                <th>{t('hub.roster.qr')}</th>
              </tr>
            </thead>
            <tbody>
              {issued.map((c) => (
                <tr key={c.user_id} data-testid="hub-issued-code">
                  <td>{c.student_no}</td>
                  <td>{c.name}</td>
                  <td>
                    <code className="hub-join-code">{c.join_code}</code>
                  </td>
                  <td>
                    <img
                      className="hub-qr"
                      width={96}
                      height={96}
                      alt={t('hub.roster.qrOf', { name: c.name })}
                      src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(c.qr_svg)}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section className="card table-card">
        {data?.length === 0 ? <p className="muted">{t('hub.roster.empty')}</p> : null}
        <table className="data-table">
          <thead>
            <tr>
              <th>{t('hub.studentNo')}</th>
              <th>{t('hub.student')}</th>
              <th>{t('hub.roster.state')}</th>
              <th className="num">{t('hub.roster.devices')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data?.map((r) => (
              <tr key={r.user_id} data-testid="hub-roster-row">
                <td>{r.student_no}</td>
                <td>{r.name}</td>
                <td>{t(`hub.roster.states.${r.code_state}`, { time: r.locked_until === null ? '' : new Date(r.locked_until).toLocaleTimeString(i18n.language) })}</td>
                <td className="num">{r.devices}</td>
                <td>
                  {confirming === r.user_id ? (
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={busy}
                      onClick={() =>
                        void act(async () => {
                          const code = await hubPost<ReissuedJoinCode>(token, `${base}/roster/${encodeURIComponent(r.user_id)}/code`, {});
                          onIssued([code]);
                          setConfirming(null);
                          if (code.revoked_devices > 0) setNote(t('hub.roster.revokedDevices', { count: code.revoked_devices }));
                        })
                      }
                    >
                      {r.devices > 0 ? t('hub.roster.reissueConfirm', { count: r.devices }) : t('hub.roster.reissueConfirmNone')}
                    </button>
                  ) : (
                    <button type="button" className="btn btn-ghost btn-small" onClick={() => setConfirming(r.user_id)}>
                      {t('hub.roster.reissue')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
