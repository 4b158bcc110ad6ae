/**
 * Hand-ins in the UI: the student's hand-in screen (`#/handin/<assignment id>`), the teacher's
 * inbox for an assignment (`#/review/<assignment id>`) and one hand-in (`#/submission/<id>`): the
 * summary card, the transcript with every version, the answer, the note, and the grade.
 */
import { CheckCircle2, Download, FileText, FileUp, Paperclip, Send, ShieldAlert, X } from 'lucide-react';
import { useCallback, useEffect, useEffectEvent, useRef, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { refreshNoteCounts } from '../../../../shared/ai-note.ts';
import type { AnswerFile, Submission, SubmissionDetail } from '../../../../shared/api/handin.ts';
import { describeBundleSize, describeProblem, isBundleProblemCode, MAX_BUNDLE_BYTES, type BundleProblem } from '../../../../shared/handin-problems.ts';
import { AttachButton, AttachmentTray, formatSize, useAttachmentTray } from '../chat/Attachments.tsx';
import { useIdentity } from '../../app/identity.tsx';
import { hasDefaultName } from '../../lib/display-names.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { NameForm } from '../settings/NameForm.tsx';
import { useApiCache, useRouteMutation, useRouteQuery } from '../../data/queries.tsx';
import { downloadText } from '../../lib/download.ts';
import { toClientError, type UiError } from '../../lib/errors.ts';
import { formatCost, formatDateTime, formatDayKey, formatNumber, localDayKey, nextLocalDay, startOfLocalDay } from '../../lib/format.ts';
import { useMoney } from '../../lib/prefs.ts';
import { hrefFor, navigate } from '../../lib/route.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { Spinner } from '../../ui/Spinner.tsx';
import { useStudyTime } from '../usage/LearnerDayList.tsx';
import { HandinStatus } from './HandinStatus.tsx';
import { Transcript } from './Transcript.tsx';
import '../../styles/handin.css';

const canTeach = (role: string) => role === 'teacher' || role === 'admin';

/**
 * A hand-in too large (handing in, or a file imported): its size and the limit in the UI's
 * language, from the refusal's params (bytes), or from the file's own size before it is sent.
 */
function withSize(error: UiError | null, language: string): UiError | null {
  const bytes = error?.code === 'payload_too_large' ? error.issues?.find((i) => i.path === 'bundle')?.params?.bytes : undefined;
  if (!error || typeof bytes !== 'number') return error;
  return { ...error, issues: undefined, localized: describeBundleSize(bytes, language === 'zh-CN' ? 'zh-CN' : 'en') };
}

/** A file larger than any hand-in, refused before it is read; `detail` (its name and size) in the UI's language. */
const tooLargeFile = (file: File, detail: string): UiError => ({
  code: 'payload_too_large',
  detail,
  issues: [{ path: 'bundle', message: '', params: { bytes: file.size, max_bytes: MAX_BUNDLE_BYTES } }],
});

/**
 * A refused hand-in file: the headline, then each problem in the UI's language — said here from
 * its code and where it is (the issue's `params`), not in the server's settings language.
 */
function BundleError({ error }: { error: UiError | null }) {
  const { t, i18n } = useTranslation();
  if (!error) return null;
  // An import the teacher already graded: a new file is not taken.
  if (error.code === 'conflict') return <ErrorText error={{ ...error, localized: t('handin.importReturned') }} />;
  if (error.code !== 'bundle_invalid') return <ErrorText error={withSize(error, i18n.language)} />;
  const language = i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
  const say = (issue: NonNullable<UiError['issues']>[number]): string => {
    // The server's own words for where the problem is (params: positions, ids, a field's name).
    if (isBundleProblemCode(issue.path)) return describeProblem({ ...(issue.params as Omit<BundleProblem, 'code'>), code: issue.path }, language);
    if (issue.path === 'student') return t('handin.importStudentRole');
    return issue.message;
  };
  return (
    <ErrorText error={{ ...error, issues: undefined }}>
      <ul className="error-issues" data-testid="bundle-problems">
        {error.issues?.map((issue, i) => (
          <li key={i} data-problem={issue.path}>
            {say(issue)}
          </li>
        ))}
      </ul>
    </ErrorText>
  );
}

/**
 * The answer's files: an image's thumbnail or a PDF's name, with its size (the student's draft and
 * the teacher's view alike; the thumbnail comes from the hand-in, so a file handed in by
 * `.studylog` file shows too). `onRemove`: the student's draft, before handing in.
 */
function AnswerFiles({ submissionId, files, onRemove }: { submissionId: string; files: AnswerFile[]; onRemove?: (sha256: string) => void }) {
  const { t, i18n } = useTranslation();
  if (files.length === 0) return null;
  return (
    <ul className="message-attachments answer-files" aria-label={t('handin.files')} data-testid="answer-files">
      {files.map((f) => (
        <li key={f.sha256} className="attachment-chip" data-kind={f.kind} data-sha256={f.sha256}>
          <div className="attachment-chip-row">
            {f.kind === 'image' ? <AnswerThumbnail submissionId={submissionId} file={f} /> : <FileText size={28} aria-hidden="true" className="attachment-icon" />}
            <span className="attachment-name" title={f.name}>
              {f.name}
            </span>
            <span className="muted attachment-size">{formatSize(f.bytes, i18n.language)}</span>
            {onRemove ? (
              <button
                type="button"
                className="btn btn-small btn-icon"
                onClick={() => onRemove(f.sha256)}
                aria-label={t('attachments.remove', { name: f.name })}
                data-testid="answer-file-remove"
              >
                <X size={14} aria-hidden="true" />
              </button>
            ) : null}
          </div>
        </li>
      ))}
    </ul>
  );
}

function AnswerThumbnail({ submissionId, file }: { submissionId: string; file: AnswerFile }) {
  const { data } = useRouteQuery('getSubmissionFile', { id: submissionId, sha256: file.sha256 });
  return data?.thumbnail ? (
    <img className="attachment-thumb" src={data.thumbnail} alt={file.name} data-testid="answer-thumb" />
  ) : (
    <span className="attachment-thumb attachment-thumb-empty" aria-hidden="true" />
  );
}

/** The student's hand-in for one assignment: pick sessions, write the answer and the AI-use note, save, hand in, download. */
export function HandinScreen({ assignmentId }: { assignmentId: string }) {
  const { t, i18n } = useTranslation();
  const cache = useApiCache();
  const assignment = useRouteQuery('getAssignment', { id: assignmentId });
  const [opened, setOpened] = useState<Submission | null>(null);
  const [openError, setOpenError] = useState<UiError | null>(null);
  // Opening is a write (a draft is made the first time), once per assignment shown.
  useEffect(() => {
    let live = true;
    cache.write('createSubmission', { id: assignmentId }).then(
      (s) => live && setOpened(s),
      (e: unknown) => live && setOpenError(toClientError(e)),
    );
    return () => {
      live = false;
    };
  }, [cache, assignmentId]);
  const detail = useRouteQuery('getSubmission', { id: opened?.id ?? '' }, { enabled: opened !== null });
  const sessions = useRouteQuery('getUserSessions', { assignment_id: assignmentId, limit: 200 });

  if (openError) return <ErrorText error={openError} />;
  if (!opened || !detail.data)
    return (
      <div className="screen-loading">
        <Spinner />
      </div>
    );
  return (
    <section className="screen handin-screen" aria-labelledby="handin-title">
      <header className="screen-header">
        <h1 id="handin-title">{t('handin.title', { title: assignment.data?.title ?? assignmentId })}</h1>
      </header>
      {assignment.data?.due_at != null ? <p className="muted">{t('assignments.due', { date: formatDateTime(assignment.data.due_at, i18n.language) })}</p> : null}
      <HandinForm key={opened.id} draft={opened} detail={detail.data} sessions={sessions.data?.items ?? []} viaHub={typeof assignment.data?.meta.hub_class_id === 'string'} />
    </section>
  );
}

/** `draft`: the hand-in's own fields as the student left them (the form starts from them); `detail`: its state now. */
function HandinForm({
  draft,
  detail,
  sessions,
  viaHub,
}: {
  draft: Submission;
  detail: SubmissionDetail;
  sessions: { id: string; started_at: number; meta: { title?: string | undefined } }[];
  /** The assignment came from the class hub: a hand-in reaches the teacher with the next sync. */
  viaHub: boolean;
}) {
  const { t, i18n } = useTranslation();
  const cache = useApiCache();
  const s = detail.submission;
  const [picked, setPicked] = useState<string[]>(draft.session_ids);
  const [answer, setAnswer] = useState(draft.answer);
  // The answer's files: those saved with the draft, then the ones just added (uploaded at once, as in the chat's composer).
  const [files, setFiles] = useState<AnswerFile[]>(draft.answer_files);
  const upload = useCallback((name: string, data: string) => cache.write('uploadAttachment', { name, data }), [cache]);
  const tray = useAttachmentTray(upload);
  const uploading = tray.items.some((i) => i.status === 'uploading');
  const [note, setNote] = useState(draft.ai_note);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [saved, setSaved] = useState<'saved' | 'submitted' | null>(null);
  const locked = s.status === 'returned';
  // The buttons are at the bottom of a long form: what they did is said beside them, and focused
  // (so scrolled into view and read out), not at the top of the page out of sight.
  const notice = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (saved) notice.current?.focus();
  }, [saved]);
  const delivery = detail.hub_delivery;
  // The note's counted lines ("时间：…，提问 N 次") follow the sessions as they are now: the draft's
  // were written when it was made, and a hand-in handed in again after more questions said
  // "提问 2 次" beside a 9-message transcript (tryout 8). Only those lines change, and the note says so.
  const [noteUpdated, setNoteUpdated] = useState<string[]>([]);
  const suggestion = detail.suggested_ai_note;
  const refreshCounts = useEffectEvent((fresh: string) => {
    const refreshed = refreshNoteCounts(note, fresh);
    if (refreshed.changed.length === 0) return;
    setNote(refreshed.note);
    setNoteUpdated(refreshed.changed);
  });
  useEffect(() => {
    if (!locked && suggestion) refreshCounts(suggestion);
  }, [suggestion, locked]);
  // The owner not yet named ("owner"): asked once, before the first hand-in that would carry it.
  const { me } = useIdentity();
  const [askName, setAskName] = useState(false);

  const save = async () => {
    const added = tray.items.flatMap((i): AnswerFile[] =>
      i.status === 'ready' && i.attachment ? [{ sha256: i.attachment.sha256, name: i.name, kind: i.attachment.kind, mime: i.attachment.mime, bytes: i.attachment.bytes }] : [],
    );
    const all = [...files, ...added.filter((a) => !files.some((f) => f.sha256 === a.sha256))];
    await cache.write('updateSubmission', { id: s.id, session_ids: picked, answer, answer_files: all.map((f) => ({ sha256: f.sha256, name: f.name })), ai_note: note });
    // Saved: the new files join the draft's list (a file that failed to upload stays in the tray with its reason).
    setFiles(all);
    for (const item of tray.items) if (item.status === 'ready') tray.remove(item.key);
  };
  const act = async (what: 'save' | 'submit') => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      await save();
      if (what === 'submit') await cache.write('submitSubmission', { id: s.id });
      setSaved(what === 'submit' ? 'submitted' : 'saved');
    } catch (e) {
      setError(toClientError(e));
    } finally {
      setBusy(false);
    }
  };
  const download = async () => {
    try {
      const file = await cache.client.getSubmissionBundle({ id: s.id });
      downloadText(file.filename, file.content_type, file.content);
    } catch (e) {
      setError(toClientError(e));
    }
  };

  return (
    <div className="form handin-form">
      <HandinStatus submission={s} />
      <fieldset className="field" disabled={locked}>
        <legend className="field-label">{t('handin.sessions')}</legend>
        {sessions.length === 0 ? <p className="muted">{t('handin.noSessions')}</p> : null}
        {sessions.map((session) => (
          <label key={session.id} className="checkbox">
            <input
              type="checkbox"
              checked={picked.includes(session.id)}
              onChange={(e) => setPicked((p) => (e.target.checked ? [...p, session.id] : p.filter((x) => x !== session.id)))}
              data-session-id={session.id}
            />
            {session.meta.title ?? formatDateTime(session.started_at, i18n.language)}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span className="field-label">{t('handin.answer')}</span>
        <textarea value={answer} onChange={(e) => setAnswer(e.target.value)} rows={8} name="answer" disabled={locked} />
      </label>
      <div className="field">
        <span className="field-label">{t('handin.files')}</span>
        <span className="muted small">{t('handin.filesHelp')}</span>
        <AnswerFiles submissionId={s.id} files={files} {...(locked ? {} : { onRemove: (sha: string) => setFiles((list) => list.filter((f) => f.sha256 !== sha)) })} />
        <AttachmentTray items={tray.items} textOnly={false} onRemove={tray.remove} onText={tray.setText} />
        {!locked ? (
          <div>
            <AttachButton tray={tray} className="btn btn-small" inputTestId="answer-attach-input" testId="answer-attach">
              <Paperclip size={14} aria-hidden="true" />
              {t('handin.attach')}
            </AttachButton>
          </div>
        ) : null}
      </div>
      <label className="field">
        <span className="field-label">{t('handin.note')}</span>
        <span className="muted small">{t('handin.noteHelp')}</span>
        <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={6} name="ai_note" disabled={locked} />
      </label>
      {noteUpdated.length > 0 && !locked ? (
        <p className="muted small" role="status" data-testid="note-counts-updated">
          {t('handin.noteStatsUpdated', { lines: noteUpdated.join(t('handin.noteLineSeparator')) })}
        </p>
      ) : null}
      {!locked ? (
        <button type="button" className="btn btn-link btn-small" onClick={() => setNote(detail.suggested_ai_note)}>
          {t('handin.noteRewrite')}
        </button>
      ) : null}
      <ErrorText error={withSize(error, i18n.language)} />
      {saved ? (
        <p ref={notice} tabIndex={-1} className="notice notice-ok" role="status" data-testid="handin-saved">
          {t(saved === 'saved' ? 'handin.savedNotice' : viaHub ? 'handin.submittedNoticeHub' : 'handin.submittedNotice')}
        </p>
      ) : null}
      {delivery ? (
        <p className="muted small" data-testid="handin-delivery" data-delivered={delivery.delivered_at !== null ? 'true' : 'false'}>
          {delivery.delivered_at !== null ? t('handin.deliveredAt', { date: formatDateTime(delivery.delivered_at, i18n.language) }) : t('handin.deliveryPending')}
        </p>
      ) : null}
      <div className="form-footer">
        {!locked ? (
          <>
            <button type="button" className="btn" disabled={busy || uploading} onClick={() => void act('save')} data-testid="handin-save">
              {t('handin.saveDraft')}
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy || uploading}
              onClick={() => (hasDefaultName(me) ? setAskName(true) : void act('submit'))}
              data-testid="handin-submit"
            >
              <Send size={14} aria-hidden="true" />
              {s.status === 'submitted' ? t('handin.resubmit') : t('handin.submit')}
            </button>
          </>
        ) : null}
        {s.status !== 'draft' ? (
          <button type="button" className="btn btn-ghost" onClick={() => void download()} data-testid="handin-download">
            <Download size={14} aria-hidden="true" />
            {t('handin.download')}
          </button>
        ) : null}
      </div>
      <p className="muted small">{t('handin.rules')}</p>
      {askName ? (
        <NameDialog
          onCancel={() => setAskName(false)}
          onNamed={() => {
            setAskName(false);
            void act('submit');
          }}
        />
      ) : null}
    </div>
  );
}

/**
 * "Your name, before you hand in": the owner is still "owner", and a hand-in carries its student's
 * name (the `.studylog` file, its file name, what the teacher reads). The form is Settings →
 * Account's (settings/NameForm.tsx): filled in from the class roster, saved as the owner's name.
 */
function NameDialog({ onCancel, onNamed }: { onCancel: () => void; onNamed: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog title={t('handin.nameTitle')} onClose={onCancel}>
      <div data-testid="handin-name">
        <NameForm handIn={{ onCancel, onNamed }} />
      </div>
    </Dialog>
  );
}

/** A teacher's inbox for one assignment, the import of `.studylog` files and the grades as CSV. */
export function ReviewScreen({ assignmentId }: { assignmentId: string }) {
  const { t, i18n } = useTranslation();
  const cache = useApiCache();
  const assignment = useRouteQuery('getAssignment', { id: assignmentId });
  const inbox = useRouteQuery('listSubmissions', { id: assignmentId });
  const fileRef = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [imported, setImported] = useState<string | null>(null);

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(null);
    setImported(null);
    // Larger than any hand-in: said at once, not after uploading it.
    if (file.size > MAX_BUNDLE_BYTES) return setError(tooLargeFile(file, t('handin.fileTooLarge', { file: file.name, bytes: file.size })));
    try {
      const s = await cache.write('importSubmission', { bundle: await file.text() });
      setImported(t('handin.imported', { file: file.name, student: s.student_name ?? s.user_id }));
    } catch (err) {
      setError(toClientError(err));
    }
  };
  const grades = async () => {
    try {
      const csv = await cache.client.exportGrades({ id: assignmentId });
      downloadText(csv.filename, csv.content_type, csv.content);
    } catch (err) {
      setError(toClientError(err));
    }
  };

  return (
    <section className="screen" aria-labelledby="review-title">
      <header className="screen-header">
        <h1 id="review-title">{t('handin.inboxTitle', { title: assignment.data?.title ?? assignmentId })}</h1>
        <span className="spacer" />
        <button type="button" className="btn" onClick={() => fileRef.current?.click()} data-testid="handin-import">
          <FileUp size={14} aria-hidden="true" />
          {t('handin.import')}
        </button>
        <input
          ref={fileRef}
          type="file"
          accept=".studylog,application/json"
          className="visually-hidden"
          tabIndex={-1}
          onChange={onFile}
          data-testid="handin-import-file"
          aria-label={t('handin.import')}
        />
        <button type="button" className="btn" onClick={() => void grades()} data-testid="grades-csv">
          <Download size={14} aria-hidden="true" />
          {t('handin.gradesCsv')}
        </button>
      </header>
      <p className="muted">{t('handin.importHelp')}</p>
      {imported ? (
        <p className="notice notice-ok" role="status">
          {imported}
        </p>
      ) : null}
      <BundleError error={error ?? inbox.error} />
      {inbox.data && inbox.data.length === 0 ? <p className="muted empty">{t('handin.inboxEmpty')}</p> : null}
      {inbox.data && inbox.data.length > 0 ? (
        <div className="table-scroll">
          <table className="data-table" data-testid="inbox">
            <thead>
              <tr>
                <th>{t('handin.student')}</th>
                <th>{t('handin.submittedAtColumn')}</th>
                <th>{t('handin.lateColumn')}</th>
                <th>{t('handin.statusColumn')}</th>
                <th>{t('handin.scoreColumn')}</th>
                <th>{t('handin.verifiedColumn')}</th>
              </tr>
            </thead>
            <tbody>
              {inbox.data.map((s) => (
                <tr key={s.id} data-submission-id={s.id}>
                  <td>
                    <a href={hrefFor('submission', s.id)}>{s.student_name ?? s.user_id}</a>
                  </td>
                  <td>{s.submitted_at !== null ? formatDateTime(s.submitted_at, i18n.language) : '—'}</td>
                  <td>{s.late ? t('handin.late') : t('common.no')}</td>
                  <td>{t(`handin.status.${s.status}`)}</td>
                  <td>{s.score ?? '—'}</td>
                  <td>{s.verification?.ok ? t('handin.verifiedOk') : t('handin.verifiedNo')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** One hand-in: the summary card, then the transcript (every version), the answer and the note; the grade form for its teacher. */
export function SubmissionScreen({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const { me } = useIdentity();
  const money = useMoney();
  const detail = useRouteQuery('getSubmission', { id });
  if (detail.error) return <ErrorText error={detail.error} />;
  if (!detail.data)
    return (
      <div className="screen-loading">
        <Spinner />
      </div>
    );
  const { submission: s, summary, sessions } = detail.data;
  const teacher = canTeach(me.role) && s.user_id !== me.id;
  const when = (ms: number | null) => (ms === null ? '—' : formatDateTime(ms, i18n.language));
  const v = s.verification;
  return (
    <section className="screen submission-screen" aria-labelledby="submission-title">
      <header className="screen-header">
        <h1 id="submission-title">{t('handin.submissionTitle', { student: s.student_name ?? s.user_id, title: s.assignment_title ?? s.assignment_id })}</h1>
        <span className="spacer" />
        {teacher ? (
          <a className="btn btn-ghost" href={hrefFor('review', s.assignment_id)}>
            {t('handin.backToInbox')}
          </a>
        ) : null}
      </header>
      <HandinStatus submission={s} />
      <div className="card summary-card" data-testid="summary-card">
        <dl className="stats">
          <div className="stat">
            <dt className="stat-label">{t('handin.sum.turns')}</dt>
            <dd className="stat-value" data-testid="sum-turns">
              {formatNumber(summary.turns, i18n.language)}
            </dd>
          </div>
          <div className="stat">
            <dt className="stat-label">{t('handin.askedStat')}</dt>
            <dd className="stat-value" data-testid="sum-asked">
              {formatNumber(summary.asked, i18n.language)}
              {summary.unanswered > 0 ? <span className="muted small"> ({t('handin.askedUnanswered', { count: summary.unanswered })})</span> : null}
            </dd>
          </div>
          <div className="stat">
            <dt className="stat-label">{t('handin.sum.span')}</dt>
            <dd className="stat-value">
              {when(summary.first_at)} – {when(summary.last_at)}
            </dd>
          </div>
          <div className="stat">
            <dt className="stat-label">{t('handin.sum.hint')}</dt>
            <dd className="stat-value" data-testid="sum-hint">
              {summary.highest_hint_level ?? '—'}
              {summary.highest_hint_at !== null ? <span className="muted small"> ({when(summary.highest_hint_at)})</span> : null}
            </dd>
          </div>
          <div className="stat">
            <dt className="stat-label">{t('handin.sum.worked')}</dt>
            <dd className="stat-value" data-testid="sum-worked">
              {summary.worked_solution ? t('common.yes') : t('common.no')}
            </dd>
          </div>
          <div className="stat">
            <dt className="stat-label">{t('handin.sum.flagged')}</dt>
            <dd className="stat-value" data-testid="sum-flagged" title={t('handin.flaggedTitle')}>
              {formatNumber(summary.flagged, i18n.language)}
            </dd>
          </div>
          <div className="stat">
            <dt className="stat-label">{t('handin.sum.regenerations')}</dt>
            <dd className="stat-value">{summary.regenerations}</dd>
          </div>
          <div className="stat">
            <dt className="stat-label">{t('handin.sum.tokens')}</dt>
            <dd className="stat-value" data-testid="sum-tokens">
              {formatNumber(summary.tokens_in + summary.tokens_out, i18n.language)}
              {/* The title calls are not messages, but they cost tokens: said so here. */}
              {summary.title_calls > 0 ? <span className="muted small"> ({t('handin.sum.withTitleCalls', { count: summary.title_calls })})</span> : null}
            </dd>
          </div>
          <div className="stat">
            <dt className="stat-label">{t('handin.sum.cost')}</dt>
            <dd className="stat-value">{formatCost(summary.cost, money)}</dd>
          </div>
          <div className="stat">
            <dt className="stat-label">{t('handin.sum.verification')}</dt>
            <dd className="stat-value" data-testid="sum-verification" data-ok={v?.ok ? 'true' : 'false'}>
              {v ? (
                v.ok ? (
                  <>
                    <CheckCircle2 size={14} aria-hidden="true" /> {t('handin.verifiedOk')}
                  </>
                ) : (
                  <>
                    <ShieldAlert size={14} aria-hidden="true" /> {t('handin.verifiedNo')}
                  </>
                )
              ) : (
                '—'
              )}
            </dd>
          </div>
        </dl>
        {v?.key_fingerprint ? <p className="muted small mono">{t('handin.keyFingerprint', { fp: v.key_fingerprint })}</p> : null}
        {s.source === 'file' ? <p className="muted small">{t('handin.fromFile')}</p> : null}
      </div>
      {teacher && summary.first_at !== null && summary.last_at !== null ? <HandedInDays userId={s.user_id} first={summary.first_at} last={summary.last_at} /> : null}
      {teacher ? <GradeForm submission={s} /> : null}
      <h2>{t('handin.answer')}</h2>
      <div className="card plain-text" data-testid="submission-answer">
        {s.answer || '—'}
      </div>
      <AnswerFiles submissionId={s.id} files={s.answer_files} />
      <h2>{t('handin.note')}</h2>
      <div className="card plain-text" data-testid="submission-note">
        {s.ai_note || '—'}
      </div>
      <h2>{t('handin.transcript')}</h2>
      <Transcript sessions={sessions} />
    </section>
  );
}

/**
 * The student's learner summary around this hand-in, as their teacher may see it: per day, from
 * only the sessions handed in to this teacher (the server recomputes it; never the student's
 * other chats). The days are the server's; a day either side of the hand-in's span is asked for,
 * so a different time zone here loses none.
 */
function HandedInDays({ userId, first, last }: { userId: string; first: number; last: number }) {
  const { t, i18n } = useTranslation();
  const from = localDayKey(startOfLocalDay(first) - 1);
  const to = localDayKey(nextLocalDay(nextLocalDay(last)));
  const days = useRouteQuery('getLearnerSummary', { from, to, user_id: userId, scope: 'handed_in' });
  const minutes = useStudyTime();
  if (days.error) return <ErrorText error={days.error} />;
  if (!days.data || days.data.length === 0) return null;
  return (
    <section className="card handed-in-days" aria-labelledby="handed-in-days-title" data-testid="handed-in-days">
      <h2 id="handed-in-days-title">{t('handin.daysTitle')}</h2>
      <p className="muted small">{t('handin.daysHelp')}</p>
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th>{t('handin.daysDay')}</th>
              <th>{t('learner.timeOnTask')}</th>
              <th>{t('learner.messages')}</th>
              <th>{t('handin.daysAnswers')}</th>
              <th>{t('learner.sessions')}</th>
              <th>{t('handin.sum.hint')}</th>
              <th>{t('learner.topics')}</th>
            </tr>
          </thead>
          <tbody>
            {days.data.map(({ day, summary: d }) => (
              <tr key={day} data-day={day}>
                {/* As the app writes dates (2026年11月29日), not the day's key. */}
                <td data-testid="day-date">{formatDayKey(day, i18n.language)}</td>
                <td data-testid="day-time">{minutes(d.time_on_task_ms)}</td>
                <td data-testid="day-messages">{d.messages}</td>
                <td>{d.answers}</td>
                <td>{d.sessions}</td>
                <td data-testid="day-hint">{Math.max(0, ...d.assignments.map((a) => a.max_hint_level)) || '—'}</td>
                <td>{d.topics.map((topic) => topic.term).join(t('homework.listSeparator')) || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function GradeForm({ submission: s }: { submission: Submission }) {
  const { t } = useTranslation();
  const [score, setScore] = useState(s.score === null ? '' : String(s.score));
  const [feedback, setFeedback] = useState(s.feedback ?? '');
  const mutation = useRouteMutation('returnSubmission');
  const [done, setDone] = useState(false);
  const submit = async () => {
    setDone(false);
    const parsed = score.trim() === '' ? null : Number(score);
    if ((await mutation.run({ id: s.id, score: parsed, feedback })) !== null) setDone(true);
  };
  return (
    <form
      className="form card grade-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2>{t('handin.grade')}</h2>
      <label className="field">
        <span className="field-label">{t('handin.scoreField')}</span>
        <input type="number" min={0} max={1000} step={1} value={score} onChange={(e) => setScore(e.target.value)} name="score" />
      </label>
      <label className="field">
        <span className="field-label">{t('handin.feedback')}</span>
        <textarea value={feedback} onChange={(e) => setFeedback(e.target.value)} rows={4} name="feedback" />
      </label>
      <ErrorText error={mutation.error} />
      {done ? (
        <p className="notice notice-ok" role="status" data-testid="grade-saved">
          {t('handin.returnedNotice')}
        </p>
      ) : null}
      <div className="form-footer">
        <button type="submit" className="btn btn-primary" disabled={mutation.busy} data-testid="grade-return">
          {t('handin.returnButton')}
        </button>
      </div>
    </form>
  );
}

/** The caller's hand-ins (History): status, score and feedback as the teacher returned them. */
export function MyHandins() {
  const { t } = useTranslation();
  const mine = useRouteQuery('listMySubmissions', {});
  if (!mine.data || mine.data.length === 0) return null;
  return (
    <section className="my-handins" aria-labelledby="my-handins-title" data-testid="my-handins">
      <h2 id="my-handins-title">{t('handin.mine')}</h2>
      <ul className="cards">
        {mine.data.map((s) => (
          <li key={s.id} className="card" data-submission-id={s.id}>
            <a href={s.status === 'draft' ? hrefFor('handin', s.assignment_id) : hrefFor('submission', s.id)}>{s.assignment_title ?? s.assignment_id}</a>
            <HandinStatus submission={s} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Opens the hand-in screen of an assignment (what the assignment panel's 交作业 button does). */
export function openHandin(assignmentId: string): void {
  navigate('handin', assignmentId);
}
