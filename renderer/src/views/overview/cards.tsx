/**
 * The Overview's cards: each a short title, the number that matters, the comparison with the
 * previous period where it helps, a chart whose bars open the sessions they count, and the same
 * numbers as a table (for screen readers, and for reading exact counts).
 */
import { useCallback, useMemo, type ReactNode } from 'react';
import * as Plot from '@observablehq/plot';
import type { SessionFilters } from '../../../../shared/api';
import { DURATION_BUCKETS, localDayStart, type Overview } from '../../../../shared/overview';
import { formatCount, formatDuration, humanReason } from '../../format';
import { useStoredState } from '../../hooks';
import { comparison, dayFilters, periodFilters, type Period } from './period';
import { PlotChart, pickable } from './PlotChart';

interface CardProps {
  data: Overview;
  period: Period;
  onOpen: (filters: SessionFilters) => void;
}

interface Row {
  key: string;
  cells: ReactNode[];
  /** What the row's sessions are, for its button ("Open the 12 voice calls on Mar 3"). */
  label: string;
  /** The filters that list exactly the row's sessions; none when no filter can (the button is left out). */
  filters?: SessionFilters;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** The week as people read it: Monday first. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];
const dayLabel = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;
const hourRange = (hour: number) => `${String(hour).padStart(2, '0')}:00–${String((hour + 1) % 24).padStart(2, '0')}:00`;
const percent = (part: number, whole: number) => (whole === 0 ? '–' : `${Math.round((part / whole) * 100)}%`);
const axis = { fontSize: '12px', fontFamily: 'inherit', background: 'transparent', overflow: 'visible' } as const;

