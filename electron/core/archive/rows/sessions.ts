/**
 * Sessions as both stores list and show them: the sessions row a list selects, the summary, detail
 * and message page it becomes, the list's cursor, and the follow-up filter's condition (the same
 * SQL in both dialects). Each store adds its own arrival position to the row (SQLite's rowid,
 * PostgreSQL's seq): searches page by it.
 */
import type { MessagePage, MessageView, SessionDetail, SessionFilters, SessionSummary } from '../../../../shared/api.js';
import type { FollowUpCounts } from '../../../../shared/follow-up.js';
import { BadCursorError } from '../errors.js';
import type { CallerColumns, OwnerFields } from './owner-fields.js';

export interface SessionRow extends CallerColumns {
  /** SQLite keeps a numeric assistant id as a number; the views carry text. */
  assistant_id: number | string | null;
  status: 'active' | 'ended';
  started_at: string | null;
  started_at_ms: number | null;
  ended_at: string | null;
  sort_at_ms: number;
  reason: string | null;
  duration_seconds: number | null;
  mode: string | null;
  metadata: string | null;
  first_user_line: string | null;
  message_count: number;
  tool_call_count: number;
  tool_error_count: number;
  file_count: number;
}

/** Every column of SessionRow from sessions s, but the arrival position, which each store selects before these. */
export const SESSION_COLUMNS = `s.session_id, s.assistant_id, s.status, s.started_at, s.started_at_ms, s.ended_at, s.sort_at_ms,
  s.reason, s.duration_seconds, s.mode, s.metadata, s.first_user_line, s.message_count, s.tool_call_count,
  s.tool_error_count, s.file_count, s.caller_key, s.caller_label, s.caller_kind`;

export function toSummary(row: SessionRow, now: number, staleAfterMs: number, owner: OwnerFields): SessionSummary {
  return {
    sessionId: row.session_id,
    assistantId: row.assistant_id === null ? null : String(row.assistant_id),
    status: row.status,
    stale: row.status === 'active' && row.sort_at_ms < now - staleAfterMs,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    sortAt: row.sort_at_ms,
    durationSeconds: row.duration_seconds,
    reason: row.reason,
    mode: row.mode,
    firstUserLine: row.first_user_line,
    messageCount: row.message_count,
    toolCallCount: row.tool_call_count,
    toolErrorCount: row.tool_error_count,
    fileCount: row.file_count,
    ...owner,
  };
}

/** A stored event of the session: when it came and what was redacted from it. */
export interface ReceivedRow {
  event: string;
  received_at: number;
  redactions: number;
}

export function sessionDetailOf(summary: SessionSummary, metadataJson: string | null, received: readonly ReceivedRow[]): SessionDetail {
  let metadata: Record<string, unknown> | null = null;
  if (metadataJson) {
    const parsed = JSON.parse(metadataJson) as unknown;
    metadata = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  }
  return {
    ...summary,
    metadata,
    receivedStartedAt: received.find((r) => r.event === 'session.started')?.received_at ?? null,
    receivedEndedAt: received.find((r) => r.event === 'session.ended')?.received_at ?? null,
    redactions: received.reduce((sum, r) => sum + r.redactions, 0),
  };
}

export interface MessageRow {
  seq: number;
  role: string;
  content: string;
  timestamp_ms: number | null;
  tool_name: string | null;
  tool_arguments: string | null;
  tool_result: string | null;
  tool_error: string | null;
  file_count: number;
}

export const MESSAGE_COLUMNS = 'seq, role, content, timestamp_ms, tool_name, tool_arguments, tool_result, tool_error, file_count';

export interface FileRow {
  message_seq: number;
  gcs_uri: string;
  mime_type: string | null;
  filename: string | null;
}

export const FILE_COLUMNS = 'message_seq, gcs_uri, mime_type, filename';

