/**
 * Projects stored events into sessions, messages, files and the sessions' search documents, in
 * the transaction that stored them, a whole batch at once: one statement per table for all its
 * events (arrays, unnested by the server), so a batch costs a handful of round trips however
 * many events it holds. Either event may arrive first (or from another hub): each fills in its
 * own columns and leaves the other's alone, so both orders end in the same row; concurrent
 * upserts of one session from two hubs wait for each other on its primary key.
 */
import type { KnownPayload, SessionEndedPayload, SessionStartedPayload, TranscriptItem } from '../../../../../shared/payload.js';
import { stringifyJson } from '../../../../../shared/json.js';
import { all, run, type Db } from '../db.js';
import { searchIndex } from '../search.js';
import { storableText } from './storable-text.js';

const FIRST_LINE_MAX = 240;

export interface Projectable {
  payload: KnownPayload;
  receivedAt: number;
}

/** Projects events whose rows were just inserted (each session's started and ended at most once). */
export async function projectEvents(db: Db, events: readonly Projectable[]): Promise<void> {
  const started = events.filter((e): e is { payload: SessionStartedPayload; receivedAt: number } => e.payload.event === 'session.started');
  const ended = events.filter((e): e is { payload: SessionEndedPayload; receivedAt: number } => e.payload.event === 'session.ended');
  // Started first: when both are in the batch, the ended upsert finds the real start (as in either arrival order).
  if (started.length > 0) await projectStarted(db, started);
  if (ended.length > 0) await projectEnded(db, ended);
  await reindexSessions(db, [...new Set(events.map((e) => e.payload.sessionId))]);
}

/**
 * Rewrites the sessions' search documents from their current rows, folded and split here
 * (search.ts) and indexed with the plain `simple` configuration. A document whose word positions
 * a tsvector cannot hold keeps its distinct words, and its text for checking phrases
 * (session_search_texts). A document only grows (each event adds its part once), so one that
 * needed its text never goes back to positions and leaves none behind.
 */
export async function reindexSessions(db: Db, sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  const rows = await all<{ session_id: string; metadata: string | null; reason: string | null; messages: string | null }>(
    db,
    `SELECT s.session_id, s.metadata, s.reason,
            (SELECT string_agg(m.content || ' ' || coalesce(m.tool_name, '') || ' ' || coalesce(m.tool_arguments, '') || ' ' ||
                               coalesce(m.tool_result, '') || ' ' || coalesce(m.tool_error, ''), ' ' ORDER BY m.seq)
             FROM messages m WHERE m.session_id = s.session_id) AS messages
     FROM sessions s WHERE s.session_id = ANY(?::text[])`,
    [sessionIds],
  );
  const positioned: Array<{ id: string; document: string }> = [];
  for (const row of rows) {
    const index = searchIndex([row.session_id, row.metadata, row.reason, row.messages]);
    if (index.positioned) {
      positioned.push({ id: row.session_id, document: index.document });
      continue;
    }
    await run(db, 'UPDATE sessions SET search = array_to_tsvector(?::text[]) WHERE session_id = ?', [index.words, row.session_id]);
    await run(
      db,
      `INSERT INTO session_search_texts (session_id, text) VALUES (?, ?)
       ON CONFLICT (session_id) DO UPDATE SET text = excluded.text`,
      [row.session_id, index.text],
    );
  }
  if (positioned.length === 0) return;
  await run(
    db,
    `UPDATE sessions SET search = to_tsvector('simple', d.document)
     FROM unnest(?::text[], ?::text[]) AS d(session_id, document) WHERE sessions.session_id = d.session_id`,
    [positioned.map((p) => p.id), positioned.map((p) => p.document)],
  );
}

async function projectStarted(db: Db, events: ReadonlyArray<{ payload: SessionStartedPayload; receivedAt: number }>): Promise<void> {
  const column = <T>(pick: (payload: SessionStartedPayload, receivedAt: number) => T) => events.map((e) => pick(e.payload, e.receivedAt));
  const metadata = (payload: SessionStartedPayload) => payload.data.metadata;
  await run(
    db,
    `INSERT INTO sessions (session_id, assistant_id, status, started_at, started_at_ms, sort_at_ms, mode, metadata, first_seen_at, updated_at)
     SELECT s.session_id, s.assistant_id, 'active', s.started_at, s.started_ms, s.started_ms, s.mode, s.metadata, s.received_at, s.received_at
     FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::bigint[])
       AS s(session_id, assistant_id, started_at, started_ms, mode, metadata, received_at)
     ON CONFLICT (session_id) DO UPDATE SET
       assistant_id  = coalesce(sessions.assistant_id, excluded.assistant_id),
       started_at    = excluded.started_at,
       started_at_ms = excluded.started_at_ms,
       sort_at_ms    = excluded.sort_at_ms,
       mode          = excluded.mode,
       metadata      = excluded.metadata,
       updated_at    = excluded.updated_at`,
    [
      column((p) => p.sessionId),
      column((p) => storableText(String(p.assistantId))),
      column((p) => p.timestamp),
      column((p) => Date.parse(p.timestamp)),
      column((p) => (typeof metadata(p)?.sessionMode === 'string' ? storableText(metadata(p)!.sessionMode as string) : null)),
      column((p) => (metadata(p) === undefined ? null : stringifyJson(metadata(p)))),
      column((_, receivedAt) => receivedAt),
    ],
  );
}

