import { useEffect, useState } from 'react';
import type { ArchiveStatus, EncryptionView } from '../../../shared/api';
import { getApi } from '../api/client';
import { CopyButton } from '../components/common';

type Outcome = { ok: boolean; text: string };

/** Setup's Encryption card: whether the archive is encrypted, where the key is, and the actions. */
export function EncryptionCard({ status, onChanged }: { status: ArchiveStatus; onChanged: () => void }) {
  const api = getApi();
  const [view, setView] = useState<EncryptionView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [key, setKey] = useState<string | null>(null);
  const [confirmChange, setConfirmChange] = useState(false);
  const [savedKey, setSavedKey] = useState('');

  const load = () =>
    api.encryptionStatus({}).then(
      (v) => {
        setView(v);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  useEffect(() => {
    void load();
    // The status changes when the engine restarts (a key change, a saved key entered).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status.warnings.length, status.counts.sessions]);

  const run = (label: string, action: () => Promise<{ message: string; view: EncryptionView } | EncryptionView>) => {
    setBusy(label);
    setOutcome(null);
    setKey(null);
    setConfirmChange(false);
    action().then(
      (result) => {
        if ('message' in result) {
          setView(result.view);
          setOutcome({ ok: true, text: result.message });
        } else {
          setView(result);
          setOutcome({ ok: true, text: 'The key opens the archive; it is kept by the OS keychain again.' });
          setSavedKey('');
        }
        setBusy(null);
        onChanged();
      },
      (e: Error) => {
        setOutcome({ ok: false, text: `${e.message}. The archive was left as it was.` });
        setBusy(null);
        void load();
      },
    );
  };

  return (
    <section className="card" aria-labelledby="encryption-title">
      <h2 id="encryption-title">Encryption</h2>
      <p>An encrypted archive, its journal and its backups read as noise without the key: a lost laptop or a backup in a synced folder shows nothing.</p>
      {error && <p className="notice error" role="alert">Could not read the encryption state: {error}</p>}
      {view && (
        <>
          <dl className="facts">
            <div className="fact">
              <dt>Archive</dt>
              <dd data-testid="encryption-state">{view.encrypted ? 'Encrypted' : 'Not encrypted'}</dd>
            </div>
            <div className="fact">
              <dt>Key</dt>
              <dd data-testid="key-source">
                {view.keySource === null ? (
                  <span className="muted">{view.problem ? 'none that opens it' : 'none'}</span>
                ) : view.editable ? (
                  `kept by ${view.keySource} on this computer`
                ) : (
                  <>
                    from <code>{view.keySource}</code>
                  </>
                )}
              </dd>
            </div>
          </dl>

          {view.problem && (
            <form
              className="reverify"
              onSubmit={(e) => {
                e.preventDefault();
                run('use', () => api.useArchiveKey({ key: savedKey }));
              }}
            >
              <h3>The archive cannot be opened</h3>
              <p>{view.problem}</p>
              <div className="reverify-row">
                <input type="password" aria-label="Saved archive key" placeholder="The key you saved (64 characters)" value={savedKey} onChange={(e) => setSavedKey(e.target.value)} autoComplete="off" />
                <button type="submit" className="button primary" disabled={savedKey.trim().length < 12 || busy !== null}>
                  {busy === 'use' ? 'Checking…' : 'Use this key'}
                </button>
              </div>
            </form>
          )}

          {view.encrypted && view.plaintextBackups > 0 && (
            <p className="notice" data-testid="plaintext-backups">
              {view.plaintextBackups === 1
                ? 'One backup in the backups folder was taken before the archive was encrypted and is not encrypted. It is kept as it is: once a newer backup exists, delete it from the folder if it should not stay readable.'
                : `${view.plaintextBackups} backups in the backups folder were taken before the archive was encrypted and are not encrypted. They are kept as they are: once a newer backup exists, delete them from the folder if they should not stay readable.`}
            </p>
          )}

          {view.editable ? (
            <>
              {!view.encrypted && view.unavailable && <p className="notice">The archive stays unencrypted here: {view.unavailable}.</p>}
              <div className="actions">
                {!view.encrypted && !view.problem && (
                  <button type="button" className="button primary" disabled={busy !== null || view.unavailable !== null} onClick={() => run('encrypt', () => api.encryptArchive({}))}>
                    {busy === 'encrypt' ? 'Encrypting…' : 'Encrypt this archive'}
                  </button>
                )}
                {view.encrypted && !view.problem && (
                  <>
                    <button
                      type="button"
                      className="button"
                      disabled={busy !== null}
                      onClick={() =>
                        api.revealArchiveKey({}).then(
                          (r) => setKey(r.key),
                          (e: Error) => setOutcome({ ok: false, text: e.message }),
                        )
                      }
                    >
                      Show key
                    </button>
                    <button type="button" className="button" disabled={busy !== null} onClick={() => setConfirmChange(true)}>
                      {busy === 'change' ? 'Changing the key…' : 'Change key'}
                    </button>
                  </>
                )}
              </div>
              {key && (
                <div className="notice" data-testid="archive-key">
                  <p>
                    <code>{key}</code> <CopyButton value={key} label="Copy archive key" />
                  </p>
                  <p>Keep this key in your password manager, away from this computer. The OS keychain keeps it here; a backup restored on another computer opens only with this copy.</p>
                </div>
              )}
              {confirmChange && (
                <div className="notice">
                  <p>A new key replaces this one. Backups taken until now open only with the current key: keep your saved copy of it for them. A fresh backup is taken under the new key.</p>
                  <div className="actions">
                    <button type="button" className="button primary" onClick={() => run('change', () => api.changeArchiveKey({}))}>
                      Change key
                    </button>
                    <button type="button" className="button" onClick={() => setConfirmChange(false)}>
                      Cancel
                    </button>
                  </div>
                </div>
              )}
              {!view.problem && (view.encrypted || !view.unavailable) && (
                <p className="muted">
                  {busy === 'encrypt' || busy === 'change' ? 'Rewriting the archive… ' : ''}
                  {view.encrypted ? 'Changing the key' : 'Encrypting'} rewrites the archive and stops receiving meanwhile (about 6 seconds for 10,000 calls): choose a time when no calls are expected.
                  {view.encrypted ? '' : ' The key is generated and kept by the OS keychain on this computer.'}
                </p>
              )}
            </>
          ) : (
            <p>
              This archive runs headless. To {view.encrypted ? 'change its key' : 'encrypt it'}, stop <code>serve</code> and run{' '}
              <code>
                {view.encrypted
                  ? `callaider-archive rekey --data-dir ${status.dataDir} --key-file OLD-KEY-FILE --new-key-file NEW-KEY-FILE`
                  : `callaider-archive encrypt --data-dir ${status.dataDir}`}
              </code>
              , then start it with <code>--key-file</code> (or <code>CALLAIDER_ARCHIVE_KEY</code>).
            </p>
          )}
          {outcome && (
            <p className={outcome.ok ? 'notice ok' : 'notice error'} role="status" data-testid="encryption-result">
              {outcome.text}
            </p>
          )}
        </>
      )}
    </section>
  );
}
