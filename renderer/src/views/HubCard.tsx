import { useEffect, useState, type FormEvent } from 'react';
import type { ArchiveStatus } from '../../../shared/api';
import type { HubView } from '../../../shared/hub';
import { getApi } from '../api/client';
import { Badge } from '../components/common';
import { localDateTime, utcTitle } from '../format';

interface Draft {
  url: string;
  name: string;
  password: string;
  remember: boolean;
}

/**
 * Setup's Office hub card (desktop app only): keep this computer's own archive, or show an office
 * hub's (`serve` with accounts) as one of its people. A self-signed hub's certificate is trusted
 * only once its fingerprint is confirmed against the one the hub's serve banner prints.
 */
export function HubCard({ status, onChanged }: { status: ArchiveStatus; onChanged: () => void }) {
  const api = getApi();
  const [view, setView] = useState<HubView | null>(null);
  const [choosingHub, setChoosingHub] = useState(false);
  const [draft, setDraft] = useState<Draft>({ url: '', name: '', password: '', remember: false });
  const [confirm, setConfirm] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = () => api.hubConnection({}).then(setView, (e: Error) => setError(e.message));
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status]);
  useEffect(() => {
    if (view?.mode === 'hub') setDraft((d) => ({ ...d, url: d.url || (view.url ?? ''), name: d.name || (view.name ?? ''), remember: view.remember }));
  }, [view]);

  const connect = (fingerprint: string | null) => {
    setBusy(true);
    setError(null);
    api.connectHub({ url: draft.url, name: draft.name, password: draft.password, remember: draft.remember, fingerprint }).then(
      (result) => {
        setBusy(false);
        if (result.outcome === 'confirm-fingerprint') {
          setConfirm(result.fingerprint);
          return;
        }
        setConfirm(null);
        setChoosingHub(false);
        setDraft((d) => ({ ...d, password: '' }));
        setView(result.hub);
        onChanged();
      },
      (e: Error) => {
        setBusy(false);
        setConfirm(null);
        setError(e.message);
      },
    );
  };
  const disconnect = () => {
    setBusy(true);
    setError(null);
    api.disconnectHub({}).then(
      (next) => {
        setBusy(false);
        setView(next);
        onChanged();
      },
      (e: Error) => {
        setBusy(false);
        setError(e.message);
      },
    );
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    connect(view?.mode === 'hub' ? view.fingerprint : null);
  };

  if (!view) {
    return (
      <section className="card" aria-labelledby="hub-title">
        <h2 id="hub-title">Office hub</h2>
        {error ? <p className="notice error" role="alert">{error}</p> : <p className="muted">Loading…</p>}
      </section>
    );
  }

  const connected = view.mode === 'hub';
  const needsPassword = connected && (view.state === 'sign-in-needed' || view.state === 'certificate-changed');
  const showForm = (!connected && choosingHub) || needsPassword;

  return (
    <section className="card" aria-labelledby="hub-title">
      <h2 id="hub-title">Office hub</h2>
      {!connected && (
        <div className="radio-group" role="radiogroup" aria-label="Where the archive is">
          <label className="check">
            <input type="radio" name="hub-mode" checked={!choosingHub} onChange={() => setChoosingHub(false)} /> This computer keeps its own archive
          </label>
          <label className="check">
            <input type="radio" name="hub-mode" checked={choosingHub} onChange={() => setChoosingHub(true)} /> Connect to an office hub
          </label>
        </div>
      )}
      {!connected && choosingHub && (
        <p className="muted">
          This window then shows the hub’s archive, as the person you sign in as. This computer stops receiving calls itself; its own archive stays here, untouched, for when you disconnect.
        </p>
      )}
      {connected && (
        <dl className="facts">
          <div className="fact">
            <dt>Hub</dt>
            <dd>
              <code data-testid="hub-url">{view.url}</code>
            </dd>
          </div>
          <div className="fact">
            <dt>Connection</dt>
            <dd data-testid="hub-state">
              {view.state === 'connected' ? (
                <>
                  <Badge tone="ok">connected</Badge>{' '}
                  {view.since !== null && <span className="muted" title={utcTitle(view.since)}>since {localDateTime(view.since)}</span>}
                </>
              ) : view.state === 'unreachable' ? (
                <>
                  <Badge tone="error">unreachable</Badge>{' '}
                  {view.since !== null && <span className="muted" title={utcTitle(view.since)}>since {localDateTime(view.since)}; trying again</span>}
                </>
              ) : view.state === 'sign-in-needed' ? (
                <Badge tone="warn">sign in again</Badge>
              ) : view.state === 'certificate-changed' ? (
                <Badge tone="error">certificate changed</Badge>
              ) : (
                <span className="muted">connecting…</span>
              )}
              {view.message && view.state !== 'connected' && <div className="warn-text">{view.message}</div>}
            </dd>
          </div>
          <div className="fact">
            <dt>Signed in as</dt>
            <dd>{view.user ? `${view.user.name} (${view.user.role})` : view.name}</dd>
          </div>
          <div className="fact">
            <dt>Certificate</dt>
            <dd>{view.fingerprint ? <code className="fingerprint">SHA-256 {view.fingerprint}</code> : 'trusted by this computer (no fingerprint needed)'}</dd>
          </div>
          <div className="fact">
            <dt>Password</dt>
            <dd>{view.remember ? 'remembered (kept by the OS keychain)' : 'asked again when the hub ends the session'}</dd>
          </div>
        </dl>
      )}
      {showForm && confirm === null && (
        <form className="hub-form" onSubmit={submit}>
          <label className="setting">
            <span>Hub address (as its serve banner prints it)</span>
            <input type="url" value={draft.url} disabled={connected} placeholder="https://frontdesk.local:4319" onChange={(e) => setDraft({ ...draft, url: e.target.value })} spellCheck={false} autoComplete="off" required />
          </label>
          <label className="setting">
            <span>Name</span>
            <input value={draft.name} disabled={connected} onChange={(e) => setDraft({ ...draft, name: e.target.value })} autoComplete="username" required />
          </label>
          <label className="setting">
            <span>Password</span>
            <input type="password" value={draft.password} onChange={(e) => setDraft({ ...draft, password: e.target.value })} autoComplete="current-password" required />
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.remember} onChange={(e) => setDraft({ ...draft, remember: e.target.checked })} /> Remember the password (kept by the OS keychain; signs in again by itself)
          </label>
          <div className="actions">
            <button type="submit" className="button primary" disabled={busy || !draft.url.trim() || !draft.name.trim() || !draft.password}>
              {busy ? 'Connecting…' : connected ? 'Sign in again' : 'Connect'}
            </button>
          </div>
        </form>
      )}
      {confirm !== null && (
        <div className="notice" data-testid="hub-fingerprint">
          <p>
            The hub presents a self-signed certificate with this fingerprint:
            <br />
            <code className="fingerprint">SHA-256 {confirm}</code>
          </p>
          <p>Compare it with the “Certificate SHA-256” line of the hub’s serve banner (or ask whoever runs it). Connect only if they are the same.</p>
          <div className="actions">
            <button type="button" className="button primary" disabled={busy} onClick={() => connect(confirm)}>
              {busy ? 'Connecting…' : 'They match: trust and connect'}
            </button>
            <button type="button" className="button link" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {connected && (
        <div className="actions">
          <button type="button" className="button" disabled={busy} onClick={disconnect}>
            Disconnect: use this computer’s own archive
          </button>
        </div>
      )}
      {error && <p className="notice error" role="alert">{error}</p>}
    </section>
  );
}
