/** The archive's vital signs from kept counters (never a count(*) over a big table), outages, stored events. */
import type { ArchiveCounts, Outage } from '../../types.js';
import { all, value, type Db } from '../db.js';

export async function counts(db: Db, options: { staleBefore: number }): Promise<ArchiveCounts> {
  const kept = new Map((await all<{ name: string; value: number }>(db, 'SELECT name, value FROM counters')).map((row) => [row.name, row.value]));
  const stale = await value<number>(db, "SELECT count(*) FROM sessions WHERE status = 'active' AND sort_at_ms < ?", [options.staleBefore]);
  const count = (name: string) => kept.get(name) ?? 0;
  return {
    sessions: count('sessions'),
    activeSessions: count('sessions_active') - stale,
    staleSessions: stale,
    messages: count('messages'),
    events: count('events'),
    deliveries: count('deliveries'),
    quarantined: count('quarantined'),
    quarantinedBytes: count('quarantined_bytes'),
    // Events are projected in the transaction that stores them: none ever waits, none is left unindexed.
    indexing: 0,
    unindexed: 0,
  };
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
