/**
 * The inbox: sessions to follow up, by priority then oldest first; the snoozed ones by when they
 * come back; the done ones, most recently handled first. Each view is one range of a partial index
 * of follow_ups (migration 9) walked with a keyset cursor, so page 50 of 10,000 open items costs
 * what page 1 costs; the page's tags, note counts and callers are read in one batch each.
 */
import type { InboxItem, InboxPage } from '../../../../../shared/follow-up.js';
import { BadCursorError } from '../../errors.js';
import type { InboxOptions } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';
import { doneCount, followUpCounts, parseReasons, priorityName, tagsOf } from './follow-ups.js';
import { callerRefs } from './session-owner-fields.js';

interface InboxRow {
  session_id: string;
  state: InboxItem['state'];
  priority: number | null;
  snoozed_until: number | null;
  reasons: string;
  changed_at: number | null;
  sort_at_ms: number;
  mode: string | null;
  duration_seconds: number | null;
  first_user_line: string | null;
  caller_key: string | null;
  caller_label: string | null;
  caller_kind: 'phone' | 'email' | 'other' | null;
}

const COLUMNS = `f.session_id, f.state, f.priority, f.snoozed_until, f.reasons, f.changed_at, f.sort_at_ms,
  s.mode, s.duration_seconds, s.first_user_line, s.caller_key, s.caller_label, s.caller_kind`;

/** Each view: which follow-ups, in which order, and how a page's last row continues it. */
const VIEWS = {
  open: {
    where: "f.state = 'follow-up' AND (f.snoozed_until IS NULL OR f.snoozed_until <= @now)",
    order: 'f.priority DESC, f.sort_at_ms, f.session_id',
    after: '(f.priority < @k0 OR (f.priority = @k0 AND (f.sort_at_ms > @k1 OR (f.sort_at_ms = @k1 AND f.session_id > @k2))))',
    key: (row: InboxRow) => [row.priority ?? 0, row.sort_at_ms, row.session_id],
    shape: ['number', 'number', 'string'],
  },
  snoozed: {
    where: "f.state = 'follow-up' AND f.snoozed_until IS NOT NULL AND f.snoozed_until > @now",
    order: 'f.snoozed_until, f.session_id',
    after: '(f.snoozed_until > @k0 OR (f.snoozed_until = @k0 AND f.session_id > @k1))',
    key: (row: InboxRow) => [row.snoozed_until ?? 0, row.session_id],
    shape: ['number', 'string'],
  },
  done: {
    where: "f.state = 'done'",
    order: 'f.changed_at DESC, f.session_id DESC',
    after: '(f.changed_at < @k0 OR (f.changed_at = @k0 AND f.session_id < @k1))',
    key: (row: InboxRow) => [row.changed_at ?? 0, row.session_id],
    shape: ['number', 'string'],
  },
} as const;

type View = InboxOptions['view'];

function encodeCursor(view: View, key: Array<number | string>): string {
  return Buffer.from(JSON.stringify([view, ...key])).toString('base64url');
}

function decodeCursor(view: View, cursor: string | undefined): Array<number | string> | null {
  if (!cursor) return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const shape = VIEWS[view].shape;
    if (Array.isArray(parsed) && parsed[0] === view && parsed.length === shape.length + 1) {
      const key = parsed.slice(1) as unknown[];
      if (key.every((value, i) => typeof value === shape[i])) return key as Array<number | string>;
    }
  } catch {
    // fall through
  }
  throw new BadCursorError('invalid inbox cursor');
}

export function inbox(db: ReadableDB, options: InboxOptions): InboxPage {
  const view = VIEWS[options.view];
  const key = decodeCursor(options.view, options.cursor);
  const params: Record<string, unknown> = { now: options.now, limit: options.limit + 1 };
  key?.forEach((value, i) => {
    params[`k${i}`] = value;
  });
  const rows = statement(
    db,
    `SELECT ${COLUMNS} FROM follow_ups f JOIN sessions s ON s.session_id = f.session_id
     WHERE ${view.where} AND ${key ? view.after : '1'} ORDER BY ${view.order} LIMIT @limit`,
  ).all(params) as InboxRow[];
  const hasMore = rows.length > options.limit;
  const page = rows.slice(0, options.limit);
  // Not count(*) over the view: the open view's condition on the snooze is not in its index, so
  // that counted every follow-up's row (108 ms at 67,000); the kept counts answer at once.
  const counts = followUpCounts(db, options.now);
  const total = options.view === 'open' ? counts.open : options.view === 'snoozed' ? counts.snoozed : doneCount(db);
  return {
    items: inboxItems(db, page, options.now),
    nextCursor: hasMore && page.length > 0 ? encodeCursor(options.view, view.key(page[page.length - 1]!)) : null,
    total,
  };
}

/** The open follow-ups of one caller (their page shows them), most urgent first. */
export function callerFollowUps(db: ReadableDB, callerKey: string, now: number, limit: number): InboxItem[] {
  const rows = statement(
    db,
    `SELECT ${COLUMNS} FROM sessions s JOIN follow_ups f ON f.session_id = s.session_id
     WHERE s.caller_key = @key AND ${VIEWS.open.where} ORDER BY ${VIEWS.open.order} LIMIT @limit`,
  ).all({ key: callerKey, now, limit }) as InboxRow[];
  return inboxItems(db, rows, now);
}

function inboxItems(db: ReadableDB, rows: InboxRow[], now: number): InboxItem[] {
  const ids = rows.map((row) => row.session_id);
  const tags = tagsOf(db, ids);
  const callers = callerRefs(db, rows, now);
  const notes = new Map<string, number>();
  if (ids.length > 0) {
    const counted = statement(db, `SELECT session_id, count(*) AS n FROM notes WHERE session_id IN (${ids.map(() => '?').join(', ')}) GROUP BY session_id`).all(
      ...ids,
    ) as Array<{ session_id: string; n: number }>;
    for (const row of counted) notes.set(row.session_id, row.n);
  }
  return rows.map((row) => ({
    sessionId: row.session_id,
    state: row.state,
    // A done item keeps the priority it had while it was to follow up.
    priority: priorityName(row.priority) ?? 'normal',
    reasons: parseReasons(row.reasons),
    sortAt: row.sort_at_ms,
    snoozedUntil: row.state === 'follow-up' ? row.snoozed_until : null,
    mode: row.mode,
    durationSeconds: row.duration_seconds,
    firstUserLine: row.first_user_line,
    caller: callers.get(row.session_id) ?? null,
    tags: tags.get(row.session_id) ?? [],
    noteCount: notes.get(row.session_id) ?? 0,
  }));
}
