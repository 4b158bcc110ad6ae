/**
 * The chat's conversation sidebar: the student's sessions newest first (GET /sessions through the
 * query cache, a page at a time), grouped 置顶 / 今天 / 昨天 / 更早, with an inline search (the
 * sessions route's `q`), and per session open, pin, rename (inline) and delete; "new chat" on top.
 *
 * Wide windows show it beside the chat (the header's toggle hides it); below 1100 px it is hidden
 * and opens as an overlay over the chat, so the conversation keeps its room (at 1024×640 a sidebar
 * beside it would leave the chat ~600 px and wrap its one-line header; at 800×600 even less).
 */
import { Check, PanelLeft, Pencil, Pin, PinOff, Plus, Search, Trash2, X } from 'lucide-react';
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../../../shared/api/schemas.ts';
import { usePagedQuery, useRouteMutation, useRouteQuery } from '../../data/queries.tsx';
import { hrefFor, navigate } from '../../lib/route.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { Marked } from '../../ui/Marked.tsx';
import { Spinner } from '../../ui/Spinner.tsx';
import { sessionTitle, useDeleteSession } from '../history/SessionList.tsx';
import { useChat } from './chat-context.tsx';
import { groupSessions, isPinned } from './sidebar-groups.ts';
import { useDebounced } from '../../lib/useDebounced.ts';

const PAGE = 30;
/** Below this window width (where the app's navigation narrows too) the sidebar is an overlay, closed until asked for. */
const NARROW = '(max-width: 1099px)';

function subscribeNarrow(onChange: () => void): () => void {
  const media = window.matchMedia(NARROW);
  media.addEventListener('change', onChange);
  return () => media.removeEventListener('change', onChange);
}
const isNarrow = () => window.matchMedia(NARROW).matches;

interface SidebarState {
  open: boolean;
  toggle: () => void;
}
const SidebarContext = createContext<SidebarState | null>(null);

