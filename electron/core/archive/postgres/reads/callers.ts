/** A caller's page (sqlite/reads/callers.ts in PostgreSQL): who, their sessions, open follow-ups and notes. */
import type { CallerPage } from '../../../../../shared/api.js';
import type { CallerOptions } from '../../types.js';
import { all, one, type Db } from '../db.js';
import { callerSummaryOf, MAX_CALLER_FOLLOW_UPS, MAX_CALLER_NOTES, type CallerSpanRow, type NewestCallerRow } from '../../rows/callers.js';
import { NOTE_COLUMNS, toNote, type NoteRow } from '../../rows/follow-ups.js';
import { callerFollowUps } from './inbox.js';
import { callerCounts } from './session-owner-fields.js';
import { listSessions } from './sessions.js';

export async function getCaller(db: Db, key: string, options: CallerOptions): Promise<CallerPage | null> {
  const newest = await one<NewestCallerRow>(
    db,
    'SELECT caller_label, caller_kind FROM sessions WHERE caller_key = ? ORDER BY sort_at_ms DESC LIMIT 1',
    [key],
  );
  if (!newest) return null;
  const span = (await one<CallerSpanRow>(db, 'SELECT count(*) AS n, min(sort_at_ms) AS first, max(sort_at_ms) AS last FROM sessions WHERE caller_key = ?', [key]))!;
  const notes = await all<NoteRow>(
    db,
    `SELECT ${NOTE_COLUMNS} FROM sessions s JOIN notes n ON n.session_id = s.session_id
     WHERE s.caller_key = ? ORDER BY n.created_at DESC, n.id DESC LIMIT ?`,
    [key, MAX_CALLER_NOTES],
  );
  return {
    caller: callerSummaryOf(key, newest, await callerCounts(db, key, options.now), span),
    sessions: await listSessions(db, { filters: { callerKey: key }, cursor: options.cursor, limit: options.limit, now: options.now, staleAfterMs: options.staleAfterMs }),
    openFollowUps: await callerFollowUps(db, key, options.now, MAX_CALLER_FOLLOW_UPS),
    notes: notes.map(toNote),
  };
}
