/**
 * When the daily summary is due. It is due when its local time of day passed since the last
 * check: a check that finds the time passed while the machine slept sends it once (the latest
 * day only), and a time changed to one already past today waits for tomorrow. Whether a start
 * after the time sends it depends on what the alert centre remembers of the last one (its state
 * file): the day it was sent stops repeats. Pure: the clock is an argument.
 */

/** "08:30" -> minutes after midnight; null for anything else (the settings schema checks the form). */
export function minutesOfDay(hhmm: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/** Local midnight of the day `at` falls on, `dayShift` days later (DST-safe: built from the date). */
export function localMidnight(at: number, dayShift = 0): number {
  const date = new Date(at);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + dayShift).getTime();
}

/** The summary time on the day `at` falls on (local time). */
export function summaryTimeOn(at: number, minutes: number): number {
  const date = new Date(at);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate(), Math.floor(minutes / 60), minutes % 60).getTime();
}

/**
 * The summary time that passed in (lastCheck, now], the latest one if several did (a long
 * sleep), or null. The summary sent then covers the day before it.
 */
export function dueSummaryTime(hhmm: string | null, lastCheck: number, now: number): number | null {
  if (hhmm === null || now <= lastCheck) return null;
  const minutes = minutesOfDay(hhmm);
  if (minutes === null) return null;
  const today = summaryTimeOn(now, minutes);
  const latest = today <= now ? today : summaryTimeOn(localMidnight(now, -1), minutes);
  return latest > lastCheck ? latest : null;
}

/** Yesterday, seen from a summary time: local midnight to midnight. */
export function dayBefore(summaryAt: number): { from: number; to: number } {
  return { from: localMidnight(summaryAt, -1), to: localMidnight(summaryAt) };
}
