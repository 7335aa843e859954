/**
 * A flagged call's alert facts (FlaggedCall), as both stores read them: the session's columns and
 * its follow-up reasons in one query, the callers' counts batched as for a page.
 */
import type { CallerRef } from '../../../../shared/follow-up.js';
import type { FlaggedCall } from '../types.js';
import { parseReasons } from './follow-ups.js';
import type { CallerColumns } from './owner-fields.js';

export interface FlaggedCallRow extends CallerColumns {
  mode: string | null;
  first_user_line: string | null;
  reasons: string | null;
}

/** Selected FROM sessions s LEFT JOIN follow_ups f ON f.session_id = s.session_id. */
export const FLAGGED_CALL_COLUMNS = 's.session_id, s.mode, s.first_user_line, s.caller_key, s.caller_label, s.caller_kind, f.reasons';

/** In the order the ids were asked for. */
export function flaggedCallsOf(sessionIds: readonly string[], rows: readonly FlaggedCallRow[], callers: ReadonlyMap<string, CallerRef>): FlaggedCall[] {
  const bySession = new Map(rows.map((row) => [row.session_id, row]));
  return sessionIds.flatMap((sessionId) => {
    const row = bySession.get(sessionId);
    if (!row) return [];
    return [{ sessionId, mode: row.mode, firstUserLine: row.first_user_line, caller: callers.get(sessionId) ?? null, reasons: row.reasons === null ? [] : parseReasons(row.reasons) }];
  });
}
