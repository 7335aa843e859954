/**
 * Exports read the events table only (the source of truth), not the projections: an export holds
 * every acknowledged event, also those still being indexed, exactly as CallAIder sent it, with
 * the owner's follow-up, notes and tags beside it (null while the session is not indexed yet). It is
 * read in pages keyed by event id, each session at its first event (arrival order), so an archive
 * of any size streams in bounded memory and a page never holds the reader for long.
 */
import type { ExportOptions, ExportPage } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';
import { EXPORT_BODIES, ExportPageBuilder, FIRST_OF_SESSION, type ExportRow } from '../../rows/export.js';
import { exportedFollowUp } from './follow-ups.js';

export function exportSessions(
  db: ReadableDB,
  options: ExportOptions,
): ExportPage {
  const rows = (
    options.before !== undefined && options.sessionId === undefined
      ? statement(
          db,
          // Exactly what a retention run with this cutoff erases (writes/erasure.ts).
          `SELECT e.id, e.session_id, ${EXPORT_BODIES}
           WHERE e.id > @after AND ${FIRST_OF_SESSION}
             AND (EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = e.session_id AND s.sort_at_ms < @cutoff AND (s.ended_at_ms IS NULL OR s.ended_at_ms < @cutoff))
                  OR (e.projected = -1 AND e.received_at < @cutoff AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = e.session_id)))
           ORDER BY e.id LIMIT @limit`,
        ).iterate({ after: options.afterId ?? 0, limit: options.limit, cutoff: options.before })
      : options.sessionId === undefined
      ? statement(
          db,
          `SELECT e.id, e.session_id, ${EXPORT_BODIES}
           WHERE e.id > ? AND ${FIRST_OF_SESSION}
           ORDER BY e.id LIMIT ?`,
        ).iterate(options.afterId ?? 0, options.limit)
      : statement(db, `SELECT e.id, e.session_id, ${EXPORT_BODIES} WHERE e.session_id = ? AND e.id > ? ORDER BY e.id LIMIT 1`).iterate(
          options.sessionId,
          options.afterId ?? 0,
        )
  ) as IterableIterator<ExportRow>;
  const page = new ExportPageBuilder(options);
  for (const row of rows) if (!page.add(row, exportedFollowUp(db, row.session_id))) break;
  return page.page();
}
