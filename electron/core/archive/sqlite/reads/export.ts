/**
 * Exports read the events table only (the source of truth), not the projections: an export holds
 * every acknowledged event, also those still being indexed, exactly as CallAIder sent it, with
 * the owner's follow-up, notes and tags beside it (null while the session is not indexed yet). It is
 * read in pages keyed by event id, each session at its first event (arrival order), so an archive
 * of any size streams in bounded memory and a page never holds the reader for long.
 */
import { exportedFromBodies, maskExported, renderExportItem } from '../../exported-session.js';
import type { ExportOptions, ExportPage } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';
import { exportedFollowUp } from './follow-ups.js';

/** A page stops at this many bytes of stored bodies, or at `limit` sessions, whichever comes first. */
const PAGE_BYTES = 8 * 1024 * 1024;

interface ExportRow {
  id: number;
  session_id: string;
  started_body: Buffer | null;
  ended_body: Buffer | null;
  redactions: number;
}

const BODIES = `st.body AS started_body, en.body AS ended_body, coalesce(st.redactions, 0) + coalesce(en.redactions, 0) AS redactions
  FROM events e
  LEFT JOIN events st ON st.session_id = e.session_id AND st.event = 'session.started'
  LEFT JOIN events en ON en.session_id = e.session_id AND en.event = 'session.ended'`;

export function exportSessions(
  db: ReadableDB,
  options: ExportOptions,
): ExportPage {
  const rows = (
    options.before !== undefined && options.sessionId === undefined
      ? statement(
          db,
          // Exactly what a retention run with this cutoff erases (writes/erasure.ts).
          `SELECT e.id, e.session_id, ${BODIES}
           WHERE e.id > @after AND NOT EXISTS (SELECT 1 FROM events f WHERE f.session_id = e.session_id AND f.id < e.id)
             AND (EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = e.session_id AND s.sort_at_ms < @cutoff AND (s.ended_at_ms IS NULL OR s.ended_at_ms < @cutoff))
                  OR (e.projected = -1 AND e.received_at < @cutoff AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = e.session_id)))
           ORDER BY e.id LIMIT @limit`,
        ).iterate({ after: options.afterId ?? 0, limit: options.limit, cutoff: options.before })
      : options.sessionId === undefined
      ? statement(
          db,
          `SELECT e.id, e.session_id, ${BODIES}
           WHERE e.id > ? AND NOT EXISTS (SELECT 1 FROM events f WHERE f.session_id = e.session_id AND f.id < e.id)
           ORDER BY e.id LIMIT ?`,
        ).iterate(options.afterId ?? 0, options.limit)
      : statement(db, `SELECT e.id, e.session_id, ${BODIES} WHERE e.session_id = ? AND e.id > ? ORDER BY e.id LIMIT 1`).iterate(
          options.sessionId,
          options.afterId ?? 0,
        )
  ) as IterableIterator<ExportRow>;
  const items: string[] = [];
  let bytes = 0;
  let lastId: number | null = null;
  for (const row of rows) {
    const followUp = exportedFollowUp(db, row.session_id);
    const session = exportedFromBodies(row.session_id, row.started_body, row.ended_body, followUp, row.redactions);
    items.push(renderExportItem(options.mask ? maskExported(session) : session, options.format, options.pretty));
    lastId = row.id;
    bytes += (row.started_body?.length ?? 0) + (row.ended_body?.length ?? 0);
    if (bytes >= PAGE_BYTES) break;
  }
  const more = options.sessionId === undefined && lastId !== null && (items.length >= options.limit || bytes >= PAGE_BYTES);
  return { items, nextAfterId: more ? lastId : null };
}
