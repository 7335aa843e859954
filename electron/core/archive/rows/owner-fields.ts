/**
 * What a page of sessions shows of the owner's side (follow-up state, tags, the caller with how
 * often they called), assembled from the few batched reads each store makes for a page.
 */
import type { CallerRef, FollowUpState, Priority, Tag } from '../../../../shared/follow-up.js';
import { priorityName } from './follow-ups.js';

const DAY = 86_400_000;

export interface OwnerFields {
  followUpState: FollowUpState;
  priority: Priority | null;
  snoozedUntil: number | null;
  tags: Tag[];
  caller: CallerRef | null;
}

/** The caller columns of a sessions row (every list and page selects them). */
export interface CallerColumns {
  session_id: string;
  caller_key: string | null;
  caller_label: string | null;
  caller_kind: CallerRef['kind'] | null;
}

export interface CallerCounts {
  calls7d: number;
  calls30d: number;
}

/** Where the caller's 7- and 30-day counts start: sessions sorted at or after these. */
export function callerWindows(now: number): { week: number; month: number } {
  return { week: now - 7 * DAY, month: now - 30 * DAY };
}

export const NO_CALLS: CallerCounts = { calls7d: 0, calls30d: 0 };

/** The caller of each session of a page that has one, with the counts of its caller key. */
export function callerRefsOf(rows: readonly CallerColumns[], counts: ReadonlyMap<string, CallerCounts>): Map<string, CallerRef> {
  const out = new Map<string, CallerRef>();
  for (const row of rows) {
    if (row.caller_key === null) continue;
    const count = counts.get(row.caller_key) ?? NO_CALLS;
    out.set(row.session_id, { key: row.caller_key, label: row.caller_label ?? row.caller_key, kind: row.caller_kind ?? 'other', ...count });
  }
  return out;
}

export interface OwnerFollowUpRow {
  session_id: string;
  state: FollowUpState;
  priority: number | null;
  snoozed_until: number | null;
}

export const OWNER_FOLLOW_UP_COLUMNS = 'session_id, state, priority, snoozed_until';

/** Each session's owner fields; a session without a follow-up row is open. */
export function ownerFieldsOf(
  ids: readonly string[],
  followUps: readonly OwnerFollowUpRow[],
  tags: ReadonlyMap<string, Tag[]>,
  callers: ReadonlyMap<string, CallerRef>,
): Map<string, OwnerFields> {
  const bySession = new Map(followUps.map((row) => [row.session_id, row]));
  const out = new Map<string, OwnerFields>();
  for (const id of ids) {
    const f = bySession.get(id);
    const followingUp = f?.state === 'follow-up';
    out.set(id, {
      followUpState: f?.state ?? 'open',
      priority: followingUp ? priorityName(f.priority) : null,
      snoozedUntil: followingUp ? f.snoozed_until : null,
      tags: tags.get(id) ?? [],
      caller: callers.get(id) ?? null,
    });
  }
  return out;
}
