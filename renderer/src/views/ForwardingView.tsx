import { useCallback, useEffect, useState } from 'react';
import type { ArchiveResults } from '../../../shared/api';
import { FORWARD_KINDS, type ForwardAttempt, type ForwardKind, type ForwardOutcome, type ForwardTarget } from '../../../shared/forwarding';
import { getApi } from '../api/client';
import { Badge, ConfirmDialog, CopyButton, EmptyState, ErrorState, Loading } from '../components/common';
import { formatCount, localDateTime, utcTitle } from '../format';
import { useArchiveChanges, useThrottled } from '../hooks';

const KIND_LABELS: Record<ForwardKind, string> = {
  'session.started': 'Calls starting (session.started)',
  'session.ended': 'Calls ending (session.ended)',
  'follow-up': 'Only ended calls that need follow-up',
};
const OUTCOME_TONE: Record<ForwardOutcome, 'ok' | 'warn' | 'error'> = { ok: 'ok', failed: 'warn', 'gave-up': 'error' };
const OUTCOME_LABEL: Record<ForwardOutcome, string> = { ok: 'sent', failed: 'failed', 'gave-up': 'gave up' };

/** Forwarding: the targets each stored call is handed on to, their health, and every attempt. */
export function ForwardingView({ onOpenSession }: { onOpenSession: (sessionId: string) => void }) {
  const api = getApi();
  const [list, setList] = useState<ArchiveResults['listForwardTargets'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<ForwardTarget | 'new' | null>(null);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);

  const load = useCallback(() => {
    api.listForwardTargets({}).then(
      (r) => {
        setList(r);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  }, [api]);
  useEffect(load, [load]);
  const refresh = useThrottled(load, 1000);
  useArchiveChanges((change) => {
    if (change.type === 'forwarding' || change.type === 'status') refresh();
  });

  return (
    <div className="setup-view forwarding-view">
      <section className="card" aria-labelledby="targets-title">
        <h2 id="targets-title">Forwarding</h2>
        <p>
          Each stored call can be handed on to your other tools (a CRM, a spreadsheet, Zapier or Make): the event exactly as CallAIder sent it, signed with the target’s own
          secret the way CallAIder signs. A target that fails is retried for 24 hours; one that keeps failing is paused.
        </p>
        {secret && (
          <div className="notice ok secret-once" role="status">
            <p>
              The signing secret for <code>{secret.url}</code>. It is shown only now: paste it into the receiving tool to verify <code>X-Callaider-Signature</code>.
            </p>
            <div className="reverify-row">
              <code className="secret-value" data-testid="new-secret">{secret.secret}</code>
              <CopyButton value={secret.secret} label="Copy the signing secret" />
              <button type="button" className="button small" onClick={() => setSecret(null)}>
                Done
              </button>
            </div>
          </div>
        )}
        {error && <ErrorState title="Could not load the forwarding targets" message={error} onRetry={load} />}
        {!list && !error && <Loading label="Loading targets…" />}
        {list && list.targets.length === 0 && editing === null && <p className="muted">No targets yet: nothing is forwarded.</p>}
        {list?.targets.map((target) =>
          editing !== 'new' && editing?.id === target.id ? (
            <TargetForm
              key={target.id}
              target={target}
              onCancel={() => setEditing(null)}
              onSaved={(saved) => {
                setEditing(null);
                if (saved.secret) setSecret({ url: saved.target.url, secret: saved.secret });
                load();
              }}
            />
          ) : (
            <TargetRow key={target.id} target={target} onEdit={() => setEditing(target)} onChanged={load} />
          ),
        )}
        {editing === 'new' ? (
          <TargetForm
            target={null}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setEditing(null);
              if (saved.secret) setSecret({ url: saved.target.url, secret: saved.secret });
              load();
            }}
          />
        ) : (
          <div className="actions">
            <button type="button" className="button primary" onClick={() => setEditing('new')}>
              Add a target…
            </button>
          </div>
        )}
      </section>
      <AttemptsCard targets={list?.targets ?? []} onOpenSession={onOpenSession} />
    </div>
  );
}

