import { BookOpen, Download, Flag, FlagOff, Paperclip, Pencil, Trash2 } from 'lucide-react';
import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Mode, Session } from '../../../../shared/api/schemas.ts';
import { useAssignments } from '../../app/server-state.ts';
import { useApiCache, usePagedQuery, useRouteMutation, useRouteQuery } from '../../data/queries.tsx';
import { useChat } from '../chat/chat-context.tsx';
import { downloadText } from '../../lib/download.ts';
import { toClientError, type UiError } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { hrefFor } from '../../lib/route.ts';
import { ConfirmDialog, Dialog, FormFooter } from '../../ui/Dialog.tsx';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { ModeBadge } from '../../ui/ModeBadge.tsx';
import { Spinner } from '../../ui/Spinner.tsx';

export interface SessionFilters {
  mode?: Mode | undefined;
  assignment_id?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  q?: string | undefined;
}

const PAGE = 30;

export function sessionTitle(session: Session, untitled: string): string {
  return typeof session.meta.title === 'string' && session.meta.title ? session.meta.title : untitled;
}

type ExportFormat = 'md' | 'json' | 'json-with-files';

/** Downloads one session, or every session of an assignment, as the server renders it ('json-with-files': the attached photos and PDFs inside the JSON). */
export function useExport(): { run: (target: { session_id: string } | { assignment_id: string }, format: ExportFormat) => Promise<void>; error: UiError | null; busy: boolean } {
  const cache = useApiCache();
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (target: { session_id: string } | { assignment_id: string }, format: ExportFormat) => {
      setBusy(true);
      setError(null);
      try {
        // A download, not state to keep: asked for each time, past the cache.
        const file = await cache.client.exportSessions(format === 'json-with-files' ? { ...target, format: 'json', attachments: '1' } : { ...target, format });
        downloadText(file.filename, file.content_type, file.content);
      } catch (e) {
        setError(toClientError(e));
      } finally {
        setBusy(false);
      }
    },
    [cache],
  );
  return { run, error, busy };
}

/**
 * Deleting a session, asked first — one dialog for the conversation sidebar and History. `ask`
 * opens the confirmation for a session; `dialog` is where it renders; `error` is a failed delete
 * (shown by the list, which outlives the dialog). A chat on screen that is deleted gives way to a
 * new one, then `afterOpenChatDeleted` runs (the sidebar also leaves the deleted chat's address).
 */
export function useDeleteSession(options: { afterOpenChatDeleted?: () => void } = {}): {
  ask: (session: Session) => void;
  dialog: ReactNode;
  error: UiError | null;
} {
  const { t, i18n } = useTranslation();
  const chat = useChat();
  const remove = useRouteMutation('deleteSession');
  const [deleting, setDeleting] = useState<Session | null>(null);
  // The session as GET /sessions/{id}?include=hub_shared_at has it: whether the class hub already holds a copy.
  const shared = useRouteQuery('getSession', { id: deleting?.id ?? '', include: 'hub_shared_at' }, { enabled: deleting !== null }).data?.hub_shared_at;
  const dialog = deleting ? (
    <ConfirmDialog
      title={t('history.deleteTitle')}
      message={
        <>
          <span data-testid="delete-session-confirm">{t('history.deleteBody', { title: sessionTitle(deleting, t('chat.untitled')) })}</span>
          {shared !== undefined ? (
            <strong className="delete-hub-copy" data-testid="delete-hub-copy">
              {t('history.deleteHubCopy', { date: formatDateTime(shared, i18n.language) })}
            </strong>
          ) : null}
        </>
      }
      confirmLabel={t('common.delete')}
      danger
      onCancel={() => setDeleting(null)}
      onConfirm={async () => {
        const id = deleting.id;
        setDeleting(null);
        if ((await remove.run({ id })) && chat.getState().sessionId === id) {
          chat.newChat();
          options.afterOpenChatDeleted?.();
        }
      }}
    />
  ) : null;
  return { ask: setDeleting, dialog, error: remove.error };
}

