/**
 * A hand-in's conversation as its teacher reads it — the app's hand-in page and the class hub's
 * alike: every version of each message and answer, "version k of n" only where there are
 * versions, the hint level, and a mark on an answer the hint-ladder check flagged as possibly
 * giving the final answer. Answers are rendered with the chat's Markdown + KaTeX view
 * (MessageText: loaded lazily, as the chat does, so it stays out of the first load); messages stay
 * plain text. The record of a title call is left out (shared/transcript.ts). A message that got no
 * answer — refused with the allowance used up, or failed and never retried — is marked as such
 * ("未发送：额度已用完"), not shown as an ordinary question.
 */
import { AlertTriangle, Ban, Paperclip } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import type { TurnAttachmentMeta } from '../../../../shared/api/schemas.ts';
import { answeredMessages, isFlagged, isRefusedCode, transcriptTurns, unansweredCode, versionNumbers } from '../../../../shared/transcript.ts';
import { formatDateTime } from '../../lib/format.ts';
import { formatSize } from '../chat/Attachments.tsx';
import { MessageText } from '../chat/MessageText.tsx';
import '../../styles/handin.css';

export interface TranscriptTurn {
  id: string;
  parent_id: string | null;
  role: string;
  content: string;
  model: string | null;
  created_at: number;
  meta: Record<string, unknown>;
}

export interface TranscriptSession {
  session: { id: string; title: string | null };
  turns: TranscriptTurn[];
}

export function Transcript({ sessions }: { sessions: TranscriptSession[] }) {
  const { t, i18n } = useTranslation();
  return (
    <>
      {sessions.map((session, i) => {
        const versions = versionNumbers(session.turns);
        const answered = answeredMessages(session.turns);
        return (
          <div key={session.session.id} className="card transcript" data-session-id={session.session.id} data-testid="transcript">
            <h3>{session.session.title ?? t('handin.sessionN', { n: i + 1 })}</h3>
            <ol className="transcript-turns">
              {transcriptTurns(session.turns).map((turn) => {
                const version = versions.get(turn.id);
                const flagged = isFlagged(turn);
                const role = turn.role === 'assistant' ? 'assistant' : turn.role === 'system' ? 'system' : 'user';
                const unsent = unansweredCode(turn, answered);
                return (
                  <li
                    key={turn.id}
                    className={`transcript-turn role-${role}${unsent ? ' transcript-turn-unsent' : ''}`}
                    data-turn-id={turn.id}
                    data-flagged={flagged ? 'true' : undefined}
                    data-unsent={unsent ?? undefined}
                  >
                    <div className="muted small transcript-turn-head">
                      {t(`handin.role.${role}`)} · {formatDateTime(turn.created_at, i18n.language)}
                      {turn.model && role === 'assistant' ? ` · ${turn.model}` : ''}
                      {typeof turn.meta.hint_level === 'number' ? ` · ${t('handin.hintLevel', { n: turn.meta.hint_level })}` : ''}
                      {version ? (
                        <span data-testid="turn-version">
                          {' · '}
                          {t('handin.versionOf', { n: version.n, count: version.of })}
                        </span>
                      ) : null}
                      {flagged ? (
                        <span className="status-flagged transcript-flag" data-testid="turn-flagged" title={t('handin.flaggedTitle')}>
                          {' · '}
                          <AlertTriangle size={12} aria-hidden="true" /> {t('handin.flagged')}
                        </span>
                      ) : null}
                      {unsent ? (
                        <span className="status-failed transcript-unsent" data-testid="turn-unsent" title={t('handin.unsentTitle')}>
                          {' · '}
                          <Ban size={12} aria-hidden="true" /> {isRefusedCode(unsent) ? t(`handin.unsent.${unsent}`) : t('handin.unanswered')}
                        </span>
                      ) : null}
                    </div>
                    <MessageText text={turn.content} role={role} />
                    {role === 'user' ? <TurnFiles meta={turn.meta} /> : null}
                  </li>
                );
              })}
            </ol>
          </div>
        );
      })}
    </>
  );
}

/**
 * The photos and PDFs a message showed the AI (meta.attachments): each by name, kind and size, and
 * "sent as text" where the model got its recognized text instead (tryout 10: the teacher saw only
 * "here is my homework photo and PDF" with no sign of the files). The files themselves stay on the
 * student's laptop; a hand-in's answer files are shown apart.
 */
function TurnFiles({ meta }: { meta: Record<string, unknown> }) {
  const { t, i18n } = useTranslation();
  const files = Array.isArray(meta.attachments) ? (meta.attachments as unknown[]).filter(isFileMeta) : [];
  if (files.length === 0) return null;
  return (
    <ul className="transcript-files muted small" data-testid="transcript-files" aria-label={t('attachments.sent')}>
      {files.map((f, i) => (
        <li key={`${f.name}-${i}`}>
          <Paperclip size={12} aria-hidden="true" />{' '}
          {t('handin.fileLine', {
            name: f.name,
            // A PDF whose page count is unknown (null) is just "PDF", not "0 pages".
            kind: f.kind !== 'pdf' ? t('handin.imageFile') : typeof f.pages === 'number' ? t('handin.pdfFile', { pages: t('attachments.pages', { count: f.pages }) }) : 'PDF',
            size: formatSize(f.bytes, i18n.language),
          })}
          {f.sent_as === 'text' ? ` · ${t('attachments.sentAsText')}` : ''}
        </li>
      ))}
    </ul>
  );
}

/** What the transcript reads of a turn's attachment (the renderer loads no zod to parse it: checked by hand below). */
type FileMeta = Pick<TurnAttachmentMeta, 'sha256' | 'name' | 'kind' | 'bytes' | 'pages' | 'sent_as'>;

const isFileMeta = (value: unknown): value is FileMeta =>
  typeof value === 'object' && value !== null && typeof (value as FileMeta).name === 'string' && typeof (value as FileMeta).bytes === 'number';
