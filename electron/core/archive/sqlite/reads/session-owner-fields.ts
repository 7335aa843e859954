/**
 * What a page of sessions shows of the owner's side: follow-up state, tags and the caller with
 * how often they called. Batched per page (one query for the page's follow-ups, one for its tags,
 * one count per distinct caller), so a list costs the same few queries at any archive size.
 */
import type { CallerRef } from '../../../../../shared/follow-up.js';
import { statement, type ReadableDB } from '../database.js';
import { callerRefsOf, callerWindows, ownerFieldsOf, OWNER_FOLLOW_UP_COLUMNS, type CallerColumns, type CallerCounts, type OwnerFields, type OwnerFollowUpRow } from '../../rows/owner-fields.js';
import { tagsOf } from './follow-ups.js';

/** Sessions with this caller in the last 7 and 30 days before `now` (the caller index, one range). */
export function callerCounts(db: ReadableDB, key: string, now: number): CallerCounts {
  const { week, month } = callerWindows(now);
  const row = statement(
    db,
    'SELECT count(*) AS d30, coalesce(sum(sort_at_ms >= ?), 0) AS d7 FROM sessions WHERE caller_key = ? AND sort_at_ms >= ?',
  ).get(week, key, month) as { d30: number; d7: number };
  return { calls7d: row.d7, calls30d: row.d30 };
}

/** Counts for each distinct caller of a page. */
export function callerRefs(db: ReadableDB, rows: readonly CallerColumns[], now: number): Map<string, CallerRef> {
  const counts = new Map<string, CallerCounts>();
  for (const row of rows) {
    if (row.caller_key !== null && !counts.has(row.caller_key)) counts.set(row.caller_key, callerCounts(db, row.caller_key, now));
  }
  return callerRefsOf(rows, counts);
}

export function ownerFields(db: ReadableDB, rows: readonly CallerColumns[], now: number): Map<string, OwnerFields> {
  const ids = rows.map((row) => row.session_id);
  if (ids.length === 0) return new Map();
  const followUps = statement(db, `SELECT ${OWNER_FOLLOW_UP_COLUMNS} FROM follow_ups WHERE session_id IN (${ids.map(() => '?').join(', ')})`).all(
    ...ids,
  ) as OwnerFollowUpRow[];
  return ownerFieldsOf(ids, followUps, tagsOf(db, ids), callerRefs(db, rows, now));
}
