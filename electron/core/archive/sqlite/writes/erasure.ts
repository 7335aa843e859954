/**
 * Erasing sessions with their traces: the received events (the source of truth), the session row
 * with everything that hangs off it (messages, files, search entry, follow-up, notes, tags, by
 * cascade and trigger, so the kept counters follow), the quarantined bodies that named them, and
 * the identifying parts of their delivery-log rows. The rows stay, stripped of session id and
 * headers: the log still counts how many requests came and how they were answered.
 *
 * Deleted bytes must not linger: the writer's connection runs with secure_delete (freed cells and
 * pages are zeroed), the full-text index is rewritten in small merge steps until the erased
 * documents' tokens are out of every segment (scrubStep), and the write-ahead log is then emptied
 * (see SqliteWriter.finishErasures).
 */
import { performance } from 'node:perf_hooks';
import type { EraseOptions, ErasePage, ErasureStart, EraseScope } from '../../types.js';
import { statement, type WritableDB } from '../database.js';
import { eraseForwards } from './forwarding.js';

/** The retention rule: started before the cutoff, and no later activity (an end) at or after it. */
export const PAST_CUTOFF = 'sort_at_ms < @cutoff AND (ended_at_ms IS NULL OR ended_at_ms < @cutoff)';

/** Erases one session's events (even when it was never indexed) and its row; true when anything was there. */
export function eraseOne(db: WritableDB, sessionId: string): boolean {
  eraseForwards(db, sessionId);
  const events = statement(db, 'DELETE FROM events WHERE session_id = ?').run(sessionId).changes;
  const sessions = statement(db, 'DELETE FROM sessions WHERE session_id = ?').run(sessionId).changes;
  return events + sessions > 0;
}

/**
 * What the delivery log and the quarantine hold of these sessions: one pass over each per page of
 * sessions (neither has an index by session, and ingest should not pay for one). With
 * `searchBodies`, also the quarantined bodies that could not be parsed but name a session in their
 * bytes: an explicit erasure's few sessions; a retention run deletes everything received before
 * its cutoff instead.
 */
export function eraseTraces(db: WritableDB, sessionIds: readonly string[], searchBodies: boolean): void {
  if (sessionIds.length === 0) return;
  const ids = JSON.stringify(sessionIds);
  statement(db, 'UPDATE deliveries SET session_id = NULL, headers = NULL WHERE session_id IN (SELECT value FROM json_each(?))').run(ids);
  statement(db, 'DELETE FROM quarantine WHERE session_id IN (SELECT value FROM json_each(?))').run(ids);
  // The audit log keeps that an export happened, not which session it was.
  statement(db, "UPDATE audit_log SET target = '(an erased session)' WHERE target IN (SELECT value FROM json_each(?))").run(ids);
  if (!searchBodies) return;
  const named = statement(db, 'DELETE FROM quarantine WHERE session_id IS NULL AND instr(body, CAST(? AS BLOB)) > 0');
  for (const id of sessionIds) named.run(id);
}

/** Adds `erased` to this run's record, creating it with the first page that erased anything. */
export function recordErased(db: WritableDB, erasureId: number | null | undefined, start: ErasureStart, erased: number): number | null {
  if (erased === 0) return erasureId ?? null;
  if (erasureId) {
    statement(db, 'UPDATE erasures SET sessions = sessions + ?, finished_at = NULL WHERE id = ?').run(erased, erasureId);
    return erasureId;
  }
  const result = statement(db, 'INSERT INTO erasures (started_at, kind, sessions, actor) VALUES (?, ?, ?, ?)').run(start.at, start.kind, erased, start.actor);
  return Number(result.lastInsertRowid);
}

/** One page of a caller's or a retention run's erasure, until the time budget is spent. */
export function erasePage(db: WritableDB, options: EraseOptions): ErasePage {
  const started = performance.now();
  let erased = 0;
  let outOfTime = false;
  const next = nextBatch(db, options.scope);
  const searchBodies = 'callerKey' in options.scope;
  for (;;) {
    const ids = next();
    if (ids.length === 0) break;
    const done: string[] = [];
    for (const id of ids) {
      if (eraseOne(db, id)) erased += 1;
      done.push(id);
      if (performance.now() - started > options.budgetMs) {
        outOfTime = true;
        break;
      }
    }
    eraseTraces(db, done, searchBodies);
    if (outOfTime) break;
  }
  if (!outOfTime && 'before' in options.scope) {
    // The end of a retention run: the request log and the quarantine keep nothing older either.
    statement(db, 'DELETE FROM deliveries WHERE received_at < ?').run(options.scope.before);
    statement(db, 'DELETE FROM quarantine WHERE received_at < ?').run(options.scope.before);
  }
  return { erased, erasureId: recordErased(db, options.erasureId, options.erasure, erased), done: !outOfTime };
}

function nextBatch(db: WritableDB, scope: EraseScope): () => string[] {
  if ('callerKey' in scope) {
    return () => statement(db, 'SELECT session_id FROM sessions WHERE caller_key = ? LIMIT 32').pluck().all(scope.callerKey) as string[];
  }
  let orphansLeft = true;
  return () => {
    const ids = statement(db, `SELECT session_id FROM sessions WHERE ${PAST_CUTOFF} ORDER BY sort_at_ms LIMIT 32`).pluck().all({ cutoff: scope.before }) as string[];
    if (ids.length > 0 || !orphansLeft) return ids;
    // Events that could not be indexed have no session row: they go by when they arrived. Only
    // looked for when there are any (the kept counter), since finding them reads every event.
    const failed = statement(db, "SELECT value FROM counters WHERE name = 'events_failed'").pluck().get() as number;
    const orphans = failed > 0
      ? (statement(db, 'SELECT DISTINCT session_id FROM events WHERE projected = -1 AND received_at < ? LIMIT 32').pluck().all(scope.before) as string[])
      : [];
    orphansLeft = orphans.length > 0;
    return orphans;
  };
}

/** Pages of full-text index work per merge statement: a few milliseconds each. */
const MERGE_PAGES = 8;

/**
 * One slice of rewriting the search index. FTS5 keeps a deleted document's tokens in its segments
 * (only marked deleted) until they are merged. A negative 'merge' is an incremental 'optimize':
 * it merges every segment into one, dropping deleted entries, MERGE_PAGES of work at a time. When
 * a merge does no work the index is one segment without tombstones: nothing erased is left in it.
 * Freed segment pages are zeroed by secure_delete.
 */
export function scrubStep(db: WritableDB, budgetMs: number): { done: boolean } {
  const started = performance.now();
  const total = statement(db, 'SELECT total_changes()').pluck();
  const merge = statement(db, "INSERT INTO session_search (session_search, rank) VALUES ('merge', ?)");
  do {
    const before = total.get() as number;
    merge.run(-MERGE_PAGES);
    // FTS5's documented test: the command itself counts one change; two or more mean it merged.
    if ((total.get() as number) - before < 2) return { done: true };
  } while (performance.now() - started < budgetMs);
  return { done: false };
}

/** Erasures whose traces are still to be scrubbed (one cut short by a quit is finished at the next start). */
export function unfinishedErasures(db: WritableDB): number {
  return statement(db, 'SELECT count(*) FROM erasures WHERE finished_at IS NULL').pluck().get() as number;
}
