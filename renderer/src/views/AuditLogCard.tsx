/** The audit log (owners): who signed in, exported, erased, changed settings or accounts, newest first. */
import { useCallback, useEffect, useState } from 'react';
import type { AuditEntry } from '../../../shared/accounts';
import { getApi } from '../api/client';
import { localDateTime } from '../format';

const ACTION_LABELS: Record<AuditEntry['action'], string> = {
  'sign-in': 'Signed in',
  'sign-in-failed': 'Sign-in failed',
  'sign-out': 'Signed out',
  'password-set': 'Set password',
  'user-added': 'Added account',
  'user-link': 'New sign-in link',
  'user-disabled': 'Disabled account',
  'user-removed': 'Removed account',
  export: 'Exported',
  erase: 'Erased',
  delete: 'Deleted',
  settings: 'Changed settings',
  reveal: 'Revealed',
  backup: 'Backup',
  forbidden: 'Refused (role)',
};

const PAGE = 50;

export function AuditLogCard() {
  const api = getApi();
  const [items, setItems] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    (beforeId?: number) =>
      api.listAuditLog({ limit: PAGE, ...(beforeId ? { beforeId } : {}) }).then(
        (page) => {
          setItems((shown) => (beforeId ? [...(shown ?? []), ...page.items] : page.items));
          setNext(page.nextBeforeId);
          setError(null);
        },
        (e: Error) => setError(e.message),
      ),
    [api],
  );
  useEffect(() => void load(), [load]);
  return (
    <section className="card" id="audit" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <p>Sign-ins, exports, erasures and deletions, settings and account changes: who, when, and from which address. Never what callers said.</p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {items && items.length === 0 && <p className="muted">Nothing recorded yet.</p>}
      {items && items.length > 0 && (
        <table className="audit-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>From</th>
            </tr>
          </thead>
          <tbody>
            {items.map((entry) => (
              <tr key={entry.id} className={entry.action === 'sign-in-failed' || entry.action === 'forbidden' ? 'attention' : undefined}>
                <td className="nowrap">{localDateTime(entry.at)}</td>
                <td>{entry.actor}</td>
                <td>
                  {ACTION_LABELS[entry.action]}
                  {entry.target && entry.target !== entry.actor && <> · <code>{entry.target}</code></>}
                  {entry.detail && <span className="muted"> · {entry.detail}</span>}
                </td>
                <td className="muted">{entry.address ?? 'this computer'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <button type="button" className="button small" onClick={() => void load(next)}>
          Show older
        </button>
      )}
    </section>
  );
}