function TargetRow({ target, onEdit, onChanged }: { target: ForwardTarget; onEdit: () => void; onChanged: () => void }) {
  const api = getApi();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [backfill, setBackfill] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const { health } = target;
  const act = (work: Promise<unknown>) =>
    work.then(
      () => {
        setProblem(null);
        onChanged();
      },
      (e: Error) => setProblem(e.message),
    );
  return (
    <article className="forward-target" aria-label={`Target ${target.url}`}>
      <div className="forward-target-head">
        <code className="forward-url">{target.url}</code>
        {target.paused ? <Badge tone="warn">paused</Badge> : health.failingSince !== null ? <Badge tone="error">failing</Badge> : <Badge tone="ok">active</Badge>}
        {target.origin === 'command-line' && <Badge tone="muted" title="Given to serve with --forward or --forward-config">command line</Badge>}
      </div>
      <p className="muted forward-kinds">{target.events.map((kind) => KIND_LABELS[kind]).join(' · ')}</p>
      {target.paused && (
        // Red only when the target was failing: a pause someone chose is information, not an alarm.
        <p className={health.failingSince !== null ? 'notice error' : 'notice'}>
          Paused {localDateTime(target.paused.at)}: {target.paused.reason}
        </p>
      )}
      <dl className="facts">
        <div className="fact">
          <dt>Last success</dt>
          <dd title={utcTitle(health.lastSuccessAt)}>{health.lastSuccessAt ? localDateTime(health.lastSuccessAt) : 'never'}</dd>
        </div>
        <div className="fact">
          <dt>Failing since</dt>
          <dd title={utcTitle(health.failingSince)}>
            {health.failingSince ? `${localDateTime(health.failingSince)} (${formatCount(health.consecutiveFailures)} failed in a row)` : '–'}
          </dd>
        </div>
        <div className="fact">
          <dt>Queued</dt>
          <dd data-testid="queued">{formatCount(health.queued)}</dd>
        </div>
        {health.gaveUp > 0 && (
          <div className="fact">
            <dt>Given up</dt>
            <dd>{formatCount(health.gaveUp)}</dd>
          </div>
        )}
        {health.lastError && health.failingSince !== null && (
          <div className="fact">
            <dt>Last error</dt>
            <dd>{health.lastError}</dd>
          </div>
        )}
        {Object.keys(target.headers).length > 0 && (
          <div className="fact">
            <dt>Extra headers</dt>
            <dd>{Object.keys(target.headers).join(', ')}</dd>
          </div>
        )}
      </dl>
      <div className="actions">
        {target.paused ? (
          <button type="button" className="button small" onClick={() => void act(api.resumeForwardTarget({ id: target.id }))}>
            Resume
          </button>
        ) : (
          <button type="button" className="button small" onClick={() => void act(api.pauseForwardTarget({ id: target.id }))}>
            Pause
          </button>
        )}
        <button type="button" className="button small" onClick={() => setBackfill((open) => !open)} aria-expanded={backfill}>
          Resend a period…
        </button>
        <button type="button" className="button small" onClick={onEdit}>
          Edit…
        </button>
        <button type="button" className="button small danger" onClick={() => setConfirmDelete(true)}>
          Delete
        </button>
      </div>
      {backfill && <BackfillForm target={target} onDone={onChanged} />}
      {problem && <p className="notice error" role="alert">{problem}</p>}
      <ConfirmDialog
        open={confirmDelete}
        title="Delete this target?"
        body={<p>Nothing more is sent to {target.url}; what waits for it and its record of attempts are deleted. The calls stay in the archive.</p>}
        confirmLabel="Delete target"
        danger
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => {
          setConfirmDelete(false);
          void act(api.deleteForwardTarget({ id: target.id }));
        }}
      />
    </article>
  );
}

