/**
 * The length of a message against the server's limit (MAX_MESSAGE_CHARS: the request schema's,
 * counted as it counts — the trimmed text's UTF-16 length), shown before sending: a count once
 * the text nears the limit, and over it a line saying how much to cut (sending waits). A message
 * over the limit would be refused whole (validation_error).
 */
import { useTranslation } from 'react-i18next';
import { MAX_MESSAGE_CHARS } from '../../../../shared/api/vocabulary.ts';
import { formatNumber } from '../../lib/format.ts';
import { messageLength } from './composer.ts';

/** From here on the count is shown (90 % of the limit). */
const SHOW_FROM = Math.floor(MAX_MESSAGE_CHARS * 0.9);

/** The count near the limit, the cut needed over it; nothing for a shorter message. */
export function MessageLength({ text, id }: { text: string; id?: string }) {
  const { t, i18n } = useTranslation();
  const count = messageLength(text);
  if (count < SHOW_FROM) return null;
  const n = (value: number) => formatNumber(value, i18n.language);
  const over = count > MAX_MESSAGE_CHARS;
  return (
    <p className={over ? 'composer-length composer-length-over' : 'composer-length muted'} id={id} data-testid="message-length" data-over={over} role={over ? 'alert' : 'status'}>
      {over
        ? t('chat.tooLong', { max: n(MAX_MESSAGE_CHARS), count: n(count), cut: n(count - MAX_MESSAGE_CHARS) })
        : t('chat.lengthCount', { count: n(count), max: n(MAX_MESSAGE_CHARS) })}
    </p>
  );
}
