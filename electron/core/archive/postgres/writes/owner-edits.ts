/**
 * The owner's edits (sqlite/writes/owner-edits.ts in PostgreSQL): follow-up state, notes and tags,
 * each inside one writer transaction, answering with the follow-up as it now stands. Edits made
 * meanwhile elsewhere (another window, another person, another hub) are refused with a
 * ConflictError that says who changed what; the row is locked (FOR UPDATE) while it is checked,
 * so two hubs cannot both pass the check.
 */
import type { ExportedFollowUp, FollowUpView, Tag, TagColor } from '../../../../../shared/follow-up.js';
import { RULES_ACTOR } from '../../../../../shared/follow-up.js';
import { ConflictError, InvalidEditError, NotFoundError } from '../../errors.js';
import type { AddNoteInput, EditNoteInput, SetFollowUpInput, TagSessionInput } from '../../types.js';
import { one, run, value, type Db } from '../db.js';
import { getFollowUp, noteById, tagById, tagByName } from '../reads/follow-ups.js';
import { priorityNumber, type FollowUpRow } from '../../rows/follow-ups.js';

async function viewOf(db: Db, sessionId: string): Promise<FollowUpView> {
  const view = await getFollowUp(db, sessionId);
  if (!view) throw new NotFoundError(`There is no session ${sessionId} in the archive.`);
  return view;
}

/** The session's sort time, with its row locked until the transaction ends (NotFoundError: no such session). */
async function lockSession(db: Db, sessionId: string): Promise<number> {
  const sortAt = await value<number | undefined>(db, 'SELECT sort_at_ms FROM sessions WHERE session_id = ? FOR UPDATE', [sessionId]);
  if (sortAt === undefined) throw new NotFoundError(`There is no session ${sessionId} in the archive.`);
  return sortAt;
}