/** Backfill: every stored call received in a period goes to this target (again). */
function BackfillForm({ target, onDone }: { target: ForwardTarget; onDone: () => void }) {
  const api = getApi();
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const [from, setFrom] = useState(monthAgo);
  const [to, setTo] = useState(today);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <form
      className="settings-form backfill"
      onSubmit={(e) => {
        e.preventDefault();
        // Local days: from the start of `from` to the end of `to`.
        const start = new Date(`${from}T00:00`).getTime();
        const end = new Date(`${to}T00:00`).getTime() + 86_400_000;
        setBusy(true);
        api.resendForwardPeriod({ targetId: target.id, from: start, to: end }).then(
          (r) => {
            setBusy(false);
            setResult({ ok: true, text: `${formatCount(r.queued)} event${r.queued === 1 ? '' : 's'} queued for ${target.url}.` });
            onDone();
          },
          (err: Error) => {
            setBusy(false);
            setResult({ ok: false, text: err.message });
          },
        );
      }}
    >
      <fieldset>
        <legend>Resend everything received in a period</legend>
        <label className="setting">
          <span>From</span>
          <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label className="setting">
          <span>To (inclusive)</span>
          <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} required />
        </label>
      </fieldset>
      <div className="actions">
        <button type="submit" className="button" disabled={busy}>
          {busy ? 'Queueing…' : 'Queue these calls'}
        </button>
        {result && <p className={result.ok ? 'notice ok' : 'notice error'} role="status">{result.text}</p>}
      </div>
    </form>
  );
}

function headersText(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}

