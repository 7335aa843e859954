/**
 * A session's follow-up as the owner sees it (state, reasons, notes, tags), the tag list, the
 * rules and the caller settings: the SQLite store's reads (sqlite/reads/follow-ups.ts) in
 * PostgreSQL. The writer answers its own writes with these too, inside its transaction.
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
import { all, one, placeholders, value, type Db } from '../db.js';

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

export async function followUpRow(db: Db, sessionId: string): Promise<FollowUpRow | null> {
  return (await one<FollowUpRow>(db, 'SELECT * FROM follow_ups WHERE session_id = ?', [sessionId])) ?? null;
}

/** Several sessions' follow-up rows in one query (a batch's triage). */
export async function followUpRows(db: Db, sessionIds: readonly string[]): Promise<Map<string, FollowUpRow>> {
  const rows = await all<FollowUpRow>(db, 'SELECT * FROM follow_ups WHERE session_id = ANY(?::text[])', [sessionIds]);
  return new Map(rows.map((row) => [row.session_id, row]));
}

export function parseReasons(json: string): FollowUpReason[] {
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed) ? (parsed as FollowUpReason[]) : [];
}

export interface NoteRow {
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

export async function notesOf(db: Db, sessionId: string): Promise<Note[]> {
  return (await all<NoteRow>(db, `SELECT ${NOTE_COLUMNS} FROM notes n WHERE n.session_id = ? ORDER BY n.created_at, n.id`, [sessionId])).map(toNote);
}

export async function noteById(db: Db, noteId: number): Promise<Note | null> {
  const row = await one<NoteRow>(db, `SELECT ${NOTE_COLUMNS} FROM notes n WHERE n.id = ?`, [noteId]);
  return row ? toNote(row) : null;
}

/** The tags of each session (one query for a whole page), by name. */
export async function tagsOf(db: Db, sessionIds: readonly string[]): Promise<Map<string, Tag[]>> {
  const out = new Map<string, Tag[]>();
  if (sessionIds.length === 0) return out;
  const rows = await all<{ session_id: string; id: number; name: string; color: TagColor }>(
    db,
    `SELECT st.session_id, t.id, t.name, t.color FROM session_tags st JOIN tags t ON t.id = st.tag_id
     WHERE st.session_id IN (${placeholders(sessionIds.length)}) ORDER BY lower(t.name) COLLATE "C", t.id`,
    [...sessionIds],
  );
  for (const row of rows) {
    const list = out.get(row.session_id) ?? [];
    list.push({ id: row.id, name: row.name, color: row.color });
    out.set(row.session_id, list);
  }
  return out;
}

export async function sessionExists(db: Db, sessionId: string): Promise<boolean> {
  return (await one(db, 'SELECT 1 FROM sessions WHERE session_id = ?', [sessionId])) !== undefined;
}

/** null for a session the archive does not have. */
export async function getFollowUp(db: Db, sessionId: string): Promise<FollowUpView | null> {
  if (!(await sessionExists(db, sessionId))) return null;
  const [row, notes, tags] = [await followUpRow(db, sessionId), await notesOf(db, sessionId), await tagsOf(db, [sessionId])];
  return {
    sessionId,
    state: row?.state ?? 'open',
    priority: row?.state === 'follow-up' ? priorityName(row.priority) : null,
    snoozedUntil: row?.state === 'follow-up' ? row.snoozed_until : null,
    reasons: row ? parseReasons(row.reasons) : [],
    changedBy: row?.changed_by ?? null,
    changedAt: row?.changed_at ?? null,
    version: row?.version ?? 0,
    notes,
    tags: tags.get(sessionId) ?? [],
  };
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

interface RuleRow {
  id: string;
  definition: string;
  updated_at: number;
}

/** Set on an archive whose sessions wait for a first pass of the rules; cleared when one reaches the end. */
export const TRIAGE_PENDING = 'triage_pending';

export async function triagePending(db: Db): Promise<boolean> {
  return (await one(db, 'SELECT 1 FROM archive_settings WHERE name = ?', [TRIAGE_PENDING])) !== undefined;
}

export async function listRules(db: Db): Promise<Rule[]> {
  return (await all<RuleRow>(db, 'SELECT id, definition, updated_at FROM rules ORDER BY position, id')).map(toRule);
}

export async function ruleById(db: Db, id: string): Promise<Rule | null> {
  const row = await one<RuleRow>(db, 'SELECT id, definition, updated_at FROM rules WHERE id = ?', [id]);
  return row ? toRule(row) : null;
}

function toRule(row: RuleRow): Rule {
  return { ...(JSON.parse(row.definition) as Omit<Rule, 'id' | 'updatedAt'>), id: row.id, updatedAt: row.updated_at };
}

export const DEFAULT_CALLER_SETTINGS: CallerSettings = { fields: DEFAULT_CALLER_FIELDS, defaultCountry: null };

export async function readSetting<T>(db: Db, name: string): Promise<T | null> {
  const row = await one<{ value: string }>(db, 'SELECT value FROM archive_settings WHERE name = ?', [name]);
  return row ? (JSON.parse(row.value) as T) : null;
}

export async function callerSettings(db: Db): Promise<CallerSettings> {
  return (await readSetting<CallerSettings>(db, 'callers')) ?? { ...DEFAULT_CALLER_SETTINGS, fields: [...DEFAULT_CALLER_FIELDS] };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

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
  const sessions = await all<{ session_id: string; key: string | null; label: string | null; kind: 'phone' | 'email' | 'other' | null }>(
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
  for (const session of sessions) {
    const row = rows.get(session.session_id);
    const state = row?.state ?? 'open';
    out.set(session.session_id, {
      state,
      priority: state === 'follow-up' ? priorityName(row!.priority) : null,
      snoozedUntil: iso(state === 'follow-up' ? row!.snoozed_until : null),
      reasons: row ? parseReasons(row.reasons) : [],
      changedBy: row?.changed_by ?? null,
      changedAt: iso(row?.changed_at ?? null),
      notes: (notes.get(session.session_id) ?? []).map((note) => ({ author: note.author, text: note.text, createdAt: iso(note.createdAt)!, updatedAt: iso(note.updatedAt)! })),
      tags: (tags.get(session.session_id) ?? []).map((tag) => ({ name: tag.name, color: tag.color })),
      caller: session.key === null ? null : { key: session.key, label: session.label ?? session.key, kind: session.kind ?? 'other' },
    });
  }
  return out;
}
