/**
 * Exports sessions from the archive. The transcript and metadata come from the raw event bodies
 * (the source of truth), so an export holds exactly what CallAIder sent, unknown fields included.
 * Output is streamed: an archive of any size exports in bounded memory.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ExportFormat, ExportedSession, SessionStatus } from '../../shared/export-format.js';
import { csvHeader, renderCsvRows, renderMarkdown } from '../../shared/export-render.js';
import type { Db } from './archive/database.js';

interface ExportRow {
  session_id: string;
  started_body: Buffer | null;
  ended_body: Buffer | null;
}

export class SessionNotFoundError extends Error {}

/**
 * Reads the events table only (the source of truth), not the projections: an export holds every
 * acknowledged event, also those still being indexed, and can never disagree with what was sent.
 */
export function* exportedSessions(db: Db, sessionId?: string): Generator<ExportedSession> {
  const where = sessionId === undefined ? '' : 'WHERE session_id = ?';
  const statement = db.prepare(
    `SELECT ids.session_id, st.body AS started_body, en.body AS ended_body
     FROM (SELECT DISTINCT session_id FROM events ${where}) ids
     LEFT JOIN events st ON st.session_id = ids.session_id AND st.event = 'session.started'
     LEFT JOIN events en ON en.session_id = ids.session_id AND en.event = 'session.ended'
     ORDER BY coalesce(st.event_at, en.event_at), ids.session_id`,
  );
  const rows = (sessionId === undefined ? statement.iterate() : statement.iterate(sessionId)) as IterableIterator<ExportRow>;
  for (const row of rows) yield toExported(row);
}

function toExported(row: ExportRow): ExportedSession {
  const started = row.started_body ? (JSON.parse(row.started_body.toString('utf8')) as RawEvent) : null;
  const ended = row.ended_body ? (JSON.parse(row.ended_body.toString('utf8')) as RawEvent) : null;
  const status: SessionStatus = ended ? 'ended' : 'active';
  return {
    sessionId: row.session_id,
    assistantId: started?.assistantId ?? ended?.assistantId ?? null,
    status,
    startedAt: started?.timestamp ?? null,
    endedAt: ended?.timestamp ?? null,
    reason: ended?.data?.reason ?? null,
    durationSeconds: ended?.data?.durationSeconds ?? null,
    metadata: started?.data?.metadata ?? null,
    transcript: Array.isArray(ended?.data?.transcript) ? ended.data.transcript : [],
  };
}

interface RawEvent {
  assistantId?: number | string;
  timestamp?: string;
  data?: { reason?: string; durationSeconds?: number; metadata?: unknown; transcript?: unknown[] };
}

/** Writes an export in `format` to `out`; resolves with the number of sessions written. */
export async function writeExport(db: Db, out: Writable, options: { format: ExportFormat; sessionId?: string | undefined }): Promise<number> {
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  if (options.sessionId !== undefined && !db.prepare('SELECT 1 FROM events WHERE session_id = ?').get(options.sessionId)) {
    throw new SessionNotFoundError(`no session "${options.sessionId}" in the archive`);
  }
  let count = 0;
  if (options.format === 'json') await write('{"sessions":[');
  if (options.format === 'csv') await write(csvHeader());
  for (const session of exportedSessions(db, options.sessionId)) {
    switch (options.format) {
      case 'json':
        await write(`${count === 0 ? '\n' : ',\n'}${JSON.stringify(session)}`);
        break;
      case 'ndjson':
        await write(`${JSON.stringify(session)}\n`);
        break;
      case 'csv':
        await write(renderCsvRows(session));
        break;
      case 'md':
        await write(`${count === 0 ? '' : '\n---\n\n'}${renderMarkdown(session)}`);
        break;
    }
    count += 1;
  }
  if (options.format === 'json') await write(count === 0 ? ']}\n' : '\n]}\n');
  return count;
}
