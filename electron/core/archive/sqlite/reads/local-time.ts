/**
 * The viewer's local time in SQL. The window sends its UTC offset as segments (one per DST change
 * in the period, shared/overview.ts); a session's local wall-clock instant is its start plus the
 * offset of the segment it falls in. A single fixed offset (as activityProfile uses for its rough
 * "usually busy" hours) would file every call of the other half of a 12-month period an hour off.
 * Everything stays integer arithmetic on the time index: no date functions, no rows brought here.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, type UtcOffsets } from '../../../../../shared/overview.js';

/** SQL for the local wall-clock ms of `column` (an integer expression), with its parameters. */
export function localMs(column: string, offsets: UtcOffsets): { sql: string; params: number[] } {
  // Segment i applies from its `from` until the next one's; the first also before its own `from`.
  // CAST: better-sqlite3 binds JavaScript numbers as REAL, and REAL would turn / into division.
  const whens = offsets.slice(1).map(() => `WHEN ${column} < ? THEN CAST(? AS INTEGER)`);
  const params: number[] = [];
  offsets.slice(1).forEach((segment, i) => params.push(segment.from, offsets[i]!.offsetMinutes * MINUTE_MS));
  params.push(offsets[offsets.length - 1]!.offsetMinutes * MINUTE_MS);
  const offset = whens.length === 0 ? 'CAST(? AS INTEGER)' : `CASE ${whens.join(' ')} ELSE CAST(? AS INTEGER) END`;
  return { sql: `(${column} + ${offset})`, params };
}

/** Local weekday (0 = Sunday: 1970-01-01 was a Thursday, hence + 4) of a local-ms expression. */
export const weekdayOf = (local: string) => `((${local} / ${DAY_MS} + 4) % 7)`;
/** Local hour of day of a local-ms expression. */
export const hourOf = (local: string) => `((${local} % ${DAY_MS}) / ${HOUR_MS})`;
