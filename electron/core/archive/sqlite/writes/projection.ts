/**
 * Projects a stored event into the queryable tables (sessions, messages, files; the full-text
 * index follows messages by trigger). Either event may arrive first: each one fills in its own
 * columns and leaves the other's alone, so both orders end in the same row.
 */
import type { KnownPayload, SessionEndedPayload, SessionStartedPayload, TranscriptItem } from '../../../../../shared/payload.js';
import { stringifyJson } from '../../../../../shared/json.js';
import { statement, type WritableDB } from '../database.js';

const FIRST_LINE_MAX = 240;

export function projectEvent(db: WritableDB, payload: KnownPayload, receivedAt: number): void {
  if (payload.event === 'session.started') projectStarted(db, payload, receivedAt);
  else projectEnded(db, payload, receivedAt);
  reindexSession(db, payload.sessionId);
}

/** Rewrites the session's search document from its current rows (see migration 6). */
function reindexSession(db: WritableDB, sessionId: string): void {
  const row = statement(db, 'SELECT rowid FROM sessions WHERE session_id = ?').get(sessionId) as { rowid: number } | undefined;
  if (!row) return;
  statement(db, 'DELETE FROM session_search WHERE rowid = ?').run(row.rowid);
  statement(
    db,
    `INSERT INTO session_search (rowid, text)
     SELECT s.rowid,
            s.session_id || ' ' || coalesce(s.metadata, '') || ' ' || coalesce(s.reason, '') || ' ' ||
            coalesce((SELECT group_concat(m.content || ' ' || coalesce(m.tool_name, '') || ' ' || coalesce(m.tool_arguments, '') || ' ' ||
                                          coalesce(m.tool_result, '') || ' ' || coalesce(m.tool_error, ''), ' ')
                      FROM messages m WHERE m.session_id = s.session_id), '')
     FROM sessions s WHERE s.rowid = ?`,
  ).run(row.rowid);
}

function projectStarted(db: WritableDB, payload: SessionStartedPayload, receivedAt: number): void {
  const startedMs = Date.parse(payload.timestamp);
  const metadata = payload.data.metadata;
  statement(db, 
    `INSERT INTO sessions (session_id, assistant_id, status, started_at, started_at_ms, sort_at_ms, mode, metadata,
       first_seen_at, updated_at)
     VALUES (@sessionId, @assistantId, 'active', @startedAt, @startedMs, @startedMs, @mode, @metadata, @now, @now)
     ON CONFLICT (session_id) DO UPDATE SET
       assistant_id  = coalesce(sessions.assistant_id, excluded.assistant_id),
       started_at    = excluded.started_at,
       started_at_ms = excluded.started_at_ms,
       sort_at_ms    = excluded.sort_at_ms,
       mode          = excluded.mode,
       metadata      = excluded.metadata,
       updated_at    = excluded.updated_at`,
  ).run({
    sessionId: payload.sessionId,
    assistantId: bindableId(payload.assistantId),
    startedAt: payload.timestamp,
    startedMs,
    mode: typeof metadata?.sessionMode === 'string' ? metadata.sessionMode : null,
    metadata: metadata === undefined ? null : stringifyJson(metadata),
    now: receivedAt,
  });
}