/** A page of messages with their files (the files of the page's seq range, in order). */
export function messagePageOf(rows: readonly MessageRow[], fileRows: readonly FileRow[], total: number): MessagePage {
  const files = new Map<number, MessageView['files']>();
  for (const f of fileRows) {
    const list = files.get(f.message_seq) ?? [];
    list.push({ gcsUri: f.gcs_uri, mimeType: f.mime_type, filename: f.filename });
    files.set(f.message_seq, list);
  }
  return {
    total,
    items: rows.map((r) => ({
      seq: r.seq,
      role: r.role,
      content: r.content,
      timestampMs: r.timestamp_ms,
      toolCall:
        r.tool_name !== null || r.tool_arguments !== null || r.tool_result !== null || r.tool_error !== null
          ? { name: r.tool_name, arguments: r.tool_arguments, result: r.tool_result, error: r.tool_error }
          : null,
      files: files.get(r.seq) ?? [],
    })),
  };
}

/** Lists page by (start time, id); searches page by arrival order (the store's position). */
export interface SessionCursor {
  sortAt: number;
  sessionId: string;
  position: number;
}

export function encodeSessionCursor(row: SessionRow, position: number): string {
  return Buffer.from(JSON.stringify([row.sort_at_ms, row.session_id, position])).toString('base64url');
}

export function decodeSessionCursor(cursor: string | undefined): SessionCursor | null {
  if (!cursor) return null;
  try {
    const [sortAt, sessionId, position] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown, unknown];
    if (typeof sortAt === 'number' && Number.isFinite(sortAt) && typeof sessionId === 'string' && typeof position === 'number' && Number.isSafeInteger(position)) {
      return { sortAt, sessionId, position };
    }
  } catch {
    // fall through
  }
  throw new BadCursorError('invalid page cursor');
}

/** A list's filters as SQL over sessions s, with `?` placeholders. */
export interface FilterClause {
  sql: string;
  params: unknown[];
  /** Sessions the follow-up filter alone matches, when it is the only filter (the list's total). */
  followUpOnly: number | null;
  /** The follow-up filter matches many sessions: counting them with other filters costs a scan. */
  followUpDense: boolean;
}

type FollowUpFilter = NonNullable<SessionFilters['followUp']>;

/** Whether a follow-up filter needs the count of done sessions to size it (the others come from kept counts). */
export const sizeNeedsDone = (state: FollowUpFilter) => state === 'done' || state === 'open';

/** How many sessions a follow-up filter matches, from the kept counts (no scan); done is 0 when not needed. */
export function followUpSetSize(state: FollowUpFilter, sessions: number, counts: FollowUpCounts, done: number): number {
  if (state === 'follow-up') return counts.open;
  if (state === 'snoozed') return counts.snoozed;
  if (state === 'done') return done;
  return sessions - counts.open - counts.snoozed - done;
}

/**
 * The follow-up condition, shaped for how many sessions it matches. Many (two in three sessions
 * after the rules ran over a demo archive): walk the sessions newest first and look each one up,
 * so a page stops after 100 rows (collecting and sorting 67,000 first took 533 ms). Few (a handful
 * done): start from the follow-ups instead, and sort the few.
 */
export function followUpCondition(state: FollowUpFilter, dense: boolean, now: number): { sql: string; params: unknown[] } {
  const condition: Record<Exclude<FollowUpFilter, 'open'>, { sql: string; params: unknown[] }> = {
    'follow-up': { sql: "f.state = 'follow-up' AND (f.snoozed_until IS NULL OR f.snoozed_until <= ?)", params: [now] },
    snoozed: { sql: "f.state = 'follow-up' AND f.snoozed_until IS NOT NULL AND f.snoozed_until > ?", params: [now] },
    done: { sql: "f.state = 'done'", params: [] },
  };
  // Open: no follow-up row, or one in state open.
  if (state === 'open') return { sql: "NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.session_id = s.session_id AND f.state <> 'open')", params: [] };
  const { sql, params } = condition[state];
  return dense
    ? { sql: `EXISTS (SELECT 1 FROM follow_ups f WHERE f.session_id = s.session_id AND ${sql})`, params }
    : { sql: `s.session_id IN (SELECT f.session_id FROM follow_ups f WHERE ${sql})`, params };
}
