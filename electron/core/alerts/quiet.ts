/**
 * An unusually long quiet period: no call for longer than usual during the hours calls usually
 * come, which points at the tunnel or the platform rather than at a calm day. Pure arithmetic
 * over the archive's activity profile (sessions per local weekday and hour over four weeks).
 */
import type { ActivityProfile } from '../../../shared/follow-up.js';

/** The history the profile is read over, and the least of it that says anything. */
export const QUIET_PROFILE_DAYS = 28;
export const QUIET_MIN_HISTORY_DAYS = 14;
/** An hour where at least this many calls come in an average week is a usual hour. */
export const USUAL_HOUR_CALLS = 1;
/** Calls that should have arrived since the newest one before the silence is worth a word. */
export const QUIET_MIN_EXPECTED = 3;

const HOUR_MS = 3_600_000;
/** Four weeks of hours: the profile says nothing about a silence longer than its history. */
const MAX_HOURS = QUIET_PROFILE_DAYS * 24;

/** The profile's slot for a moment: weekday (0 = Sunday) * 24 + hour, in the given local offset. */
export function slotOf(at: number, utcOffsetMinutes: number): number {
  const local = new Date(at + utcOffsetMinutes * 60_000);
  return local.getUTCDay() * 24 + local.getUTCHours();
}

/** Calls in a weekday-hour in an average week of the profile. */
export function weeklyAverage(profile: ActivityProfile, slot: number): number {
  const weeks = profile.days / 7;
  return weeks > 0 ? (profile.counts[slot] ?? 0) / weeks : 0;
}

/** Calls an average week brings between two moments (partial hours count in proportion). */
export function expectedBetween(profile: ActivityProfile, from: number, to: number, utcOffsetMinutes: number): number {
  const offsetMs = utcOffsetMinutes * 60_000;
  let expected = 0;
  let cursor = Math.max(from, to - MAX_HOURS * HOUR_MS);
  while (cursor < to) {
    const hourEnd = Math.floor((cursor + offsetMs) / HOUR_MS) * HOUR_MS + HOUR_MS - offsetMs;
    const end = Math.min(hourEnd, to);
    expected += (weeklyAverage(profile, slotOf(cursor, utcOffsetMinutes)) * (end - cursor)) / HOUR_MS;
    cursor = end;
  }
  return expected;
}

export interface QuietPeriod {
  /** The newest session's start: the silence began then. */
  lastAt: number;
  /** Calls an average week would have brought since. */
  expected: number;
}

/**
 * A quiet period when: the profile covers enough days, this weekday-hour is a usual one, and at
 * least QUIET_MIN_EXPECTED calls would usually have arrived since the newest session.
 */
export function findQuietPeriod(profile: ActivityProfile, now: number, utcOffsetMinutes: number): QuietPeriod | null {
  if (profile.days < QUIET_MIN_HISTORY_DAYS || profile.lastAt === null || profile.lastAt >= now) return null;
  if (weeklyAverage(profile, slotOf(now, utcOffsetMinutes)) < USUAL_HOUR_CALLS) return null;
  const expected = expectedBetween(profile, profile.lastAt, now, utcOffsetMinutes);
  return expected >= QUIET_MIN_EXPECTED ? { lastAt: profile.lastAt, expected } : null;
}
