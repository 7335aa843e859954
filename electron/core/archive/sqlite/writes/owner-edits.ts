/**
 * The owner's edits: follow-up state, notes and tags. Each runs inside one writer transaction and
 * answers with the follow-up as it now stands. Edits made meanwhile elsewhere (another window,
 * another person) are refused with a ConflictError that says who changed what, never overwritten
 * silently; the received events are never touched.
 */
import type { ExportedFollowUp, FollowUpView, Tag, TagColor } from '../../../../../shared/follow-up.js';
import { RULES_ACTOR } from '../../../../../shared/follow-up.js';
import { ConflictError, InvalidEditError, NotFoundError } from '../../errors.js';
import type { AddNoteInput, EditNoteInput, SetFollowUpInput, TagSessionInput } from '../../types.js';
import { statement, type ReadableDB, type WritableDB } from '../database.js';
import {
  followUpRow,
  getFollowUp,
  noteById,
  sessionExists,
  tagById,
  tagByName,
} from '../reads/follow-ups.js';
import { priorityNumber } from '../../rows/follow-ups.js';

const read = (db: WritableDB) => db as unknown as ReadableDB;

function viewOf(db: WritableDB, sessionId: string): FollowUpView {
  const view = getFollowUp(read(db), sessionId);
  if (!view) throw new NotFoundError(`There is no session ${sessionId} in the archive.`);
  return view;
}

function requireSession(db: WritableDB, sessionId: string): void {
  if (!sessionExists(read(db), sessionId)) throw new NotFoundError(`There is no session ${sessionId} in the archive.`);
}

