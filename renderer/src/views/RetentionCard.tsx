import { useEffect, useState } from 'react';
import { RETENTION_LABELS, RETENTION_PERIODS, type ErasureRecord, type RetentionPeriod, type RetentionView } from '../../../shared/retention';
import { getApi } from '../api/client';
import { ConfirmDialog, downloadText } from '../components/common';
import { formatCount, localDateTime, utcTitle } from '../format';
import { useArchiveChanges, useThrottled } from '../hooks';

const sessions = (n: number) => `${formatCount(n)} session${n === 1 ? '' : 's'}`;
const day = (ms: number) => new Date(ms).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });

/**
 * Setup's "Retention and erasure" card: how long sessions are kept (off by default), what a period
 * would erase now with an export of exactly those first, and the record of erasures.
 */
export function RetentionCard({ onChanged }: { onChanged: () => void }) {
  const api = getApi();
  const [view, setView] = useState<RetentionView | null>(null);
  const [choice, setChoice] = useState<RetentionPeriod | null>(null);
  const [preview, setPreview] = useState<RetentionView['preview'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'export' | 'save' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);

  const load = () =>
    api.getRetention({}).then(
      (result) => {
        setView(result);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const refresh = useThrottled(() => void load(), 1000);
  useArchiveChanges((change) => {
    if (change.type === 'sessions-changed') refresh();
  });

  const chosen = choice ?? view?.period ?? 'off';
  const changing = view !== null && chosen !== view.period;
  useEffect(() => {
    setPreview(null);
    if (!changing || chosen === 'off') return;
    let current = true;
    api.getRetention({ period: chosen }).then(
      (result) => current && setPreview(result.preview),
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [chosen, changing]);

  const save = () => {
    setBusy('save');
    setNotice(null);
    api.setRetention({ period: chosen }).then(
      (result) => {
        setView(result);
        setChoice(null);
        setBusy(null);
        setNotice(chosen === 'off' ? 'Retention is off: every session is kept.' : `Saved. ${preview && preview.sessions > 0 ? `${sessions(preview.sessions)} are being erased now.` : 'Nothing is past it yet.'}`);
        onChanged();
      },
      (e: Error) => {
        setBusy(null);
        setError(e.message);
      },
    );
  };

  const exportFirst = (before: number) => {
    setBusy('export');
    setNotice(null);
    api.exportBefore({ before, format: 'json' }).then(
      (file) => {
        downloadText(file.filename, file.mimeType, file.content);
        setBusy(null);
        setNotice(`Exported ${sessions(file.sessions)} to ${file.filename}. It can be imported back with callaider-archive import.`);
      },
      (e: Error) => {
        setBusy(null);
        setError(e.message);
      },
    );
  };

  const saved = view?.period ?? 'off';
  return (
    <section className="card" aria-labelledby="retention-title">
      <h2 id="retention-title">Retention and erasure</h2>
      <p>
        Off by default: every session is kept. With a period set, sessions whose last activity is older are erased, with their search
        entries and delivery-log traces, when the app starts and once a day; backups taken before then are deleted too.
      </p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      <label className="setting retention-period">
        <span>Keep sessions for</span>
        <select value={chosen} disabled={!view || busy !== null} onChange={(e) => setChoice(e.target.value as RetentionPeriod)}>
          {RETENTION_PERIODS.map((period) => (
            <option key={period} value={period}>
              {RETENTION_LABELS[period]}
            </option>
          ))}
        </select>
      </label>
      {view && !changing && (
        <p className="muted" data-testid="retention-now">
          {saved === 'off'
            ? 'Now: every session is kept.'
            : `Now: keeping ${RETENTION_LABELS[saved].toLowerCase()}. Sessions that started before ${day(view.preview.cutoff!)} are erased daily.`}
        </p>
      )}
      {changing && chosen === 'off' && (
        <>
          <p>From now on every session is kept. Sessions already erased do not come back.</p>
          <div className="actions">
            <button type="button" className="button" disabled={busy !== null} onClick={save}>
              Turn retention off
            </button>
            <button type="button" className="button link" disabled={busy !== null} onClick={() => setChoice(null)}>
              Cancel
            </button>
          </div>
        </>
      )}
      {changing && chosen !== 'off' && (
        <div data-testid="retention-preview">
          {!preview ? (
            <p className="muted">Counting…</p>
          ) : preview.sessions === 0 ? (
            <p>No session is older than {RETENTION_LABELS[chosen].toLowerCase()} yet: nothing would be erased now.</p>
          ) : (
            <p>
              <strong>{sessions(preview.sessions)}</strong> started before {day(preview.cutoff!)} and would be erased as soon as you save, and
              older ones every day after.{preview.oldestKeptAt !== null && ` The oldest session kept would be from ${day(preview.oldestKeptAt)}.`}
            </p>
          )}
          <div className="actions">
          {preview && preview.sessions > 0 && (
            <button type="button" className="button" disabled={busy !== null} onClick={() => exportFirst(preview.cutoff!)}>
              {busy === 'export' ? 'Exporting…' : `Export these ${sessions(preview.sessions)} first`}
            </button>
          )}
          <button type="button" className={`button${preview && preview.sessions > 0 ? ' danger' : ''}`} disabled={!preview || busy !== null} onClick={() => (preview && preview.sessions > 0 ? setConfirm(true) : save())}>
            {busy === 'save' ? 'Saving…' : `Keep ${RETENTION_LABELS[chosen].toLowerCase()}`}
          </button>
          <button type="button" className="button link" disabled={busy !== null} onClick={() => setChoice(null)}>
            Cancel
          </button>
          </div>
        </div>
      )}
      {notice && (
        <p className="notice ok" role="status">
          {notice}
        </p>
      )}
      <h3>Erasures</h3>
      {view && view.erasureCount === 0 ? (
        <p className="muted">None yet. Erasing a session or a caller, or a retention run, is recorded here: when, how many and by whom, never which.</p>
      ) : (
        view && (
          <>
            <p className="muted">
              {formatCount(view.erasureCount)} erasure{view.erasureCount === 1 ? '' : 's'}
              {view.erasureCount > view.erasures.length ? `, the newest ${view.erasures.length}:` : ':'}
            </p>
            <ul className="erasure-list" aria-label="Erasures">
              {view.erasures.map((record) => (
                <li key={record.id} title={utcTitle(record.startedAt)}>
                  {erasureText(record)}
                </li>
              ))}
            </ul>
          </>
        )
      )}
      <p className="muted">
        Erasing a single session is in its detail view, a caller's sessions on the caller's page. Erased text is overwritten in the
        archive file; backups taken earlier still hold it until they rotate out.
      </p>
      <ConfirmDialog
        open={confirm}
        title={`Erase ${preview ? sessions(preview.sessions) : 'sessions'} now?`}
        body={
          <>
            <p>
              Keeping {RETENTION_LABELS[chosen].toLowerCase()} erases {preview ? sessions(preview.sessions) : 'the sessions'} that started before{' '}
              {preview?.cutoff ? day(preview.cutoff) : 'the cutoff'} right away, and older ones every day from now on. This cannot be undone.
            </p>
            <p className="muted">Backups taken before the cutoff are deleted; newer backups still hold these sessions until they rotate out.</p>
          </>
        }
        confirmLabel={`Erase and keep ${RETENTION_LABELS[chosen].toLowerCase()}`}
        danger
        onCancel={() => setConfirm(false)}
        onConfirm={() => {
          setConfirm(false);
          save();
        }}
      />
    </section>
  );
}

function erasureText(record: ErasureRecord): string {
  const what = record.kind === 'session' ? 'One session' : record.kind === 'caller' ? `${sessions(record.sessions)} of one caller` : sessions(record.sessions);
  const by = record.kind === 'retention' ? 'by retention' : `by ${record.actor}`;
  return `${localDateTime(record.startedAt)}: ${what} erased ${by}${record.finishedAt === null ? ' (still scrubbing)' : ''}.`;
}
