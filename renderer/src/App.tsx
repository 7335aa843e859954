import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import type { ArchiveStatus, SessionFilters } from '../../shared/api';
import { ApiCallError, getApi } from './api/client';
import { EmptyState, ErrorState, Loading } from './components/common';
import { formatCount } from './format';
import { useArchiveChanges, useRoute, useThrottled, type View } from './hooks';
import { CallerView } from './views/CallerView';
import { DeliveriesView } from './views/DeliveriesView';
import { ForwardingView } from './views/ForwardingView';
import { InboxView } from './views/InboxView';
import { SessionsView } from './views/SessionsView';
import { SetupView } from './views/SetupView';
import { HideContactsToggle } from './contact-privacy';
import type { SignedInUser } from '../../shared/accounts';
import { authState, signOut, SIGNED_OUT_EVENT, type AuthState } from './api/auth';
import { SignedInProvider } from './signed-in';
import { SetPasswordView, SignInView } from './views/SignInView';

/** Tabs only owners use (the server refuses their calls to staff anyway). */
const OWNER_TABS: ReadonlySet<View> = new Set(['forwarding', 'setup']);

// The charts library is loaded with the Overview only: the other views do not wait for it.
const OverviewView = lazy(() => import('./views/overview/OverviewView').then((module) => ({ default: module.OverviewView })));

const TABS: Array<{ view: View; label: string }> = [
  { view: 'inbox', label: 'Inbox' },
  { view: 'overview', label: 'Overview' },
  { view: 'sessions', label: 'Sessions' },
  { view: 'deliveries', label: 'Deliveries' },
  { view: 'forwarding', label: 'Forwarding' },
  { view: 'setup', label: 'Setup' },
];

/** A one-time sign-in link opens #/welcome/<token>: the token stays in the fragment, never sent in a request line. */
function welcomeLink(): string | null {
  const match = /^#\/welcome\/([A-Za-z0-9_-]{10,200})$/.exec(window.location.hash);
  return match ? match[1]! : null;
}

/** With accounts, nothing of the archive shows until someone has signed in. */
export function App() {
  const [auth, setAuth] = useState<AuthState | null>(null);
  const [link, setLink] = useState<string | null>(welcomeLink);
  const [notice, setNotice] = useState<string | null>(null);
  const recheck = useCallback(() => {
    authState().then(setAuth, () => setAuth({ mode: 'token', user: null }));
  }, []);
  useEffect(recheck, [recheck]);
  // A link opened in a tab that already shows the archive changes only the hash.
  useEffect(() => {
    const opened = () => setLink(welcomeLink());
    window.addEventListener('hashchange', opened);
    return () => window.removeEventListener('hashchange', opened);
  }, []);
  useEffect(() => {
    const ended = () => {
      setNotice('Your session ended. Sign in again to go on.');
      recheck();
    };
    window.addEventListener(SIGNED_OUT_EVENT, ended);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, ended);
  }, [recheck]);
  if (!auth) return <Loading label="Opening the archive…" />;
  const signedIn = (user: SignedInUser) => {
    setNotice(null);
    setLink(null);
    if (welcomeLink()) window.history.replaceState(null, '', '#/sessions');
    setAuth({ mode: 'accounts', user });
  };
  if (auth.mode === 'accounts' && link) return <SetPasswordView link={link} onSignedIn={signedIn} />;
  if (auth.mode === 'accounts' && !auth.user) return <SignInView onSignedIn={signedIn} notice={notice} />;
  const leave = () => {
    signOut().then(
      () => setAuth({ mode: 'accounts', user: null }),
      () => recheck(),
    );
  };
  return (
    <SignedInProvider value={auth.user}>
      <ArchiveWindow user={auth.user} onSignOut={leave} />
    </SignedInProvider>
  );
}

