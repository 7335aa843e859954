/**
 * A caller's page: who they are (from their newest session), every session of theirs newest
 * first, their open follow-ups and the notes on their sessions. Everything reads the caller index
 * (sessions_by_caller), so a caller with 5 sessions costs the same in 10 or 100,000.
 */
import type { CallerPage } from '../../../../../shared/api.js';
import type { CallerSummary } from '../../../../../shared/follow-up.js';
import type { CallerOptions } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';
import { NOTE_COLUMNS, toNote } from './follow-ups.js';
import { callerFollowUps } from './inbox.js';
import { callerCounts } from './session-owner-fields.js';
import { listSessions } from './sessions.js';

const MAX_NOTES = 100;
const MAX_FOLLOW_UPS = 100;

export function getCaller(db: ReadableDB, key: string, options: CallerOptions): CallerPage | null {
  const newest = statement(db, 'SELECT caller_label, caller_kind FROM sessions WHERE caller_key = ? ORDER BY sort_at_ms DESC LIMIT 1').get(key) as
    | { caller_label: string | null; caller_kind: CallerSummary['kind'] | null }
    | undefined;
  if (!newest) return null;
  const span = statement(db, 'SELECT count(*) AS n, min(sort_at_ms) AS first, max(sort_at_ms) AS last FROM sessions WHERE caller_key = ?').get(key) as {
    n: number;
    first: number;
    last: number;
  };
  const notes = statement(
    db,
    `SELECT ${NOTE_COLUMNS} FROM sessions s JOIN notes n ON n.session_id = s.session_id
     WHERE s.caller_key = ? ORDER BY n.created_at DESC, n.id DESC LIMIT ?`,
  ).all(key, MAX_NOTES) as Parameters<typeof toNote>[0][];
  return {
    caller: {
      key,
      label: newest.caller_label ?? key,
      kind: newest.caller_kind ?? 'other',
      ...callerCounts(db, key, options.now),
      sessions: span.n,
      firstAt: span.first,
      lastAt: span.last,
    },
    sessions: listSessions(db, { filters: { callerKey: key }, cursor: options.cursor, limit: options.limit, now: options.now, staleAfterMs: options.staleAfterMs }),
    openFollowUps: callerFollowUps(db, key, options.now, MAX_FOLLOW_UPS),
    notes: notes.map(toNote),
  };
}