/** The chat screen with its sidebar. */
export function ChatLayout({ children }: { children: ReactNode }) {
  const narrow = useSyncExternalStore(subscribeNarrow, isNarrow);
  // Two choices, one per width: shown beside a wide chat unless hidden; over a narrow one only when asked.
  const [wideOpen, setWideOpen] = useState(true);
  const [narrowOpen, setNarrowOpen] = useState(false);
  const open = narrow ? narrowOpen : wideOpen;
  const toggle = () => (narrow ? setNarrowOpen((o) => !o) : setWideOpen((o) => !o));
  const close = () => (narrow ? setNarrowOpen(false) : undefined);

  useEffect(() => {
    if (!narrow || !narrowOpen) return;
    const onKey = (e: KeyboardEvent) => {
      // Esc in a dialog (the delete confirmation) closes the dialog only.
      if (e.key === 'Escape' && !document.querySelector('dialog[open]')) setNarrowOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [narrow, narrowOpen]);

  return (
    <SidebarContext.Provider value={{ open, toggle }}>
      <div className={`chat-layout${narrow ? ' narrow' : ''}`}>
        {open ? (
          <>
            {narrow ? <div className="conv-backdrop" onClick={close} aria-hidden="true" data-testid="conv-backdrop" /> : null}
            <ConversationSidebar onLeave={close} />
          </>
        ) : null}
        {children}
      </div>
    </SidebarContext.Provider>
  );
}

/** The chat header's button that shows or hides the sidebar. */
export function SidebarToggle() {
  const { t } = useTranslation();
  const sidebar = useContext(SidebarContext);
  if (!sidebar) return null;
  const label = sidebar.open ? t('convs.hide') : t('convs.show');
  return (
    <button
      type="button"
      className="btn btn-ghost btn-small btn-icon"
      onClick={sidebar.toggle}
      aria-expanded={sidebar.open}
      aria-controls="conv-sidebar"
      title={label}
      data-testid="conv-toggle"
    >
      <PanelLeft size={16} aria-hidden="true" />
      <span className="visually-hidden">{label}</span>
    </button>
  );
}

/** `onLeave`: a session was opened or a new chat started (a narrow window's overlay then closes). */
function ConversationSidebar({ onLeave }: { onLeave: () => void }) {
  const { t } = useTranslation();
  const chat = useChat();
  const activeId = useSyncExternalStore(chat.subscribe, () => chat.getState().sessionId);
  const [q, setQ] = useState('');
  const query = useDebounced(q.trim(), 300);
  const { items, total, loading, error, loadMore, indexBehind } = usePagedQuery('getUserSessions', query ? { q: query } : {}, PAGE);
  // Searching: the messages that match too, each opening its session at that message.
  const messageSearch = useRouteQuery('searchTurns', { q: query, limit: 10 }, { enabled: query !== '' });
  const messageHits = messageSearch.data?.items ?? [];
  // The search index could not catch up just now (another process was writing): History's line.
  const behind = query !== '' && (indexBehind || messageSearch.data?.index_behind === true);
  // "Today" as of when the sidebar opened; the groups are by the local calendar day.
  const [now] = useState(Date.now);
  const groups = groupSessions(items, now);
  const [renamingId, setRenamingId] = useState<string | null>(null);
  const update = useRouteMutation('updateSession');
  // The chat on screen was the deleted session: it gives way to a new one, at the chat's address.
  const remove = useDeleteSession({ afterOpenChatDeleted: () => navigate('chat') });

  const newChat = () => {
    chat.newChat();
    navigate('chat');
    onLeave();
  };

  return (
    <aside id="conv-sidebar" className="conv-sidebar" aria-label={t('convs.title')} data-testid="conv-sidebar">
      <div className="conv-top">
        <button type="button" className="btn btn-primary conv-new" onClick={newChat} data-testid="conv-new">
          <Plus size={14} aria-hidden="true" />
          {t('chat.newChat')}
        </button>
        <span className="input-icon conv-search">
          <Search size={14} aria-hidden="true" />
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('convs.search')} aria-label={t('convs.search')} data-testid="conv-search" />
        </span>
      </div>
      <div className="conv-scroll">
        <ErrorText error={error ?? update.error ?? remove.error} />
        {behind ? (
          <p className="muted conv-index-behind" data-testid="conv-index-behind">
            {t('history.indexBehind')}
          </p>
        ) : null}
        {items.length === 0 && !loading && !error ? <p className="muted conv-empty">{query ? t('convs.noMatches') : t('convs.empty')}</p> : null}
        {groups.map((group) => (
          <section key={group.key} className="conv-group" aria-label={t(`convs.groups.${group.key}`)} data-group={group.key}>
            <h2 className="conv-group-title">{t(`convs.groups.${group.key}`)}</h2>
            <ul className="conv-list">
              {group.sessions.map((s) =>
                renamingId === s.id ? (
                  <RenameRow key={s.id} session={s} onDone={() => setRenamingId(null)} save={async (title) => (await update.run({ id: s.id, title })) !== null} />
                ) : (
                  <li key={s.id} className={`conv-row${s.id === activeId ? ' active' : ''}`} data-session-id={s.id}>
                    <a
                      className="conv-link"
                      href={hrefFor('chat', s.id)}
                      aria-current={s.id === activeId ? 'page' : undefined}
                      onClick={onLeave}
                      title={sessionTitle(s, t('chat.untitled'))}
                    >
                      {isPinned(s) ? <Pin size={12} aria-hidden="true" className="conv-pin-mark" /> : null}
                      <span className="conv-title">{sessionTitle(s, t('chat.untitled'))}</span>
                    </a>
                    <span className="conv-actions">
                      <button
                        type="button"
                        className="btn btn-ghost btn-small btn-icon"
                        title={isPinned(s) ? t('convs.unpin') : t('convs.pin')}
                        onClick={() => void update.run({ id: s.id, meta: { pinned: !isPinned(s) } })}
                        data-testid="conv-pin"
                      >
                        {isPinned(s) ? <PinOff size={14} aria-hidden="true" /> : <Pin size={14} aria-hidden="true" />}
                        <span className="visually-hidden">{isPinned(s) ? t('convs.unpin') : t('convs.pin')}</span>
                      </button>
                      <button type="button" className="btn btn-ghost btn-small btn-icon" title={t('history.rename')} onClick={() => setRenamingId(s.id)} data-testid="conv-rename">
                        <Pencil size={14} aria-hidden="true" />
                        <span className="visually-hidden">{t('history.rename')}</span>
                      </button>
                      <button
                        type="button"
                        className="btn btn-ghost btn-small btn-icon btn-danger-text"
                        title={t('common.delete')}
                        onClick={() => remove.ask(s)}
                        data-testid="conv-delete"
                      >
                        <Trash2 size={14} aria-hidden="true" />
                        {/* Named by its conversation: a screen reader's list of buttons is not twenty "删除". */}
                        <span className="visually-hidden">{t('convs.deleteNamed', { title: sessionTitle(s, t('chat.untitled')) })}</span>
                      </button>
                    </span>
                  </li>
                ),
              )}
            </ul>
          </section>
        ))}
        {query && messageHits.length > 0 ? (
          <section className="conv-group" aria-label={t('find.messageHits')} data-group="messages">
            <h2 className="conv-group-title">{t('find.messageHits')}</h2>
            <ul className="conv-list">
              {messageHits.map((hit) => (
                <li key={hit.id} className="conv-row conv-hit" data-testid="conv-message-hit">
                  <a className="conv-link" href={hrefFor('chat', hit.session_id, { turn: hit.id })} onClick={onLeave}>
                    <span className="conv-title conv-hit-snippet">
                      <Marked text={hit.snippet} ranges={hit.highlights} />
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        <div className="conv-foot">
          {loading ? <Spinner /> : null}
          {!loading && items.length < total ? (
            <button type="button" className="btn btn-small" onClick={loadMore} data-testid="conv-more">
              {t('history.loadMore', { shown: items.length, total })}
            </button>
          ) : null}
        </div>
      </div>

      {remove.dialog}
    </aside>
  );
}

/** A session's title as a text field: Enter (or ✓) saves, Esc (or ✕) leaves it as it was. */
function RenameRow({ session, save, onDone }: { session: Session; save: (title: string) => Promise<boolean>; onDone: () => void }) {
  const { t } = useTranslation();
  const [title, setTitle] = useState(typeof session.meta.title === 'string' ? session.meta.title : '');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const next = title.trim();
    if (!next) return;
    setBusy(true);
    const saved = await save(next);
    setBusy(false);
    if (saved) onDone(); // else the error shows above the list and the field stays
  };
  return (
    <li className="conv-row renaming" data-session-id={session.id}>
      <form className="conv-rename" onSubmit={(e) => void submit(e)}>
        <input
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              onDone();
            }
          }}
          maxLength={200}
          aria-label={t('history.fieldTitle')}
          autoFocus
          data-testid="conv-rename-input"
        />
        <button type="submit" className="btn btn-ghost btn-small btn-icon" disabled={busy || !title.trim()} title={t('common.save')}>
          <Check size={14} aria-hidden="true" />
          <span className="visually-hidden">{t('common.save')}</span>
        </button>
        <button type="button" className="btn btn-ghost btn-small btn-icon" onClick={onDone} title={t('common.cancel')}>
          <X size={14} aria-hidden="true" />
          <span className="visually-hidden">{t('common.cancel')}</span>
        </button>
      </form>
    </li>
  );
}
