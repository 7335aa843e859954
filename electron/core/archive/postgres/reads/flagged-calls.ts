/** The alert facts of a batch's flagged calls in two queries (rows/flagged-calls.ts). */
import type { FlaggedCall } from '../../types.js';
import { FLAGGED_CALL_COLUMNS, flaggedCallsOf, type FlaggedCallRow } from '../../rows/flagged-calls.js';
import { all, type Db } from '../db.js';
import { callerRefs } from './session-owner-fields.js';

export async function flaggedCalls(db: Db, sessionIds: readonly string[], now: number): Promise<FlaggedCall[]> {
  if (sessionIds.length === 0) return [];
  const rows = await all<FlaggedCallRow>(
    db,
    `SELECT ${FLAGGED_CALL_COLUMNS} FROM sessions s LEFT JOIN follow_ups f ON f.session_id = s.session_id WHERE s.session_id = ANY(?::text[])`,
    [[...new Set(sessionIds)]],
  );
  return flaggedCallsOf(sessionIds, rows, await callerRefs(db, rows, now));
}
