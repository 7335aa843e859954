/**
 * Which backups to keep: the newest of each of the last `daily` days, `weekly` ISO weeks and
 * `monthly` months that have one (local time), plus always the newest good backup. Pure: the
 * caller deletes what is returned, and only files it made (see manifest.ts).
 */
export interface KeepPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export const DEFAULT_KEEP: KeepPolicy = { daily: 7, weekly: 4, monthly: 12 };

export interface Dated {
  file: string;
  at: number;
}

/** The files to delete, given the good backups oldest first (of two made at one time, the later counts as newer). */
export function toRemove(backups: readonly Dated[], keep: KeepPolicy = DEFAULT_KEEP): string[] {
  const newestFirst = backups.map((backup, index) => ({ ...backup, index })).sort((a, b) => b.at - a.at || b.index - a.index);
  const kept = new Set<string>();
  const buckets: Array<[number, (at: Date) => string]> = [
    [keep.daily, (at) => `${at.getFullYear()}-${at.getMonth()}-${at.getDate()}`],
    [keep.weekly, isoWeek],
    [keep.monthly, (at) => `${at.getFullYear()}-${at.getMonth()}`],
  ];
  for (const [count, bucketOf] of buckets) {
    const seen = new Set<string>();
    for (const backup of newestFirst) {
      if (seen.size >= count) break;
      const bucket = bucketOf(new Date(backup.at));
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      kept.add(backup.file);
    }
  }
  if (newestFirst[0]) kept.add(newestFirst[0].file);
  return newestFirst.filter((backup) => !kept.has(backup.file)).map((backup) => backup.file);
}

/** "2026-W48": ISO weeks start on Monday; week 1 holds the year's first Thursday. */
function isoWeek(at: Date): string {
  const day = new Date(at.getFullYear(), at.getMonth(), at.getDate());
  const weekday = (day.getDay() + 6) % 7;
  day.setDate(day.getDate() - weekday + 3);
  const firstThursday = new Date(day.getFullYear(), 0, 4);
  const week = 1 + Math.round((day.getTime() - firstThursday.getTime()) / 86_400_000 / 7 - ((firstThursday.getDay() + 6) % 7 - 3) / 7);
  return `${day.getFullYear()}-W${week}`;
}