/** Newest first, a page at a time, with rename / end / delete / export on each row. */
export function SessionList({ filters, emptyText }: { filters: SessionFilters; emptyText: string }) {
  const { t, i18n } = useTranslation();
  const { assignments } = useAssignments();
  // Every page loaded so far; a rename, an end or a delete (through the cache) refreshes them.
  const { items, total, loading, error, loadMore } = usePagedQuery('getUserSessions', filters, PAGE);
  const [renaming, setRenaming] = useState<Session | null>(null);
  const update = useRouteMutation('updateSession');
  const remove = useDeleteSession();
  const actionError = update.error ?? remove.error;
  const exporter = useExport();

  const assignmentTitle = (id: string) => assignments.find((a) => a.id === id)?.title ?? id;

  return (
    <div className="session-list">
      <ErrorText error={error ?? actionError ?? exporter.error} />
      {items.length === 0 && !loading && !error ? <p className="muted empty">{emptyText}</p> : null}
      <ul className="rows" aria-label={t('history.sessions')}>
        {items.map((s) => (
          <li key={s.id} className="row session-row" data-session-id={s.id}>
            <div className="row-main">
              <a className="row-title" href={hrefFor('chat', s.id)}>
                {sessionTitle(s, t('chat.untitled'))}
              </a>
              <div className="row-sub">
                <ModeBadge mode={s.mode} />
                {s.assignment_id ? (
                  <span className="chip chip-assignment">
                    <BookOpen size={12} aria-hidden="true" />
                    {assignmentTitle(s.assignment_id)}
                  </span>
                ) : null}
                <span className="muted">{formatDateTime(s.started_at, i18n.language)}</span>
                {s.ended_at ? <span className="badge">{t('history.ended')}</span> : null}
              </div>
            </div>
            <div className="row-actions">
              <button type="button" className="btn btn-ghost btn-small" onClick={() => setRenaming(s)} title={t('history.rename')}>
                <Pencil size={14} aria-hidden="true" />
                <span className="visually-hidden">{t('history.rename')}</span>
              </button>
              {s.ended_at ? (
                <button type="button" className="btn btn-ghost btn-small" title={t('history.reopen')} onClick={() => void update.run({ id: s.id, ended_at: null })}>
                  <FlagOff size={14} aria-hidden="true" />
                  <span className="visually-hidden">{t('history.reopen')}</span>
                </button>
              ) : (
                <button type="button" className="btn btn-ghost btn-small" title={t('history.end')} onClick={() => void update.run({ id: s.id, ended_at: Date.now() })}>
                  <Flag size={14} aria-hidden="true" />
                  <span className="visually-hidden">{t('history.end')}</span>
                </button>
              )}
              <button
                type="button"
                className="btn btn-ghost btn-small"
                title={t('history.exportMd')}
                onClick={() => exporter.run({ session_id: s.id }, 'md')}
                data-testid="export-md"
              >
                <Download size={14} aria-hidden="true" />
                <span aria-hidden="true">MD</span>
                <span className="visually-hidden">{t('history.exportMd')}</span>
              </button>
              <button
                type="button"
                className="btn btn-ghost btn-small"
                title={t('history.exportJson')}
                onClick={() => exporter.run({ session_id: s.id }, 'json')}
                data-testid="export-json"
              >
                <Download size={14} aria-hidden="true" />
                <span aria-hidden="true">JSON</span>
                <span className="visually-hidden">{t('history.exportJson')}</span>
              </button>
              <button
                type="button"
                className="btn btn-ghost btn-small"
                title={t('history.exportJsonFiles')}
                onClick={() => exporter.run({ session_id: s.id }, 'json-with-files')}
                data-testid="export-json-files"
              >
                <Paperclip size={14} aria-hidden="true" />
                <span className="visually-hidden">{t('history.exportJsonFiles')}</span>
              </button>
              <button type="button" className="btn btn-ghost btn-small btn-danger-text" title={t('common.delete')} onClick={() => remove.ask(s)}>
                <Trash2 size={14} aria-hidden="true" />
                <span className="visually-hidden">{t('convs.deleteNamed', { title: sessionTitle(s, t('chat.untitled')) })}</span>
              </button>
            </div>
          </li>
        ))}
      </ul>
      <div className="list-foot">
        {loading ? <Spinner /> : null}
        {!loading && items.length < total ? (
          <button type="button" className="btn" onClick={loadMore}>
            {t('history.loadMore', { shown: items.length, total })}
          </button>
        ) : null}
        {!loading && items.length > 0 && items.length >= total ? <span className="muted">{t('history.count', { n: total })}</span> : null}
      </div>

      {renaming ? <RenameDialog session={renaming} onClose={() => setRenaming(null)} onSaved={() => setRenaming(null)} /> : null}
      {remove.dialog}
    </div>
  );
}

function RenameDialog({ session, onClose, onSaved }: { session: Session; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [title, setTitle] = useState(typeof session.meta.title === 'string' ? session.meta.title : '');
  // The cache then has the new title everywhere it shows: the list, the chat's header.
  const rename = useRouteMutation('updateSession');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await rename.run({ id: session.id, title: title.trim() })) onSaved();
  };
  const { error, busy } = rename;
  return (
    <Dialog title={t('history.rename')} onClose={onClose}>
      <form onSubmit={submit} className="form">
        <label className="field">
          <span className="field-label">{t('history.fieldTitle')}</span>
          <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} required autoFocus />
        </label>
        <ErrorText error={error} />
        <FormFooter onCancel={onClose} saveDisabled={busy || !title.trim()} />
      </form>
    </Dialog>
  );
}