async function projectEnded(db: Db, events: ReadonlyArray<{ payload: SessionEndedPayload; receivedAt: number }>): Promise<void> {
  const rows = events.map(({ payload, receivedAt }) => {
    const endedMs = Date.parse(payload.timestamp);
    const duration = payload.data.durationSeconds ?? null;
    const transcript = payload.data.transcript ?? [];
    // Until session.started arrives, the best guess for the start is end minus duration.
    const estimatedStart = duration === null ? endedMs : Math.round(endedMs - duration * 1000);
    return { payload, receivedAt, endedMs, duration, transcript, estimatedStart, summary: summarize(transcript) };
  });
  const column = <T>(pick: (row: (typeof rows)[number]) => T) => rows.map(pick);
  await run(
    db,
    `INSERT INTO sessions (session_id, assistant_id, status, ended_at, ended_at_ms, sort_at_ms, reason, duration_seconds,
       first_user_line, message_count, tool_call_count, tool_error_count, file_count, first_seen_at, updated_at)
     SELECT e.session_id, e.assistant_id, 'ended', e.ended_at, e.ended_ms, e.sort_at_ms, e.reason, e.duration_seconds,
       e.first_user_line, e.message_count, e.tool_call_count, e.tool_error_count, e.file_count, e.received_at, e.received_at
     FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::double precision[],
                 ?::text[], ?::integer[], ?::integer[], ?::integer[], ?::integer[], ?::bigint[])
       AS e(session_id, assistant_id, ended_at, ended_ms, sort_at_ms, reason, duration_seconds,
            first_user_line, message_count, tool_call_count, tool_error_count, file_count, received_at)
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
      column((r) => r.payload.sessionId),
      column((r) => storableText(String(r.payload.assistantId))),
      column((r) => r.payload.timestamp),
      column((r) => r.endedMs),
      column((r) => r.estimatedStart),
      column((r) => storableText(r.payload.data.reason ?? null)),
      column((r) => r.duration),
      column((r) => storableText(r.summary.firstUserLine)),
      column((r) => r.transcript.length),
      column((r) => r.summary.toolCalls),
      column((r) => r.summary.toolErrors),
      column((r) => r.summary.files),
      column((r) => r.receivedAt),
    ],
  );
  const messages = rows.flatMap((r) => r.transcript.map((item, seq) => ({ sessionId: r.payload.sessionId, seq, item })));
  if (messages.length === 0) return;
  const column2 = <T>(pick: (m: (typeof messages)[number]) => T) => messages.map(pick);
  await run(
    db,
    `INSERT INTO messages (session_id, seq, role, content, timestamp_ms, tool_name, tool_arguments, tool_result, tool_error, file_count)
     SELECT * FROM unnest(?::text[], ?::integer[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::integer[])`,
    [
      column2((m) => m.sessionId),
      column2((m) => m.seq),
      column2((m) => storableText(m.item.role)),
      column2((m) => storableText(m.item.content)),
      column2((m) => Math.trunc(m.item.timestamp)),
      column2((m) => storableText(m.item.toolCall?.name ?? null)),
      column2((m) => (m.item.toolCall && m.item.toolCall.arguments !== undefined ? stringifyJson(m.item.toolCall.arguments) : null)),
      column2((m) => (m.item.toolCall && m.item.toolCall.result !== undefined ? stringifyJson(m.item.toolCall.result) : null)),
      column2((m) => (m.item.toolCall?.error ? storableText(m.item.toolCall.error) : null)),
      column2((m) => m.item.files?.length ?? 0),
    ],
  );
  const files = messages.flatMap((m) => (m.item.files ?? []).map((file) => ({ sessionId: m.sessionId, seq: m.seq, file })));
  if (files.length === 0) return;
  await run(
    db,
    `INSERT INTO files (session_id, message_seq, gcs_uri, mime_type, filename)
     SELECT * FROM unnest(?::text[], ?::integer[], ?::text[], ?::text[], ?::text[])`,
    [
      files.map((f) => f.sessionId),
      files.map((f) => f.seq),
      files.map((f) => storableText(f.file.gcsUri)),
      files.map((f) => storableText(f.file.mimeType ?? null)),
      files.map((f) => storableText(f.file.filename ?? null)),
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
