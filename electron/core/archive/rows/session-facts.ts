/**
 * A session as the triage rules see it (SessionFacts), from its sessions row and its messages, so
 * both stores' triage and rule previews judge exactly the same facts. Each store adds its own
 * arrival position to the row (SQLite's rowid, PostgreSQL's seq): passes over the archive walk it.
 */
import type { SessionFacts } from '../../triage/index.js';
import type { CallerColumns } from './owner-fields.js';

export interface FactsRow extends CallerColumns {
  status: 'active' | 'ended';
  sort_at_ms: number;
  mode: string | null;
  reason: string | null;
  duration_seconds: number | null;
  /** SQLite keeps a numeric assistant id as a number; the facts carry text. */
  assistant_id: number | string | null;
  metadata: string | null;
  file_count: number;
}

/** Every column of FactsRow but the arrival position, which each store selects before these. */
export const FACT_COLUMNS = `session_id, status, sort_at_ms, mode, reason, duration_seconds, assistant_id, metadata, file_count,
  caller_key, caller_label, caller_kind`;

export interface FactsMessage {
  session_id: string;
  role: string;
  content: string;
  tool_name: string | null;
  tool_arguments: string | null;
  tool_error: string | null;
  file_count: number;
}

export const FACTS_MESSAGE_COLUMNS = 'session_id, role, content, tool_name, tool_arguments, tool_error, file_count';

/** staleBefore null: nothing counts as dropped (a session just projected is not stale). */
export function factsOf(row: FactsRow, messages: readonly FactsMessage[], staleBefore: number | null): SessionFacts {
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

/** Metadata the rules can test: a JSON object, else nothing (bad or non-object JSON is not an error here). */
function parseMetadata(json: string | null): Record<string, unknown> | null {
  if (json === null) return null;
  try {
    const parsed = JSON.parse(json) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