function ChartCard(props: { id: string; title: string; headline: ReactNode; detail?: string | null; columns: string[]; rows: Row[]; onOpen: CardProps['onOpen']; chart: ReactNode; legend?: ReactNode; wide?: boolean }) {
  const [asTable, setAsTable] = useStoredState(`overview.table.${props.id}`, false);
  return (
    <section className={`card chart-card${props.wide ? ' wide' : ''}`} aria-labelledby={`${props.id}-title`}>
      <header className="chart-head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        <button type="button" className="button small link" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
          {asTable ? 'Show as chart' : 'Show as table'}
        </button>
      </header>
      <p className="headline">
        <strong>{props.headline}</strong>
        {props.detail && <span className="muted"> · {props.detail}</span>}
      </p>
      {asTable ? (
        <table className="chart-table">
          <caption className="visually-hidden">{props.title}</caption>
          <thead>
            <tr>
              {props.columns.map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
              <th scope="col">
                <span className="visually-hidden">Sessions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr key={row.key}>
                {row.cells.map((cell, i) => (i === 0 ? <th key={i} scope="row">{cell}</th> : <td key={i}>{cell}</td>))}
                <td>
                  {row.filters && (
                    <button type="button" className="button small link" aria-label={row.label} onClick={() => props.onOpen(row.filters!)}>
                      Show
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <>
          {props.chart}
          {props.legend}
        </>
      )}
    </section>
  );
}

/** Calls per local day, voice at the bottom (solid) and text on top (hatched). */
export function DaysCard({ data, period, onOpen }: CardProps) {
  const days = useMemo(() => data.days.map((day) => ({ ...day, start: new Date(localDayStart(period.utcOffsets, day.day)), end: new Date(localDayStart(period.utcOffsets, day.day + 1)) })), [data, period]);
  type Day = (typeof days)[number];
  const open = useCallback((mode: 'voice' | 'text') => (day: Day) => onOpen({ ...dayFilters(period, day.day), mode }), [onOpen, period]);
  const draw = useCallback(
    (width: number) =>
      Plot.plot({
        width,
        height: 220,
        style: axis,
        marginLeft: 44,
        x: { type: 'time', domain: [new Date(period.from), new Date(period.to)], label: null },
        y: { grid: true, label: 'Calls', nice: true },
        marks: [
          Plot.rectY(days.filter((d) => d.voice > 0), { x1: 'start', x2: 'end', y1: 0, y2: 'voice', fill: 'var(--info)', inset: 0.5, title: (d: Day) => `${dayLabel.format(d.start)}: ${plural(d.voice, 'voice call')}`, render: pickable(days.filter((d) => d.voice > 0), open('voice'), (d) => `Open the ${plural(d.voice, 'voice call')} of ${dayLabel.format(d.start)}`) }),
          Plot.rectY(days.filter((d) => d.text > 0), { x1: 'start', x2: 'end', y1: 'voice', y2: (d: Day) => d.voice + d.text, fill: 'url(#ov-hatch-text)', stroke: 'var(--ok)', strokeWidth: 0.5, inset: 0.5, title: (d: Day) => `${dayLabel.format(d.start)}: ${plural(d.text, 'text session')}`, render: pickable(days.filter((d) => d.text > 0), open('text'), (d) => `Open the ${plural(d.text, 'text session')} of ${dayLabel.format(d.start)}`) }),
          Plot.rectY(days.filter((d) => d.other > 0), { x1: 'start', x2: 'end', y1: (d: Day) => d.voice + d.text, y2: (d: Day) => d.voice + d.text + d.other, fill: 'var(--muted)', inset: 0.5, title: (d: Day) => `${dayLabel.format(d.start)}: ${plural(d.other, 'session')} without a mode` }),
          Plot.ruleY([0]),
        ],
      }),
    [days, period, open],
  );
  return (
    <ChartCard
      id="overview-days"
      wide
      title="Calls per day"
      headline={plural(data.totals.calls, 'call')}
      detail={[`${formatCount(data.totals.voice)} voice, ${formatCount(data.totals.text)} text`, comparison(data.totals.calls, data.previous.calls, period.previousLabel)].filter(Boolean).join(' · ')}
      columns={['Day', 'Voice', 'Text', 'Other']}
      rows={days.flatMap((d) => [
        { key: `${d.day}-voice`, cells: [dayLabel.format(d.start), formatCount(d.voice), formatCount(d.text), formatCount(d.other)], label: `Open the ${plural(d.voice + d.text + d.other, 'session')} of ${dayLabel.format(d.start)}`, filters: dayFilters(period, d.day) },
      ])}
      onOpen={onOpen}
      chart={<PlotChart draw={draw} label={`Calls per day: ${plural(data.totals.voice, 'voice call')} and ${plural(data.totals.text, 'text session')} over ${plural(days.length, 'day')} with calls`} />}
      legend={
        <p className="chart-legend">
          <span className="swatch swatch-voice" aria-hidden="true" /> Voice (lower part) <span className="swatch swatch-text" aria-hidden="true" /> Text (hatched, upper part) · click a bar to open its sessions
        </p>
      }
    />
  );
}

/** When calls come: local weekday × hour, darker for more. */
export function WeekHoursCard({ data, period, onOpen }: CardProps) {
  const cells = useMemo(() => WEEK_ORDER.flatMap((weekday) => Array.from({ length: 24 }, (_, hour) => ({ weekday, hour, n: data.weekHours[weekday * 24 + hour] ?? 0 }))), [data]);
  type Cell = (typeof cells)[number];
  const max = Math.max(1, ...cells.map((c) => c.n));
  const busiest = cells.reduce((best, c) => (c.n > best.n ? c : best), cells[0]!);
  const filtersOf = useCallback((c: Cell): SessionFilters => ({ ...periodFilters(period), localTime: { utcOffsets: period.utcOffsets, weekday: c.weekday, hour: c.hour } }), [period]);
  const draw = useCallback(
    (width: number) => {
      const filled = cells.filter((c) => c.n > 0);
      return Plot.plot({
        width,
        height: 230,
        style: axis,
        marginLeft: 44,
        x: { type: 'band', domain: Array.from({ length: 24 }, (_, h) => h), label: null, tickFormat: (h: number) => (h % 3 === 0 ? `${h}:00` : '') },
        y: { type: 'band', domain: WEEK_ORDER, label: null, tickFormat: (w: number) => WEEKDAYS[w]!.slice(0, 3) },
        marks: [
          Plot.cell(cells, { x: 'hour', y: 'weekday', fill: 'var(--panel-2)', inset: 1 }),
          Plot.cell(filled, {
            x: 'hour',
            y: 'weekday',
            fill: 'var(--accent)',
            fillOpacity: (c: Cell) => 0.15 + 0.85 * (c.n / max),
            inset: 1,
            title: (c: Cell) => `${WEEKDAYS[c.weekday]}s ${hourRange(c.hour)}: ${plural(c.n, 'call')}`,
            render: pickable(filled, (c) => onOpen(filtersOf(c)), (c) => `Open the ${plural(c.n, 'call')} on ${WEEKDAYS[c.weekday]}s ${hourRange(c.hour)}`),
          }),
        ],
      });
    },
    [cells, max, onOpen, filtersOf],
  );
  return (
    <ChartCard
      id="overview-week"
      wide
      title="When calls come"
      headline={`Busiest: ${WEEKDAYS[busiest.weekday]}s ${hourRange(busiest.hour)}`}
      detail={`${plural(busiest.n, 'call')} then · local time`}
      columns={['Weekday', 'Hour', 'Calls']}
      rows={cells.filter((c) => c.n > 0).map((c) => ({ key: `${c.weekday}-${c.hour}`, cells: [WEEKDAYS[c.weekday]!, hourRange(c.hour), formatCount(c.n)], label: `Open the ${plural(c.n, 'call')} on ${WEEKDAYS[c.weekday]}s ${hourRange(c.hour)}`, filters: filtersOf(c) }))}
      onOpen={onOpen}
      chart={<PlotChart draw={draw} label={`Calls by weekday and hour; busiest ${WEEKDAYS[busiest.weekday]}s ${hourRange(busiest.hour)} with ${plural(busiest.n, 'call')}. Each cell's count is in its title and in the table.`} />}
      legend={<p className="chart-legend">A stronger colour means more calls; hover a cell for its count, click it to open its calls.</p>}
    />
  );
}

/** Horizontal bars, one per row, each opening its sessions. */
function barsDraw<T extends { label: string; n: number }>(rows: T[], onPick: (row: T) => void, describe: (row: T) => string, fill: string, marginLeft = 130) {
  return (width: number) =>
    Plot.plot({
      width,
      height: 36 + rows.length * 30,
      style: axis,
      marginLeft,
      x: { grid: true, label: null, nice: true },
      y: { type: 'band', domain: rows.map((r) => r.label), label: null },
      marks: [
        Plot.barX(rows, { y: 'label', x: 'n', fill, inset: 3, title: (r: T) => `${r.label}: ${formatCount(r.n)}`, render: pickable(rows, onPick, describe) }),
        Plot.text(rows, { y: 'label', x: 'n', text: (r: T) => formatCount(r.n), dx: 4, textAnchor: 'start', fill: 'currentColor' }),
        Plot.ruleX([0]),
      ],
    });
}

export function DurationsCard({ data, period, onOpen }: CardProps) {
  const rows = useMemo(
    () =>
      DURATION_BUCKETS.map((bucket, i) => ({
        label: bucket.label,
        n: data.durations[i] ?? 0,
        filters: { ...periodFilters(period), minDurationSeconds: bucket.min, ...(bucket.below === null ? {} : { durationBelowSeconds: bucket.below }) } as SessionFilters,
      })),
    [data, period],
  );
  type Bucket = (typeof rows)[number];
  const average = data.totals.timed > 0 ? data.totals.durationSeconds / data.totals.timed : null;
  const previousAverage = data.previous.timed > 0 ? data.previous.durationSeconds / data.previous.timed : null;
  const draw = useCallback((width: number) => barsDraw(rows, (r: Bucket) => onOpen(r.filters), (r) => `Open the ${plural(r.n, 'call')} lasting ${r.label}`, 'var(--accent)', 110)(width), [rows, onOpen]);
  return (
    <ChartCard
      id="overview-durations"
      title="How long calls last"
      headline={average === null ? 'No finished calls' : `Average ${formatDuration(average)}`}
      detail={average !== null && previousAverage !== null ? comparison(Math.round(average), Math.round(previousAverage), period.previousLabel) : null}
      columns={['Duration', 'Calls']}
      rows={rows.map((r) => ({ key: r.label, cells: [r.label, formatCount(r.n)], label: `Open the ${plural(r.n, 'call')} lasting ${r.label}`, filters: r.filters }))}
      onOpen={onOpen}
      chart={<PlotChart draw={draw} label={`Calls by duration: ${rows.map((r) => `${r.label} ${formatCount(r.n)}`).join(', ')}`} />}
    />
  );
}

export function ReasonsCard({ data, period, onOpen }: CardProps) {
  const rows = useMemo(() => data.reasons.map((r) => ({ label: humanReason(r.reason), n: r.calls, filters: { ...periodFilters(period), reasons: [r.reason] } as SessionFilters })), [data, period]);
  type Reason = (typeof rows)[number];
  const ended = rows.reduce((sum, r) => sum + r.n, 0);
  const draw = useCallback((width: number) => barsDraw(rows, (r: Reason) => onOpen(r.filters), (r) => `Open the ${plural(r.n, 'call')} that ended: ${r.label}`, 'var(--accent)')(width), [rows, onOpen]);
  return (
    <ChartCard
      id="overview-reasons"
      title="How calls ended"
      headline={rows[0] ? `${percent(rows[0].n, ended)} ${rows[0].label}` : 'No ended calls'}
      detail={data.noReason > 0 ? `${plural(data.noReason, 'call')} without an end reason (still going, or none sent)` : null}
      columns={['End reason', 'Calls', 'Share']}
      rows={rows.map((r) => ({ key: r.label, cells: [r.label, formatCount(r.n), percent(r.n, ended)], label: `Open the ${plural(r.n, 'call')} that ended: ${r.label}`, filters: r.filters }))}
      onOpen={onOpen}
      chart={rows.length === 0 ? <p className="muted">No call in this period has ended yet.</p> : <PlotChart draw={draw} label={`End reasons: ${rows.map((r) => `${r.label} ${formatCount(r.n)}`).join(', ')}`} />}
    />
  );
}

/** Per tool: sessions where every call to it worked (solid) and where one failed (hatched). */
export function ToolsCard({ data, period, onOpen }: CardProps) {
  const tools = useMemo(() => data.tools.slice(0, 15).map((t) => ({ ...t, label: t.name || '(no name)', ok: t.sessions - t.failedSessions })), [data]);
  type Tool = (typeof tools)[number];
  const filtersOf = useCallback((t: Tool, failed: boolean): SessionFilters => ({ ...periodFilters(period), toolName: t.name, toolFailed: failed }), [period]);
  const draw = useCallback(
    (width: number) =>
      Plot.plot({
        width,
        height: 36 + tools.length * 30,
        style: axis,
        marginLeft: 150,
        x: { grid: true, label: 'Sessions', nice: true },
        y: { type: 'band', domain: tools.map((t) => t.label), label: null },
        marks: [
          Plot.barX(tools.filter((t) => t.ok > 0), { y: 'label', x1: 0, x2: 'ok', fill: 'var(--accent)', inset: 3, title: (t: Tool) => `${t.label}: ${plural(t.ok, 'session')} where it worked`, render: pickable(tools.filter((t) => t.ok > 0), (t) => onOpen(filtersOf(t, false)), (t) => `Open the ${plural(t.ok, 'session')} where ${t.label} worked`) }),
          Plot.barX(tools.filter((t) => t.failedSessions > 0), { y: 'label', x1: 'ok', x2: 'sessions', fill: 'url(#ov-hatch-error)', stroke: 'var(--error)', strokeWidth: 0.5, inset: 3, title: (t: Tool) => `${t.label}: ${plural(t.failedSessions, 'session')} where it failed (${t.failures} of ${t.calls} calls)`, render: pickable(tools.filter((t) => t.failedSessions > 0), (t) => onOpen(filtersOf(t, true)), (t) => `Open the ${plural(t.failedSessions, 'session')} where ${t.label} failed`) }),
          Plot.text(tools, { y: 'label', x: 'sessions', text: (t: Tool) => `${percent(t.failures, t.calls)} failed`, dx: 4, textAnchor: 'start', fill: 'currentColor' }),
          Plot.ruleX([0]),
        ],
      }),
    [tools, onOpen, filtersOf],
  );
  const rate = (failures: number, calls: number) => (calls === 0 ? 0 : failures / calls);
  return (
    <ChartCard
      id="overview-tools"
      wide
      title="Tool calls"
      headline={data.totals.toolCalls === 0 ? 'No tool calls' : `${percent(data.totals.toolFailures, data.totals.toolCalls)} of ${plural(data.totals.toolCalls, 'tool call')} failed`}
      detail={data.previous.toolCalls > 0 && data.totals.toolCalls > 0 ? `${percent(data.previous.toolFailures, data.previous.toolCalls)} in ${period.previousLabel}${rate(data.totals.toolFailures, data.totals.toolCalls) > rate(data.previous.toolFailures, data.previous.toolCalls) ? ' (worse)' : ''}` : null}
      columns={['Tool', 'Calls', 'Failed calls', 'Failure rate', 'Sessions', 'Sessions with a failure']}
      rows={tools.flatMap((t) => [
        { key: `${t.name}-all`, cells: [t.label, formatCount(t.calls), formatCount(t.failures), percent(t.failures, t.calls), formatCount(t.sessions), formatCount(t.failedSessions)], label: `Open the ${plural(t.sessions, 'session')} that called ${t.label}`, filters: { ...periodFilters(period), toolName: t.name } },
      ])}
      onOpen={onOpen}
      chart={tools.length === 0 ? <p className="muted">No tool was called in this period.</p> : <PlotChart draw={draw} label={`Tool calls per tool: ${tools.map((t) => `${t.label} ${t.calls} calls, ${t.failures} failed`).join('; ')}`} />}
      legend={tools.length > 0 ? <p className="chart-legend"><span className="swatch swatch-ok" aria-hidden="true" /> Sessions where it worked <span className="swatch swatch-failed" aria-hidden="true" /> where it failed (hatched)</p> : null}
    />
  );
}

export function CallersCard({ data, period, onOpen }: CardProps) {
  const rows = useMemo(() => [
    { label: 'New callers', n: data.totals.newCallerSessions, filters: { ...periodFilters(period), callerHistory: { kind: 'new', since: period.from } } as SessionFilters },
    { label: 'Returning callers', n: data.totals.returningCallerSessions, filters: { ...periodFilters(period), callerHistory: { kind: 'returning', since: period.from } } as SessionFilters },
  ], [data, period]);
  type Callers = (typeof rows)[number];
  const draw = useCallback((width: number) => barsDraw(rows, (r: Callers) => onOpen(r.filters), (r) => `Open the ${plural(r.n, 'call')} from ${r.label.toLowerCase()}`, 'var(--accent)')(width), [rows, onOpen]);
  return (
    <ChartCard
      id="overview-callers"
      title="New and returning callers"
      headline={plural(data.totals.newCallers, 'new caller')}
      detail={[comparison(data.totals.newCallers, data.previous.newCallers, period.previousLabel), `${plural(data.totals.returningCallerSessions, 'call')} from returning callers`, data.unknownCallerSessions > 0 ? `${plural(data.unknownCallerSessions, 'call')} from unknown callers` : null].filter(Boolean).join(' · ')}
      columns={['Callers', 'Calls']}
      rows={rows.map((r) => ({ key: r.label, cells: [r.label, formatCount(r.n)], label: `Open the ${plural(r.n, 'call')} from ${r.label.toLowerCase()}`, filters: r.filters }))}
      onOpen={onOpen}
      chart={<PlotChart draw={draw} label={`Calls from new callers ${formatCount(rows[0]!.n)}, from returning callers ${formatCount(rows[1]!.n)}`} />}
      legend={<p className="chart-legend">Bars count calls; new means the caller's first call in the archive falls in this period.</p>}
    />
  );
}

export function FollowUpsCard({ data, period, onOpen }: CardProps) {
  const rows = useMemo(() => [
    { label: 'To follow up', n: data.followUps.followUp, filters: { ...periodFilters(period), followUp: 'follow-up' } as SessionFilters },
    { label: 'Snoozed', n: data.followUps.snoozed, filters: { ...periodFilters(period), followUp: 'snoozed' } as SessionFilters },
    { label: 'Done', n: data.followUps.done, filters: { ...periodFilters(period), followUp: 'done' } as SessionFilters },
  ], [data, period]);
  type State = (typeof rows)[number];
  const draw = useCallback((width: number) => barsDraw(rows, (r: State) => onOpen(r.filters), (r) => `Open the ${plural(r.n, 'call')}: ${r.label.toLowerCase()}`, 'var(--warn)')(width), [rows, onOpen]);
  return (
    <ChartCard
      id="overview-follow-ups"
      title="Follow-ups"
      headline={`${formatCount(data.followUps.followUp)} to follow up`}
      detail="calls of this period, as they stand now"
      columns={['State', 'Calls']}
      rows={rows.map((r) => ({ key: r.label, cells: [r.label, formatCount(r.n)], label: `Open the ${plural(r.n, 'call')}: ${r.label.toLowerCase()}`, filters: r.filters }))}
      onOpen={onOpen}
      chart={<PlotChart draw={draw} label={`Follow-ups: ${rows.map((r) => `${r.label} ${formatCount(r.n)}`).join(', ')}`} />}
    />
  );
}

export function FilesCard({ data, period, onOpen }: CardProps) {
  const filters: SessionFilters = { ...periodFilters(period), hasFiles: true };
  return (
    <section className="card files-card" aria-labelledby="overview-files-title">
      <header className="chart-head">
        <h2 id="overview-files-title">Files received</h2>
      </header>
      <p className="headline">
        <strong>{plural(data.totals.files, 'file')}</strong>
        <span className="muted"> · in {plural(data.totals.sessionsWithFiles, 'call')}{comparison(data.totals.files, data.previous.files, period.previousLabel) ? ` · ${comparison(data.totals.files, data.previous.files, period.previousLabel)}` : ''}</span>
      </p>
      {data.totals.sessionsWithFiles > 0 && (
        <button type="button" className="button small" onClick={() => onOpen(filters)}>
          Show the {plural(data.totals.sessionsWithFiles, 'call')} with files
        </button>
      )}
    </section>
  );
}
