/** The archive's vital signs from kept counters (never a count(*) over a big table), outages, stored events. */
import type { ArchiveCounts, Outage } from '../../types.js';
import { all, value, type Db } from '../db.js';
import { archiveCountsOf, type CounterRow } from '../../rows/status.js';

export async function counts(db: Db, options: { staleBefore: number }): Promise<ArchiveCounts> {
  const counters = await all<CounterRow>(db, 'SELECT name, value FROM counters');
  const stale = await value<number>(db, "SELECT count(*) FROM sessions WHERE status = 'active' AND sort_at_ms < ?", [options.staleBefore]);
  // Events are projected in the transaction that stores them: none ever waits, none is left unindexed.
  return { ...archiveCountsOf(counters, stale), indexing: 0, unindexed: 0 };
}

export function recentOutages(db: Db, options: { since: number; limit: number }): Promise<Outage[]> {
  return all<Outage>(db, 'SELECT started_at AS "startedAt", ended_at AS "endedAt", reason FROM tunnel_outages WHERE ended_at >= ? ORDER BY ended_at DESC LIMIT ?', [
    options.since,
    options.limit,
  ]);
}

export async function storedEvents(db: Db, sessionId: string): Promise<string[]> {
  return (await all<{ event: string }>(db, 'SELECT event FROM events WHERE session_id = ? ORDER BY event', [sessionId])).map((row) => row.event);
}
