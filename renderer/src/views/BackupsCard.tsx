import { useEffect, useState } from 'react';
import type { ArchiveResults, BackupRecord } from '../../../shared/api';
import type { SettingsView } from '../../../shared/settings';
import { getApi } from '../api/client';
import { formatBytes, localDateTime, utcTitle } from '../format';

/** Setup's Backups card: the last good backup, where they go, Back up now, and how to restore. */
export function BackupsCard({ onChanged }: { onChanged: () => void }) {
  const api = getApi();
  const [list, setList] = useState<ArchiveResults['listBackups'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<BackupRecord | { ok: false; error: string } | null>(null);
  const [settings, setSettings] = useState<SettingsView | null>(null);

  const load = () =>
    api.listBackups({}).then(
      (r) => {
        setList(r);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  useEffect(() => {
    void load();
    api.getSettings({}).then(setSettings, () => setSettings(null));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const last = list?.backups.find((record) => record.ok && !record.removedAt) ?? null;
  return (
    <section className="card" aria-labelledby="backups-title">
      <h2 id="backups-title">Backups</h2>
      <p>A verified copy of the archive is taken every day while calls keep arriving. Point the folder at Dropbox, OneDrive or iCloud Drive and the copies leave this computer too.</p>
      {error && <p className="notice error" role="alert">Could not read the backups: {error}</p>}
      <dl className="facts">
        <div className="fact">
          <dt>Last good backup</dt>
          <dd data-testid="last-backup">
            {last ? (
              <span title={utcTitle(last.at)}>
                {localDateTime(last.at)}, {formatBytes(last.bytes)}
              </span>
            ) : list ? (
              'none yet'
            ) : (
              '…'
            )}
          </dd>
        </div>
        <div className="fact">
          <dt>Location</dt>
          <dd>{list ? <code>{list.folder}</code> : '…'}</dd>
        </div>
      </dl>
      {settings?.editable ? (
        <FolderChooser
          current={settings.settings.backupsFolder}
          onSaved={(view) => {
            setSettings(view);
            void load();
            onChanged();
          }}
        />
      ) : (
        settings && (
          <p className="muted">
            Headless: choose the folder with <code>serve --backups DIR</code> (and <code>--backup-schedule</code>, <code>--backup-keep</code>).
          </p>
        )
      )}
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={running}
          onClick={() => {
            setRunning(true);
            setResult(null);
            api.backupNow({}).then(
              (record) => {
                setResult(record);
                setRunning(false);
                void load();
                onChanged();
              },
              (e: Error) => {
                setResult({ ok: false, error: e.message });
                setRunning(false);
              },
            );
          }}
        >
          {running ? 'Backing up…' : 'Back up now'}
        </button>
        {result && (
          <p className={result.ok ? 'notice ok' : 'notice error'} role="status" data-testid="backup-result">
            {result.ok && 'file' in result
              ? `Backed up and verified: ${result.file} (${formatBytes(result.bytes)}, ${result.counts?.sessions ?? 0} sessions).`
              : `The backup failed and was not kept: ${result.error ?? 'unknown error'}`}
          </p>
        )}
      </div>
      <h3>To restore a backup</h3>
      <p>
        Quit the app (or stop <code>serve</code>), then run <code>callaider-archive restore FILE</code> with the backup file. It checks the backup first, keeps the
        current archive beside it as <code>archive.sqlite.replaced-…</code> (never deleted), and puts the backup in its place. <code>callaider-archive verify FILE</code> checks a backup without touching anything.
        A backup of an encrypted archive is encrypted with the archive’s key: both commands need it (<code>--key-file</code>, or <code>CALLAIDER_ARCHIVE_KEY</code>), so keep a copy of the key (in the desktop app: Encryption → Show key) in your password manager, not in the backups folder.
      </p>
      <p>
        An office hub’s backups end in <code>.ndjson.gz</code>: <code>callaider-archive restore FILE --database postgres://…</code> checks one and reads it back into an empty hub
        database (<code>--into-non-empty</code> adds it to one that already holds calls, keeping what is there).
      </p>
    </section>
  );
}

/** Desktop: another folder for the backups (a full path), or back to the default. */
function FolderChooser({ current, onSaved }: { current: string | null; onSaved: (view: SettingsView) => void }) {
  const api = getApi();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(current ?? '');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = (folder: string | null) => {
    setSaving(true);
    setError(null);
    api.updateSettings({ settings: { backupsFolder: folder } }).then(
      (view) => {
        setSaving(false);
        setEditing(false);
        onSaved(view);
      },
      (e: Error) => {
        setSaving(false);
        setError(e.message);
      },
    );
  };
  if (!editing) {
    return (
      <div className="actions">
        <button
          type="button"
          className="button small"
          onClick={() => {
            setDraft(current ?? '');
            setEditing(true);
          }}
        >
          Change folder…
        </button>
        {current && (
          <button type="button" className="button small link" disabled={saving} onClick={() => save(null)}>
            Use the default folder
          </button>
        )}
        {error && <p className="notice error" role="alert">{error}</p>}
      </div>
    );
  }
  return (
    <form
      className="folder-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (draft.trim()) save(draft.trim());
      }}
    >
      <label>
        Backups folder (a full path, for example inside your Dropbox, OneDrive or iCloud Drive folder)
        <input type="text" value={draft} onChange={(e) => setDraft(e.target.value)} spellCheck={false} autoComplete="off" placeholder="/Users/you/Dropbox/CallAIder backups" />
      </label>
      <div className="actions">
        <button type="submit" className="button" disabled={saving || !draft.trim()}>
          {saving ? 'Checking the folder…' : 'Use this folder'}
        </button>
        <button type="button" className="button link" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
      {error && <p className="notice error" role="alert">{error}</p>}
      <p className="muted">Backups already made stay where they are; the next one goes to the new folder.</p>
    </form>
  );
}