/** "14:02" in this computer's time: the conflict message names when the other change happened. */
function clock(at: number): string {
  const date = new Date(at);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

export async function setFollowUp(db: Db, input: SetFollowUpInput): Promise<FollowUpView> {
  const sortAt = await lockSession(db, input.sessionId);
  const row = await one<FollowUpRow>(db, 'SELECT * FROM follow_ups WHERE session_id = ? FOR UPDATE', [input.sessionId]);
  const version = row?.version ?? 0;
  if (input.expectedVersion !== undefined && input.expectedVersion !== version) {
    const who = row?.changed_by === RULES_ACTOR ? 'the triage rules' : (row?.changed_by ?? 'someone');
    const when = row?.changed_at ? ` at ${clock(row.changed_at)}` : '';
    throw new ConflictError(`Changed meanwhile by ${who}${when} (now: ${row?.state ?? 'open'}). Your change was not saved; look again and retry.`);
  }
  const priority = input.priority ? priorityNumber(input.priority) : (row?.priority ?? (input.state === 'follow-up' ? priorityNumber('normal') : null));
  const snoozedUntil = input.state === 'follow-up' && input.snoozedUntil !== null && input.snoozedUntil > input.at ? input.snoozedUntil : null;
  await run(
    db,
    `INSERT INTO follow_ups (session_id, state, priority, snoozed_until, reasons, changed_by, changed_at, owner_set, version, sort_at_ms)
     VALUES (?, ?, ?, ?, '[]', ?, ?, 1, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET
       state = excluded.state, priority = excluded.priority, snoozed_until = excluded.snoozed_until,
       changed_by = excluded.changed_by, changed_at = excluded.changed_at, owner_set = 1, version = excluded.version`,
    [input.sessionId, input.state, priority, snoozedUntil, input.actor, input.at, version + 1, sortAt],
  );
  return viewOf(db, input.sessionId);
}

export async function addNote(db: Db, input: AddNoteInput): Promise<FollowUpView> {
  await lockSession(db, input.sessionId);
  await run(db, 'INSERT INTO notes (session_id, author, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [input.sessionId, input.author, input.text, input.at, input.at]);
  return viewOf(db, input.sessionId);
}

async function authorsNote(db: Db, noteId: number, author: string, verb: string) {
  await one(db, 'SELECT 1 FROM notes WHERE id = ? FOR UPDATE', [noteId]);
  const note = await noteById(db, noteId);
  if (!note) throw new NotFoundError('This note is no longer there (deleted meanwhile?).');
  if (note.author !== author) throw new InvalidEditError(`Only ${note.author} can ${verb} this note.`);
  return note;
}

export async function editNote(db: Db, input: EditNoteInput): Promise<FollowUpView> {
  const note = await authorsNote(db, input.noteId, input.author, 'edit');
  if (input.expectedUpdatedAt !== undefined && input.expectedUpdatedAt !== note.updatedAt) {
    throw new ConflictError(`This note was changed meanwhile (at ${clock(note.updatedAt)}). Your change was not saved; look again and retry.`);
  }
  // Strictly later than before, so an edit is never mistaken for the version it replaced.
  await run(db, 'UPDATE notes SET text = ?, updated_at = ? WHERE id = ?', [input.text, Math.max(input.at, note.updatedAt + 1), input.noteId]);
  return viewOf(db, note.sessionId);
}

export async function deleteNote(db: Db, input: { noteId: number; author: string }): Promise<FollowUpView> {
  const note = await authorsNote(db, input.noteId, input.author, 'delete');
  await run(db, 'DELETE FROM notes WHERE id = ?', [input.noteId]);
  return viewOf(db, note.sessionId);
}

export async function saveTag(db: Db, tag: { id?: number | undefined; name: string; color: TagColor }): Promise<Tag> {
  const name = tag.name.trim();
  const taken = await tagByName(db, name);
  if (taken && taken.id !== tag.id) throw new InvalidEditError(`There is already a tag named "${taken.name}".`);
  if (tag.id === undefined) {
    // Another hub may create the same name meanwhile: the unique index decides, and the answer is the same.
    const id = await value<number | undefined>(db, 'INSERT INTO tags (name, color) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id', [name, tag.color]);
    if (id === undefined) throw new InvalidEditError(`There is already a tag named "${name}".`);
    return { id, name, color: tag.color };
  }
  if ((await run(db, 'UPDATE tags SET name = ?, color = ? WHERE id = ?', [name, tag.color, tag.id])) === 0) {
    throw new NotFoundError('This tag is no longer there (deleted meanwhile?).');
  }
  return { id: tag.id, name, color: tag.color };
}

export async function deleteTag(db: Db, id: number): Promise<boolean> {
  return (await run(db, 'DELETE FROM tags WHERE id = ?', [id])) > 0;
}

/** Grey tags for names nobody created yet (rules and imports name tags); one another hub created is taken as it is. */
export async function tagNamed(db: Db, name: string, color: TagColor = 'gray'): Promise<Tag> {
  const existing = await tagByName(db, name);
  if (existing) return existing;
  await run(db, 'INSERT INTO tags (name, color) VALUES (?, ?) ON CONFLICT DO NOTHING', [name.trim(), color]);
  return (await tagByName(db, name))!;
}

export async function tagSession(db: Db, input: TagSessionInput): Promise<FollowUpView> {
  await lockSession(db, input.sessionId);
  if (!(await tagById(db, input.tagId))) throw new NotFoundError('This tag is no longer there (deleted meanwhile?).');
  if (input.on) {
    // The owner taking up a tag a rule added makes it theirs: the rules will no longer remove it.
    await run(
      db,
      `INSERT INTO session_tags (session_id, tag_id, source, added_by, added_at) VALUES (?, ?, 'owner', ?, ?)
       ON CONFLICT (session_id, tag_id) DO UPDATE SET source = 'owner', added_by = excluded.added_by, added_at = excluded.added_at`,
      [input.sessionId, input.tagId, input.actor, input.at],
    );
  } else {
    await run(db, 'DELETE FROM session_tags WHERE session_id = ? AND tag_id = ?', [input.sessionId, input.tagId]);
  }
  return viewOf(db, input.sessionId);
}

/**
 * An export's owner edits put back (import). The state is the exported one; notes already here
 * (same author, time and text) are not added twice, and tags are matched by name.
 */
export async function restoreFollowUp(db: Db, sessionId: string, followUp: ExportedFollowUp, now: number): Promise<void> {
  const sortAt = await lockSession(db, sessionId);
  const row = await one(db, 'SELECT 1 FROM follow_ups WHERE session_id = ?', [sessionId]);
  const changedAt = followUp.changedAt ? Date.parse(followUp.changedAt) : null;
  const snoozedUntil = followUp.snoozedUntil ? Date.parse(followUp.snoozedUntil) : null;
  const priority = followUp.priority ? priorityNumber(followUp.priority) : followUp.state === 'follow-up' ? priorityNumber('normal') : null;
  const something = followUp.state !== 'open' || followUp.reasons.length > 0 || followUp.changedBy !== null;
  if (row || something) {
    await run(
      db,
      `INSERT INTO follow_ups (session_id, state, priority, snoozed_until, reasons, changed_by, changed_at, owner_set, version, sort_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
       ON CONFLICT (session_id) DO UPDATE SET
         state = excluded.state, priority = excluded.priority, snoozed_until = excluded.snoozed_until, reasons = excluded.reasons,
         changed_by = excluded.changed_by, changed_at = excluded.changed_at, owner_set = excluded.owner_set, version = follow_ups.version + 1`,
      [
        sessionId,
        followUp.state,
        priority,
        followUp.state === 'follow-up' ? snoozedUntil : null,
        JSON.stringify(followUp.reasons),
        followUp.changedBy,
        changedAt ?? (followUp.changedBy === null ? null : now),
        followUp.changedBy === null || followUp.changedBy === RULES_ACTOR ? 0 : 1,
        sortAt,
      ],
    );
  }
  for (const note of followUp.notes) {
    const createdAt = Date.parse(note.createdAt);
    if (await one(db, 'SELECT 1 FROM notes WHERE session_id = ? AND author = ? AND created_at = ? AND text = ?', [sessionId, note.author, createdAt, note.text])) continue;
    await run(db, 'INSERT INTO notes (session_id, author, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [sessionId, note.author, note.text, createdAt, Date.parse(note.updatedAt)]);
  }
  for (const exported of followUp.tags) {
    const tag = await tagNamed(db, exported.name, exported.color);
    await run(
      db,
      `INSERT INTO session_tags (session_id, tag_id, source, added_by, added_at) VALUES (?, ?, 'owner', 'import', ?)
       ON CONFLICT (session_id, tag_id) DO NOTHING`,
      [sessionId, tag.id, now],
    );
  }
}
