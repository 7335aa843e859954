import { useCallback, useEffect, useState } from 'react';
import type { ArchiveStatus } from '../../shared/api';
import { ApiCallError, getApi } from './api/client';
import { ErrorState, Loading } from './components/common';
import { useArchiveChanges, useRoute, useThrottled, type View } from './hooks';
import { DeliveriesView } from './views/DeliveriesView';
import { SessionsView } from './views/SessionsView';
import { SetupView } from './views/SetupView';

const TABS: Array<{ view: View; label: string }> = [
  { view: 'sessions', label: 'Sessions' },
  { view: 'deliveries', label: 'Deliveries' },
  { view: 'setup', label: 'Setup' },
];

export function App() {
  const api = getApi();
  const [route, navigate] = useRoute();
  const [status, setStatus] = useState<ArchiveStatus | null>(null);
  const [error, setError] = useState<ApiCallError | Error | null>(null);

  const loadStatus = useCallback(() => {
    api.status({}).then(
      (s) => {
        setStatus(s);
        setError(null);
      },
      (e: Error) => setError(e),
    );
  }, [api]);
  useEffect(loadStatus, [loadStatus]);
  const refreshStatus = useThrottled(loadStatus, 1000);
  useArchiveChanges(() => refreshStatus());

  if (error && !status) {
    const unauthorized = error instanceof ApiCallError && error.code === 'unauthorized';
    return (
      <main className="app-error">
        <ErrorState
          title={unauthorized ? 'Open the archive with its link' : 'The archive is not answering'}
          message={unauthorized ? 'For your privacy the archive needs its access link: open the URL that `callaider-archive serve` printed (it ends in ?token=…).' : error.message}
          onRetry={loadStatus}
        />
      </main>
    );
  }
  if (!status) return <Loading label="Opening the archive…" />;

  const topWarning = status.warnings[0];
  // The desktop app without its engine (it failed to start, or waits for the keychain).
  const notRunning = status.warnings.some((w) => w.code === 'not-running');
  const tunnelDown = status.warnings.some((w) => w.code === 'tunnel-down');
  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          <span className="logo" aria-hidden="true">◉</span> CallAIder Archive
        </h1>
        <nav aria-label="Views">
          {TABS.map((tab) => (
            <a
              key={tab.view}
              href={`#/${tab.view}`}
              className={`tab${route.view === tab.view ? ' current' : ''}`}
              aria-current={route.view === tab.view ? 'page' : undefined}
              title={tab.view === 'setup' && status.warnings.length > 0 ? `${status.warnings.length} thing${status.warnings.length === 1 ? '' : 's'} need attention` : undefined}
            >
              {tab.label}
              {tab.view === 'setup' && status.warnings.length > 0 && <span className="dot" aria-hidden="true" />}
            </a>
          ))}
        </nav>
        <span className={`receiving${notRunning || tunnelDown ? ' down' : ''}`} title={status.localWebhookUrl}>
          {notRunning ? 'Not receiving' : tunnelDown ? 'Tunnel down' : 'Receiving'}
        </span>
      </header>
      {topWarning && (route.view !== 'setup' || topWarning.code === 'not-running') && (
        <div className={`banner banner-${topWarning.code}`} role="alert">
          <span>{topWarning.message}</span>
          {route.view !== 'setup' && (
            <a href="#/setup" className="button small">
              Fix in Setup
            </a>
          )}
        </div>
      )}
      <main className="content">
        {route.view === 'sessions' && <SessionsView status={status} openId={route.id} onOpen={(id) => navigate('sessions', id)} onGoToSetup={() => navigate('setup')} />}
        {route.view === 'deliveries' && <DeliveriesView openId={route.id} onOpen={(id) => navigate('deliveries', id)} onOpenSession={(id) => navigate('sessions', id)} />}
        {route.view === 'setup' && <SetupView status={status} onChanged={loadStatus} />}
      </main>
    </div>
  );
}