function projectEnded(db: WritableDB, payload: SessionEndedPayload, receivedAt: number): void {
  const endedMs = Date.parse(payload.timestamp);
  const duration = payload.data.durationSeconds ?? null;
  const transcript = payload.data.transcript ?? [];
  const summary = summarize(transcript);
  // Until session.started arrives, the best guess for the start is end minus duration.
  const estimatedStart = duration === null ? endedMs : Math.round(endedMs - duration * 1000);

  statement(db, 
    `INSERT INTO sessions (session_id, assistant_id, status, ended_at, ended_at_ms, sort_at_ms, reason, duration_seconds,
       first_user_line, message_count, tool_call_count, tool_error_count, file_count, first_seen_at, updated_at)
     VALUES (@sessionId, @assistantId, 'ended', @endedAt, @endedMs, @estimatedStart, @reason, @duration,
       @firstUserLine, @messages, @toolCalls, @toolErrors, @files, @now, @now)
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
  ).run({
    sessionId: payload.sessionId,
    assistantId: bindableId(payload.assistantId),
    endedAt: payload.timestamp,
    endedMs,
    estimatedStart,
    reason: payload.data.reason ?? null,
    duration,
    firstUserLine: summary.firstUserLine,
    messages: transcript.length,
    toolCalls: summary.toolCalls,
    toolErrors: summary.toolErrors,
    files: summary.files,
    now: receivedAt,
  });
  recordTools(db, payload.sessionId, summary.tools);

  const insertMessage = statement(db, 
    `INSERT INTO messages (session_id, seq, role, content, timestamp_ms, tool_name, tool_arguments, tool_result,
       tool_error, file_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertFile = statement(db, 
    `INSERT INTO files (session_id, message_seq, gcs_uri, mime_type, filename) VALUES (?, ?, ?, ?, ?)`,
  );
  let firstId: number | null = null;
  let lastId: number | null = null;
  transcript.forEach((item, seq) => {
    const tool = item.toolCall;
    const inserted = insertMessage.run(
      payload.sessionId,
      seq,
      item.role,
      item.content,
      Math.trunc(item.timestamp),
      tool?.name ?? null,
      tool && tool.arguments !== undefined ? stringifyJson(tool.arguments) : null,
      tool && tool.result !== undefined ? stringifyJson(tool.result) : null,
      tool?.error ? tool.error : null,
      item.files?.length ?? 0,
    );
    lastId = Number(inserted.lastInsertRowid);
    firstId ??= lastId;
    for (const file of item.files ?? []) {
      insertFile.run(payload.sessionId, seq, file.gcsUri, file.mimeType ?? null, file.filename ?? null);
    }
  });
  if (firstId !== null) {
    statement(db, 'UPDATE sessions SET first_message_id = ?, last_message_id = ? WHERE session_id = ?').run(firstId, lastId, payload.sessionId);
  }
}

/** The session's tool calls per tool name, for the Overview (migration 12): replaced, never added to. */
function recordTools(db: WritableDB, sessionId: string, tools: Map<string, { calls: number; failures: number }>): void {
  statement(db, 'DELETE FROM session_tools WHERE session_id = ?').run(sessionId);
  const insert = statement(
    db,
    'INSERT INTO session_tools (session_id, tool_name, sort_at_ms, calls, failures) SELECT session_id, ?, sort_at_ms, ?, ? FROM sessions WHERE session_id = ?',
  );
  for (const [name, counts] of tools) insert.run(name, counts.calls, counts.failures, sessionId);
}

/** Whole numbers are bound as INTEGER (better-sqlite3 binds JS numbers as REAL: 205 would read back as "205.0"). */
function bindableId(id: number | string): number | string | bigint {
  return typeof id === 'number' && Number.isSafeInteger(id) ? BigInt(id) : id;
}

function summarize(transcript: TranscriptItem[]) {
  let firstUserLine: string | null = null;
  let toolCalls = 0;
  let toolErrors = 0;
  let files = 0;
  const tools = new Map<string, { calls: number; failures: number }>();
  for (const item of transcript) {
    if (firstUserLine === null && item.role === 'user' && item.content.trim() !== '') {
      const line = item.content.trim().replace(/\s+/g, ' ');
      firstUserLine = line.length > FIRST_LINE_MAX ? `${line.slice(0, FIRST_LINE_MAX - 1)}…` : line;
    }
    if (item.toolCall) toolCalls += 1;
    if (item.toolCall?.error) toolErrors += 1;
    if (item.toolCall) {
      const counts = tools.get(item.toolCall.name ?? '') ?? { calls: 0, failures: 0 };
      counts.calls += 1;
      if (item.toolCall.error) counts.failures += 1;
      tools.set(item.toolCall.name ?? '', counts);
    }
    files += item.files?.length ?? 0;
  }
  return { firstUserLine, toolCalls, toolErrors, files, tools };
}
