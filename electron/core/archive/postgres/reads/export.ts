/**
 * Exports read the events table (the source of truth), as in the SQLite store (sqlite/reads/export.ts):
 * every stored event exactly as received, with the owner's edits beside it, a page at a time keyed
 * by the id of each session's first event.
 */
import type { ExportOptions, ExportPage } from '../../types.js';
import { all, type Db } from '../db.js';
import { EXPORT_BODIES, ExportPageBuilder, FIRST_OF_SESSION, type ExportRow } from '../../rows/export.js';
import { exportedFollowUps } from './follow-ups.js';

export async function exportSessions(db: Db, options: ExportOptions): Promise<ExportPage> {
  const rows =
    options.before !== undefined && options.sessionId === undefined
      ? await all<ExportRow>(
          db,
          // Exactly what a retention run with this cutoff erases (writes/erasure.ts).
          `SELECT e.id, e.session_id, ${EXPORT_BODIES}
           WHERE e.id > ? AND ${FIRST_OF_SESSION}
             AND EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = e.session_id AND s.sort_at_ms < ? AND (s.ended_at_ms IS NULL OR s.ended_at_ms < ?))
           ORDER BY e.id LIMIT ?`,
          [options.afterId ?? 0, options.before, options.before, options.limit],
        )
      : options.sessionId === undefined
        ? await all<ExportRow>(db, `SELECT e.id, e.session_id, ${EXPORT_BODIES} WHERE e.id > ? AND ${FIRST_OF_SESSION} ORDER BY e.id LIMIT ?`, [options.afterId ?? 0, options.limit])
        : await all<ExportRow>(db, `SELECT e.id, e.session_id, ${EXPORT_BODIES} WHERE e.session_id = ? AND e.id > ? ORDER BY e.id LIMIT 1`, [options.sessionId, options.afterId ?? 0]);
  const page = new ExportPageBuilder(options);
  const followUps = await exportedFollowUps(db, rows.map((row) => row.session_id));
  for (const row of rows) if (!page.add(row, followUps.get(row.session_id) ?? null)) break;
  return page.page();
}
