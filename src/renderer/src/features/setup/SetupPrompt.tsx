import { Sparkles } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { useIdentity } from '../../app/identity.tsx';
import { useModels } from '../../app/server-state.ts';
import { needsSetup } from './readiness.ts';
import { SetupDialog } from './SetupDialog.tsx';

/** True when no provider can answer yet: the chat then shows <SetupPrompt/> instead of its empty state. */
export function useNeedsSetup(): boolean {
  const { models } = useModels();
  return needsSetup(models);
}

/**
 * "Set up a model" in place of the chat's empty state (students are told to ask the admin). The
 * chat owns whether its dialog is open, and keeps the prompt on screen while it is: the dialog
 * saves the provider before it is done, and the models the chat then reads may already answer.
 */
export function SetupPrompt({ open, setOpen }: { open: boolean; setOpen: (open: boolean) => void }) {
  const { t } = useTranslation();
  const { isAdmin } = useIdentity();
  return (
    <div className="chat-empty setup-prompt" data-testid="setup-prompt">
      <p className="chat-empty-title">{t('setup.prompt.title')}</p>
      {isAdmin ? (
        <>
          <p className="muted">{t('setup.prompt.body')}</p>
          <button type="button" className="btn btn-primary" onClick={() => setOpen(true)} data-testid="open-setup">
            <Sparkles size={16} aria-hidden="true" />
            {t('errorUi.actions.setup')}
          </button>
        </>
      ) : (
        <p className="muted">{t('setup.prompt.student')}</p>
      )}
      {open ? <SetupDialog makeDefault onClose={() => setOpen(false)} onDone={() => setOpen(false)} /> : null}
    </div>
  );
}
