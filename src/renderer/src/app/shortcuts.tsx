/**
 * App-wide keyboard shortcuts and the help listing them. One keydown listener on the window (in
 * the shell), so the shortcuts work from any screen; a modal dialog owns the keyboard while open
 * (its Escape closes it and must not also stop an answer).
 *
 * Ctrl (⌘ on macOS) + Shift + O, not Ctrl+N: browsers keep Ctrl+N / Ctrl+T for themselves.
 */
import { Keyboard } from 'lucide-react';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatStore } from '../features/chat/chat-store.ts';
import { navigate, type Screen } from '../lib/route.ts';
import { Dialog } from '../ui/Dialog.tsx';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/i.test(navigator.platform || navigator.userAgent);
const MOD = isMac ? '⌘' : 'Ctrl';

/** What the help lists, in order: the i18n key under `shortcuts.` and the keys, as printed. */
export const SHORTCUTS: readonly { action: 'newChat' | 'focusComposer' | 'stop' | 'search' | 'help' | 'send' | 'newline'; keys: string[][] }[] = [
  { action: 'newChat', keys: [[MOD, 'Shift', 'O']] },
  { action: 'focusComposer', keys: [['/'], ['Shift', 'Esc']] },
  { action: 'send', keys: [['Enter']] },
  { action: 'newline', keys: [['Shift', 'Enter']] },
  { action: 'stop', keys: [['Esc']] },
  { action: 'search', keys: [[MOD, 'K']] },
  { action: 'help', keys: [[MOD, '/'], ['?']] },
];

// The help's open state lives outside React so any button (the chat header's) can open it.
let helpOpen = false;
const helpListeners = new Set<() => void>();
export function setShortcutsHelpOpen(open: boolean): void {
  helpOpen = open;
  for (const l of helpListeners) l();
}
function subscribeHelp(l: () => void): () => void {
  helpListeners.add(l);
  return () => helpListeners.delete(l);
}

/** Focuses `selector` as soon as it is in the page (a lazily loaded screen may still be on its way). */
function focusWhenReady(selector: string): void {
  const tryFocus = () => {
    const el = document.querySelector<HTMLElement>(selector);
    if (!el) return false;
    el.focus();
    return true;
  };
  if (tryFocus()) return;
  const observer = new MutationObserver(() => {
    if (tryFocus()) stop();
  });
  const timer = setTimeout(() => stop(), 5_000);
  const stop = () => {
    observer.disconnect();
    clearTimeout(timer);
  };
  observer.observe(document.body, { childList: true, subtree: true });
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return (
    el.isContentEditable ||
    el.tagName === 'TEXTAREA' ||
    el.tagName === 'SELECT' ||
    (el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes((el as HTMLInputElement).type))
  );
}

export const COMPOSER_SELECTOR = '[data-testid="composer"]';
export const SEARCH_SELECTOR = '[data-testid="history-search"]';

export function useShortcuts(chat: ChatStore, screen: Screen): void {
  const screenRef = useRef(screen);
  screenRef.current = screen;

  useEffect(() => {
    const focusComposer = () => {
      if (screenRef.current !== 'chat') navigate('chat', chat.getState().sessionId);
      focusWhenReady(COMPOSER_SELECTOR);
    };
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || e.keyCode === 229) return;
      // Another dialog (a confirmation, a form) is open: it owns the keyboard.
      if (!helpOpen && document.querySelector('dialog[open]')) return;
      const mod = isMac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      const typing = isTyping(e.target);
      let handled = true;
      if (mod && !e.shiftKey && !e.altKey && key === 'k') {
        setShortcutsHelpOpen(false);
        navigate('history');
        focusWhenReady(SEARCH_SELECTOR);
      } else if (mod && e.shiftKey && !e.altKey && key === 'o') {
        setShortcutsHelpOpen(false);
        chat.newChat();
        navigate('chat');
        focusWhenReady(COMPOSER_SELECTOR);
      } else if (mod && !e.altKey && key === '/') {
        setShortcutsHelpOpen(!helpOpen);
      } else if (!mod && !e.altKey && key === '?' && !typing) {
        setShortcutsHelpOpen(true);
      } else if (!mod && !e.altKey && !e.shiftKey && key === '/' && !typing) {
        focusComposer();
      } else if (key === 'Escape' && e.shiftKey && !mod) {
        setShortcutsHelpOpen(false);
        focusComposer();
      } else if (key === 'Escape' && !e.shiftKey && !mod && !helpOpen && screenRef.current === 'chat' && chat.getState().sendingKey !== null) {
        chat.stop();
      } else {
        handled = false;
      }
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [chat]);
}

/** The "?" button: opens the list of shortcuts. */
export function ShortcutsButton() {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className="btn btn-ghost btn-small btn-icon"
      onClick={() => setShortcutsHelpOpen(true)}
      aria-label={t('shortcuts.open')}
      title={t('shortcuts.open')}
      data-testid="shortcuts-button"
    >
      <Keyboard size={16} aria-hidden="true" />
    </button>
  );
}

/** The list of shortcuts, while open (rendered once, by the shell). */
export function ShortcutsHelp() {
  const { t } = useTranslation();
  const open = useSyncExternalStore(subscribeHelp, () => helpOpen);
  if (!open) return null;
  const close = () => setShortcutsHelpOpen(false);
  return (
    <Dialog
      title={t('shortcuts.title')}
      onClose={close}
      footer={
        <button type="button" className="btn btn-primary" onClick={close} autoFocus>
          {t('common.done')}
        </button>
      }
    >
      <table className="shortcuts-table" data-testid="shortcuts-help">
        <tbody>
          {SHORTCUTS.map(({ action, keys }) => (
            <tr key={action}>
              <th scope="row">{t(`shortcuts.${action}`)}</th>
              <td>
                {keys.map((combo, i) => (
                  <span key={combo.join('+')}>
                    {i > 0 ? <span className="muted"> {t('shortcuts.or')} </span> : null}
                    {combo.map((k, j) => (
                      <span key={k}>
                        {j > 0 ? '+' : null}
                        <kbd>{k}</kbd>
                      </span>
                    ))}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
