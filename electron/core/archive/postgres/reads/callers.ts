/** A caller's page (sqlite/reads/callers.ts in PostgreSQL): who, their sessions, open follow-ups and notes. */
import type { CallerPage } from '../../../../../shared/api.js';
import type { CallerSummary } from '../../../../../shared/follow-up.js';
import type { CallerOptions } from '../../types.js';
import { all, one, type Db } from '../db.js';
import { NOTE_COLUMNS, toNote, type NoteRow } from './follow-ups.js';
import { callerFollowUps } from './inbox.js';
import { callerCounts } from './session-owner-fields.js';
import { listSessions } from './sessions.js';

const MAX_NOTES = 100;
const MAX_FOLLOW_UPS = 100;

export async function getCaller(db: Db, key: string, options: CallerOptions): Promise<CallerPage | null> {
  const newest = await one<{ caller_label: string | null; caller_kind: CallerSummary['kind'] | null }>(
    db,
    'SELECT caller_label, caller_kind FROM sessions WHERE caller_key = ? ORDER BY sort_at_ms DESC LIMIT 1',
    [key],
  );
  if (!newest) return null;
  const span = (await one<{ n: number; first: number; last: number }>(db, 'SELECT count(*) AS n, min(sort_at_ms) AS first, max(sort_at_ms) AS last FROM sessions WHERE caller_key = ?', [key]))!;
  const notes = await all<NoteRow>(
    db,
    `SELECT ${NOTE_COLUMNS} FROM sessions s JOIN notes n ON n.session_id = s.session_id
     WHERE s.caller_key = ? ORDER BY n.created_at DESC, n.id DESC LIMIT ?`,
    [key, MAX_NOTES],
  );
  return {
    caller: {
      key,
      label: newest.caller_label ?? key,
      kind: newest.caller_kind ?? 'other',
      ...(await callerCounts(db, key, options.now)),
      sessions: span.n,
      firstAt: span.first,
      lastAt: span.last,
    },
    sessions: await listSessions(db, { filters: { callerKey: key }, cursor: options.cursor, limit: options.limit, now: options.now, staleAfterMs: options.staleAfterMs }),
    openFollowUps: await callerFollowUps(db, key, options.now, MAX_FOLLOW_UPS),
    notes: notes.map(toNote),
  };
}
