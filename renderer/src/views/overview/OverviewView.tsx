/**
 * The Overview: how many calls came, when, how long, how they ended, which tool fails, files,
 * new and returning callers, follow-ups, for a period and against the one before. Every bar and
 * cell opens the Sessions list filtered to exactly what it counts. Numbers come from the store's
 * overview read in one call; the charts are Observable Plot.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { SessionFilters } from '../../../../shared/api';
import type { Overview } from '../../../../shared/overview';
import { getApi } from '../../api/client';
import { EmptyState, ErrorState, Loading } from '../../components/common';
import { formatCount } from '../../format';
import { useArchiveChanges, useStoredState, useThrottled } from '../../hooks';
import { PERIOD_CHOICES, periodFor, toDateInput, type Period, type PeriodChoice } from './period';
import { CallersCard, DaysCard, DurationsCard, FilesCard, FollowUpsCard, ReasonsCard, ToolsCard, WeekHoursCard } from './cards';

interface Props {
  /** Opens the Sessions list with these filters (what a bar or cell counts). */
  onOpenSessions: (filters: SessionFilters) => void;
  onGoToSetup: () => void;
}

export function OverviewView({ onOpenSessions, onGoToSetup }: Props) {
  const api = getApi();
  const [choice, setChoice] = useStoredState<PeriodChoice>('overview.period', '30d');
  const [custom, setCustom] = useState(() => ({ from: toDateInput(Date.now() - 6 * 86_400_000), to: toDateInput(Date.now()) }));
  const period: Period | null = useMemo(() => periodFor(choice, Date.now(), custom), [choice, custom]);
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(() => {
    if (!period) return;
    setLoading(true);
    api.overview({ from: period.from, to: period.to, utcOffsets: period.utcOffsets }).then(
      (overview) => {
        // Only the answer for the period still chosen (a slow answer for an old one is dropped).
        setData((current) => (overview.from === period.from && overview.to === period.to ? overview : current));
        setError(null);
        setLoading(false);
      },
      (e: Error) => {
        setError(e.message);
        setLoading(false);
      },
    );
  }, [api, period]);
  useEffect(load, [load]);
  const refresh = useThrottled(load, 2000);
  useArchiveChanges((change) => {
    if (change.type === 'session' || change.type === 'sessions-changed' || change.type === 'follow-up') refresh();
  });

  const current = data && period && data.from === period.from && data.to === period.to ? data : null;
  return (
    <div className="overview-view">
      <div className="overview-toolbar">
        <div className="segmented" role="group" aria-label="Period">
          {PERIOD_CHOICES.map((option) => (
            <button key={option.choice} type="button" className={`button small${choice === option.choice ? ' pressed' : ''}`} aria-pressed={choice === option.choice} onClick={() => setChoice(option.choice)}>
              {option.label}
            </button>
          ))}
        </div>
        {choice === 'custom' && (
          <div className="custom-period">
            <label>
              <span>From</span>
              <input type="date" aria-label="Period from" value={custom.from} max={custom.to} onChange={(e) => setCustom({ ...custom, from: e.target.value })} />
            </label>
            <label>
              <span>To</span>
              <input type="date" aria-label="Period to" value={custom.to} min={custom.from} onChange={(e) => setCustom({ ...custom, to: e.target.value })} />
            </label>
          </div>
        )}
        {loading && current && <span className="muted small-text">Updating…</span>}
      </div>
      {!period ? (
        <EmptyState title="Pick a period">
          <p>Choose a first and a last day (at most two years apart).</p>
        </EmptyState>
      ) : error && !current ? (
        <ErrorState title="Could not load the overview" message={error} onRetry={load} />
      ) : !current ? (
        <Loading label="Adding up the calls…" />
      ) : current.totals.calls === 0 ? (
        <EmptyState title="No calls in this period">
          <p>
            {current.previous.calls > 0
              ? `${formatCount(current.previous.calls)} came in ${period.previousLabel}. Try a longer period.`
              : 'When calls come in, this page shows when they came, how long they were and how they ended.'}
          </p>
          {current.previous.calls === 0 && (
            <div className="actions">
              <button type="button" className="button" onClick={() => setChoice('12m')}>
                Show 12 months
              </button>
              <button type="button" className="button" onClick={onGoToSetup}>
                Connect CallAIder
              </button>
            </div>
          )}
        </EmptyState>
      ) : (
        <div className="overview-grid">
          <DaysCard data={current} period={period} onOpen={onOpenSessions} />
          <WeekHoursCard data={current} period={period} onOpen={onOpenSessions} />
          <DurationsCard data={current} period={period} onOpen={onOpenSessions} />
          <ReasonsCard data={current} period={period} onOpen={onOpenSessions} />
          <ToolsCard data={current} period={period} onOpen={onOpenSessions} />
          <CallersCard data={current} period={period} onOpen={onOpenSessions} />
          <FollowUpsCard data={current} period={period} onOpen={onOpenSessions} />
          <FilesCard data={current} period={period} onOpen={onOpenSessions} />
        </div>
      )}
    </div>
  );
}