function parseHeaders(text: string): Record<string, string> | string {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `"${line}" is not a header: write Name: value`;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function TargetForm({ target, onCancel, onSaved }: { target: ForwardTarget | null; onCancel: () => void; onSaved: (saved: ArchiveResults['saveForwardTarget']) => void }) {
  const api = getApi();
  const [url, setUrl] = useState(target?.url ?? '');
  const [kinds, setKinds] = useState<ForwardKind[]>(target?.events ?? ['session.started', 'session.ended']);
  const [headers, setHeaders] = useState(headersText(target?.headers ?? {}));
  const [newSecret, setNewSecret] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = (kind: ForwardKind, on: boolean) => setKinds((current) => (on ? [...current, kind] : current.filter((k) => k !== kind)));
  return (
    <form
      className="settings-form forward-form"
      aria-label={target ? `Edit ${target.url}` : 'New forwarding target'}
      onSubmit={(e) => {
        e.preventDefault();
        const parsed = parseHeaders(headers);
        if (typeof parsed === 'string') {
          setError(parsed);
          return;
        }
        setBusy(true);
        setError(null);
        api.saveForwardTarget({ ...(target ? { id: target.id } : {}), url, events: kinds, headers: parsed, ...(newSecret ? { newSecret: true } : {}) }).then(
          (saved) => {
            setBusy(false);
            onSaved(saved);
          },
          (err: Error) => {
            setBusy(false);
            setError(err.message);
          },
        );
      }}
    >
      <fieldset>
        <legend>{target ? 'Edit target' : 'New target'}</legend>
        <label className="setting wide">
          <span>URL (http or https)</span>
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example.com/calls" required />
        </label>
        <div className="setting">
          <span>Send</span>
          {FORWARD_KINDS.map((kind) => (
            <label key={kind} className="check">
              <input type="checkbox" checked={kinds.includes(kind)} onChange={(e) => toggle(kind, e.target.checked)} /> {KIND_LABELS[kind]}
            </label>
          ))}
        </div>
        <label className="setting">
          <span>Extra headers, one per line (optional)</span>
          <textarea rows={3} value={headers} onChange={(e) => setHeaders(e.target.value)} placeholder="Authorization: Bearer …" />
        </label>
        {target && (
          <label className="check">
            <input type="checkbox" checked={newSecret} onChange={(e) => setNewSecret(e.target.checked)} /> Generate a new signing secret (the receiving tool needs it then)
          </label>
        )}
      </fieldset>
      {error && <p className="notice error" role="alert">{error}</p>}
      <div className="actions">
        <button type="submit" className="button primary" disabled={busy || kinds.length === 0}>
          {busy ? 'Saving…' : target ? 'Save' : 'Add target'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function AttemptsCard({ targets, onOpenSession }: { targets: ForwardTarget[]; onOpenSession: (sessionId: string) => void }) {
  const api = getApi();
  const [targetId, setTargetId] = useState<number | ''>('');
  const [outcome, setOutcome] = useState<ForwardOutcome | ''>('');
  const [items, setItems] = useState<ForwardAttempt[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [resent, setResent] = useState<Set<number>>(new Set());
  const filters = { targetId: targetId || undefined, outcome: outcome || undefined };

  const load = useCallback(() => {
    api.listForwardAttempts({ limit: 100, targetId: targetId || undefined, outcome: outcome || undefined }).then(
      (page) => {
        setItems(page.attempts);
        setNext(page.nextBeforeId);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  }, [api, targetId, outcome]);
  useEffect(load, [load]);
  const refresh = useThrottled(load, 1000);
  useArchiveChanges((change) => {
    if (change.type === 'forwarding') refresh();
  });

  return (
    <section className="card" aria-labelledby="attempts-title">
      <h2 id="attempts-title">Attempts</h2>
      <div className="search-row">
        <label className="inline-label">
          <span>Target</span>
          <select aria-label="Target" value={targetId} onChange={(e) => setTargetId(e.target.value ? Number(e.target.value) : '')}>
            <option value="">All targets</option>
            {targets.map((t) => (
              <option key={t.id} value={t.id}>
                {t.url}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-label">
          <span>Show</span>
          <select aria-label="Outcome" value={outcome} onChange={(e) => setOutcome(e.target.value as ForwardOutcome | '')}>
            <option value="">Every attempt</option>
            <option value="ok">Sent</option>
            <option value="failed">Failed (retried)</option>
            <option value="gave-up">Given up</option>
          </select>
        </label>
      </div>
      {error ? (
        <ErrorState title="Could not load the attempts" message={error} onRetry={load} />
      ) : items === null ? (
        <Loading label="Loading attempts…" />
      ) : items.length === 0 ? (
        <EmptyState title="No attempts yet">
          <p>Every attempt to send a call to a target shows up here, with the answer it got.</p>
        </EmptyState>
      ) : (
        <>
          <table className="deliveries-table attempts-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Target</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Status</th>
                <th scope="col">Latency</th>
                <th scope="col">Answer</th>
                <th scope="col"><span className="visually-hidden">Resend</span></th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id} aria-label={`Attempt ${a.attempt} to ${a.targetUrl}: ${OUTCOME_LABEL[a.outcome]}`}>
                  <td title={utcTitle(a.at)}>{localDateTime(a.at, true)}</td>
                  <td className="forward-url">{a.targetUrl}</td>
                  <td>
                    {a.event}
                    {a.kind === 'follow-up' && <div className="delivery-reason">needs follow-up</div>}
                    <div className="delivery-reason">
                      <button type="button" className="button small link" onClick={() => onOpenSession(a.sessionId)}>
                        {a.sessionId.slice(0, 8)}…
                      </button>{' '}
                      attempt {a.attempt}
                    </div>
                  </td>
                  <td>
                    <Badge tone={OUTCOME_TONE[a.outcome]}>{OUTCOME_LABEL[a.outcome]}</Badge>
                  </td>
                  <td>{a.status ?? '–'}</td>
                  <td>{a.latencyMs === null ? '–' : `${a.latencyMs} ms`}</td>
                  <td className="attempt-answer">{a.error && a.status === null ? a.error : a.excerpt || a.error || '–'}</td>
                  <td>
                    <button
                      type="button"
                      className="button small"
                      disabled={resent.has(a.outboxId)}
                      onClick={() =>
                        api.resendForward({ outboxId: a.outboxId }).then(
                          () => setResent((s) => new Set(s).add(a.outboxId)),
                          (e: Error) => setError(e.message),
                        )
                      }
                    >
                      {resent.has(a.outboxId) ? 'Queued' : 'Resend'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {next !== null && (
            <button
              type="button"
              className="button"
              onClick={() =>
                api.listForwardAttempts({ limit: 100, beforeId: next, ...filters }).then((page) => {
                  setItems((current) => [...(current ?? []), ...page.attempts]);
                  setNext(page.nextBeforeId);
                }, (e: Error) => setError(e.message))
              }
            >
              Load older attempts
            </button>
          )}
        </>
      )}
    </section>
  );
}
