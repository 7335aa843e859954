/**
 * Session reads behind the archive window: newest-first pages (keyset pagination, so page 1,000
 * costs what page 1 costs), full-text search, one session, its messages, the filter lists.
 */
import type { Facets, MessagePage, SessionDetail, SessionFilters, SessionPage } from '../../../../../shared/api.js';
import type { ListOptions } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';
import { doneCount, followUpCounts } from './follow-ups.js';
import { hourOf, localMs, weekdayOf } from './local-time.js';
import { ownerFields } from './session-owner-fields.js';
import { decodeSessionCursor, encodeSessionCursor, FILE_COLUMNS, followUpCondition, followUpSetSize, MESSAGE_COLUMNS, messagePageOf, SESSION_COLUMNS, sessionDetailOf, sizeNeedsDone, toSummary, type FileRow, type FilterClause, type MessageRow, type ReceivedRow, type SessionRow as StoreSessionRow } from '../../rows/sessions.js';
import { highlight, isPrefix, lastWordTooShort, PREFIX_HINT, PREFIX_MIN, searchTerms, type SearchTerm } from '../../search-text.js';

export { highlight, PREFIX_HINT, PREFIX_MIN };

/** Sessions arrive in rowid order (the search index's rowid is the session's). */
interface SessionRow extends StoreSessionRow {
  rowid: number;
}

const LIST_COLUMNS = `s.rowid, ${SESSION_COLUMNS}`;

/** Matches fetched from the index per step while filling a page of search results. */
const SEARCH_STEP = 400;
/** Beyond this many matching sessions the count says "10,000+" instead of counting on. */
const SEARCH_COUNT_CAP = 10_000;
/** Messages a snippet looks through for a match. */
const SNIPPET_SCAN = 400;

/**
 * Turns what a person types into a safe FTS5 query (see search-text.ts): every word quoted, so
 * punctuation, UUIDs and FTS5 operators are just text.
 */
