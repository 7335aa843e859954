/** The Overview's periods, in the viewer's local days, and the filters a chart's bar opens. */
import type { SessionFilters } from '../../../../shared/api';
import { localDayStart, offsetSegments, type UtcOffsets } from '../../../../shared/overview';

export type PeriodChoice = 'today' | '7d' | '30d' | '12m' | 'custom';

export const PERIOD_CHOICES: Array<{ choice: PeriodChoice; label: string }> = [
  { choice: 'today', label: 'Today' },
  { choice: '7d', label: '7 days' },
  { choice: '30d', label: '30 days' },
  { choice: '12m', label: '12 months' },
  { choice: 'custom', label: 'Custom' },
];

export interface Period {
  /** [from, to): local midnights. */
  from: number;
  to: number;
  /** "yesterday", "the previous 30 days": what the comparison is against. */
  previousLabel: string;
  utcOffsets: UtcOffsets;
}

/** This browser's offset from UTC at an instant, in minutes east (getTimezoneOffset is west). */
export const browserOffsetMinutes = (ms: number) => -new Date(ms).getTimezoneOffset();

const midnight = (year: number, month: number, day: number) => new Date(year, month, day).getTime();

/** A date input's value ("2026-03-05") as the local midnight that starts it; null when empty or invalid. */
export function dateInputStart(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  return midnight(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** A local midnight as a date input's value. */
export function toDateInput(ms: number): string {
  const date = new Date(ms);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

export function periodFor(choice: PeriodChoice, now: number, custom: { from: string; to: string }): Period | null {
  const today = new Date(now);
  const [y, m, d] = [today.getFullYear(), today.getMonth(), today.getDate()];
  const tomorrow = midnight(y, m, d + 1);
  let from: number;
  let to = tomorrow;
  let previousLabel: string;
  if (choice === 'today') {
    from = midnight(y, m, d);
    previousLabel = 'yesterday';
  } else if (choice === '7d') {
    from = midnight(y, m, d - 6);
    previousLabel = 'the previous 7 days';
  } else if (choice === '30d') {
    from = midnight(y, m, d - 29);
    previousLabel = 'the previous 30 days';
  } else if (choice === '12m') {
    from = midnight(y - 1, m, d + 1);
    previousLabel = 'the previous 12 months';
  } else {
    const start = dateInputStart(custom.from);
    const last = dateInputStart(custom.to);
    if (start === null || last === null || last < start) return null;
    from = start;
    const end = new Date(last);
    to = midnight(end.getFullYear(), end.getMonth(), end.getDate() + 1);
    previousLabel = 'the period before';
  }
  return { from, to, previousLabel, utcOffsets: offsetSegments(from, to, browserOffsetMinutes) };
}

/** The Sessions list's filters for the whole period (its `to` is inclusive). */
export function periodFilters(period: Period): SessionFilters {
  return { from: period.from, to: period.to - 1 };
}

/** The Sessions list's filters for one local day of the period. */
export function dayFilters(period: Period, day: number): SessionFilters {
  return { from: localDayStart(period.utcOffsets, day), to: localDayStart(period.utcOffsets, day + 1) - 1 };
}

/** "+12% vs the previous 30 days", or null when there is nothing to compare with. */
export function comparison(current: number, previous: number, previousLabel: string): string | null {
  if (previous === 0) return current === 0 ? null : `none in ${previousLabel}`;
  const change = Math.round(((current - previous) / previous) * 100);
  if (change === 0) return `same as ${previousLabel}`;
  return `${change > 0 ? '+' : '−'}${Math.abs(change)}% vs ${previousLabel}`;
}
