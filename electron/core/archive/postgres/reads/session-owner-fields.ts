/**
 * What a page of sessions shows of the owner's side (follow-up state, tags, the caller with how
 * often they called), batched per page as in the SQLite store.
 */
import type { CallerRef } from '../../../../../shared/follow-up.js';
import { all, one, placeholders, type Db } from '../db.js';
import { callerRefsOf, callerWindows, ownerFieldsOf, OWNER_FOLLOW_UP_COLUMNS, type CallerColumns, type CallerCounts, type OwnerFields, type OwnerFollowUpRow } from '../../rows/owner-fields.js';
import { tagsOf } from './follow-ups.js';

export async function callerCounts(db: Db, key: string, now: number): Promise<CallerCounts> {
  const { week, month } = callerWindows(now);
  const row = (await one<{ d30: number; d7: number }>(
    db,
    'SELECT count(*) AS d30, count(*) FILTER (WHERE sort_at_ms >= ?) AS d7 FROM sessions WHERE caller_key = ? AND sort_at_ms >= ?',
    [week, key, month],
  ))!;
  return { calls7d: row.d7, calls30d: row.d30 };
}

/** Counts for each distinct caller of a page, in one query (a round trip per caller would cost more than the counting). */
export async function callerRefs(db: Db, rows: readonly CallerColumns[], now: number): Promise<Map<string, CallerRef>> {
  const keys = [...new Set(rows.map((row) => row.caller_key).filter((key): key is string => key !== null))];
  if (keys.length === 0) return new Map();
  const { week, month } = callerWindows(now);
  const counted = await all<{ caller_key: string; d30: number; d7: number }>(
    db,
    `SELECT caller_key, count(*) AS d30, count(*) FILTER (WHERE sort_at_ms >= ?) AS d7
     FROM sessions WHERE caller_key = ANY(?::text[]) AND sort_at_ms >= ? GROUP BY caller_key`,
    [week, keys, month],
  );
  return callerRefsOf(rows, new Map(counted.map((row) => [row.caller_key, { calls7d: row.d7, calls30d: row.d30 }])));
}

export async function ownerFields(db: Db, rows: readonly CallerColumns[], now: number): Promise<Map<string, OwnerFields>> {
  const ids = rows.map((row) => row.session_id);
  if (ids.length === 0) return new Map();
  const followUps = await all<OwnerFollowUpRow>(db, `SELECT ${OWNER_FOLLOW_UP_COLUMNS} FROM follow_ups WHERE session_id IN (${placeholders(ids.length)})`, ids);
  return ownerFieldsOf(ids, followUps, await tagsOf(db, ids), await callerRefs(db, rows, now));
}