export function toFtsQuery(input: string): string | null {
  const words = input
    .split(/\s+/)
    // eslint-disable-next-line no-control-regex -- quotes and control characters cannot appear inside an FTS5 string
    .map((word) => word.replace(/["\u0000-\u001f]/g, '').trim())
    .filter((word) => word.length > 0)
    .slice(0, 16);
  if (words.length === 0) return null;
  return words.map((word, i) => `"${word}"${i === words.length - 1 && isPrefix(word) ? ' *' : ''}`).join(' ');
}

type FollowUpFilter = NonNullable<SessionFilters['followUp']>;

/** How many sessions a follow-up filter matches, from the kept counts (no scan). */
function followUpSize(db: ReadableDB, state: FollowUpFilter, now: number): { size: number; sessions: number } {
  const sessions = (statement(db, "SELECT value AS n FROM counters WHERE name = 'sessions'").get() as { n: number }).n;
  return { size: followUpSetSize(state, sessions, followUpCounts(db, now), sizeNeedsDone(state) ? doneCount(db) : 0), sessions };
}

function filterClause(db: ReadableDB, filters: SessionFilters, now: number, staleAfterMs: number): FilterClause {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filters.from !== undefined) {
    parts.push('s.sort_at_ms >= ?');
    params.push(filters.from);
  }
  if (filters.to !== undefined) {
    parts.push('s.sort_at_ms <= ?');
    params.push(filters.to);
  }
  if (filters.reasons && filters.reasons.length > 0) {
    parts.push(`s.reason IN (${filters.reasons.map(() => '?').join(', ')})`);
    params.push(...filters.reasons);
  }
  if (filters.mode) {
    parts.push('s.mode = ?');
    params.push(filters.mode);
  }
  if (filters.status === 'ended') parts.push("s.status = 'ended'");
  if (filters.status === 'active') {
    parts.push("s.status = 'active' AND s.sort_at_ms >= ?");
    params.push(now - staleAfterMs);
  }
  if (filters.status === 'stale') {
    parts.push("s.status = 'active' AND s.sort_at_ms < ?");
    params.push(now - staleAfterMs);
  }
  if (filters.minDurationSeconds !== undefined) {
    parts.push('s.duration_seconds >= ?');
    params.push(filters.minDurationSeconds);
  }
  if (filters.maxDurationSeconds !== undefined) {
    parts.push('s.duration_seconds <= ?');
    params.push(filters.maxDurationSeconds);
  }
  if (filters.durationBelowSeconds !== undefined) {
    parts.push('s.duration_seconds < ?');
    params.push(filters.durationBelowSeconds);
  }
  if (filters.localTime) {
    // The Overview's heat map cells, bucketed exactly as reads/overview.ts buckets them.
    const local = localMs('s.sort_at_ms', filters.localTime.utcOffsets);
    if (filters.localTime.weekday !== undefined) {
      parts.push(`${weekdayOf(local.sql)} = ?`);
      params.push(...local.params, filters.localTime.weekday);
    }
    if (filters.localTime.hour !== undefined) {
      parts.push(`${hourOf(local.sql)} = ?`);
      params.push(...local.params, filters.localTime.hour);
    }
  }
  if (filters.toolName !== undefined) {
    const failed = filters.toolFailed === undefined ? '' : filters.toolFailed ? ' AND t.failures > 0' : ' AND t.failures = 0';
    parts.push(`s.session_id IN (SELECT t.session_id FROM session_tools t WHERE t.tool_name = ?${failed})`);
    params.push(filters.toolName);
  }
  if (filters.callerHistory) {
    // A caller's first session: the smallest start in their part of the caller index.
    parts.push(
      `s.caller_key IS NOT NULL AND (SELECT min(c.sort_at_ms) FROM sessions c WHERE c.caller_key = s.caller_key) ${filters.callerHistory.kind === 'new' ? '>=' : '<'} ?`,
    );
    params.push(filters.callerHistory.since);
  }
  if (filters.hasToolErrors !== undefined) parts.push(filters.hasToolErrors ? 's.tool_error_count > 0' : 's.tool_error_count = 0');
  if (filters.hasFiles !== undefined) parts.push(filters.hasFiles ? 's.file_count > 0' : 's.file_count = 0');
  if (filters.assistantId !== undefined) {
    parts.push('CAST(s.assistant_id AS TEXT) = ?');
    params.push(filters.assistantId);
  }
  const otherFilters = parts.length > 0 || filters.tagId !== undefined || filters.callerKey !== undefined;
  let followUpOnly: number | null = null;
  let followUpDense = false;
  if (filters.followUp !== undefined) {
    const { size, sessions } = followUpSize(db, filters.followUp, now);
    followUpDense = size * 8 >= sessions;
    if (!otherFilters) followUpOnly = size;
    const condition = followUpCondition(filters.followUp, followUpDense, now);
    parts.push(condition.sql);
    params.push(...condition.params);
  }
  if (filters.tagId !== undefined) {
    parts.push('s.session_id IN (SELECT st.session_id FROM session_tags st WHERE st.tag_id = ?)');
    params.push(filters.tagId);
  }
  if (filters.callerKey !== undefined) {
    parts.push('s.caller_key = ?');
    params.push(filters.callerKey);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params, followUpOnly, followUpDense };
}

export function listSessions(db: ReadableDB, options: ListOptions): SessionPage {
  const now = options.now ?? Date.now();
  const filter = filterClause(db, options.filters, now, options.staleAfterMs);
  const cursor = decodeSessionCursor(options.cursor);
  const keyset = cursor ? '(s.sort_at_ms < ? OR (s.sort_at_ms = ? AND s.session_id < ?))' : '1';
  const keysetParams = cursor ? [cursor.sortAt, cursor.sortAt, cursor.sessionId] : [];
  const fts = options.query ? toFtsQuery(options.query) : null;
  const limit = options.limit;

  let rows: SessionRow[];
  let total: number | null;
  if (!fts) {
    rows = statement(db, `SELECT ${LIST_COLUMNS} FROM sessions s WHERE ${filter.sql} AND ${keyset} ORDER BY s.sort_at_ms DESC, s.session_id DESC LIMIT ?`)
      .all(...filter.params, ...keysetParams, limit + 1) as SessionRow[];
    total = cursor ? null : countSessions(db, filter);
  } else {
    rows = searchSessions(db, fts, filter, cursor?.position ?? null, limit + 1);
    total = cursor || filter.sql !== '1' ? null : countMatches(db, fts);
  }
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const owner = ownerFields(db, page, now);
  const items = page.map((row) => toSummary(row, now, options.staleAfterMs, owner.get(row.session_id)!));
  if (fts) {
    const terms = searchTerms(options.query ?? '');
    page.forEach((row, i) => {
      items[i]!.snippet = snippetFor(db, row, terms);
    });
  }
  return {
    items,
    nextCursor: hasMore && page.length > 0 ? encodeSessionCursor(page[page.length - 1]!, page[page.length - 1]!.rowid) : null,
    total,
    hint: fts && lastWordTooShort(options.query ?? '') ? PREFIX_HINT : null,
  };
}

/**
 * Without filters the kept counter answers; a follow-up filter alone, the kept follow-up counts;
 * otherwise the filtered rows are counted, except behind a follow-up filter that matches most
 * sessions (null: "100+", like a broad search), which would mean looking up every session.
 */
function countSessions(db: ReadableDB, filter: FilterClause): number | null {
  if (filter.followUpOnly !== null) return filter.followUpOnly;
  if (filter.followUpDense) return null;
  if (filter.sql === '1') return (statement(db, "SELECT value AS n FROM counters WHERE name = 'sessions'").get() as { n: number }).n;
  return (statement(db, `SELECT count(*) AS n FROM sessions s WHERE ${filter.sql}`).get(...filter.params) as { n: number }).n;
}

/**
 * Walks the index newest-first (by arrival) in steps, keeping sessions that pass the filters,
 * and stops as soon as a page is full: the cost follows the page, not the number of matches.
 */
function searchSessions(db: ReadableDB, fts: string, filter: { sql: string; params: unknown[] }, beforeRowid: number | null, wanted: number): SessionRow[] {
  const step = statement(db, 'SELECT rowid FROM session_search WHERE session_search MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?');
  const found: SessionRow[] = [];
  let before = beforeRowid ?? Number.MAX_SAFE_INTEGER;
  for (;;) {
    const ids = (step.all(fts, before, SEARCH_STEP) as Array<{ rowid: number }>).map((r) => r.rowid);
    if (ids.length === 0) return found;
    const rows = statement(db, `SELECT ${LIST_COLUMNS} FROM sessions s WHERE s.rowid IN (${ids.map(() => '?').join(',')}) AND ${filter.sql} ORDER BY s.rowid DESC`)
      .all(...ids, ...filter.params) as SessionRow[];
    for (const row of rows) {
      found.push(row);
      if (found.length >= wanted) return found;
    }
    before = ids[ids.length - 1]!;
    if (ids.length < SEARCH_STEP) return found;
  }
}

function countMatches(db: ReadableDB, fts: string): number | null {
  const n = (statement(db, 'SELECT count(*) AS n FROM (SELECT rowid FROM session_search WHERE session_search MATCH ? LIMIT ?)').get(fts, SEARCH_COUNT_CAP + 1) as { n: number }).n;
  return n > SEARCH_COUNT_CAP ? null : n;
}

/**
 * The first message (or metadata) where a searched word appears, cut around it, with every
 * searched word between HIGHLIGHT_START and HIGHLIGHT_END.
 */
function snippetFor(db: ReadableDB, row: SessionRow, terms: SearchTerm[]): string | null {
  if (terms.length === 0) return null;
  const texts = (
    statement(
      db,
      `SELECT content, coalesce(tool_name, '') || ' ' || coalesce(tool_error, '') || ' ' || coalesce(tool_arguments, '') || ' ' || coalesce(tool_result, '') AS tool
       FROM messages WHERE session_id = ? ORDER BY seq LIMIT ?`,
    ).all(row.session_id, SNIPPET_SCAN) as Array<{ content: string; tool: string }>
  ).flatMap((m) => [m.content, m.tool]);
  if (row.metadata) texts.push(row.metadata);
  for (const text of texts) {
    const snippet = highlight(text, terms);
    if (snippet) return snippet;
  }
  return null;
}

export function getSession(db: ReadableDB, sessionId: string, staleAfterMs: number, now = Date.now()): SessionDetail | null {
  const row = statement(db, `SELECT ${LIST_COLUMNS} FROM sessions s WHERE s.session_id = ?`).get(sessionId) as SessionRow | undefined;
  if (!row) return null;
  const received = statement(db, 'SELECT event, received_at, redactions FROM events WHERE session_id = ?').all(sessionId) as ReceivedRow[];
  return sessionDetailOf(toSummary(row, now, staleAfterMs, ownerFields(db, [row], now).get(row.session_id)!), row.metadata, received);
}

export function getMessages(db: ReadableDB, sessionId: string, offset: number, limit: number): MessagePage {
  const rows = statement(db, `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE session_id = ? AND seq >= ? ORDER BY seq LIMIT ?`).all(sessionId, offset, limit) as MessageRow[];
  const files = rows.some((r) => r.file_count > 0)
    ? (statement(db, `SELECT ${FILE_COLUMNS} FROM files WHERE session_id = ? AND message_seq BETWEEN ? AND ? ORDER BY id`).all(
        sessionId, rows[0]!.seq, rows[rows.length - 1]!.seq,
      ) as FileRow[])
    : [];
  const total = (statement(db, 'SELECT message_count AS n FROM sessions WHERE session_id = ?').get(sessionId) as { n: number } | undefined)?.n ?? 0;
  return messagePageOf(rows, files, total);
}

export function getFacets(db: ReadableDB): Facets {
  const reasons = (statement(db, 'SELECT DISTINCT reason FROM sessions WHERE reason IS NOT NULL ORDER BY reason LIMIT 200').all() as Array<{ reason: string }>).map((r) => r.reason);
  const assistants = (statement(db, 'SELECT DISTINCT CAST(assistant_id AS TEXT) AS a FROM sessions WHERE assistant_id IS NOT NULL ORDER BY a LIMIT 200').all() as Array<{ a: string }>).map((r) => r.a);
  const range = statement(db, 'SELECT min(sort_at_ms) AS oldest, max(sort_at_ms) AS newest FROM sessions').get() as { oldest: number | null; newest: number | null };
  return { reasons, assistants, oldestSortAt: range.oldest, newestSortAt: range.newest };
}

