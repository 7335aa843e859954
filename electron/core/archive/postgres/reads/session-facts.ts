/**
 * A session as the triage rules see it (SessionFacts), built from its projected rows, as the
 * SQLite store builds it (sqlite/reads/session-facts.ts): shared by the writer's triage and the
 * rule preview, so both see exactly the same facts.
 */
import type { SessionFacts } from '../../../triage/index.js';
import { all, one, value, type Db } from '../db.js';

export interface FactsRow {
  seq: number;
  session_id: string;
  status: 'active' | 'ended';
  sort_at_ms: number;
  mode: string | null;
  reason: string | null;
  duration_seconds: number | null;
  assistant_id: string | null;
  metadata: string | null;
  file_count: number;
  caller_key: string | null;
  caller_label: string | null;
  caller_kind: 'phone' | 'email' | 'other' | null;
}

const FACT_COLUMNS = `seq, session_id, status, sort_at_ms, mode, reason, duration_seconds, assistant_id, metadata, file_count,
  caller_key, caller_label, caller_kind`;

/** Sessions in arrival order (seq) after `after`: how passes over the archive walk it. */
export function factsRowsAfter(db: Db, after: number, limit: number): Promise<FactsRow[]> {
  return all<FactsRow>(db, `SELECT ${FACT_COLUMNS} FROM sessions WHERE seq > ? ORDER BY seq LIMIT ?`, [after, limit]);
}

export async function factsRow(db: Db, sessionId: string): Promise<FactsRow | null> {
  return (await one<FactsRow>(db, `SELECT ${FACT_COLUMNS} FROM sessions WHERE session_id = ?`, [sessionId])) ?? null;
}

/** Several sessions' facts in one query (a batch's triage), in arrival order. */
export function factsRows(db: Db, sessionIds: readonly string[]): Promise<FactsRow[]> {
  return all<FactsRow>(db, `SELECT ${FACT_COLUMNS} FROM sessions WHERE session_id = ANY(?::text[]) ORDER BY seq`, [sessionIds]);
}

export async function hasSessionsAfter(db: Db, seq: number): Promise<boolean> {
  return (await one(db, 'SELECT 1 FROM sessions WHERE seq > ? LIMIT 1', [seq])) !== undefined;
}

export async function sessionTotal(db: Db): Promise<number> {
  return (await value<number | undefined>(db, "SELECT value FROM counters WHERE name = 'sessions'")) ?? 0;
}

export interface FactsMessage {
  session_id: string;
  role: string;
  content: string;
  tool_name: string | null;
  tool_arguments: string | null;
  tool_error: string | null;
  file_count: number;
}

const MESSAGE_COLUMNS = 'session_id, role, content, tool_name, tool_arguments, tool_error, file_count';

/** staleBefore null: nothing counts as dropped (a session just projected is not stale). */
export async function sessionFacts(db: Db, row: FactsRow, staleBefore: number | null): Promise<SessionFacts> {
  const messages = await all<FactsMessage>(db, `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq`, [row.session_id]);
  return factsOf(row, messages, staleBefore);
}

/** Several sessions' messages in one query (a batch's triage), each session's in order. */
export async function messagesOfSessions(db: Db, sessionIds: readonly string[]): Promise<Map<string, FactsMessage[]>> {
  const bySession = new Map<string, FactsMessage[]>(sessionIds.map((id) => [id, []]));
  const rows = await all<FactsMessage>(db, `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE session_id = ANY(?::text[]) ORDER BY session_id, seq`, [sessionIds]);
  for (const message of rows) bySession.get(message.session_id)?.push(message);
  return bySession;
}

export function factsOf(row: FactsRow, messages: readonly FactsMessage[], staleBefore: number | null): SessionFacts {
  return {
    sessionId: row.session_id,
    status: row.status,
    stale: row.status === 'active' && staleBefore !== null && row.sort_at_ms < staleBefore,
    mode: row.mode,
    reason: row.reason,
    durationSeconds: row.duration_seconds,
    assistantId: row.assistant_id,
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
