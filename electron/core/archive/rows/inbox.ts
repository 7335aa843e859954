/**
 * The inbox's rows and pages: the columns both stores select, each view's order and keyset (what
 * a page's last row continues from), the cursor that carries that key, and the item a row becomes.
 * Which rows a view holds, and how a key continues it, is SQL and stays with each store.
 */
import type { CallerRef, InboxItem, Tag } from '../../../../shared/follow-up.js';
import { BadCursorError } from '../errors.js';
import type { InboxOptions } from '../types.js';
import { parseReasons, priorityName } from './follow-ups.js';
import type { CallerColumns } from './owner-fields.js';

export interface InboxRow extends CallerColumns {
  state: InboxItem['state'];
  priority: number | null;
  snoozed_until: number | null;
  reasons: string;
  changed_at: number | null;
  sort_at_ms: number;
  mode: string | null;
  duration_seconds: number | null;
  first_user_line: string | null;
}

export const INBOX_COLUMNS = `f.session_id, f.state, f.priority, f.snoozed_until, f.reasons, f.changed_at, f.sort_at_ms,
  s.mode, s.duration_seconds, s.first_user_line, s.caller_key, s.caller_label, s.caller_kind`;

type View = InboxOptions['view'];
type Key = Array<number | string>;

/** Each view's order, and the key of a row in it (the keyset a page continues after). */
export const INBOX_VIEWS = {
  open: {
    order: 'f.priority DESC, f.sort_at_ms, f.session_id',
    key: (row: InboxRow): Key => [row.priority ?? 0, row.sort_at_ms, row.session_id],
    shape: ['number', 'number', 'string'],
  },
  snoozed: {
    order: 'f.snoozed_until, f.session_id',
    key: (row: InboxRow): Key => [row.snoozed_until ?? 0, row.session_id],
    shape: ['number', 'string'],
  },
  done: {
    order: 'f.changed_at DESC, f.session_id DESC',
    key: (row: InboxRow): Key => [row.changed_at ?? 0, row.session_id],
    shape: ['number', 'string'],
  },
} as const satisfies Record<View, unknown>;

export function encodeInboxCursor(view: View, row: InboxRow): string {
  return Buffer.from(JSON.stringify([view, ...INBOX_VIEWS[view].key(row)])).toString('base64url');
}

/** The key a cursor continues after; numbers must be whole (they are ms and priorities, bound to bigints). */
export function decodeInboxCursor(view: View, cursor: string | undefined): Key | null {
  if (!cursor) return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const shape = INBOX_VIEWS[view].shape;
    if (Array.isArray(parsed) && parsed[0] === view && parsed.length === shape.length + 1) {
      const key = parsed.slice(1) as unknown[];
      if (key.every((value, i) => typeof value === shape[i] && (typeof value !== 'number' || Number.isSafeInteger(value)))) return key as Key;
    }
  } catch {
    // fall through
  }
  throw new BadCursorError('invalid inbox cursor');
}

/** What the page's batched reads found for one item. */
interface InboxExtras {
  caller: CallerRef | null;
  tags: Tag[];
  noteCount: number;
}

function toInboxItem(row: InboxRow, extras: InboxExtras): InboxItem {
  return {
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
    ...extras,
  };
}

export interface NoteCountRow {
  session_id: string;
  n: number;
}

/** The page's items with what its batched reads found (a session with no notes counts 0). */
export function inboxItemsOf(rows: readonly InboxRow[], tags: ReadonlyMap<string, Tag[]>, callers: ReadonlyMap<string, CallerRef>, noteCounts: readonly NoteCountRow[]): InboxItem[] {
  const notes = new Map(noteCounts.map((row) => [row.session_id, row.n]));
  return rows.map((row) =>
    toInboxItem(row, { caller: callers.get(row.session_id) ?? null, tags: tags.get(row.session_id) ?? [], noteCount: notes.get(row.session_id) ?? 0 }),
  );
}
