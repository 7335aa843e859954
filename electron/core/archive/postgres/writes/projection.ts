/**
 * Projects a stored event into sessions, messages, files and the session's search document, in
 * the transaction that stored it. Either event may arrive first (or from another hub): each fills
 * in its own columns and leaves the other's alone, so both orders end in the same row; concurrent
 * upserts of one session from two hubs wait for each other on its primary key.
 */
import type { KnownPayload, SessionEndedPayload, SessionStartedPayload, TranscriptItem } from '../../../../../shared/payload.js';
import { stringifyJson } from '../../../../../shared/json.js';
import { one, run, type Db } from '../db.js';
import { searchDocument } from '../search.js';

const FIRST_LINE_MAX = 240;
/** Documents up to this many characters keep word positions (a tsvector may not pass 1 MB). */
const POSITIONED_MAX = 256 * 1024;

export async function projectEvent(db: Db, payload: KnownPayload, receivedAt: number): Promise<void> {
  if (payload.event === 'session.started') await projectStarted(db, payload, receivedAt);
  else await projectEnded(db, payload, receivedAt);
  await reindexSession(db, payload.sessionId);
}

/** Rewrites the session's search document from its current rows (text folded here: search.ts). */
export async function reindexSession(db: Db, sessionId: string): Promise<void> {
  const row = await one<{ metadata: string | null; reason: string | null; messages: string | null }>(
    db,
    `SELECT s.metadata, s.reason,
            (SELECT string_agg(m.content || ' ' || coalesce(m.tool_name, '') || ' ' || coalesce(m.tool_arguments, '') || ' ' ||
                               coalesce(m.tool_result, '') || ' ' || coalesce(m.tool_error, ''), ' ' ORDER BY m.seq)
             FROM messages m WHERE m.session_id = s.session_id) AS messages
     FROM sessions s WHERE s.session_id = ?`,
    [sessionId],
  );
  if (!row) return;
  const document = searchDocument([sessionId, row.metadata, row.reason, row.messages]);
  if (document.length <= POSITIONED_MAX) {
    await run(db, "UPDATE sessions SET search = to_tsvector('archive_search', ?) WHERE session_id = ?", [document, sessionId]);
    return;
  }
  // A tsvector holds at most 1 MB: a transcript that long keeps each distinct word once, without
  // positions (every word is still found; a phrase in it matches its words anywhere in the session).
  const words = [...new Set(document.split(' '))];
  await run(db, 'UPDATE sessions SET search = array_to_tsvector(?::text[]) WHERE session_id = ?', [words, sessionId]);
}

async function projectStarted(db: Db, payload: SessionStartedPayload, receivedAt: number): Promise<void> {
  const startedMs = Date.parse(payload.timestamp);
  const metadata = payload.data.metadata;
  await run(
    db,
    `INSERT INTO sessions (session_id, assistant_id, status, started_at, started_at_ms, sort_at_ms, mode, metadata, first_seen_at, updated_at)
     VALUES (?, ?, 'active', ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET
       assistant_id  = coalesce(sessions.assistant_id, excluded.assistant_id),
       started_at    = excluded.started_at,
       started_at_ms = excluded.started_at_ms,
       sort_at_ms    = excluded.sort_at_ms,
       mode          = excluded.mode,
       metadata      = excluded.metadata,
       updated_at    = excluded.updated_at`,
    [
      payload.sessionId,
      String(payload.assistantId),
      payload.timestamp,
      startedMs,
      startedMs,
      typeof metadata?.sessionMode === 'string' ? metadata.sessionMode : null,
      metadata === undefined ? null : stringifyJson(metadata),
      receivedAt,
      receivedAt,
    ],
  );
}

