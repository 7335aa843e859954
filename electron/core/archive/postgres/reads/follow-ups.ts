/**
 * A session's follow-up as the owner sees it (state, reasons, notes, tags), the tag list, the
 * rules and the caller settings: the SQLite store's reads (sqlite/reads/follow-ups.ts) in
 * PostgreSQL. The writer answers its own writes with these too, inside its transaction.
 */
import type { CallerSettings, ExportedFollowUp, FollowUpCounts, FollowUpView, Note, Rule, Tag, TagWithCount } from '../../../../../shared/follow-up.js';
import { all, one, placeholders, value, type Db } from '../db.js';
import { callerSettingsOf, exportedFollowUpOf, followUpView, NOTE_COLUMNS, tagsBySession, toNote, TRIAGE_PENDING, type FollowUpRow, type NoteRow, type SessionCallerRow, type SessionTagRow } from '../../rows/follow-ups.js';
import { RULE_COLUMNS, toRule, type RuleRow } from '../../rows/rules.js';

export async function followUpRow(db: Db, sessionId: string): Promise<FollowUpRow | null> {
  return (await one<FollowUpRow>(db, 'SELECT * FROM follow_ups WHERE session_id = ?', [sessionId])) ?? null;
}

/** Several sessions' follow-up rows in one query (a batch's triage). */
export async function followUpRows(db: Db, sessionIds: readonly string[]): Promise<Map<string, FollowUpRow>> {
  const rows = await all<FollowUpRow>(db, 'SELECT * FROM follow_ups WHERE session_id = ANY(?::text[])', [sessionIds]);
  return new Map(rows.map((row) => [row.session_id, row]));
}

export async function notesOf(db: Db, sessionId: string): Promise<Note[]> {
  return (await all<NoteRow>(db, `SELECT ${NOTE_COLUMNS} FROM notes n WHERE n.session_id = ? ORDER BY n.created_at, n.id`, [sessionId])).map(toNote);
}

export async function noteById(db: Db, noteId: number): Promise<Note | null> {
  const row = await one<NoteRow>(db, `SELECT ${NOTE_COLUMNS} FROM notes n WHERE n.id = ?`, [noteId]);
  return row ? toNote(row) : null;
}

/** The tags of each session (one query for a whole page), by name. */
export async function tagsOf(db: Db, sessionIds: readonly string[]): Promise<Map<string, Tag[]>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await all<SessionTagRow>(
    db,
    `SELECT st.session_id, t.id, t.name, t.color FROM session_tags st JOIN tags t ON t.id = st.tag_id
     WHERE st.session_id IN (${placeholders(sessionIds.length)}) ORDER BY lower(t.name) COLLATE "C", t.id`,
    [...sessionIds],
  );
  return tagsBySession(rows);
}

export async function sessionExists(db: Db, sessionId: string): Promise<boolean> {
  return (await one(db, 'SELECT 1 FROM sessions WHERE session_id = ?', [sessionId])) !== undefined;
}

/** null for a session the archive does not have. */
export async function getFollowUp(db: Db, sessionId: string): Promise<FollowUpView | null> {
  if (!(await sessionExists(db, sessionId))) return null;
  const [row, notes, tags] = [await followUpRow(db, sessionId), await notesOf(db, sessionId), await tagsOf(db, [sessionId])];
  return followUpView(sessionId, row, notes, tags.get(sessionId) ?? []);
}

/** To follow up (the kept counter), less those snoozed now (few: their own partial index). */
export async function followUpCounts(db: Db, now: number): Promise<FollowUpCounts> {
  const row = await one<{ follow_ups: number; snoozed: number }>(
    db,
    `SELECT (SELECT value FROM counters WHERE name = 'follow_ups') AS follow_ups,
            (SELECT count(*) FROM follow_ups WHERE state = 'follow-up' AND snoozed_until IS NOT NULL AND snoozed_until > ?) AS snoozed`,
    [now],
  );
  return { open: row!.follow_ups - row!.snoozed, snoozed: row!.snoozed };
}

export async function doneCount(db: Db): Promise<number> {
  return value<number>(db, "SELECT count(*) FROM follow_ups WHERE state = 'done'");
}

export async function listTags(db: Db): Promise<TagWithCount[]> {
  return all<TagWithCount>(
    db,
    `SELECT t.id, t.name, t.color, (SELECT count(*) FROM session_tags st WHERE st.tag_id = t.id) AS sessions
     FROM tags t ORDER BY lower(t.name) COLLATE "C", t.id`,
  );
}

export async function tagById(db: Db, id: number): Promise<Tag | null> {
  return (await one<Tag>(db, 'SELECT id, name, color FROM tags WHERE id = ?', [id])) ?? null;
}

export async function tagByName(db: Db, name: string): Promise<Tag | null> {
  return (await one<Tag>(db, 'SELECT id, name, color FROM tags WHERE lower(name) = lower(?)', [name])) ?? null;
}

export async function triagePending(db: Db): Promise<boolean> {
  return (await one(db, 'SELECT 1 FROM archive_settings WHERE name = ?', [TRIAGE_PENDING])) !== undefined;
}

export async function listRules(db: Db): Promise<Rule[]> {
  return (await all<RuleRow>(db, `SELECT ${RULE_COLUMNS} FROM rules ORDER BY position, id`)).map(toRule);
}

export async function ruleById(db: Db, id: string): Promise<Rule | null> {
  const row = await one<RuleRow>(db, `SELECT ${RULE_COLUMNS} FROM rules WHERE id = ?`, [id]);
  return row ? toRule(row) : null;
}

export async function readSetting<T>(db: Db, name: string): Promise<T | null> {
  const row = await one<{ value: string }>(db, 'SELECT value FROM archive_settings WHERE name = ?', [name]);
  return row ? (JSON.parse(row.value) as T) : null;
}

export async function callerSettings(db: Db): Promise<CallerSettings> {
  return callerSettingsOf(await readSetting<CallerSettings>(db, 'callers'));
}

/** The owner's side of a session as exports carry it; null when the session is not indexed. */
/**
 * A page of sessions' owner edits as an export spells them (getFollowUp's view), in four queries
 * for the whole page: an export or a hub backup of 20,000 sessions made one round trip per
 * session and table before (BENCHMARKS.md, Hub backups). Sessions the archive does not have are absent.
 */
export async function exportedFollowUps(db: Db, sessionIds: readonly string[]): Promise<Map<string, ExportedFollowUp>> {
  const out = new Map<string, ExportedFollowUp>();
  if (sessionIds.length === 0) return out;
  const ids = [...sessionIds];
  const callers = await all<SessionCallerRow & { session_id: string }>(
    db,
    'SELECT session_id, caller_key AS key, caller_label AS label, caller_kind AS kind FROM sessions WHERE session_id = ANY(?::text[])',
    [ids],
  );
  const rows = await followUpRows(db, ids);
  const tags = await tagsOf(db, ids);
  const notes = new Map<string, Note[]>();
  for (const row of await all<NoteRow>(db, `SELECT ${NOTE_COLUMNS} FROM notes n WHERE n.session_id = ANY(?::text[]) ORDER BY n.session_id, n.created_at, n.id`, [ids])) {
    const list = notes.get(row.session_id) ?? [];
    list.push(toNote(row));
    notes.set(row.session_id, list);
  }
  for (const caller of callers) {
    const id = caller.session_id;
    out.set(id, exportedFollowUpOf(followUpView(id, rows.get(id) ?? null, notes.get(id) ?? [], tags.get(id) ?? []), caller));
  }
  return out;
}