/** "14:02" in this computer's time: the conflict message names when the other change happened. */
function clock(at: number): string {
  const date = new Date(at);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

function sortAtOf(db: WritableDB, sessionId: string): number {
  return (statement(db, 'SELECT sort_at_ms FROM sessions WHERE session_id = ?').get(sessionId) as { sort_at_ms: number }).sort_at_ms;
}

export function setFollowUp(db: WritableDB, input: SetFollowUpInput): FollowUpView {
  requireSession(db, input.sessionId);
  const row = followUpRow(read(db), input.sessionId);
  const version = row?.version ?? 0;
  if (input.expectedVersion !== undefined && input.expectedVersion !== version) {
    const who = row?.changed_by === RULES_ACTOR ? 'the triage rules' : (row?.changed_by ?? 'someone');
    const when = row?.changed_at ? ` at ${clock(row.changed_at)}` : '';
    throw new ConflictError(`Changed meanwhile by ${who}${when} (now: ${row?.state ?? 'open'}). Your change was not saved; look again and retry.`);
  }
  const priority = input.priority
    ? priorityNumber(input.priority)
    : (row?.priority ?? (input.state === 'follow-up' ? priorityNumber('normal') : null));
  const snoozedUntil = input.state === 'follow-up' && input.snoozedUntil !== null && input.snoozedUntil > input.at ? input.snoozedUntil : null;
  statement(
    db,
    `INSERT INTO follow_ups (session_id, state, priority, snoozed_until, reasons, changed_by, changed_at, owner_set, version, sort_at_ms)
     VALUES (@sessionId, @state, @priority, @snoozedUntil, '[]', @actor, @at, 1, @version, @sortAt)
     ON CONFLICT (session_id) DO UPDATE SET
       state = excluded.state, priority = excluded.priority, snoozed_until = excluded.snoozed_until,
       changed_by = excluded.changed_by, changed_at = excluded.changed_at, owner_set = 1, version = excluded.version`,
  ).run({
    sessionId: input.sessionId,
    state: input.state,
    priority,
    snoozedUntil,
    actor: input.actor,
    at: input.at,
    version: version + 1,
    sortAt: sortAtOf(db, input.sessionId),
  });
  return viewOf(db, input.sessionId);
}

export function addNote(db: WritableDB, input: AddNoteInput): FollowUpView {
  requireSession(db, input.sessionId);
  statement(db, 'INSERT INTO notes (session_id, author, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(
    input.sessionId,
    input.author,
    input.text,
    input.at,
    input.at,
  );
  return viewOf(db, input.sessionId);
}

function authorsNote(db: WritableDB, noteId: number, author: string, verb: string) {
  const note = noteById(read(db), noteId);
  if (!note) throw new NotFoundError('This note is no longer there (deleted meanwhile?).');
  if (note.author !== author) throw new InvalidEditError(`Only ${note.author} can ${verb} this note.`);
  return note;
}

export function editNote(db: WritableDB, input: EditNoteInput): FollowUpView {
  const note = authorsNote(db, input.noteId, input.author, 'edit');
  if (input.expectedUpdatedAt !== undefined && input.expectedUpdatedAt !== note.updatedAt) {
    throw new ConflictError(`This note was changed meanwhile (at ${clock(note.updatedAt)}). Your change was not saved; look again and retry.`);
  }
  // Strictly later than before, so an edit is never mistaken for the version it replaced.
  statement(db, 'UPDATE notes SET text = ?, updated_at = ? WHERE id = ?').run(input.text, Math.max(input.at, note.updatedAt + 1), input.noteId);
  return viewOf(db, note.sessionId);
}

export function deleteNote(db: WritableDB, input: { noteId: number; author: string }): FollowUpView {
  const note = authorsNote(db, input.noteId, input.author, 'delete');
  statement(db, 'DELETE FROM notes WHERE id = ?').run(input.noteId);
  return viewOf(db, note.sessionId);
}

export function saveTag(db: WritableDB, tag: { id?: number | undefined; name: string; color: TagColor }): Tag {
  const name = tag.name.trim();
  const taken = tagByName(read(db), name);
  if (taken && taken.id !== tag.id) throw new InvalidEditError(`There is already a tag named "${taken.name}".`);
  if (tag.id === undefined) {
    const inserted = statement(db, 'INSERT INTO tags (name, color) VALUES (?, ?)').run(name, tag.color);
    return { id: Number(inserted.lastInsertRowid), name, color: tag.color };
  }
  if (statement(db, 'UPDATE tags SET name = ?, color = ? WHERE id = ?').run(name, tag.color, tag.id).changes === 0) {
    throw new NotFoundError('This tag is no longer there (deleted meanwhile?).');
  }
  return { id: tag.id, name, color: tag.color };
}

export function deleteTag(db: WritableDB, id: number): boolean {
  return statement(db, 'DELETE FROM tags WHERE id = ?').run(id).changes > 0;
}

/** Grey tags for names nobody created yet (rules and imports name tags). */
export function tagNamed(db: WritableDB, name: string, color: TagColor = 'gray'): Tag {
  return tagByName(read(db), name) ?? saveTag(db, { name, color });
}

export function tagSession(db: WritableDB, input: TagSessionInput): FollowUpView {
  requireSession(db, input.sessionId);
  if (!tagById(read(db), input.tagId)) throw new NotFoundError('This tag is no longer there (deleted meanwhile?).');
  if (input.on) {
    // The owner taking up a tag a rule added makes it theirs: the rules will no longer remove it.
    statement(
      db,
      `INSERT INTO session_tags (session_id, tag_id, source, added_by, added_at) VALUES (?, ?, 'owner', ?, ?)
       ON CONFLICT (session_id, tag_id) DO UPDATE SET source = 'owner', added_by = excluded.added_by, added_at = excluded.added_at`,
    ).run(input.sessionId, input.tagId, input.actor, input.at);
  } else {
    statement(db, 'DELETE FROM session_tags WHERE session_id = ? AND tag_id = ?').run(input.sessionId, input.tagId);
  }
  return viewOf(db, input.sessionId);
}

/**
 * An export's owner edits put back (import). The state is the exported one; notes already here
 * (same author, time and text) are not added twice, and tags are matched by name.
 */
export function restoreFollowUp(db: WritableDB, sessionId: string, followUp: ExportedFollowUp, now: number): void {
  requireSession(db, sessionId);
  const row = followUpRow(read(db), sessionId);
  const changedAt = followUp.changedAt ? Date.parse(followUp.changedAt) : null;
  const snoozedUntil = followUp.snoozedUntil ? Date.parse(followUp.snoozedUntil) : null;
  const priority = followUp.priority ? priorityNumber(followUp.priority) : followUp.state === 'follow-up' ? priorityNumber('normal') : null;
  const something = followUp.state !== 'open' || followUp.reasons.length > 0 || followUp.changedBy !== null;
  if (row || something) {
    statement(
      db,
      `INSERT INTO follow_ups (session_id, state, priority, snoozed_until, reasons, changed_by, changed_at, owner_set, version, sort_at_ms)
       VALUES (@sessionId, @state, @priority, @snoozedUntil, @reasons, @changedBy, @changedAt, @ownerSet, @version, @sortAt)
       ON CONFLICT (session_id) DO UPDATE SET
         state = excluded.state, priority = excluded.priority, snoozed_until = excluded.snoozed_until, reasons = excluded.reasons,
         changed_by = excluded.changed_by, changed_at = excluded.changed_at, owner_set = excluded.owner_set, version = follow_ups.version + 1`,
    ).run({
      sessionId,
      state: followUp.state,
      priority,
      snoozedUntil: followUp.state === 'follow-up' ? snoozedUntil : null,
      reasons: JSON.stringify(followUp.reasons),
      changedBy: followUp.changedBy,
      changedAt: changedAt ?? (followUp.changedBy === null ? null : now),
      ownerSet: followUp.changedBy === null || followUp.changedBy === RULES_ACTOR ? 0 : 1,
      version: 1,
      sortAt: sortAtOf(db, sessionId),
    });
  }
  const hasNote = statement(db, 'SELECT 1 FROM notes WHERE session_id = ? AND author = ? AND created_at = ? AND text = ?');
  const insertNote = statement(db, 'INSERT INTO notes (session_id, author, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  for (const note of followUp.notes) {
    const createdAt = Date.parse(note.createdAt);
    if (hasNote.get(sessionId, note.author, createdAt, note.text) !== undefined) continue;
    insertNote.run(sessionId, note.author, note.text, createdAt, Date.parse(note.updatedAt));
  }
  for (const exported of followUp.tags) {
    const tag = tagNamed(db, exported.name, exported.color);
    statement(
      db,
      `INSERT INTO session_tags (session_id, tag_id, source, added_by, added_at) VALUES (?, ?, 'owner', 'import', ?)
       ON CONFLICT (session_id, tag_id) DO NOTHING`,
    ).run(sessionId, tag.id, now);
  }
}

