/** The retention setting, what it would erase now, and the record of erasures (as the SQLite store). */
import { retentionCutoff, type ErasureRecord, type RetentionPeriod, type RetentionView } from '../../../../../shared/retention.js';
import { all, value, type Db } from '../db.js';
import { PAST_CUTOFF } from '../writes/erasure.js';
import { readSetting } from './follow-ups.js';

interface ErasureRow { id: number; started_at: number; kind: ErasureRecord['kind']; sessions: number; actor: string; finished_at: number | null }

export async function retention(db: Db, options: { now: number; period?: RetentionPeriod | undefined; limit: number }): Promise<RetentionView> {
  const saved = (await readSetting<RetentionPeriod>(db, 'retention')) ?? 'off';
  const period = options.period ?? saved;
  const cutoff = retentionCutoff(period, options.now);
  const sessions = cutoff === null ? 0 : await value<number>(db, `SELECT count(*) FROM sessions WHERE ${PAST_CUTOFF}`, [cutoff, cutoff]);
  // The oldest kept, by start: one that started before the cutoff and ended after it is kept too.
  const oldestKeptAt =
    cutoff === null
      ? await value<number | null>(db, 'SELECT min(sort_at_ms) FROM sessions')
      : minOf(
          await value<number | null>(db, 'SELECT min(sort_at_ms) FROM sessions WHERE sort_at_ms >= ?', [cutoff]),
          await value<number | null>(db, 'SELECT min(sort_at_ms) FROM sessions WHERE sort_at_ms < ? AND ended_at_ms >= ?', [cutoff, cutoff]),
        );
  const rows = await all<ErasureRow>(db, 'SELECT * FROM erasures ORDER BY id DESC LIMIT ?', [options.limit]);
  return {
    period: saved,
    preview: { period, cutoff, sessions, oldestKeptAt },
    erasures: rows.map((row) => ({ id: row.id, startedAt: row.started_at, kind: row.kind, sessions: row.sessions, actor: row.actor, finishedAt: row.finished_at })),
    erasureCount: await value<number>(db, 'SELECT count(*) FROM erasures'),
  };
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}
