/**
 * The Overview page's data: what the store computes for a period, in the viewer's local time, and
 * the pieces both sides need to agree on (duration buckets, UTC offset segments, day numbers).
 */
import { z } from 'zod';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** A period may span at most this long (about two years): bounds one overview's work. */
export const OVERVIEW_MAX_MS = 732 * DAY_MS;

/**
 * The viewer's UTC offset over a period, as segments: each offset applies from its `from` (epoch
 * ms) until the next segment's; the first also applies before its `from`. The window computes them
 * from its time zone (one segment per DST change in the period), so a day or an hour means the
 * same wall-clock day or hour on both sides of a change. A single fixed offset would put every
 * summer call an hour off in a winter-offset year.
 */
export const utcOffsetsSchema = z
  .array(z.object({ from: z.number().int(), offsetMinutes: z.number().int().min(-16 * 60).max(16 * 60) }).strict())
  .min(1)
  .max(64)
  .refine((segments) => segments.every((segment, i) => i === 0 || segment.from > segments[i - 1]!.from), 'offset segments must be in ascending order of from');
export type UtcOffsets = z.infer<typeof utcOffsetsSchema>;

/** Duration buckets for phone calls: from "hung up at once" to "a long consultation". */
export const DURATION_BUCKETS = [
  { label: 'under 30 s', min: 0, below: 30 },
  { label: '30 s–1 min', min: 30, below: 60 },
  { label: '1–2 min', min: 60, below: 120 },
  { label: '2–5 min', min: 120, below: 300 },
  { label: '5–10 min', min: 300, below: 600 },
  { label: '10–20 min', min: 600, below: 1200 },
  { label: '20 min or more', min: 1200, below: null },
] as const satisfies ReadonlyArray<{ label: string; min: number; below: number | null }>;

export const overviewArgsSchema = z
  .object({
    /** The period [from, to), epoch ms. */
    from: z.number().int(),
    to: z.number().int(),
    utcOffsets: utcOffsetsSchema,
  })
  .strict()
  .refine((args) => args.to > args.from, 'to must be after from')
  .refine((args) => args.to - args.from <= OVERVIEW_MAX_MS, 'a period can be at most two years long');
export type OverviewArgs = z.infer<typeof overviewArgsSchema>;

/** The numbers compared with the previous period of the same length. */
export interface OverviewTotals {
  calls: number;
  voice: number;
  text: number;
  /** Sessions with a known duration, and their seconds together (average = seconds / timed). */
  timed: number;
  durationSeconds: number;
  toolCalls: number;
  toolFailures: number;
  files: number;
  sessionsWithFiles: number;
  /** Callers whose first session in the archive falls in the period, and their sessions in it. */
  newCallers: number;
  newCallerSessions: number;
  /** Sessions in the period from callers seen before it. */
  returningCallerSessions: number;
}

export interface OverviewDay {
  /** Local calendar day: days since 1970-01-01 (localDayStart turns it into an instant). */
  day: number;
  voice: number;
  text: number;
  /** Sessions without a voice or text mode. */
  other: number;
}

export interface OverviewTool {
  /** The tool's name ('' when the call named none). */
  name: string;
  calls: number;
  failures: number;
  /** Sessions that called it, and those where at least one of its calls failed. */
  sessions: number;
  failedSessions: number;
}

export interface Overview {
  from: number;
  to: number;
  /** The previous period: [previousFrom, from). */
  previousFrom: number;
  totals: OverviewTotals;
  previous: OverviewTotals;
  /** Days with sessions, oldest first. */
  days: OverviewDay[];
  /** 7 × 24 counts: index weekday * 24 + hour, weekday 0 = Sunday, local time. */
  weekHours: number[];
  /** One count per DURATION_BUCKETS entry (sessions with a known duration). */
  durations: number[];
  /** Ended sessions by end reason, most first; noReason: sessions without one (still going, or none sent). */
  reasons: Array<{ reason: string; calls: number }>;
  noReason: number;
  tools: OverviewTool[];
  /** Sessions in the period whose caller is unknown (no number or address found). */
  unknownCallerSessions: number;
  /** Sessions in the period by follow-up state now. */
  followUps: { followUp: number; snoozed: number; done: number };
}

/** Days since 1970-01-01 of a local wall-clock instant (local ms = UTC ms + offset). */
export function dayNumber(localMs: number): number {
  return Math.floor(localMs / DAY_MS);
}

/** The calendar date of a day number: { year, month (1-12), day }. */
export function dayDate(day: number): { year: number; month: number; day: number } {
  const date = new Date(day * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** The offset in force at `at` (ms). */
export function offsetAt(offsets: UtcOffsets, at: number): number {
  let offset = offsets[0]!.offsetMinutes;
  for (const segment of offsets) {
    if (segment.from <= at) offset = segment.offsetMinutes;
    else break;
  }
  return offset * MINUTE_MS;
}

/**
 * The instant a local day starts, with the offsets the overview was computed with: the same
 * arithmetic as the store's, so a day's click-through selects exactly the day's bar.
 */
export function localDayStart(offsets: UtcOffsets, day: number): number {
  const wall = day * DAY_MS;
  // The offset at the day's start can differ from the one just before it (a DST change at midnight).
  const guess = wall - offsetAt(offsets, wall);
  return wall - offsetAt(offsets, guess);
}

/**
 * Offset segments for [from, to) from a time zone's offset function (the browser's:
 * `ms => -new Date(ms).getTimezoneOffset()`): a day at a time, and where the offset changed, the
 * instant of the change found by halving (27 steps to the millisecond).
 */
export function offsetSegments(from: number, to: number, offsetMinutesAt: (ms: number) => number): UtcOffsets {
  const segments: UtcOffsets = [{ from, offsetMinutes: offsetMinutesAt(from) }];
  let at = from;
  while (at < to) {
    const next = Math.min(at + DAY_MS, to);
    const current = segments[segments.length - 1]!.offsetMinutes;
    if (offsetMinutesAt(next) !== current) {
      let low = at;
      let high = next;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (offsetMinutesAt(middle) === current) low = middle;
        else high = middle;
      }
      segments.push({ from: high, offsetMinutes: offsetMinutesAt(high) });
      if (segments.length >= 64) break;
    }
    at = next;
  }
  return segments;
}
