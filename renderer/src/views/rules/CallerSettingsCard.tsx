import { useEffect, useState, type FormEvent } from 'react';
import { callerSettingsSchema, DEFAULT_CALLER_FIELDS, type CallerSettings, type TriageProgress } from '../../../../shared/follow-up';
import { getApi } from '../../api/client';
import { awaitingNewRun, TriageProgressLine, useTriageProgress } from './TriageProgressLine';
import { issueText } from './rule-draft';
import './rules.css';

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** Where callers' numbers and addresses are found, and how numbers without a country code are read. */
export function CallerSettingsCard({ triage }: { triage: TriageProgress | null }) {
  const api = getApi();
  const [resolvedCountry, setResolvedCountry] = useState<string | null>(null);
  const [fields, setFields] = useState<string | null>(null);
  const [country, setCountry] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  /** Set when saved: the progress line then follows the re-identification that save started. */
  const [savedOver, setSavedOver] = useState<TriageProgress | null | undefined>(undefined);
  const progress = useTriageProgress(triage);

  const show = (settings: CallerSettings & { resolvedCountry: string | null }) => {
    setFields(settings.fields.join('\n'));
    setCountry(settings.defaultCountry ?? '');
    setResolvedCountry(settings.resolvedCountry);
  };

  useEffect(() => {
    api.getCallerSettings({}).then(show, (e: Error) => setMessage({ ok: false, text: e.message }));
  }, [api]);

  const save = (event: FormEvent) => {
    event.preventDefault();
    if (fields === null) return;
    const parsed = callerSettingsSchema.safeParse({ fields: lines(fields), defaultCountry: country.trim() === '' ? null : country.trim().toUpperCase() });
    if (!parsed.success) {
      setErrors(parsed.error.issues.map((issue) => issueText(issue, issue.path[0] === 'fields' ? 'Fields' : 'The country')));
      return;
    }
    setErrors([]);
    setSaving(true);
    const before = progress;
    api.saveCallerSettings(parsed.data).then(
      (settings) => {
        show(settings);
        setSaving(false);
        setSavedOver(before);
        setMessage({ ok: true, text: 'Saved. Past calls are being matched to their callers again.' });
      },
      (e: Error) => {
        setSaving(false);
        setMessage({ ok: false, text: e.message });
      },
    );
  };

  return (
    <section className="card" aria-labelledby="callers-title">
      <h2 id="callers-title">Recognising callers</h2>
      <p>Calls from the same person are grouped by their phone number or email address, taken from the session’s metadata (or, when it has none, from what tools were given).</p>
      {fields === null ? (
        message ? <p className="notice error">{message.text}</p> : <p className="muted">Loading…</p>
      ) : (
        <form className="caller-form" onSubmit={save} noValidate>
          <label className="setting">
            <span>Metadata fields that hold the caller, tried in order, one per line</span>
            <textarea rows={10} value={fields} onChange={(e) => setFields(e.target.value)} />
          </label>
          <button type="button" className="button small link" onClick={() => setFields(DEFAULT_CALLER_FIELDS.join('\n'))}>
            Use the usual fields
          </button>
          <div className="setting narrow">
            <label htmlFor="caller-country">Country for numbers without a country code</label>
            <input id="caller-country" value={country} maxLength={2} placeholder={resolvedCountry ?? 'e.g. US'} aria-describedby="country-hint" onChange={(e) => setCountry(e.target.value.toUpperCase())} />
            <small id="country-hint" className="muted">
              Two letters, like US or GB. Empty: {resolvedCountry ? <>from this computer ({resolvedCountry})</> : 'from this computer (not known: numbers need their country code)'}.
            </small>
          </div>
          {errors.length > 0 && (
            <ul className="rule-errors" role="alert" aria-label="What to fix">
              {errors.map((error) => (
                <li key={error}>{error}</li>
              ))}
            </ul>
          )}
          <div className="actions">
            <button type="submit" className="button primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save caller settings'}
            </button>
          </div>
          {message && <p className={message.ok ? 'notice ok' : 'notice error'}>{message.text}</p>}
          {savedOver !== undefined && <TriageProgressLine progress={progress} starting={awaitingNewRun(progress, savedOver)} />}
        </form>
      )}
    </section>
  );
}
