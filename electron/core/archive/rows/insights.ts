/** The numbers behind the daily summary and the "unusually quiet" alert, from what each store counts. */
import type { ActivityProfile } from '../../../../shared/follow-up.js';

const DAY = 86_400_000;

/** Sessions in one local (weekday × 24 + hour) bucket; weekday 0 is Sunday. */
export interface BucketRow {
  bucket: number;
  n: number;
}

export interface SortRangeRow {
  oldest: number | null;
  newest: number | null;
}

/** The week's 168 buckets, and over how many days they were counted (at least one). */
export function activityProfileOf(buckets: readonly BucketRow[], range: SortRangeRow, since: number, now: number): ActivityProfile {
  const counts = new Array<number>(7 * 24).fill(0);
  for (const row of buckets) counts[row.bucket] = row.n;
  const start = Math.max(since, range.oldest ?? now);
  return { counts, days: Math.max(1, Math.round((now - start) / DAY)), lastAt: range.newest };
}
