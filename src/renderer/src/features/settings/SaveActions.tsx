import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { toClientError, type UiError } from '../../lib/errors.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';

/** The error and "Saved" state of a settings form around its saves. */
export function useSave() {
  const [error, setError] = useState<UiError | null>(null);
  const [saved, setSaved] = useState(false);
  /** Runs one save; "Saved" shows after it succeeds unless `quiet`. */
  const run = async (save: () => Promise<unknown>, quiet = false): Promise<void> => {
    setError(null);
    setSaved(false);
    try {
      await save();
      setSaved(!quiet);
    } catch (err) {
      setError(toClientError(err));
    }
  };
  return { error, saved, run };
}

/** A settings form's foot: its error, a Save button, extra buttons, and "Saved" after a save. */
export function SaveActions({ error, saved, children }: { error: UiError | null; saved: boolean; children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <>
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary btn-small">
          {t('common.save')}
        </button>
        {children}
        {saved ? (
          <span className="ok-text" role="status">
            {t('common.saved')}
          </span>
        ) : null}
      </div>
    </>
  );
}
