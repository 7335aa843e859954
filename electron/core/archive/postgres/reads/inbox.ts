/**
 * The inbox (sqlite/reads/inbox.ts in PostgreSQL): sessions to follow up by priority then oldest
 * first, the snoozed ones by when they come back, the done ones newest first; each a range of a
 * partial index of follow_ups walked with a keyset cursor.
 */
import type { InboxItem, InboxPage } from '../../../../../shared/follow-up.js';
import { BadCursorError } from '../../errors.js';
import type { InboxOptions } from '../../types.js';
import { all, placeholders, type Db } from '../db.js';
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

/** Each view: which follow-ups ($1 = now), in which order, and how a page's last row continues it ($2…). */
const VIEWS = {
  open: {
    where: "f.state = 'follow-up' AND (f.snoozed_until IS NULL OR f.snoozed_until <= $1)",
    order: 'f.priority DESC, f.sort_at_ms, f.session_id',
    after: '(f.priority < $2 OR (f.priority = $2 AND (f.sort_at_ms > $3 OR (f.sort_at_ms = $3 AND f.session_id > $4))))',
    key: (row: InboxRow) => [row.priority ?? 0, row.sort_at_ms, row.session_id],
    shape: ['number', 'number', 'string'],
  },
  snoozed: {
    where: "f.state = 'follow-up' AND f.snoozed_until IS NOT NULL AND f.snoozed_until > $1",
    order: 'f.snoozed_until, f.session_id',
    after: '(f.snoozed_until > $2 OR (f.snoozed_until = $2 AND f.session_id > $3))',
    key: (row: InboxRow) => [row.snoozed_until ?? 0, row.session_id],
    shape: ['number', 'string'],
  },
  done: {
    where: "f.state = 'done' AND $1::bigint IS NOT NULL",
    order: 'f.changed_at DESC, f.session_id DESC',
    after: '(f.changed_at < $2 OR (f.changed_at = $2 AND f.session_id < $3))',
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
      if (key.every((value, i) => typeof value === shape[i] && (typeof value !== 'number' || Number.isSafeInteger(value)))) return key as Array<number | string>;
    }
  } catch {
    // fall through
  }
  throw new BadCursorError('invalid inbox cursor');
}

export async function inbox(db: Db, options: InboxOptions): Promise<InboxPage> {
  const view = VIEWS[options.view];
  const key = decodeCursor(options.view, options.cursor);
  const params: unknown[] = [options.now, ...(key ?? [])];
  const rows = (
    await db.query(
      `SELECT ${COLUMNS} FROM follow_ups f JOIN sessions s ON s.session_id = f.session_id
       WHERE ${view.where} AND ${key ? view.after : 'TRUE'} ORDER BY ${view.order} LIMIT $${params.length + 1}`,
      [...params, options.limit + 1],
    )
  ).rows as InboxRow[];
  const hasMore = rows.length > options.limit;
  const page = rows.slice(0, options.limit);
  const counts = await followUpCounts(db, options.now);
  const total = options.view === 'open' ? counts.open : options.view === 'snoozed' ? counts.snoozed : await doneCount(db);
  return {
    items: await inboxItems(db, page, options.now),
    nextCursor: hasMore && page.length > 0 ? encodeCursor(options.view, view.key(page[page.length - 1]!)) : null,
    total,
  };
}

/** The open follow-ups of one caller (their page shows them), most urgent first. */
export async function callerFollowUps(db: Db, callerKey: string, now: number, limit: number): Promise<InboxItem[]> {
  const rows = (
    await db.query(
      `SELECT ${COLUMNS} FROM sessions s JOIN follow_ups f ON f.session_id = s.session_id
       WHERE ${VIEWS.open.where} AND s.caller_key = $2 ORDER BY ${VIEWS.open.order} LIMIT $3`,
      [now, callerKey, limit],
    )
  ).rows as InboxRow[];
  return inboxItems(db, rows, now);
}

async function inboxItems(db: Db, rows: InboxRow[], now: number): Promise<InboxItem[]> {
  const ids = rows.map((row) => row.session_id);
  const tags = await tagsOf(db, ids);
  const callers = await callerRefs(db, rows, now);
  const notes = new Map<string, number>();
  if (ids.length > 0) {
    const counted = await all<{ session_id: string; n: number }>(db, `SELECT session_id, count(*) AS n FROM notes WHERE session_id IN (${placeholders(ids.length)}) GROUP BY session_id`, ids);
    for (const row of counted) notes.set(row.session_id, row.n);
  }
  return rows.map((row) => ({
    sessionId: row.session_id,
    state: row.state,
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
