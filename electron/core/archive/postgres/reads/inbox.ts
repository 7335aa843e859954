/**
 * The inbox (sqlite/reads/inbox.ts in PostgreSQL): sessions to follow up by priority then oldest
 * first, the snoozed ones by when they come back, the done ones newest first; each a range of a
 * partial index of follow_ups walked with a keyset cursor.
 */
import type { InboxItem, InboxPage } from '../../../../../shared/follow-up.js';
import type { InboxOptions } from '../../types.js';
import { all, placeholders, type Db } from '../db.js';
import { decodeInboxCursor, encodeInboxCursor, INBOX_COLUMNS, INBOX_VIEWS, inboxItemsOf, type InboxRow, type NoteCountRow } from '../../rows/inbox.js';
import { doneCount, followUpCounts, tagsOf } from './follow-ups.js';
import { callerRefs } from './session-owner-fields.js';

/** Each view's follow-ups ($1 = now), and the rows after a page's last key ($2…). */
const VIEWS = {
  open: {
    where: "f.state = 'follow-up' AND (f.snoozed_until IS NULL OR f.snoozed_until <= $1)",
    after: '(f.priority < $2 OR (f.priority = $2 AND (f.sort_at_ms > $3 OR (f.sort_at_ms = $3 AND f.session_id > $4))))',
  },
  snoozed: {
    where: "f.state = 'follow-up' AND f.snoozed_until IS NOT NULL AND f.snoozed_until > $1",
    after: '(f.snoozed_until > $2 OR (f.snoozed_until = $2 AND f.session_id > $3))',
  },
  done: {
    where: "f.state = 'done' AND $1::bigint IS NOT NULL",
    after: '(f.changed_at < $2 OR (f.changed_at = $2 AND f.session_id < $3))',
  },
} as const;

export async function inbox(db: Db, options: InboxOptions): Promise<InboxPage> {
  const view = VIEWS[options.view];
  const key = decodeInboxCursor(options.view, options.cursor);
  const params: unknown[] = [options.now, ...(key ?? [])];
  const rows = (
    await db.query(
      `SELECT ${INBOX_COLUMNS} FROM follow_ups f JOIN sessions s ON s.session_id = f.session_id
       WHERE ${view.where} AND ${key ? view.after : 'TRUE'} ORDER BY ${INBOX_VIEWS[options.view].order} LIMIT $${params.length + 1}`,
      [...params, options.limit + 1],
    )
  ).rows as InboxRow[];
  const hasMore = rows.length > options.limit;
  const page = rows.slice(0, options.limit);
  const counts = await followUpCounts(db, options.now);
  const total = options.view === 'open' ? counts.open : options.view === 'snoozed' ? counts.snoozed : await doneCount(db);
  return {
    items: await inboxItems(db, page, options.now),
    nextCursor: hasMore && page.length > 0 ? encodeInboxCursor(options.view, page[page.length - 1]!) : null,
    total,
  };
}

/** The open follow-ups of one caller (their page shows them), most urgent first. */
export async function callerFollowUps(db: Db, callerKey: string, now: number, limit: number): Promise<InboxItem[]> {
  const rows = (
    await db.query(
      `SELECT ${INBOX_COLUMNS} FROM sessions s JOIN follow_ups f ON f.session_id = s.session_id
       WHERE ${VIEWS.open.where} AND s.caller_key = $2 ORDER BY ${INBOX_VIEWS.open.order} LIMIT $3`,
      [now, callerKey, limit],
    )
  ).rows as InboxRow[];
  return inboxItems(db, rows, now);
}

async function inboxItems(db: Db, rows: InboxRow[], now: number): Promise<InboxItem[]> {
  const ids = rows.map((row) => row.session_id);
  const tags = await tagsOf(db, ids);
  const callers = await callerRefs(db, rows, now);
  const noteCounts =
    ids.length === 0 ? [] : await all<NoteCountRow>(db, `SELECT session_id, count(*) AS n FROM notes WHERE session_id IN (${placeholders(ids.length)}) GROUP BY session_id`, ids);
  return inboxItemsOf(rows, tags, callers, noteCounts);
}
