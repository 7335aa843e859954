import { useEffect, useState } from 'react';
import type { ArchiveResults } from '../../../shared/api';
import { getApi } from '../api/client';
import { formatCount } from '../format';
import { routeHref } from '../hooks';

/** Setup's Forwarding card: how many targets, how they are doing, and the way to the Forwarding view where they are set up. */
export function ForwardingCard() {
  const api = getApi();
  const [list, setList] = useState<ArchiveResults['listForwardTargets'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.listForwardTargets({}).then(setList, (e: Error) => setError(e.message));
  }, [api]);
  const counts = list?.counts;
  return (
    <section className="card" aria-labelledby="forwarding-card-title">
      <h2 id="forwarding-card-title">Forwarding</h2>
      <p>
        Hand each stored call on to your other tools (a CRM, a spreadsheet, Zapier or Make), signed with a secret of their own. The targets are kept in the archive, so
        the desktop app and <code>serve</code> send to the same ones.
      </p>
      {error && <p className="notice error" role="alert">Could not read the forwarding targets: {error}</p>}
      <dl className="facts">
        <div className="fact">
          <dt>Targets</dt>
          <dd data-testid="forwarding-targets">
            {counts ? `${formatCount(counts.targets)}${counts.paused ? `, ${formatCount(counts.paused)} paused` : ''}${counts.failing ? `, ${formatCount(counts.failing)} failing` : ''}` : '…'}
          </dd>
        </div>
        <div className="fact">
          <dt>Waiting to be sent</dt>
          <dd>{counts ? formatCount(counts.queued) : '…'}</dd>
        </div>
        {counts && counts.gaveUp > 0 && (
          <div className="fact">
            <dt>Given up</dt>
            <dd>{formatCount(counts.gaveUp)}</dd>
          </div>
        )}
      </dl>
      <div className="actions">
        <a className="button" href={routeHref('forwarding')}>
          {counts?.targets ? 'Open Forwarding' : 'Add a target in Forwarding'}
        </a>
      </div>
      <p className="muted">
        Headless: <code>serve --forward URL</code> (repeatable, with <code>--forward-events started,ended,follow-up</code>) or <code>--forward-config FILE</code>.
      </p>
    </section>
  );
}
