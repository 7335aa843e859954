/**
 * What a page of sessions shows of the owner's side (follow-up state, tags, the caller with how
 * often they called), batched per page as in the SQLite store.
 */
import type { CallerRef, FollowUpState, Priority, Tag } from '../../../../../shared/follow-up.js';
import { all, one, placeholders, type Db } from '../db.js';
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

export async function callerCounts(db: Db, key: string, now: number): Promise<CallerCounts> {
  const row = (await one<{ d30: number; d7: number }>(
    db,
    'SELECT count(*) AS d30, count(*) FILTER (WHERE sort_at_ms >= ?) AS d7 FROM sessions WHERE caller_key = ? AND sort_at_ms >= ?',
    [now - 7 * DAY, key, now - 30 * DAY],
  ))!;
  return { calls7d: row.d7, calls30d: row.d30 };
}

/** Counts for each distinct caller of a page, in one query (a round trip per caller would cost more than the counting). */
export async function callerRefs(db: Db, rows: readonly CallerColumns[], now: number): Promise<Map<string, CallerRef>> {
  const keys = [...new Set(rows.map((row) => row.caller_key).filter((key): key is string => key !== null))];
  const out = new Map<string, CallerRef>();
  if (keys.length === 0) return out;
  const counts = new Map(
    (
      await all<{ caller_key: string; d30: number; d7: number }>(
        db,
        `SELECT caller_key, count(*) AS d30, count(*) FILTER (WHERE sort_at_ms >= ?) AS d7
         FROM sessions WHERE caller_key = ANY(?::text[]) AND sort_at_ms >= ? GROUP BY caller_key`,
        [now - 7 * DAY, keys, now - 30 * DAY],
      )
    ).map((row) => [row.caller_key, { calls7d: row.d7, calls30d: row.d30 }]),
  );
  for (const row of rows) {
    if (row.caller_key === null) continue;
    const count = counts.get(row.caller_key) ?? { calls7d: 0, calls30d: 0 };
    out.set(row.session_id, { key: row.caller_key, label: row.caller_label ?? row.caller_key, kind: row.caller_kind ?? 'other', ...count });
  }
  return out;
}

export async function ownerFields(db: Db, rows: readonly CallerColumns[], now: number): Promise<Map<string, OwnerFields>> {
  const ids = rows.map((row) => row.session_id);
  const out = new Map<string, OwnerFields>();
  if (ids.length === 0) return out;
  const followUps = new Map(
    (
      await all<{ session_id: string; state: FollowUpState; priority: number | null; snoozed_until: number | null }>(
        db,
        `SELECT session_id, state, priority, snoozed_until FROM follow_ups WHERE session_id IN (${placeholders(ids.length)})`,
        ids,
      )
    ).map((row) => [row.session_id, row]),
  );
  const tags = await tagsOf(db, ids);
  const callers = await callerRefs(db, rows, now);
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
