import { Check, Copy } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { copyText } from '../lib/clipboard.ts';

/** `text` may be a function, read at click time (e.g. a code block's rendered text). */
export function CopyButton({ text, label, className }: { text: string | (() => string); label?: string; className?: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={className ?? 'btn btn-ghost btn-small'}
      onClick={async () => {
        if (await copyText(typeof text === 'function' ? text() : text)) {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        }
      }}
      aria-label={label ?? t('common.copy')}
      title={label ?? t('common.copy')}
    >
      {copied ? <Check size={14} aria-hidden="true" /> : <Copy size={14} aria-hidden="true" />}
      <span aria-live="polite">{copied ? t('common.copied') : (label ?? t('common.copy'))}</span>
    </button>
  );
}
