/**
 * A caller's page: who they are (from their newest session), every session of theirs newest
 * first, their open follow-ups and the notes on their sessions. Everything reads the caller index
 * (sessions_by_caller), so a caller with 5 sessions costs the same in 10 or 100,000.
 */
import type { CallerPage } from '../../../../../shared/api.js';
import type { CallerOptions } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';
import { callerSummaryOf, MAX_CALLER_FOLLOW_UPS, MAX_CALLER_NOTES, type CallerSpanRow, type NewestCallerRow } from '../../rows/callers.js';
import { NOTE_COLUMNS, toNote, type NoteRow } from '../../rows/follow-ups.js';
import { callerFollowUps } from './inbox.js';
import { callerCounts } from './session-owner-fields.js';
import { listSessions } from './sessions.js';

export function getCaller(db: ReadableDB, key: string, options: CallerOptions): CallerPage | null {
  const newest = statement(db, 'SELECT caller_label, caller_kind FROM sessions WHERE caller_key = ? ORDER BY sort_at_ms DESC LIMIT 1').get(key) as NewestCallerRow | undefined;
  if (!newest) return null;
  const span = statement(db, 'SELECT count(*) AS n, min(sort_at_ms) AS first, max(sort_at_ms) AS last FROM sessions WHERE caller_key = ?').get(key) as CallerSpanRow;
  const notes = statement(
    db,
    `SELECT ${NOTE_COLUMNS} FROM sessions s JOIN notes n ON n.session_id = s.session_id
     WHERE s.caller_key = ? ORDER BY n.created_at DESC, n.id DESC LIMIT ?`,
  ).all(key, MAX_CALLER_NOTES) as NoteRow[];
  return {
    caller: callerSummaryOf(key, newest, callerCounts(db, key, options.now), span),
    sessions: listSessions(db, { filters: { callerKey: key }, cursor: options.cursor, limit: options.limit, now: options.now, staleAfterMs: options.staleAfterMs }),
    openFollowUps: callerFollowUps(db, key, options.now, MAX_CALLER_FOLLOW_UPS),
    notes: notes.map(toNote),
  };
}
