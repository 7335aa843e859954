import { useCallback, useEffect, useState } from 'react';
import type { DeliveryDetail, DeliverySummary, ReverifyResult } from '../../../shared/api';
import { getApi } from '../api/client';
import { Badge, EmptyState, ErrorState, Loading } from '../components/common';
import { formatBytes, localDateTime, utcTitle } from '../format';
import { useArchiveChanges, useThrottled } from '../hooks';
import { useContactPrivacy } from '../contact-privacy';
import { useMayCall } from '../signed-in';

const OUTCOME_TONE: Record<DeliverySummary['outcome'], 'ok' | 'muted' | 'info' | 'error' | 'warn'> = {
  stored: 'ok',
  duplicate: 'muted',
  ignored: 'info',
  rejected: 'error',
  failed: 'warn',
};

interface Props {
  openId: string | null;
  onOpen: (id: string | null) => void;
  onOpenSession: (sessionId: string) => void;
}

export function DeliveriesView({ openId, onOpen, onOpenSession }: Props) {
  const api = getApi();
  const [items, setItems] = useState<DeliverySummary[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<DeliverySummary['outcome'] | ''>('');

  const load = useCallback(() => {
    api.listDeliveries({ limit: 200, outcome: outcome || undefined }).then(
      (page) => {
        setItems(page.items);
        setNext(page.nextBeforeId);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  }, [api, outcome]);
  useEffect(load, [load]);
  const refresh = useThrottled(load, 500);
  useArchiveChanges((change) => {
    if (change.type === 'delivery' || change.type === 'status') refresh();
  });

  const loadMore = () => {
    if (next === null) return;
    api.listDeliveries({ limit: 200, beforeId: next, outcome: outcome || undefined }).then((page) => {
      setItems((current) => [...(current ?? []), ...page.items]);
      setNext(page.nextBeforeId);
    }, (e: Error) => setError(e.message));
  };

  return (
    <div className="deliveries-view">
      <section className="list-pane" aria-label="Deliveries">
        <div className="search-row">
          <label className="inline-label">
            <span>Show</span>
            <select aria-label="Outcome" value={outcome} onChange={(e) => setOutcome(e.target.value as DeliverySummary['outcome'] | '')}>
              <option value="">All requests</option>
              <option value="stored">Stored</option>
              <option value="duplicate">Duplicates</option>
              <option value="rejected">Rejected</option>
              <option value="ignored">Ignored</option>
              <option value="failed">Failed (archive errors)</option>
            </select>
          </label>
        </div>
        <p className="list-summary">Every request the webhook listener received, newest first.</p>
        {error ? (
          <ErrorState title="Could not load deliveries" message={error} onRetry={load} />
        ) : items === null ? (
          <Loading label="Loading deliveries…" />
        ) : items.length === 0 ? (
          <EmptyState title="No requests yet">
            <p>Requests to the webhook URL show up here, accepted or not.</p>
          </EmptyState>
        ) : (
          <div className="delivery-list" role="list">
            <table className="deliveries-table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Status</th>
                  <th scope="col">Size</th>
                  <th scope="col">Latency</th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.id} className={String(d.id) === openId ? 'open' : undefined} onClick={() => onOpen(String(d.id))} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && onOpen(String(d.id))} aria-label={`Delivery ${d.id}: ${d.outcome}, HTTP ${d.statusCode}`}>
                    <td title={utcTitle(d.receivedAt)}>{localDateTime(d.receivedAt, true)}</td>
                    <td>{d.event ?? d.eventHeader ?? <span className="muted">{d.method} {d.path}</span>}</td>
                    <td>
                      <Badge tone={OUTCOME_TONE[d.outcome]}>{d.outcome}</Badge>
                      {d.reason && d.outcome !== 'stored' && <div className="delivery-reason">{d.reason}</div>}
                    </td>
                    <td>{d.statusCode}</td>
                    <td>{formatBytes(d.size)}</td>
                    <td>{d.latencyMs === null ? '–' : `${d.latencyMs.toFixed(1)} ms`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {next !== null && (
              <button type="button" className="button" onClick={loadMore}>
                Load older requests
              </button>
            )}
          </div>
        )}
      </section>
      <section className="detail-pane" aria-label="Delivery details">
        {openId ? (
          <DeliveryDetailPane key={openId} id={Number(openId)} onOpenSession={onOpenSession} onChanged={load} />
        ) : (
          <EmptyState title="Pick a request">
            <p>See its headers (secrets masked), its body, and why it was accepted or refused.</p>
          </EmptyState>
        )}
      </section>
    </div>
  );
}

function DeliveryDetailPane({ id, onOpenSession, onChanged }: { id: number; onOpenSession: (sessionId: string) => void; onChanged: () => void }) {
  const privacy = useContactPrivacy();
  const api = getApi();
  const mayReverify = useMayCall('reverifyQuarantine');
  const [detail, setDetail] = useState<DeliveryDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    api.getDelivery({ id }).then(setDetail, (e: Error) => setError(e.message));
  }, [api, id, reload]);

  if (error) return <ErrorState title="Could not open this request" message={error} />;
  if (!detail) return <Loading label="Opening the request…" />;

  const describe = (r: ReverifyResult) =>
    r.stored + r.duplicates > 0
      ? { ok: true, text: `Verified with the new secret: ${r.stored} stored${r.duplicates ? `, ${r.duplicates} already archived` : ''}${r.kept ? `; ${r.kept} still do not match` : ''}.` }
      : { ok: false, text: `The signature does not match this secret either (${r.kept} quarantined request${r.kept === 1 ? '' : 's'} checked). Nothing was stored.` };

  return (
    <article className="delivery-detail" aria-label={`Delivery ${id}`}>
      <h2>
        {detail.method} {detail.path} <Badge tone={OUTCOME_TONE[detail.outcome]}>{detail.outcome}</Badge> <span className="status-code">HTTP {detail.statusCode}</span>
      </h2>
      <dl className="facts">
        <div className="fact"><dt>Received</dt><dd title={utcTitle(detail.receivedAt)}>{localDateTime(detail.receivedAt, true)}</dd></div>
        <div className="fact"><dt>Event</dt><dd>{detail.event ?? detail.eventHeader ?? '–'}</dd></div>
        <div className="fact"><dt>Reason</dt><dd>{detail.reason ?? (detail.outcome === 'stored' ? 'signature verified, stored' : '–')}</dd></div>
        <div className="fact"><dt>From</dt><dd>{detail.remote ?? '–'}</dd></div>
        <div className="fact"><dt>Size</dt><dd>{formatBytes(detail.size)}</dd></div>
        <div className="fact"><dt>Latency</dt><dd>{detail.latencyMs === null ? '–' : `${detail.latencyMs.toFixed(1)} ms`}</dd></div>
        {detail.sessionId && (
          <div className="fact">
            <dt>Session</dt>
            <dd>
              {detail.sessionArchived ? (
                <button type="button" className="button small link" onClick={() => onOpenSession(detail.sessionId!)}>
                  {detail.sessionId}
                </button>
              ) : (
                <code>{detail.sessionId}</code>
              )}
            </dd>
          </div>
        )}
      </dl>
      {detail.reverifiable && mayReverify && (
        <form
          className="reverify"
          onSubmit={(e) => {
            e.preventDefault();
            setBusy(true);
            api.reverifyQuarantine({ secret, ids: detail.quarantineId ? [detail.quarantineId] : undefined }).then(
              (r) => {
                setResult(describe(r));
                setBusy(false);
                setReload((n) => n + 1);
                onChanged();
              },
              (err: Error) => {
                setResult({ ok: false, text: err.message });
                setBusy(false);
              },
            );
          }}
        >
          <h3>Re-verify with another secret</h3>
          <p>This request was refused because its signature did not match. If the webhook secret was mistyped, enter the one CallAIder uses: a matching request is stored as if it had just arrived.</p>
          <div className="reverify-row">
            <input type="password" aria-label="Webhook secret to re-verify with" placeholder="Webhook secret" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" />
            <button type="submit" className="button primary" disabled={!secret || busy}>
              {busy ? 'Checking…' : 'Re-verify'}
            </button>
          </div>
        </form>
      )}
      {/* Outside the form: after a successful re-verification the request leaves the quarantine and the form goes away. */}
      {result && <p className={result.ok ? 'notice ok' : 'notice error'} role="status">{result.text}</p>}
      <h3>Headers</h3>
      {detail.headers ? (
        <table className="headers-table">
          <tbody>
            {Object.entries(detail.headers).map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">Not recorded.</p>
      )}
      <h3>Body</h3>
      {detail.bodyNote && <p className="muted">{detail.bodyNote}</p>}
      {detail.body !== null && <pre className="json raw-body">{prettyBody(privacy.jsonText(detail.body) ?? '')}{detail.bodyTruncated ? '\n… (truncated)' : ''}</pre>}
    </article>
  );
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
