/**
 * A session's follow-up as the owner sees it (state, reasons, notes, tags), the tag list, the
 * rules and the caller settings. Plain reads over one connection: the reader thread serves them,
 * and the writer uses the same functions to answer its own writes with the state they left.
 */
import type { CallerSettings, ExportedFollowUp, FollowUpCounts, FollowUpView, Note, Rule, Tag, TagWithCount } from '../../../../../shared/follow-up.js';
import { statement, type ReadableDB } from '../database.js';
import { callerSettingsOf, exportedFollowUpOf, followUpView, NOTE_COLUMNS, tagsBySession, toNote, TRIAGE_PENDING, type FollowUpRow, type NoteRow, type SessionCallerRow, type SessionTagRow } from '../../rows/follow-ups.js';
import { RULE_COLUMNS, toRule, type RuleRow } from '../../rows/rules.js';

export function followUpRow(db: ReadableDB, sessionId: string): FollowUpRow | null {
  return (statement(db, 'SELECT * FROM follow_ups WHERE session_id = ?').get(sessionId) as FollowUpRow | undefined) ?? null;
}

export function notesOf(db: ReadableDB, sessionId: string): Note[] {
  return (statement(db, `SELECT ${NOTE_COLUMNS} FROM notes n WHERE n.session_id = ? ORDER BY n.created_at, n.id`).all(sessionId) as NoteRow[]).map(toNote);
}

export function noteById(db: ReadableDB, noteId: number): Note | null {
  const row = statement(db, `SELECT ${NOTE_COLUMNS} FROM notes n WHERE n.id = ?`).get(noteId) as NoteRow | undefined;
  return row ? toNote(row) : null;
}

/** The tags of each session (one query for a whole page), by name. */
export function tagsOf(db: ReadableDB, sessionIds: readonly string[]): Map<string, Tag[]> {
  if (sessionIds.length === 0) return new Map();
  const rows = statement(
    db,
    `SELECT st.session_id, t.id, t.name, t.color FROM session_tags st JOIN tags t ON t.id = st.tag_id
     WHERE st.session_id IN (${sessionIds.map(() => '?').join(', ')}) ORDER BY t.name COLLATE NOCASE, t.id`,
  ).all(...sessionIds) as SessionTagRow[];
  return tagsBySession(rows);
}

export function sessionExists(db: ReadableDB, sessionId: string): boolean {
  return statement(db, 'SELECT 1 FROM sessions WHERE session_id = ?').get(sessionId) !== undefined;
}

/** null for a session the archive does not have (or has not indexed yet). */
export function getFollowUp(db: ReadableDB, sessionId: string): FollowUpView | null {
  if (!sessionExists(db, sessionId)) return null;
  return followUpView(sessionId, followUpRow(db, sessionId), notesOf(db, sessionId), tagsOf(db, [sessionId]).get(sessionId) ?? []);
}

/** Both read the follow-up indexes only (counting at most the follow-ups themselves). */
/** To follow up (the kept counter), less those snoozed now (few: their own partial index). */
export function followUpCounts(db: ReadableDB, now: number): FollowUpCounts {
  const followUps = (statement(db, "SELECT value AS n FROM counters WHERE name = 'follow_ups'").get() as { n: number }).n;
  const snoozed = (
    statement(db, "SELECT count(*) AS n FROM follow_ups WHERE state = 'follow-up' AND snoozed_until IS NOT NULL AND snoozed_until > ?").get(now) as { n: number }
  ).n;
  return { open: followUps - snoozed, snoozed };
}

/** Sessions handled (done): their partial index, counted. */
export function doneCount(db: ReadableDB): number {
  return (statement(db, "SELECT count(*) AS n FROM follow_ups WHERE state = 'done'").get() as { n: number }).n;
}

export function listTags(db: ReadableDB): TagWithCount[] {
  return statement(
    db,
    `SELECT t.id, t.name, t.color, (SELECT count(*) FROM session_tags st WHERE st.tag_id = t.id) AS sessions
     FROM tags t ORDER BY t.name COLLATE NOCASE, t.id`,
  ).all() as TagWithCount[];
}

export function tagById(db: ReadableDB, id: number): Tag | null {
  return (statement(db, 'SELECT id, name, color FROM tags WHERE id = ?').get(id) as Tag | undefined) ?? null;
}

export function tagByName(db: ReadableDB, name: string): Tag | null {
  return (statement(db, 'SELECT id, name, color FROM tags WHERE name = ? COLLATE NOCASE').get(name) as Tag | undefined) ?? null;
}

/** Migration 9 marks an archive that had sessions; a retriage pass that reaches the end clears it. */
export function triagePending(db: ReadableDB): boolean {
  return statement(db, 'SELECT 1 FROM archive_settings WHERE name = ?').get(TRIAGE_PENDING) !== undefined;
}

export function listRules(db: ReadableDB): Rule[] {
  return (statement(db, `SELECT ${RULE_COLUMNS} FROM rules ORDER BY position, id`).all() as RuleRow[]).map(toRule);
}

export function ruleById(db: ReadableDB, id: string): Rule | null {
  const row = statement(db, `SELECT ${RULE_COLUMNS} FROM rules WHERE id = ?`).get(id) as RuleRow | undefined;
  return row ? toRule(row) : null;
}

export function readSetting<T>(db: ReadableDB, name: string): T | null {
  const row = statement(db, 'SELECT value FROM archive_settings WHERE name = ?').get(name) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : null;
}

export function callerSettings(db: ReadableDB): CallerSettings {
  return callerSettingsOf(readSetting<CallerSettings>(db, 'callers'));
}

/** The owner's side of a session as exports carry it; null when the session is not indexed (yet). */
export function exportedFollowUp(db: ReadableDB, sessionId: string): ExportedFollowUp | null {
  const view = getFollowUp(db, sessionId);
  if (!view) return null;
  const caller = statement(db, 'SELECT caller_key AS key, caller_label AS label, caller_kind AS kind FROM sessions WHERE session_id = ?').get(sessionId) as SessionCallerRow;
  return exportedFollowUpOf(view, caller);
}
