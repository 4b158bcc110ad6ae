import type { Mode } from '../../../shared/api/schemas.ts';
import { useTranslation } from 'react-i18next';

export function ModeBadge({ mode }: { mode: Mode }) {
  const { t } = useTranslation();
  return <span className={`badge badge-mode badge-${mode}`}>{t(`modes.${mode}.name`)}</span>;
}
