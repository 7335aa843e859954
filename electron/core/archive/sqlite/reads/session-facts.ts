/**
 * A session as the triage rules see it (SessionFacts), built from its projected rows: the
 * sessions row and its messages. Shared by the writer (triage when a session is projected, and
 * over the archive) and the reader (rule previews), so both see exactly the same facts.
 */
import type { SessionFacts } from '../../../triage/index.js';
import { statement, type ReadableDB } from '../database.js';

export interface FactsRow {
  rowid: number;
  session_id: string;
  status: 'active' | 'ended';
  sort_at_ms: number;
  mode: string | null;
  reason: string | null;
  duration_seconds: number | null;
  assistant_id: number | string | null;
  metadata: string | null;
  file_count: number;
  caller_key: string | null;
  caller_label: string | null;
  caller_kind: 'phone' | 'email' | 'other' | null;
}

export const FACT_COLUMNS = `rowid, session_id, status, sort_at_ms, mode, reason, duration_seconds, assistant_id, metadata, file_count,
  caller_key, caller_label, caller_kind`;

/** Sessions in arrival order (rowid) after `after`: how passes over the archive walk it. */
export function factsRowsAfter(db: ReadableDB, after: number, limit: number): FactsRow[] {
  return statement(db, `SELECT ${FACT_COLUMNS} FROM sessions WHERE rowid > ? ORDER BY rowid LIMIT ?`).all(after, limit) as FactsRow[];
}

export function factsRow(db: ReadableDB, sessionId: string): FactsRow | null {
  return (statement(db, `SELECT ${FACT_COLUMNS} FROM sessions WHERE session_id = ?`).get(sessionId) as FactsRow | undefined) ?? null;
}

export function hasSessionsAfter(db: ReadableDB, rowid: number): boolean {
  return statement(db, 'SELECT 1 FROM sessions WHERE rowid > ? LIMIT 1').get(rowid) !== undefined;
}

export function sessionTotal(db: ReadableDB): number {
  return (statement(db, "SELECT value AS n FROM counters WHERE name = 'sessions'").get() as { n: number } | undefined)?.n ?? 0;
}

/** staleBefore null: nothing counts as dropped (a session just projected is not stale). */
export function sessionFacts(db: ReadableDB, row: FactsRow, staleBefore: number | null): SessionFacts {
  const messages = statement(
    db,
    'SELECT role, content, tool_name, tool_arguments, tool_error, file_count FROM messages WHERE session_id = ? ORDER BY seq',
  ).all(row.session_id) as Array<{ role: string; content: string; tool_name: string | null; tool_arguments: string | null; tool_error: string | null; file_count: number }>;
  return {
    sessionId: row.session_id,
    status: row.status,
    stale: row.status === 'active' && staleBefore !== null && row.sort_at_ms < staleBefore,
    mode: row.mode,
    reason: row.reason,
    durationSeconds: row.duration_seconds,
    assistantId: row.assistant_id === null ? null : String(row.assistant_id),
    metadata: parseMetadata(row.metadata),
    messages: messages.map((m) => ({
      role: m.role,
      content: m.content,
      toolName: m.tool_name,
      toolArguments: m.tool_arguments,
      toolError: m.tool_error,
      fileCount: m.file_count,
    })),
    fileCount: row.file_count,
  };
}

function parseMetadata(json: string | null): Record<string, unknown> | null {
  if (json === null) return null;
  try {
    const parsed = JSON.parse(json) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
