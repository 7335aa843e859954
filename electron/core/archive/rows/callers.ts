/**
 * A caller's page in both stores: who they are (from their newest session), how often and when
 * they called, their sessions, their open follow-ups and the notes on their sessions.
 */
import type { CallerSummary } from '../../../../shared/follow-up.js';
import type { CallerCounts } from './owner-fields.js';

/** Limits of the caller page's lists (its sessions page like any list). */
export const MAX_CALLER_NOTES = 100;
export const MAX_CALLER_FOLLOW_UPS = 100;

/** The caller columns of their newest session. */
export interface NewestCallerRow {
  caller_label: string | null;
  caller_kind: CallerSummary['kind'] | null;
}

/** All their sessions: how many, the first and the last. */
export interface CallerSpanRow {
  n: number;
  first: number;
  last: number;
}

export function callerSummaryOf(key: string, newest: NewestCallerRow, counts: CallerCounts, span: CallerSpanRow): CallerSummary {
  return {
    key,
    label: newest.caller_label ?? key,
    kind: newest.caller_kind ?? 'other',
    ...counts,
    sessions: span.n,
    firstAt: span.first,
    lastAt: span.last,
  };
}

