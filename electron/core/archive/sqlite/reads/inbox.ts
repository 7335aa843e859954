/**
 * The inbox: sessions to follow up, by priority then oldest first; the snoozed ones by when they
 * come back; the done ones, most recently handled first. Each view is one range of a partial index
 * of follow_ups (migration 9) walked with a keyset cursor, so page 50 of 10,000 open items costs
 * what page 1 costs; the page's tags, note counts and callers are read in one batch each.
 */
import type { InboxItem, InboxPage } from '../../../../../shared/follow-up.js';
import type { InboxOptions } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';
import { decodeInboxCursor, encodeInboxCursor, INBOX_COLUMNS, INBOX_VIEWS, inboxItemsOf, type InboxRow, type NoteCountRow } from '../../rows/inbox.js';
import { doneCount, followUpCounts, tagsOf } from './follow-ups.js';
import { callerRefs } from './session-owner-fields.js';

/** Each view's follow-ups (@now), and the rows after a page's last key (@k0, @k1, …). */
const VIEWS = {
  open: {
    where: "f.state = 'follow-up' AND (f.snoozed_until IS NULL OR f.snoozed_until <= @now)",
    after: '(f.priority < @k0 OR (f.priority = @k0 AND (f.sort_at_ms > @k1 OR (f.sort_at_ms = @k1 AND f.session_id > @k2))))',
  },
  snoozed: {
    where: "f.state = 'follow-up' AND f.snoozed_until IS NOT NULL AND f.snoozed_until > @now",
    after: '(f.snoozed_until > @k0 OR (f.snoozed_until = @k0 AND f.session_id > @k1))',
  },
  done: {
    where: "f.state = 'done'",
    after: '(f.changed_at < @k0 OR (f.changed_at = @k0 AND f.session_id < @k1))',
  },
} as const;

export function inbox(db: ReadableDB, options: InboxOptions): InboxPage {
  const view = VIEWS[options.view];
  const key = decodeInboxCursor(options.view, options.cursor);
  const params: Record<string, unknown> = { now: options.now, limit: options.limit + 1 };
  key?.forEach((value, i) => {
    params[`k${i}`] = value;
  });
  const rows = statement(
    db,
    `SELECT ${INBOX_COLUMNS} FROM follow_ups f JOIN sessions s ON s.session_id = f.session_id
     WHERE ${view.where} AND ${key ? view.after : '1'} ORDER BY ${INBOX_VIEWS[options.view].order} LIMIT @limit`,
  ).all(params) as InboxRow[];
  const hasMore = rows.length > options.limit;
  const page = rows.slice(0, options.limit);
  // Not count(*) over the view: the open view's condition on the snooze is not in its index, so
  // that counted every follow-up's row (108 ms at 67,000); the kept counts answer at once.
  const counts = followUpCounts(db, options.now);
  const total = options.view === 'open' ? counts.open : options.view === 'snoozed' ? counts.snoozed : doneCount(db);
  return {
    items: inboxItems(db, page, options.now),
    nextCursor: hasMore && page.length > 0 ? encodeInboxCursor(options.view, page[page.length - 1]!) : null,
    total,
  };
}

/** The open follow-ups of one caller (their page shows them), most urgent first. */
export function callerFollowUps(db: ReadableDB, callerKey: string, now: number, limit: number): InboxItem[] {
  const rows = statement(
    db,
    `SELECT ${INBOX_COLUMNS} FROM sessions s JOIN follow_ups f ON f.session_id = s.session_id
     WHERE s.caller_key = @key AND ${VIEWS.open.where} ORDER BY ${INBOX_VIEWS.open.order} LIMIT @limit`,
  ).all({ key: callerKey, now, limit }) as InboxRow[];
  return inboxItems(db, rows, now);
}

function inboxItems(db: ReadableDB, rows: InboxRow[], now: number): InboxItem[] {
  const ids = rows.map((row) => row.session_id);
  const noteCounts =
    ids.length === 0
      ? []
      : (statement(db, `SELECT session_id, count(*) AS n FROM notes WHERE session_id IN (${ids.map(() => '?').join(', ')}) GROUP BY session_id`).all(
          ...ids,
        ) as NoteCountRow[]);
  return inboxItemsOf(rows, tagsOf(db, ids), callerRefs(db, rows, now), noteCounts);
}
