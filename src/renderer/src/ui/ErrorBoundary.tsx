import { RotateCcw, TriangleAlert } from 'lucide-react';
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from './ErrorText.tsx';

/**
 * Catches what a screen throws while rendering (bad data, a chunk that failed to load), so one
 * screen shows "this screen hit a problem" while the sidebar and the other screens keep working.
 * "Reload" mounts the screen afresh (it fetches its data again); if the screen fails again at once
 * (a module that failed to load stays failed in React.lazy), the next "Reload" reloads the page.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null; resets: number }> {
  override state: { error: Error | null; resets: number } = { error: null, resets: 0 };

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('A screen failed to render:', error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error) {
      const reload = () => (this.state.resets > 0 ? window.location.reload() : this.setState({ error: null, resets: this.state.resets + 1 }));
      return <ScreenError error={this.state.error} onReload={reload} />;
    }
    return this.props.children;
  }
}

function ScreenError({ error, onReload }: { error: Error; onReload: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="screen-error" role="alert" data-testid="screen-error">
      <TriangleAlert size={28} aria-hidden="true" />
      <p className="screen-error-title">{t('boundary.title')}</p>
      <p className="muted">{t('boundary.body')}</p>
      {/* The exception's own words (English, for whoever debugs it) stay folded away. */}
      <ErrorDetails detail={error.message} />
      <button type="button" className="btn btn-primary" onClick={onReload} data-testid="screen-reload">
        <RotateCcw size={14} aria-hidden="true" />
        {t('boundary.reload')}
      </button>
    </div>
  );
}
