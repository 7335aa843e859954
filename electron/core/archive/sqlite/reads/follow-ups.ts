/**
 * A session's follow-up as the owner sees it (state, reasons, notes, tags), the tag list, the
 * rules and the caller settings. Plain reads over one connection: the reader thread serves them,
 * and the writer uses the same functions to answer its own writes with the state they left.
 */
import {
  DEFAULT_CALLER_FIELDS,
  PRIORITIES,
  type CallerSettings,
  type ExportedFollowUp,
  type FollowUpCounts,
  type FollowUpReason,
  type FollowUpState,
  type FollowUpView,
  type Note,
  type Priority,
  type Rule,
  type Tag,
  type TagColor,
  type TagWithCount,
} from '../../../../../shared/follow-up.js';
import { statement, type ReadableDB } from '../database.js';

/** Priorities are stored as 1..3 so the inbox index sorts them (high first) without a CASE. */
export function priorityNumber(priority: Priority): number {
  return PRIORITIES.indexOf(priority) + 1;
}

export function priorityName(stored: number | null): Priority | null {
  return stored === null ? null : (PRIORITIES[stored - 1] ?? 'normal');
}

export interface FollowUpRow {
  session_id: string;
  state: FollowUpState;
  priority: number | null;
  snoozed_until: number | null;
  reasons: string;
  changed_by: string | null;
  changed_at: number | null;
  owner_set: number;
  version: number;
  sort_at_ms: number;
}

export function followUpRow(db: ReadableDB, sessionId: string): FollowUpRow | null {
  return (statement(db, 'SELECT * FROM follow_ups WHERE session_id = ?').get(sessionId) as FollowUpRow | undefined) ?? null;
}

export function parseReasons(json: string): FollowUpReason[] {
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed) ? (parsed as FollowUpReason[]) : [];
}

interface NoteRow {
  id: number;
  session_id: string;
  author: string;
  text: string;
  created_at: number;
  updated_at: number;
}

export const NOTE_COLUMNS = 'n.id, n.session_id, n.author, n.text, n.created_at, n.updated_at';

export function toNote(row: NoteRow): Note {
  return { id: row.id, sessionId: row.session_id, author: row.author, text: row.text, createdAt: row.created_at, updatedAt: row.updated_at };
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
  const out = new Map<string, Tag[]>();
  if (sessionIds.length === 0) return out;
  const rows = statement(
    db,
    `SELECT st.session_id, t.id, t.name, t.color FROM session_tags st JOIN tags t ON t.id = st.tag_id
     WHERE st.session_id IN (${sessionIds.map(() => '?').join(', ')}) ORDER BY t.name COLLATE NOCASE, t.id`,
  ).all(...sessionIds) as Array<{ session_id: string; id: number; name: string; color: TagColor }>;
  for (const row of rows) {
    const list = out.get(row.session_id) ?? [];
    list.push({ id: row.id, name: row.name, color: row.color });
    out.set(row.session_id, list);
  }
  return out;
}

export function sessionExists(db: ReadableDB, sessionId: string): boolean {
  return statement(db, 'SELECT 1 FROM sessions WHERE session_id = ?').get(sessionId) !== undefined;
}

/** null for a session the archive does not have (or has not indexed yet). */
export function getFollowUp(db: ReadableDB, sessionId: string): FollowUpView | null {
  if (!sessionExists(db, sessionId)) return null;
  const row = followUpRow(db, sessionId);
  return {
    sessionId,
    state: row?.state ?? 'open',
    priority: row?.state === 'follow-up' ? priorityName(row.priority) : null,
    snoozedUntil: row?.state === 'follow-up' ? row.snoozed_until : null,
    reasons: row ? parseReasons(row.reasons) : [],
    changedBy: row?.changed_by ?? null,
    changedAt: row?.changed_at ?? null,
    version: row?.version ?? 0,
    notes: notesOf(db, sessionId),
    tags: tagsOf(db, [sessionId]).get(sessionId) ?? [],
  };
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

interface RuleRow {
  id: string;
  definition: string;
  updated_at: number;
}

/** Set by migration 9 on an archive that had sessions; cleared when a retriage pass reaches the end. */
export const TRIAGE_PENDING = 'triage_pending';

export function triagePending(db: ReadableDB): boolean {
  return statement(db, 'SELECT 1 FROM archive_settings WHERE name = ?').get(TRIAGE_PENDING) !== undefined;
}

export function listRules(db: ReadableDB): Rule[] {
  return (statement(db, 'SELECT id, definition, updated_at FROM rules ORDER BY position, id').all() as RuleRow[]).map(toRule);
}

export function ruleById(db: ReadableDB, id: string): Rule | null {
  const row = statement(db, 'SELECT id, definition, updated_at FROM rules WHERE id = ?').get(id) as RuleRow | undefined;
  return row ? toRule(row) : null;
}

function toRule(row: RuleRow): Rule {
  return { ...(JSON.parse(row.definition) as Omit<Rule, 'id' | 'updatedAt'>), id: row.id, updatedAt: row.updated_at };
}

export const DEFAULT_CALLER_SETTINGS: CallerSettings = { fields: DEFAULT_CALLER_FIELDS, defaultCountry: null };

export function readSetting<T>(db: ReadableDB, name: string): T | null {
  const row = statement(db, 'SELECT value FROM archive_settings WHERE name = ?').get(name) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : null;
}

export function callerSettings(db: ReadableDB): CallerSettings {
  return readSetting<CallerSettings>(db, 'callers') ?? { ...DEFAULT_CALLER_SETTINGS, fields: [...DEFAULT_CALLER_FIELDS] };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The owner's side of a session as exports carry it; null when the session is not indexed (yet). */
export function exportedFollowUp(db: ReadableDB, sessionId: string): ExportedFollowUp | null {
  const view = getFollowUp(db, sessionId);
  if (!view) return null;
  const caller = statement(db, 'SELECT caller_key AS key, caller_label AS label, caller_kind AS kind FROM sessions WHERE session_id = ?').get(sessionId) as {
    key: string | null;
    label: string | null;
    kind: 'phone' | 'email' | 'other' | null;
  };
  return {
    state: view.state,
    priority: view.priority,
    snoozedUntil: iso(view.snoozedUntil),
    reasons: view.reasons,
    changedBy: view.changedBy,
    changedAt: iso(view.changedAt),
    notes: view.notes.map((note) => ({ author: note.author, text: note.text, createdAt: iso(note.createdAt)!, updatedAt: iso(note.updatedAt)! })),
    tags: view.tags.map((tag) => ({ name: tag.name, color: tag.color })),
    caller: caller.key === null ? null : { key: caller.key, label: caller.label ?? caller.key, kind: caller.kind ?? 'other' },
  };
}
