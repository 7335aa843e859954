/**
 * A session's follow-up as both stores keep it (follow_ups, notes, tags, the caller settings) and
 * how its rows become what the owner sees. The SQL that reads them stays with each store; the
 * rows arrive here already in plain JS values (numbers, strings, JSON text).
 */
import {
  DEFAULT_CALLER_FIELDS,
  PRIORITIES,
  type CallerSettings,
  type ExportedFollowUp,
  type FollowUpReason,
  type FollowUpState,
  type FollowUpView,
  type Note,
  type Priority,
  type Tag,
  type TagColor,
} from '../../../../shared/follow-up.js';

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

export function parseReasons(json: string): FollowUpReason[] {
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed) ? (parsed as FollowUpReason[]) : [];
}

/** A session without a follow-up row is open: nobody has triaged or edited it yet. */
export function followUpView(sessionId: string, row: FollowUpRow | null, notes: Note[], tags: Tag[]): FollowUpView {
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
    tags,
  };
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

export interface SessionTagRow {
  session_id: string;
  id: number;
  name: string;
  color: TagColor;
}

/** Tags of a page of sessions (rows in display order) by session. */
export function tagsBySession(rows: readonly SessionTagRow[]): Map<string, Tag[]> {
  const out = new Map<string, Tag[]>();
  for (const row of rows) {
    const list = out.get(row.session_id) ?? [];
    list.push({ id: row.id, name: row.name, color: row.color });
    out.set(row.session_id, list);
  }
  return out;
}

/** Set on an archive whose sessions wait for a first pass of the rules; cleared when one reaches the end. */
export const TRIAGE_PENDING = 'triage_pending';

const DEFAULT_CALLER_SETTINGS: CallerSettings = { fields: DEFAULT_CALLER_FIELDS, defaultCountry: null };

/** The stored caller settings, or a fresh copy of the defaults (callers may change what they get). */
export function callerSettingsOf(stored: CallerSettings | null): CallerSettings {
  return stored ?? { ...DEFAULT_CALLER_SETTINGS, fields: [...DEFAULT_CALLER_FIELDS] };
}

export interface SessionCallerRow {
  key: string | null;
  label: string | null;
  kind: 'phone' | 'email' | 'other' | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The owner's side of a session as exports carry it: times as ISO text, no ids or versions. */
export function exportedFollowUpOf(view: FollowUpView, caller: SessionCallerRow): ExportedFollowUp {
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
