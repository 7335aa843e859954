/**
 * Exports read the events table (the source of truth), as in the SQLite store (sqlite/reads/export.ts):
 * every stored event exactly as received, with the owner's edits beside it, a page at a time keyed
 * by the id of each session's first event.
 */
import { exportedFromBodies, maskExported, renderExportItem } from '../../exported-session.js';
import type { ExportOptions, ExportPage } from '../../types.js';
import { all, type Db } from '../db.js';
import { exportedFollowUps } from './follow-ups.js';

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

const FIRST_OF_SESSION = 'NOT EXISTS (SELECT 1 FROM events f WHERE f.session_id = e.session_id AND f.id < e.id)';

export async function exportSessions(db: Db, options: ExportOptions): Promise<ExportPage> {
  const rows =
    options.before !== undefined && options.sessionId === undefined
      ? await all<ExportRow>(
          db,
          // Exactly what a retention run with this cutoff erases (writes/erasure.ts).
          `SELECT e.id, e.session_id, ${BODIES}
           WHERE e.id > ? AND ${FIRST_OF_SESSION}
             AND EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = e.session_id AND s.sort_at_ms < ? AND (s.ended_at_ms IS NULL OR s.ended_at_ms < ?))
           ORDER BY e.id LIMIT ?`,
          [options.afterId ?? 0, options.before, options.before, options.limit],
        )
      : options.sessionId === undefined
        ? await all<ExportRow>(db, `SELECT e.id, e.session_id, ${BODIES} WHERE e.id > ? AND ${FIRST_OF_SESSION} ORDER BY e.id LIMIT ?`, [options.afterId ?? 0, options.limit])
        : await all<ExportRow>(db, `SELECT e.id, e.session_id, ${BODIES} WHERE e.session_id = ? AND e.id > ? ORDER BY e.id LIMIT 1`, [options.sessionId, options.afterId ?? 0]);
  const items: string[] = [];
  let bytes = 0;
  let lastId: number | null = null;
  const followUps = await exportedFollowUps(db, rows.map((row) => row.session_id));
  for (const row of rows) {
    const followUp = followUps.get(row.session_id) ?? null;
    const session = exportedFromBodies(row.session_id, row.started_body, row.ended_body, followUp, row.redactions);
    items.push(renderExportItem(options.mask ? maskExported(session) : session, options.format, options.pretty));
    lastId = row.id;
    bytes += (row.started_body?.length ?? 0) + (row.ended_body?.length ?? 0);
    if (bytes >= PAGE_BYTES) break;
  }
  const more = options.sessionId === undefined && lastId !== null && (items.length >= options.limit || bytes >= PAGE_BYTES);
  return { items, nextAfterId: more ? lastId : null };
}
