import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorHeadline, errorNext, issueLine, sentenceGap, type UiError } from '../lib/errors.ts';

export { errorHeadline };

/**
 * An error as the student reads it: the localized headline and next step for its code (the UI
 * branches on `code`), localized field issues, and the server's (English, technical) detail only
 * behind a "details" disclosure. `headline`/`next` replace the table's text where the place knows
 * better (e.g. "no key yet" under a connection test); `fields` names the form's fields.
 */
export function ErrorText(props: {
  error: UiError | null | undefined;
  className?: string;
  headline?: string;
  next?: ReactNode;
  fields?: Readonly<Record<string, string>>;
  children?: ReactNode;
}) {
  useTranslation(); // re-render on language change
  const { error } = props;
  if (!error) return null;
  const headline = props.headline ?? errorHeadline(error.code);
  const next = props.next ?? error.localized ?? errorNext(error.code, error.detail);
  return (
    <div className={`error-text ${props.className ?? ''}`} role="alert" data-code={error.code}>
      <strong className="error-headline">{headline}</strong>
      {/* No space after a Chinese headline's 。 (sentenceGap, as the hub's pages join sentences). */}
      <span className="error-next">
        {sentenceGap(headline, typeof next === 'string' ? next : undefined)}
        {next}
      </span>
      {error.issues?.length ? <IssueList issues={error.issues} fields={props.fields} /> : null}
      {props.children}
      <ErrorDetails detail={error.detail} />
    </div>
  );
}

export function IssueList({
  issues,
  fields,
}: {
  issues: { path: string; message: string; params?: Readonly<Record<string, string | number>> | undefined }[];
  fields?: Readonly<Record<string, string>> | undefined;
}) {
  return (
    <ul className="error-issues">
      {issues.map((issue, i) => (
        <li key={i} data-path={issue.path}>
          {issueLine(issue, fields)}
        </li>
      ))}
    </ul>
  );
}

/** The server's own words, for a teacher or a bug report: collapsed, never the headline. */
export function ErrorDetails({ detail }: { detail: string | undefined }) {
  const { t } = useTranslation();
  if (!detail) return null;
  return (
    <details className="error-details">
      <summary>{t('errorUi.details')}</summary>
      <span className="error-detail">{detail}</span>
    </details>
  );
}
