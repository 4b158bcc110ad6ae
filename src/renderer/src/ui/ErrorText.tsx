import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import type { UiError } from '../lib/errors.ts';

/** A translated headline for an error code (the UI branches on `code`), with the server's detail. */
export function errorHeadline(code: string): string {
  const key = `errors.${code}`;
  return i18next.exists(key) ? i18next.t(key as 'errors.internal_error') : i18next.t('errors.internal_error');
}

export function ErrorText({ error, className }: { error: UiError | null | undefined; className?: string }) {
  useTranslation(); // re-render on language change
  if (!error) return null;
  return (
    <div className={`error-text ${className ?? ''}`} role="alert" data-code={error.code}>
      <strong>{errorHeadline(error.code)}</strong>
      {error.detail ? <span className="error-detail"> {error.detail}</span> : null}
      {error.issues?.length ? (
        <ul className="error-issues">
          {error.issues.map((issue, i) => (
            <li key={i}>
              <code>{issue.path}</code>: {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
