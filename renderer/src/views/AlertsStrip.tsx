/**
 * Recent alerts the owner should know about (daily summary, refused deliveries, a quiet line),
 * calmly above the inbox. Dismissing one is remembered in this browser by the alert's id.
 */
import { useEffect, useState } from 'react';
import type { Alert } from '../../../shared/follow-up';
import { getApi } from '../api/client';
import { localDateTime, utcTitle } from '../format';
import { useArchiveChanges, useStoredState } from '../hooks';
import { useContactPrivacy } from '../contact-privacy';

const SHOWN_KINDS = new Set<Alert['kind']>(['summary', 'refusals', 'quiet']);
/** Older alerts are history, not news. */
const RECENT_MS = 3 * 24 * 60 * 60 * 1000;
const DISMISSED_KEY = 'callaider-archive.dismissed-alerts';
const KEEP_DISMISSED = 200;

export function AlertsStrip() {
  const api = getApi();
  const privacy = useContactPrivacy();
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [dismissed, setDismissed] = useStoredState<string[]>(DISMISSED_KEY, []);

  useEffect(() => {
    api.listAlerts({}).then(
      (result) => setAlerts(result.alerts),
      () => setAlerts([]),
    );
  }, [api]);
  useArchiveChanges((change) => {
    if (change.type === 'alert') setAlerts((current) => [change.alert, ...current.filter((a) => a.id !== change.alert.id)]);
  });

  const now = Date.now();
  const shown = alerts
    .filter((a) => SHOWN_KINDS.has(a.kind) && now - a.at < RECENT_MS && !dismissed.includes(a.id))
    .sort((a, b) => b.at - a.at)
    .slice(0, 5);
  if (shown.length === 0) return null;
  return (
    <ul className="alerts" aria-label="Recent alerts">
      {shown.map((alert) => (
        <li key={alert.id} className={`alert-item alert-${alert.kind}`}>
          <div className="alert-text">
            <strong>{alert.title}</strong>
            <span>{privacy.text(alert.body)}</span>
          </div>
          <time className="muted" title={utcTitle(alert.at)}>
            {localDateTime(alert.at)}
          </time>
          <button type="button" className="button small link" aria-label={`Dismiss: ${alert.title}`} onClick={() => setDismissed([alert.id, ...dismissed].slice(0, KEEP_DISMISSED))}>
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
