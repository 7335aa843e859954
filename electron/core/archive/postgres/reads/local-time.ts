/**
 * The viewer's local time in SQL (sqlite/reads/local-time.ts in PostgreSQL): a session's local
 * wall-clock ms is its start plus the offset of the segment it falls in (shared/overview.ts), so a
 * day or an hour means the same wall-clock day or hour on both sides of a DST change.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, type UtcOffsets } from '../../../../../shared/overview.js';

/** SQL for the local wall-clock ms of `column` (a bigint expression), with its parameters. */
export function localMs(column: string, offsets: UtcOffsets): { sql: string; params: number[] } {
  // Segment i applies from its `from` until the next one's; the first also before its own `from`.
  const whens = offsets.slice(1).map(() => `WHEN ${column} < ?::bigint THEN ?::bigint`);
  const params: number[] = [];
  offsets.slice(1).forEach((segment, i) => params.push(segment.from, offsets[i]!.offsetMinutes * MINUTE_MS));
  params.push(offsets[offsets.length - 1]!.offsetMinutes * MINUTE_MS);
  const offset = whens.length === 0 ? '?::bigint' : `CASE ${whens.join(' ')} ELSE ?::bigint END`;
  return { sql: `(${column} + ${offset})`, params };
}

/** Local weekday (0 = Sunday: 1970-01-01 was a Thursday, hence + 4) of a local-ms expression. */
export const weekdayOf = (local: string) => `((${local} / ${DAY_MS} + 4) % 7)`;
/** Local hour of day of a local-ms expression. */
export const hourOf = (local: string) => `((${local} % ${DAY_MS}) / ${HOUR_MS})`;
