/** The archive's vital signs as both stores keep them: named counters, kept by the writes that change them. */
import type { ArchiveCounts } from '../types.js';

export interface CounterRow {
  name: string;
  value: number;
}

/**
 * The counts from the kept counters and the stale sessions counted now (an active session turns
 * stale with time, which no write sees). A counter a store does not keep counts 0.
 */
export function archiveCountsOf(counters: readonly CounterRow[], stale: number): ArchiveCounts {
  const kept = new Map(counters.map((row) => [row.name, row.value]));
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
    indexing: count('events_waiting'),
    unindexed: count('events_failed'),
  };
}
