/** The retention setting, what it would erase now, and the record of erasures. */
import { retentionCutoff, type ErasureRecord, type RetentionPeriod, type RetentionView } from '../../../../../shared/retention.js';
import { statement, type ReadableDB } from '../database.js';
import { PAST_CUTOFF } from '../writes/erasure.js';
import { readSetting } from './follow-ups.js';

interface ErasureRow { id: number; started_at: number; kind: ErasureRecord['kind']; sessions: number; actor: string; finished_at: number | null }

export function retention(db: ReadableDB, options: { now: number; period?: RetentionPeriod | undefined; limit: number }): RetentionView {
  const saved = readSetting<RetentionPeriod>(db, 'retention') ?? 'off';
  const period = options.period ?? saved;
  const cutoff = retentionCutoff(period, options.now);
  const sessions = cutoff === null ? 0 : value<number>(db, `SELECT count(*) AS v FROM sessions WHERE ${PAST_CUTOFF}`, { cutoff });
  // The oldest kept, by start: one that started before the cutoff and ended after it is kept too.
  const oldestKeptAt =
    cutoff === null
      ? value<number | null>(db, 'SELECT min(sort_at_ms) AS v FROM sessions')
      : minOf(
          value<number | null>(db, 'SELECT min(sort_at_ms) AS v FROM sessions WHERE sort_at_ms >= ?', cutoff),
          value<number | null>(db, 'SELECT min(sort_at_ms) AS v FROM sessions WHERE sort_at_ms < @cutoff AND ended_at_ms >= @cutoff', { cutoff }),
        );
  const rows = statement(db, 'SELECT * FROM erasures ORDER BY id DESC LIMIT ?').all(options.limit) as ErasureRow[];
  return {
    period: saved,
    preview: { period, cutoff, sessions, oldestKeptAt },
    erasures: rows.map((row) => ({ id: row.id, startedAt: row.started_at, kind: row.kind, sessions: row.sessions, actor: row.actor, finishedAt: row.finished_at })),
    erasureCount: value<number>(db, 'SELECT count(*) AS v FROM erasures'),
  };
}

function value<T>(db: ReadableDB, sql: string, ...params: unknown[]): T {
  return (statement(db, sql).get(...params) as { v: T }).v;
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}
