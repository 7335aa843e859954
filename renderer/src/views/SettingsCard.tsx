import { useEffect, useState, type FormEvent } from 'react';
import type { SecretName, Settings, SettingsView } from '../../../shared/settings';
import { getApi } from '../api/client';
import { Badge } from '../components/common';
import './rules/rules.css';

const NOTIFY_CHOICES: Array<{ value: Settings['notifyCalls']; label: string }> = [
  { value: 'all', label: 'every ended call' },
  { value: 'follow-up', label: 'only calls that need follow-up' },
  { value: 'none', label: 'never' },
];

/** The summary's time when it is switched back on (the input keeps it while off). */
const DEFAULT_SUMMARY_AT = '08:30';

/** The desktop app's settings; in headless mode the same facts, read-only (they are `serve` options). */
export function SettingsCard({ onSaved }: { onSaved: () => void }) {
  const api = getApi();
  const [view, setView] = useState<SettingsView | null>(null);
  const [draft, setDraft] = useState<Settings | null>(null);
  const [secrets, setSecrets] = useState<Partial<Record<SecretName, string>>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [lastSummaryAt, setLastSummaryAt] = useState(DEFAULT_SUMMARY_AT);

  useEffect(() => {
    api.getSettings({}).then(
      (v) => {
        setView(v);
        setDraft(v.settings);
        if (v.settings.dailySummaryAt !== null) setLastSummaryAt(v.settings.dailySummaryAt);
      },
      (e: Error) => setMessage({ ok: false, text: e.message }),
    );
  }, [api]);

  if (!view || !draft) return message ? <p className="notice error">{message.text}</p> : null;
  const editable = view.editable;
  const set = <K extends keyof Settings>(key: K, value: Settings[K]) => setDraft({ ...draft, [key]: value });
  const secretField = (name: SecretName, label: string, hint: string) => (
    <label className="setting">
      <span>
        {label} {view.secretsSet[name] ? <Badge tone="ok">set</Badge> : <Badge tone="muted">not set</Badge>}
      </span>
      <input
        type="password"
        autoComplete="off"
        disabled={!editable}
        placeholder={view.secretsSet[name] ? 'Leave empty to keep the current value' : hint}
        value={secrets[name] ?? ''}
        onChange={(e) => setSecrets({ ...secrets, [name]: e.target.value })}
      />
    </label>
  );

  const save = (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    const changedSecrets = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ''));
    api.updateSettings({ settings: draft, secrets: changedSecrets }).then(
      (v) => {
        setView(v);
        setDraft(v.settings);
        setSecrets({});
        setSaving(false);
        setMessage({ ok: true, text: 'Saved. The archive is receiving with the new settings.' });
        onSaved();
      },
      (e: Error) => {
        setSaving(false);
        setMessage({ ok: false, text: e.message });
      },
    );
  };

  return (
    <section className="card" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      {!editable && <p className="muted">In headless mode these are the options `callaider-archive serve` was started with; restart it to change them.</p>}
      {view.secretProtection.warning && editable && <p className="notice error">{view.secretProtection.warning}</p>}
      <form className="settings-form" onSubmit={save}>
        <fieldset disabled={!editable}>
          <legend>Receiving</legend>
          {secretField('webhookSecret', 'Webhook secret', 'Paste the secret CallAIder uses')}
          {secretField('previousSecret', 'Previous secret (while rotating)', 'Optional')}
          <label className="setting">
            <span>Required header name (CallAIder webhookHeaders)</span>
            <input value={draft.requiredHeaderName ?? ''} placeholder="e.g. Authorization" onChange={(e) => set('requiredHeaderName', e.target.value || null)} />
          </label>
          {secretField('requiredHeaderValue', 'Required header value', 'e.g. Basic 12345')}
          <label className="setting">
            <span>Local port</span>
            <input type="number" min={1} max={65535} value={draft.port} onChange={(e) => set('port', Number(e.target.value))} />
          </label>
        </fieldset>
        <fieldset disabled={!editable}>
          <legend>Reaching this computer from the internet</legend>
          <label className="setting">
            <span>Tunnel</span>
            <select value={draft.tunnel} onChange={(e) => set('tunnel', e.target.value as Settings['tunnel'])}>
              <option value="ngrok">ngrok (built in)</option>
              <option value="none">None: my own proxy, or local only</option>
            </select>
          </label>
          {draft.tunnel === 'ngrok' ? (
            <>
              {secretField('ngrokAuthtoken', 'ngrok authtoken', 'From dashboard.ngrok.com')}
              <label className="setting">
                <span>Static domain (keeps the URL the same across restarts)</span>
                <input value={draft.ngrokDomain ?? ''} placeholder="e.g. calm-otter.ngrok-free.app" onChange={(e) => set('ngrokDomain', e.target.value || null)} />
              </label>
            </>
          ) : (
            <label className="setting">
              <span>Public URL of your proxy</span>
              <input type="url" value={draft.publicUrl ?? ''} placeholder="https://archive.example.com" onChange={(e) => set('publicUrl', e.target.value || null)} />
            </label>
          )}
        </fieldset>
        <fieldset disabled={!editable}>
          <legend>{editable ? 'Notifications and start-up' : 'Alerts and calls with no end'}</legend>
          {editable && (
            <>
              <fieldset className="radio-group" role="radiogroup" aria-label="Notify me">
                <legend>Notify me</legend>
                {NOTIFY_CHOICES.map((choice) => (
                  <label key={choice.value} className="check">
                    <input type="radio" name="notifyCalls" value={choice.value} checked={draft.notifyCalls === choice.value} onChange={() => set('notifyCalls', choice.value)} /> {choice.label}
                  </label>
                ))}
              </fieldset>
              <div className="radio-group">
                <label className="check">
                  <input type="checkbox" checked={draft.notifyOnStarted} onChange={(e) => set('notifyOnStarted', e.target.checked)} /> When a call starts
                </label>
                <label className="check">
                  <input type="checkbox" checked={draft.notificationsPaused} onChange={(e) => set('notificationsPaused', e.target.checked)} /> Pause all notifications
                </label>
                <label className="check">
                  <input type="checkbox" checked={draft.startAtLogin} onChange={(e) => set('startAtLogin', e.target.checked)} /> Start at login
                </label>
              </div>
            </>
          )}
          <div className="radio-group">
            <span className="summary-time">
              <label className="check">
                <input type="checkbox" checked={draft.dailySummaryAt !== null} onChange={(e) => set('dailySummaryAt', e.target.checked ? lastSummaryAt : null)} /> Daily summary at
              </label>
              <input
                type="time"
                aria-label="Daily summary time"
                disabled={draft.dailySummaryAt === null}
                value={draft.dailySummaryAt ?? lastSummaryAt}
                onChange={(e) => {
                  if (!/^\d\d:\d\d$/.test(e.target.value)) return;
                  setLastSummaryAt(e.target.value);
                  set('dailySummaryAt', e.target.value);
                }}
              />
            </span>
            <span className="muted setting-hint">Calls yesterday, open follow-ups and failures{editable ? '' : ', in the log and this window'}.</span>
            <label className="check">
              <input type="checkbox" checked={draft.quietAlerts} onChange={(e) => set('quietAlerts', e.target.checked)} /> Tell me when no call has come for unusually long during usual hours
            </label>
          </div>
          <label className="setting">
            <span>Flag calls with no end after (minutes)</span>
            <input type="number" min={5} max={10080} value={draft.staleAfterMinutes} onChange={(e) => set('staleAfterMinutes', Number(e.target.value))} />
          </label>
        </fieldset>
        <p className="muted">
          Data folder: <code>{view.dataDir}</code>
        </p>
        {editable && (
          <button type="submit" className="button primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save settings'}
          </button>
        )}
        {message && (
          <p className={message.ok ? 'notice ok' : 'notice error'} role="status">
            {message.text}
          </p>
        )}
      </form>
    </section>
  );
}
