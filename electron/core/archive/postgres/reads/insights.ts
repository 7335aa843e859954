/** The numbers behind the daily summary and the "unusually quiet" alert (sqlite/reads/insights.ts in PostgreSQL). */
import type { ActivityProfile, PeriodSummary } from '../../../../../shared/follow-up.js';
import { all, one, type Db } from '../db.js';
import { activityProfileOf, type BucketRow, type SortRangeRow } from '../../rows/insights.js';
import { followUpCounts } from './follow-ups.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export async function periodSummary(db: Db, options: { from: number; to: number; now: number }): Promise<PeriodSummary> {
  const sessions = (await one<{ calls: number; voice: number; text: number; withToolErrors: number }>(
    db,
    `SELECT count(*) AS calls, count(*) FILTER (WHERE mode = 'voice') AS voice, count(*) FILTER (WHERE mode = 'text') AS text,
            count(*) FILTER (WHERE tool_error_count > 0) AS "withToolErrors"
     FROM sessions WHERE sort_at_ms >= ? AND sort_at_ms < ?`,
    [options.from, options.to],
  ))!;
  const refused = (await one<{ n: number }>(db, "SELECT count(*) AS n FROM deliveries WHERE outcome = 'rejected' AND received_at >= ? AND received_at < ?", [
    options.from,
    options.to,
  ]))!;
  return { from: options.from, to: options.to, ...sessions, refused: refused.n, openFollowUps: (await followUpCounts(db, options.now)).open };
}

/** Sessions per local weekday and hour, bucketed by the server (1970-01-01 was a Thursday, hence + 4). */
export async function activityProfile(db: Db, options: { since: number; utcOffsetMinutes: number }, now = Date.now()): Promise<ActivityProfile> {
  const offset = Math.round(options.utcOffsetMinutes * 60_000);
  const rows = await all<BucketRow>(
    db,
    `SELECT ((((local / ${DAY}) + 4) % 7) * 24 + (local % ${DAY}) / ${HOUR})::integer AS bucket, count(*) AS n
     FROM (SELECT sort_at_ms + ?::bigint AS local FROM sessions WHERE sort_at_ms >= ?) l
     WHERE local >= 0 GROUP BY bucket`,
    [offset, options.since],
  );
  const range = (await one<SortRangeRow>(db, 'SELECT min(sort_at_ms) AS oldest, max(sort_at_ms) AS newest FROM sessions WHERE sort_at_ms >= ?', [
    options.since,
  ]))!;
  return activityProfileOf(rows, range, options.since, now);
}
