/** The numbers behind the daily summary and the "unusually quiet" alert. */
import type { ActivityProfile, PeriodSummary } from '../../../../../shared/follow-up.js';
import { statement, type ReadableDB } from '../database.js';
import { activityProfileOf, type BucketRow, type SortRangeRow } from '../../rows/insights.js';
import { followUpCounts } from './follow-ups.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Sessions started in [from, to) (the time index, one range), refusals received then, and what is open now. */
export function periodSummary(db: ReadableDB, options: { from: number; to: number; now: number }): PeriodSummary {
  const sessions = statement(
    db,
    `SELECT count(*) AS calls, coalesce(sum(mode = 'voice'), 0) AS voice, coalesce(sum(mode = 'text'), 0) AS text,
            coalesce(sum(tool_error_count > 0), 0) AS withToolErrors
     FROM sessions WHERE sort_at_ms >= ? AND sort_at_ms < ?`,
  ).get(options.from, options.to) as { calls: number; voice: number; text: number; withToolErrors: number };
  const refused = statement(db, "SELECT count(*) AS n FROM deliveries WHERE outcome = 'rejected' AND received_at >= ? AND received_at < ?").get(
    options.from,
    options.to,
  ) as { n: number };
  return { from: options.from, to: options.to, ...sessions, refused: refused.n, openFollowUps: followUpCounts(db, options.now).open };
}

/**
 * Sessions per local weekday and hour, bucketed by SQLite in integer arithmetic (1970-01-01 was a
 * Thursday, hence + 4), so a year of sessions is one pass over the time index, not 100,000 rows here.
 */
export function activityProfile(db: ReadableDB, options: { since: number; utcOffsetMinutes: number }, now = Date.now()): ActivityProfile {
  const offset = Math.round(options.utcOffsetMinutes * 60_000);
  const rows = statement(
    db,
    `SELECT ((((local / ${DAY}) + 4) % 7) * 24 + (local % ${DAY}) / ${HOUR}) AS bucket, count(*) AS n
     FROM (SELECT CAST(sort_at_ms AS INTEGER) + CAST(? AS INTEGER) AS local FROM sessions WHERE sort_at_ms >= ?)
     WHERE local >= 0 GROUP BY bucket`,
  ).all(offset, options.since) as BucketRow[];
  const range = statement(db, 'SELECT min(sort_at_ms) AS oldest, max(sort_at_ms) AS newest FROM sessions WHERE sort_at_ms >= ?').get(options.since) as SortRangeRow;
  return activityProfileOf(rows, range, options.since, now);
}
