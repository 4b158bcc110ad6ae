import { BookOpen, Download, FileJson, MessageSquare, Paperclip, Search } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MODES } from '../../../../shared/api/vocabulary.ts';
import type { Mode } from '../../../../shared/api/schemas.ts';
import { useAssignments } from '../../app/server-state.ts';
import { useRouteQuery } from '../../data/queries.tsx';
import { dateInputToMs, formatDateTime, nextLocalDay } from '../../lib/format.ts';
import { hrefFor } from '../../lib/route.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { Marked } from '../../ui/Marked.tsx';
import { ModeBadge } from '../../ui/ModeBadge.tsx';
import { SessionList, useExport, type SessionFilters } from './SessionList.tsx';
import { useDebounced } from '../../lib/useDebounced.ts';
import { MyHandins } from '../handin/screens.tsx';

export default function HistoryScreen() {
  const { t, i18n } = useTranslation();
  const { assignments } = useAssignments();
  const [q, setQ] = useState('');
  const [mode, setMode] = useState<Mode | ''>('');
  const [assignmentId, setAssignmentId] = useState('');
  const [fromDate, setFromDate] = useState('');
  const [toDate, setToDate] = useState('');
  const query = useDebounced(q.trim(), 300);
  // The previous query's hits stay on screen while the next one loads.
  const search = useRouteQuery('searchTurns', { q: query, limit: 20 }, { enabled: query !== '', keepPrevious: true });
  const hits = query ? (search.data ?? null) : null;
  const titleHits = hits?.title_hits ?? [];
  const hitsError = search.error;
  const exporter = useExport();

  const from = dateInputToMs(fromDate);
  const toDay = dateInputToMs(toDate);
  const filters: SessionFilters = {
    ...(mode ? { mode } : {}),
    ...(assignmentId ? { assignment_id: assignmentId } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(toDay !== undefined ? { to: nextLocalDay(toDay) } : {}),
    ...(query ? { q: query } : {}),
  };

  return (
    <section className="screen" aria-labelledby="history-title">
      <header className="screen-header">
        <h1 id="history-title">{t('history.title')}</h1>
      </header>
      <MyHandins />
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()} aria-label={t('history.filters')}>
        <label className="field field-grow">
          <span className="field-label">{t('history.search')}</span>
          <span className="input-icon">
            <Search size={14} aria-hidden="true" />
            <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('history.searchPlaceholder')} data-testid="history-search" />
          </span>
        </label>
        <label className="field">
          <span className="field-label">{t('chat.mode')}</span>
          <select value={mode} onChange={(e) => setMode(e.target.value as Mode | '')} data-testid="filter-mode">
            <option value="">{t('history.allModes')}</option>
            {MODES.map((m) => (
              <option key={m} value={m}>
                {t(`modes.${m}.name`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('chat.assignment')}</span>
          <select value={assignmentId} onChange={(e) => setAssignmentId(e.target.value)} data-testid="filter-assignment">
            <option value="">{t('history.allAssignments')}</option>
            {assignments.map((a) => (
              <option key={a.id} value={a.id}>
                {a.title}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('history.from')}</span>
          <input type="date" value={fromDate} onChange={(e) => setFromDate(e.target.value)} data-testid="filter-from" />
        </label>
        <label className="field">
          <span className="field-label">{t('history.to')}</span>
          <input type="date" value={toDate} onChange={(e) => setToDate(e.target.value)} data-testid="filter-to" />
        </label>
      </form>

      {assignmentId ? (
        <div className="toolbar">
          <span className="muted">{t('history.exportAssignment')}</span>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => exporter.run({ assignment_id: assignmentId }, 'md')}
            disabled={exporter.busy}
            data-testid="export-assignment-md"
          >
            <Download size={14} aria-hidden="true" /> Markdown
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => exporter.run({ assignment_id: assignmentId }, 'json')}
            disabled={exporter.busy}
            data-testid="export-assignment-json"
          >
            <FileJson size={14} aria-hidden="true" /> JSON
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => exporter.run({ assignment_id: assignmentId }, 'json-with-files')}
            disabled={exporter.busy}
            data-testid="export-assignment-json-files"
          >
            <Paperclip size={14} aria-hidden="true" /> {t('history.jsonWithFiles')}
          </button>
          <ErrorText error={exporter.error} />
        </div>
      ) : null}

      {query && titleHits.length > 0 ? (
        <section className="hits" aria-labelledby="title-hits-title">
          <h2 id="title-hits-title" className="section-title">
            {t('find.matchingTitles', { n: titleHits.length })}
          </h2>
          <ul className="rows">
            {titleHits.map((hit) =>
              hit.kind === 'session' ? (
                <li key={`s-${hit.session_id}`} className="row hit-row" data-testid="title-hit" data-kind="session">
                  <a className="row-main" href={hrefFor('chat', hit.session_id)}>
                    <span className="hit-snippet">
                      <MessageSquare size={14} aria-hidden="true" /> <Marked text={hit.title} ranges={hit.highlights} />
                    </span>
                    <span className="row-sub">
                      <ModeBadge mode={hit.session_mode} />
                      <span className="muted">{t('find.titleHitSession')}</span>
                      <span className="muted">{formatDateTime(hit.started_at, i18n.language)}</span>
                    </span>
                  </a>
                </li>
              ) : (
                <li key={`a-${hit.assignment_id}`} className="row hit-row" data-testid="title-hit" data-kind="assignment">
                  {/* An assignment: its sessions, by the assignment filter below. */}
                  <button type="button" className="row-main row-button" onClick={() => (setAssignmentId(hit.assignment_id), setQ(''))}>
                    <span className="hit-snippet">
                      <BookOpen size={14} aria-hidden="true" /> <Marked text={hit.title} ranges={hit.highlights} />
                    </span>
                    <span className="row-sub">
                      <span className="muted">{t('find.titleHitAssignment', { n: hit.sessions })}</span>
                    </span>
                  </button>
                </li>
              ),
            )}
          </ul>
        </section>
      ) : null}

      {query ? (
        <section className="hits" aria-labelledby="hits-title">
          <h2 id="hits-title" className="section-title">
            {t('history.matchingMessages', { n: hits?.total ?? 0 })}
          </h2>
          {/* The search index could not catch up just now (another process was writing): say the newest may be missing. */}
          {hits?.index_behind ? (
            <p className="muted" data-testid="search-index-behind">
              {t('history.indexBehind')}
            </p>
          ) : null}
          <ErrorText error={hitsError} />
          <ul className="rows">
            {hits?.items.map((hit) => (
              <li key={hit.id} className="row hit-row" data-testid="search-hit">
                <a className="row-main" href={hrefFor('chat', hit.session_id, { turn: hit.id })}>
                  <span className="hit-snippet">
                    <Marked text={hit.snippet} ranges={hit.highlights} />
                  </span>
                  <span className="row-sub">
                    <ModeBadge mode={hit.session_mode} />
                    <span className="muted">{t(hit.role === 'user' ? 'chat.you' : 'chat.assistant')}</span>
                    <span className="muted">{formatDateTime(hit.created_at, i18n.language)}</span>
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <h2 className="section-title">{query ? t('history.matchingSessions') : t('history.sessions')}</h2>
      <SessionList filters={filters} emptyText={query || mode || assignmentId || fromDate || toDate ? t('history.noMatches') : t('history.empty')} />
    </section>
  );
}
