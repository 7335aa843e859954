/** The alert facts of a batch's flagged calls in one query plus one per caller (rows/flagged-calls.ts). */
import type { FlaggedCall } from '../../types.js';
import { FLAGGED_CALL_COLUMNS, flaggedCallsOf, type FlaggedCallRow } from '../../rows/flagged-calls.js';
import { statement, type ReadableDB } from '../database.js';
import { callerRefs } from './session-owner-fields.js';

/** SQLite's bound-parameter limit is far above this; the alert centre asks for a batch at a time. */
const PER_QUERY = 500;

export function flaggedCalls(db: ReadableDB, sessionIds: readonly string[], now: number): FlaggedCall[] {
  const ids = [...new Set(sessionIds)];
  const rows: FlaggedCallRow[] = [];
  for (let start = 0; start < ids.length; start += PER_QUERY) {
    const part = ids.slice(start, start + PER_QUERY);
    rows.push(
      ...(statement(db, `SELECT ${FLAGGED_CALL_COLUMNS} FROM sessions s LEFT JOIN follow_ups f ON f.session_id = s.session_id WHERE s.session_id IN (${part.map(() => '?').join(', ')})`).all(
        ...part,
      ) as FlaggedCallRow[]),
    );
  }
  return flaggedCallsOf(sessionIds, rows, callerRefs(db, rows, now));
}