async function projectEnded(db: Db, payload: SessionEndedPayload, receivedAt: number): Promise<void> {
  const endedMs = Date.parse(payload.timestamp);
  const duration = payload.data.durationSeconds ?? null;
  const transcript = payload.data.transcript ?? [];
  const summary = summarize(transcript);
  // Until session.started arrives, the best guess for the start is end minus duration.
  const estimatedStart = duration === null ? endedMs : Math.round(endedMs - duration * 1000);
  await run(
    db,
    `INSERT INTO sessions (session_id, assistant_id, status, ended_at, ended_at_ms, sort_at_ms, reason, duration_seconds,
       first_user_line, message_count, tool_call_count, tool_error_count, file_count, first_seen_at, updated_at)
     VALUES (?, ?, 'ended', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET
       assistant_id     = coalesce(sessions.assistant_id, excluded.assistant_id),
       status           = 'ended',
       ended_at         = excluded.ended_at,
       ended_at_ms      = excluded.ended_at_ms,
       sort_at_ms       = CASE WHEN sessions.started_at_ms IS NULL THEN excluded.sort_at_ms ELSE sessions.sort_at_ms END,
       reason           = excluded.reason,
       duration_seconds = excluded.duration_seconds,
       first_user_line  = excluded.first_user_line,
       message_count    = excluded.message_count,
       tool_call_count  = excluded.tool_call_count,
       tool_error_count = excluded.tool_error_count,
       file_count       = excluded.file_count,
       updated_at       = excluded.updated_at`,
    [
      payload.sessionId,
      String(payload.assistantId),
      payload.timestamp,
      endedMs,
      estimatedStart,
      payload.data.reason ?? null,
      duration,
      summary.firstUserLine,
      transcript.length,
      summary.toolCalls,
      summary.toolErrors,
      summary.files,
      receivedAt,
      receivedAt,
    ],
  );
  if (transcript.length === 0) return;
  // One statement per table however long the transcript (arrays, unnested by the server).
  const column = <T>(pick: (item: TranscriptItem, seq: number) => T) => transcript.map(pick);
  await run(
    db,
    `INSERT INTO messages (session_id, seq, role, content, timestamp_ms, tool_name, tool_arguments, tool_result, tool_error, file_count)
     SELECT ?, * FROM unnest(?::integer[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::integer[])`,
    [
      payload.sessionId,
      column((_, seq) => seq),
      column((item) => item.role),
      column((item) => item.content),
      column((item) => Math.trunc(item.timestamp)),
      column((item) => item.toolCall?.name ?? null),
      column((item) => (item.toolCall && item.toolCall.arguments !== undefined ? stringifyJson(item.toolCall.arguments) : null)),
      column((item) => (item.toolCall && item.toolCall.result !== undefined ? stringifyJson(item.toolCall.result) : null)),
      column((item) => (item.toolCall?.error ? item.toolCall.error : null)),
      column((item) => item.files?.length ?? 0),
    ],
  );
  const files = transcript.flatMap((item, seq) => (item.files ?? []).map((file) => ({ seq, file })));
  if (files.length === 0) return;
  await run(
    db,
    `INSERT INTO files (session_id, message_seq, gcs_uri, mime_type, filename)
     SELECT ?, * FROM unnest(?::integer[], ?::text[], ?::text[], ?::text[])`,
    [
      payload.sessionId,
      files.map((f) => f.seq),
      files.map((f) => f.file.gcsUri),
      files.map((f) => f.file.mimeType ?? null),
      files.map((f) => f.file.filename ?? null),
    ],
  );
}

function summarize(transcript: TranscriptItem[]) {
  let firstUserLine: string | null = null;
  let toolCalls = 0;
  let toolErrors = 0;
  let files = 0;
  for (const item of transcript) {
    if (firstUserLine === null && item.role === 'user' && item.content.trim() !== '') {
      const line = item.content.trim().replace(/\s+/g, ' ');
      firstUserLine = line.length > FIRST_LINE_MAX ? `${line.slice(0, FIRST_LINE_MAX - 1)}…` : line;
    }
    if (item.toolCall) toolCalls += 1;
    if (item.toolCall?.error) toolErrors += 1;
    files += item.files?.length ?? 0;
  }
  return { firstUserLine, toolCalls, toolErrors, files };
}
