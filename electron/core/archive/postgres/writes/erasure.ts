/**
 * Erasing sessions with their traces (sqlite/writes/erasure.ts in PostgreSQL): the received events,
 * the session row with everything that hangs off it (messages, files, its search document,
 * follow-up, notes, tags, forwards: see eraseOne; the kept counters follow by trigger), the quarantined
 * bodies that named them, the identifying parts of their delivery-log rows, and their ids where
 * the audit log names them.
 *
 * Unlike FTS5, a GIN index keeps no copy of a deleted document's words once its row is vacuumed,
 * so there is nothing to scrub: finishErasures runs VACUUM on the tables erasures touch, so the
 * deleted tuples (and their index entries) do not linger in the table files.
 */
import { performance } from 'node:perf_hooks';
import type { EraseOptions, ErasePage, ErasureStart, EraseScope } from '../../types.js';
import { all, run, value, type Db } from '../db.js';
import { eraseForwards } from './forwarding.js';

/** The retention rule (two parameters, both the cutoff): started before it, and no end at or after it. */
export const PAST_CUTOFF = 'sort_at_ms < ? AND (ended_at_ms IS NULL OR ended_at_ms < ?)';

/** The tables an erasure deletes from: VACUUMed by finishErasures. */
export const ERASED_TABLES = [
  'events', 'sessions', 'messages', 'files', 'follow_ups', 'notes', 'session_tags', 'session_search_texts', 'quarantine', 'deliveries', 'audit_log',
  'forward_outbox', 'forward_attempts',
] as const;

/**
 * Erases one session's events, its row and every row that hangs off it; true when anything was
 * there. Messages, files, the follow-up and the forwarding outbox have no foreign key (schema 5:
 * checking one per inserted row was most of an ingest's cost), so they are deleted here; notes,
 * tags and the search text still go by cascade. The session row goes first: a hub projecting the
 * same session at this moment holds it, so this waits for that hub to commit, and each statement
 * after it (a new snapshot each, READ COMMITTED) sees and deletes what that hub wrote.
 */
export async function eraseOne(db: Db, sessionId: string): Promise<boolean> {
  const sessions = await run(db, 'DELETE FROM sessions WHERE session_id = ?', [sessionId]);
  await run(db, 'DELETE FROM messages WHERE session_id = ?', [sessionId]);
  await run(db, 'DELETE FROM files WHERE session_id = ?', [sessionId]);
  await run(db, 'DELETE FROM follow_ups WHERE session_id = ?', [sessionId]);
  await eraseForwards(db, sessionId);
  await run(db, 'DELETE FROM forward_outbox WHERE event_id IN (SELECT id FROM events WHERE session_id = ?)', [sessionId]);
  const events = await run(db, 'DELETE FROM events WHERE session_id = ?', [sessionId]);
  return events + sessions > 0;
}

/**
 * What the delivery log and the quarantine hold of these sessions; with `searchBodies`, also the
 * quarantined bodies that could not be parsed but name a session in their bytes.
 */
export async function eraseTraces(db: Db, sessionIds: readonly string[], searchBodies: boolean): Promise<void> {
  if (sessionIds.length === 0) return;
  await run(db, 'UPDATE deliveries SET session_id = NULL, headers = NULL WHERE session_id = ANY(?::text[])', [sessionIds]);
  await run(db, 'DELETE FROM quarantine WHERE session_id = ANY(?::text[])', [sessionIds]);
  // The audit log keeps that an export happened, not which session it was.
  await run(db, "UPDATE audit_log SET target = '(an erased session)' WHERE target = ANY(?::text[])", [sessionIds]);
  if (!searchBodies) return;
  for (const id of sessionIds) {
    await run(db, 'DELETE FROM quarantine WHERE session_id IS NULL AND position(convert_to(?, \'UTF8\') IN body) > 0', [id]);
  }
}

/** Adds `erased` to this run's record, creating it with the first page that erased anything. */
export async function recordErased(db: Db, erasureId: number | null | undefined, start: ErasureStart, erased: number): Promise<number | null> {
  if (erased === 0) return erasureId ?? null;
  if (erasureId) {
    await run(db, 'UPDATE erasures SET sessions = sessions + ?, finished_at = NULL WHERE id = ?', [erased, erasureId]);
    return erasureId;
  }
  return value<number>(db, 'INSERT INTO erasures (started_at, kind, sessions, actor) VALUES (?, ?, ?, ?) RETURNING id', [start.at, start.kind, erased, start.actor]);
}

/** One page of a caller's or a retention run's erasure, until the time budget is spent. */
export async function erasePage(db: Db, options: EraseOptions): Promise<ErasePage> {
  const started = performance.now();
  let erased = 0;
  let outOfTime = false;
  const searchBodies = 'callerKey' in options.scope;
  for (;;) {
    const ids = await nextBatch(db, options.scope);
    if (ids.length === 0) break;
    const done: string[] = [];
    for (const id of ids) {
      if (await eraseOne(db, id)) erased += 1;
      done.push(id);
      if (performance.now() - started > options.budgetMs) {
        outOfTime = true;
        break;
      }
    }
    await eraseTraces(db, done, searchBodies);
    if (outOfTime) break;
  }
  if (!outOfTime && 'before' in options.scope) {
    // The end of a retention run: the request log and the quarantine keep nothing older either.
    await run(db, 'DELETE FROM deliveries WHERE received_at < ?', [options.scope.before]);
    await run(db, 'DELETE FROM quarantine WHERE received_at < ?', [options.scope.before]);
  }
  return { erased, erasureId: await recordErased(db, options.erasureId, options.erasure, erased), done: !outOfTime };
}

async function nextBatch(db: Db, scope: EraseScope): Promise<string[]> {
  const rows =
    'callerKey' in scope
      ? await all<{ session_id: string }>(db, 'SELECT session_id FROM sessions WHERE caller_key = ? LIMIT 32', [scope.callerKey])
      : await all<{ session_id: string }>(db, `SELECT session_id FROM sessions WHERE ${PAST_CUTOFF} ORDER BY sort_at_ms LIMIT 32`, [scope.before, scope.before]);
  return rows.map((row) => row.session_id);
}
