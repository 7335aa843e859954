/**
 * What a page of sessions shows of the owner's side: follow-up state, tags and the caller with
 * how often they called. Batched per page (one query for the page's follow-ups, one for its tags,
 * one count per distinct caller), so a list costs the same few queries at any archive size.
 */
import type { CallerRef, FollowUpState, Priority, Tag } from '../../../../../shared/follow-up.js';
import { statement, type ReadableDB } from '../database.js';
import { priorityName, tagsOf } from './follow-ups.js';

const DAY = 86_400_000;

export interface OwnerFields {
  followUpState: FollowUpState;
  priority: Priority | null;
  snoozedUntil: number | null;
  tags: Tag[];
  caller: CallerRef | null;
}

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

/** Sessions with this caller in the last 7 and 30 days before `now` (the caller index, one range). */
export function callerCounts(db: ReadableDB, key: string, now: number): CallerCounts {
  const row = statement(
    db,
    'SELECT count(*) AS d30, coalesce(sum(sort_at_ms >= ?), 0) AS d7 FROM sessions WHERE caller_key = ? AND sort_at_ms >= ?',
  ).get(now - 7 * DAY, key, now - 30 * DAY) as { d30: number; d7: number };
  return { calls7d: row.d7, calls30d: row.d30 };
}

/** Counts for each distinct caller of a page. */
export function callerRefs(db: ReadableDB, rows: readonly CallerColumns[], now: number): Map<string, CallerRef> {
  const counts = new Map<string, CallerCounts>();
  const out = new Map<string, CallerRef>();
  for (const row of rows) {
    if (row.caller_key === null) continue;
    let count = counts.get(row.caller_key);
    if (!count) {
      count = callerCounts(db, row.caller_key, now);
      counts.set(row.caller_key, count);
    }
    out.set(row.session_id, { key: row.caller_key, label: row.caller_label ?? row.caller_key, kind: row.caller_kind ?? 'other', ...count });
  }
  return out;
}

export function ownerFields(db: ReadableDB, rows: readonly CallerColumns[], now: number): Map<string, OwnerFields> {
  const ids = rows.map((row) => row.session_id);
  const out = new Map<string, OwnerFields>();
  if (ids.length === 0) return out;
  const followUps = new Map(
    (
      statement(db, `SELECT session_id, state, priority, snoozed_until FROM follow_ups WHERE session_id IN (${ids.map(() => '?').join(', ')})`).all(
        ...ids,
      ) as Array<{ session_id: string; state: FollowUpState; priority: number | null; snoozed_until: number | null }>
    ).map((row) => [row.session_id, row]),
  );
  const tags = tagsOf(db, ids);
  const callers = callerRefs(db, rows, now);
  for (const id of ids) {
    const f = followUps.get(id);
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