function ArchiveWindow({ user, onSignOut }: { user: SignedInUser | null; onSignOut: () => void }) {
  const api = getApi();
  const isStaff = user?.role === 'staff';
  const [route, navigate] = useRoute();
  const [status, setStatus] = useState<ArchiveStatus | null>(null);
  const [error, setError] = useState<ApiCallError | Error | null>(null);
  const [sessionFilters, setSessionFilters] = useState<SessionFilters>({});
  const [callerLabel, setCallerLabel] = useState<string | null>(null);
  // A bar or cell of the Overview: the Sessions list with exactly what it counts.
  const openSessions = useCallback(
    (filters: SessionFilters) => {
      setSessionFilters(filters);
      setCallerLabel(null);
      navigate('sessions');
    },
    [navigate],
  );

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

  // The first screen: the inbox when there is something to follow up, unless the URL names one.
  const firstScreenChosen = useRef(false);
  useEffect(() => {
    if (!status || firstScreenChosen.current) return;
    firstScreenChosen.current = true;
    if (!route.explicit && (status.followUps?.open ?? 0) > 0) window.location.replace('#/inbox');
  }, [status, route.explicit]);

  // "Setup → Follow-up rules" and other links into a part of a page: scroll to it.
  useEffect(() => {
    if (route.view !== 'setup' || !route.id || !status) return;
    window.setTimeout(() => document.getElementById(route.id!)?.scrollIntoView({ block: 'start' }), 0);
  }, [route.view, route.id, status]);

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
  const openFollowUps = status.followUps?.open ?? 0;
  const currentTab: View = route.view === 'callers' ? 'sessions' : route.view;
  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          <span className="logo" aria-hidden="true">◉</span> CallAIder Archive
        </h1>
        <nav aria-label="Views">
          {TABS.filter((tab) => !(isStaff && OWNER_TABS.has(tab.view))).map((tab) => (
            <a
              key={tab.view}
              href={`#/${tab.view}`}
              className={`tab${currentTab === tab.view ? ' current' : ''}`}
              aria-current={currentTab === tab.view ? 'page' : undefined}
              title={tab.view === 'setup' && status.warnings.length > 0 ? `${status.warnings.length} thing${status.warnings.length === 1 ? '' : 's'} need attention` : undefined}
            >
              {tab.label}
              {tab.view === 'inbox' && openFollowUps > 0 && (
                <span className="count-badge" aria-label={`${openFollowUps} to follow up`} title={`${openFollowUps} to follow up`}>
                  {formatCount(openFollowUps)}
                </span>
              )}
              {tab.view === 'setup' && status.warnings.length > 0 && <span className="dot" aria-hidden="true" />}
            </a>
          ))}
        </nav>
        <HideContactsToggle />
        <span className={`receiving${notRunning || tunnelDown ? ' down' : ''}`} title={status.localWebhookUrl}>
          {notRunning ? 'Not receiving' : tunnelDown ? 'Tunnel down' : 'Receiving'}
        </span>
        {user && (
          <span className="signed-in">
            <span data-testid="signed-in-name" title={user.role === 'owner' ? 'Owner: can change settings, export and erase' : 'Staff: reads calls and works the follow-up list'}>
              {user.name}
            </span>
            <button type="button" className="button small" onClick={onSignOut}>
              Sign out
            </button>
          </span>
        )}
      </header>
      {topWarning && (route.view !== 'setup' || topWarning.code === 'not-running') && (
        <div className={`banner banner-${topWarning.code}`} role="alert">
          <span>{topWarning.message}</span>
          {route.view !== 'setup' && !isStaff && (
            <a href="#/setup" className="button small">
              Fix in Setup
            </a>
          )}
        </div>
      )}
      <main className="content">
        {route.view === 'inbox' && <InboxView status={status} openId={route.id} onOpen={(id) => navigate('inbox', id)} />}
        {route.view === 'overview' && (
          <Suspense fallback={<Loading label="Opening the overview…" />}>
            <OverviewView onOpenSessions={openSessions} onGoToSetup={() => navigate('setup')} />
          </Suspense>
        )}
        {route.view === 'sessions' && (
          <SessionsView
            status={status}
            openId={route.id}
            onOpen={(id) => navigate('sessions', id)}
            onGoToSetup={() => navigate('setup')}
            filters={sessionFilters}
            onFiltersChange={setSessionFilters}
            callerLabel={callerLabel}
          />
        )}
        {route.view === 'callers' && route.id && (
          <CallerView
            key={route.id}
            callerKey={route.id}
            onShowInSessions={(callerKey, label) => {
              setSessionFilters({ callerKey });
              setCallerLabel(label);
              navigate('sessions');
            }}
            onErased={() => navigate('sessions')}
          />
        )}
        {route.view === 'deliveries' && <DeliveriesView openId={route.id} onOpen={(id) => navigate('deliveries', id)} onOpenSession={(id) => navigate('sessions', id)} />}
        {route.view === 'forwarding' && !isStaff && <ForwardingView onOpenSession={(id) => navigate('sessions', id)} />}
        {route.view === 'setup' && !isStaff && <SetupView status={status} onChanged={loadStatus} />}
        {route.view === 'setup' && isStaff && (
          <EmptyState title="Setup is for owners">
            <p>Settings, backups, retention and the audit log are kept for the owners of this archive.</p>
          </EmptyState>
        )}
        {route.view === 'callers' && !route.id && (
          <EmptyState title="Pick a caller">
            <p>Open a call and follow “All calls from this caller” to see everything about one caller.</p>
          </EmptyState>
        )}
      </main>
    </div>
  );
}
