/** The archive's vital signs: kept counters (never a count(*) over a big table), outages, backlog. */
import type { ArchiveCounts, Outage } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';
import { archiveCountsOf, type CounterRow } from '../../rows/status.js';

export function counts(db: ReadableDB, options: { staleBefore: number }): ArchiveCounts {
  const counters = statement(db, 'SELECT name, value FROM counters').all() as CounterRow[];
  // Active sessions are few and indexed apart (migration 8): counting the stale ones reads only them.
  const stale = statement(db, "SELECT count(*) AS n FROM sessions WHERE status = 'active' AND sort_at_ms < ?").get(options.staleBefore) as { n: number };
  return archiveCountsOf(counters, stale.n);
}

export function recentOutages(db: ReadableDB, options: { since: number; limit: number }): Outage[] {
  return statement(db, 'SELECT started_at AS startedAt, ended_at AS endedAt, reason FROM tunnel_outages WHERE ended_at >= ? ORDER BY ended_at DESC LIMIT ?').all(
    options.since,
    options.limit,
  ) as Outage[];
}

/** The events stored for one session (the self-test checks its own delivery arrived). */
export function storedEvents(db: ReadableDB, sessionId: string): string[] {
  return (statement(db, 'SELECT event FROM events WHERE session_id = ? ORDER BY event').all(sessionId) as Array<{ event: string }>).map((row) => row.event);
}
