/**
 * Session reads behind the archive window, as the SQLite store answers them (sqlite/reads/sessions.ts):
 * newest-first pages with keyset cursors, full-text search newest first (by arrival), one session,
 * its messages, the filter lists. Search uses the session's tsvector (GIN) with the same words
 * (search.ts), and the same snippets (search-text.ts).
 */
import type { Facets, MessagePage, SessionDetail, SessionFilters, SessionPage } from '../../../../../shared/api.js';
import { highlight, lastWordTooShort, PREFIX_HINT, searchTerms, type SearchTerm } from '../../search-text.js';
import type { ListOptions } from '../../types.js';
import { all, one, placeholders, value, withoutTableScans, type Db } from '../db.js';
import { toSearchQuery, typedWords, type SearchQuery } from '../search.js';
import { doneCount, followUpCounts } from './follow-ups.js';
import { overviewFilterConditions } from './overview-filters.js';
import { ownerFields } from './session-owner-fields.js';
import { decodeSessionCursor, encodeSessionCursor, FILE_COLUMNS, followUpCondition, followUpSetSize, MESSAGE_COLUMNS, messagePageOf, SESSION_COLUMNS, sessionDetailOf, sizeNeedsDone, toSummary, type FileRow, type FilterClause, type MessageRow, type ReceivedRow, type SessionRow as StoreSessionRow } from '../../rows/sessions.js';

/** Sessions arrive in seq order: searches page by it. */
interface SessionRow extends StoreSessionRow {
  seq: number;
  assistant_id: string | null;
}

const LIST_COLUMNS = `s.seq, ${SESSION_COLUMNS}`;

/** Beyond this many matching sessions the count says "10,000+" instead of counting on. */
const SEARCH_COUNT_CAP = 10_000;
/** Messages a snippet looks through for a match. */
const SNIPPET_SCAN = 400;

type FollowUpFilter = NonNullable<SessionFilters['followUp']>;

async function followUpSize(db: Db, state: FollowUpFilter, now: number): Promise<{ size: number; sessions: number }> {
  const sessions = await value<number>(db, "SELECT value FROM counters WHERE name = 'sessions'");
  const counts = await followUpCounts(db, now);
  return { size: followUpSetSize(state, sessions, counts, sizeNeedsDone(state) ? await doneCount(db) : 0), sessions };
}

async function filterClause(db: Db, filters: SessionFilters, now: number, staleAfterMs: number): Promise<FilterClause> {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    parts.push(sql);
    params.push(...values);
  };
  if (filters.from !== undefined) add('s.sort_at_ms >= ?', filters.from);
  if (filters.to !== undefined) add('s.sort_at_ms <= ?', filters.to);
  if (filters.reasons && filters.reasons.length > 0) add(`s.reason IN (${placeholders(filters.reasons.length)})`, ...filters.reasons);
  if (filters.mode) add('s.mode = ?', filters.mode);
  if (filters.status === 'ended') add("s.status = 'ended'");
  if (filters.status === 'active') add("s.status = 'active' AND s.sort_at_ms >= ?", now - staleAfterMs);
  if (filters.status === 'stale') add("s.status = 'active' AND s.sort_at_ms < ?", now - staleAfterMs);
  if (filters.minDurationSeconds !== undefined) add('s.duration_seconds >= ?', filters.minDurationSeconds);
  if (filters.maxDurationSeconds !== undefined) add('s.duration_seconds <= ?', filters.maxDurationSeconds);
  if (filters.hasToolErrors !== undefined) add(filters.hasToolErrors ? 's.tool_error_count > 0' : 's.tool_error_count = 0');
  if (filters.hasFiles !== undefined) add(filters.hasFiles ? 's.file_count > 0' : 's.file_count = 0');
  if (filters.assistantId !== undefined) add('s.assistant_id = ?', filters.assistantId);
  for (const condition of overviewFilterConditions(filters)) add(condition.sql, ...condition.params);
  const otherFilters = parts.length > 0 || filters.tagId !== undefined || filters.callerKey !== undefined;
  let followUpOnly: number | null = null;
  let followUpDense = false;
  if (filters.followUp !== undefined) {
    const { size, sessions } = await followUpSize(db, filters.followUp, now);
    followUpDense = size * 8 >= sessions;
    if (!otherFilters) followUpOnly = size;
    const condition = followUpCondition(filters.followUp, followUpDense, now);
    add(condition.sql, ...condition.params);
  }
  if (filters.tagId !== undefined) add('s.session_id IN (SELECT st.session_id FROM session_tags st WHERE st.tag_id = ?)', filters.tagId);
  if (filters.callerKey !== undefined) add('s.caller_key = ?', filters.callerKey);
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', params, followUpOnly, followUpDense };
}

export async function listSessions(db: Db, options: ListOptions): Promise<SessionPage> {
  const now = options.now ?? Date.now();
  const cursor = decodeSessionCursor(options.cursor);
  const filter = await filterClause(db, options.filters, now, options.staleAfterMs);
  const limit = options.limit;
  const searching = options.query !== undefined && typedWords(options.query).length > 0;
  const search = searching ? toSearchQuery(options.query!) : null;

  let rows: SessionRow[];
  let total: number | null;
  if (!searching) {
    const keyset = cursor ? '(s.sort_at_ms < ? OR (s.sort_at_ms = ? AND s.session_id < ?))' : 'TRUE';
    const keysetParams = cursor ? [cursor.sortAt, cursor.sortAt, cursor.sessionId] : [];
    rows = await all<SessionRow>(
      db,
      `SELECT ${LIST_COLUMNS} FROM sessions s WHERE ${filter.sql} AND ${keyset} ORDER BY s.sort_at_ms DESC, s.session_id DESC LIMIT ?`,
      [...filter.params, ...keysetParams, limit + 1],
    );
    total = cursor ? null : await countSessions(db, filter);
  } else if (search === null) {
    rows = [];
    total = cursor ? null : 0;
  } else {
    const matching = matchCondition(search);
    ({ rows, total } = await withoutTableScans(db, async (snapshot) => {
      const { matches, sessions } = await countMatches(snapshot, matching);
      const order = walkNewestFirst(matches, sessions) ? 's.seq DESC' : '(s.seq + 0) DESC';
      const found = await all<SessionRow>(
        snapshot,
        `SELECT ${LIST_COLUMNS} FROM sessions s
         WHERE ${matching.sql} AND s.seq < ? AND ${filter.sql} ORDER BY ${order} LIMIT ?`,
        [...matching.params, cursor?.position ?? Number.MAX_SAFE_INTEGER, ...filter.params, limit + 1],
      );
      return { rows: found, total: cursor || filter.sql !== 'TRUE' ? null : matches };
    }));
  }
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const owner = await ownerFields(db, page, now);
  const items = page.map((row) => toSummary(row, now, options.staleAfterMs, owner.get(row.session_id)!));
  if (searching) {
    const snippets = await snippetsFor(db, page, searchTerms(options.query ?? ''));
    page.forEach((row, i) => {
      items[i]!.snippet = snippets.get(row.session_id) ?? null;
    });
  }
  return {
    items,
    nextCursor: hasMore && page.length > 0 ? encodeSessionCursor(page[page.length - 1]!, page[page.length - 1]!.seq) : null,
    total,
    hint: searching && lastWordTooShort(options.query ?? '') ? PREFIX_HINT : null,
  };
}

async function countSessions(db: Db, filter: FilterClause): Promise<number | null> {
  if (filter.followUpOnly !== null) return filter.followUpOnly;
  if (filter.followUpDense) return null;
  if (filter.sql === 'TRUE') return value<number>(db, "SELECT value FROM counters WHERE name = 'sessions'");
  return value<number>(db, `SELECT count(*) FROM sessions s WHERE ${filter.sql}`, filter.params);
}

/**
 * The sessions a search matches: by the index; and a session indexed by its words alone (an
 * overlong transcript, search.ts), which a phrase never matches, by its words and then its text,
 * where each phrase must appear as typed. Only such sessions have a text to read, each by its key.
 */
function matchCondition(search: SearchQuery): { sql: string; params: unknown[] } {
  const indexed = "s.search @@ to_tsquery('simple', ?)";
  if (search.wordsQuery === null) return { sql: indexed, params: [search.tsQuery] };
  const holdsEvery = search.phrases.map(() => 'strpos(t.text, ?) > 0').join(' AND ');
  return {
    sql: `(${indexed} OR (s.search @@ to_tsquery('simple', ?) AND EXISTS (SELECT 1 FROM session_search_texts t WHERE t.session_id = s.session_id AND ${holdsEvery})))`,
    params: [search.tsQuery, search.wordsQuery, ...search.phrases],
  };
}

/** The sessions a search matches, up to the cap (null beyond it), and the archive's sessions. */
async function countMatches(db: Db, matching: { sql: string; params: unknown[] }): Promise<{ matches: number | null; sessions: number }> {
  const row = (await one<{ matches: number; sessions: number }>(
    db,
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM sessions s WHERE ${matching.sql} LIMIT ?) m) AS matches,
            (SELECT value FROM counters WHERE name = 'sessions') AS sessions`,
    [...matching.params, SEARCH_COUNT_CAP + 1],
  ))!;
  return { matches: row.matches > SEARCH_COUNT_CAP ? null : row.matches, sessions: row.sessions };
}

/**
 * How a search finds its page, by the rows each way reads: walking the sessions newest first reads
 * about page × sessions / matches of them, each with its search vector (~10 µs: it is TOASTed);
 * taking the matches from the index reads every match without its vector (~3 µs), then sorts them.
 * PostgreSQL's own choice ignores the vectors' cost: for "s" in a 100k archive (1,369 matches) it
 * walked 7,674 sessions (79 ms) where the index and a sort took 8 ms. A word in more sessions than
 * the count goes to ("the", "a") is walked: a page is found in the first few hundred.
 */
function walkNewestFirst(matches: number | null, sessions: number): boolean {
  return matches === null || matches * matches * 3 > WALK_PAGE * sessions * 10;
}

/** The page size the choice above reckons with (the window asks for 100). */
const WALK_PAGE = 100;

/**
 * Each session's first message (or its metadata) where a searched word appears, cut around it with
 * the words marked (search-text.ts, as the SQLite store): the page's messages in one query.
 */
async function snippetsFor(db: Db, rows: SessionRow[], terms: SearchTerm[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  if (terms.length === 0 || rows.length === 0) return out;
  const messages = await all<{ session_id: string; content: string; tool: string }>(
    db,
    `SELECT session_id, content,
            coalesce(tool_name, '') || ' ' || coalesce(tool_error, '') || ' ' || coalesce(tool_arguments, '') || ' ' || coalesce(tool_result, '') AS tool
     FROM messages WHERE session_id = ANY(?::text[]) AND seq < ? ORDER BY session_id, seq`,
    [rows.map((row) => row.session_id), SNIPPET_SCAN],
  );
  const texts = new Map<string, string[]>();
  for (const m of messages) {
    const list = texts.get(m.session_id) ?? [];
    list.push(m.content, m.tool);
    texts.set(m.session_id, list);
  }
  for (const row of rows) {
    const candidates = [...(texts.get(row.session_id) ?? []), ...(row.metadata ? [row.metadata] : [])];
    let snippet: string | null = null;
    for (const text of candidates) {
      snippet = highlight(text, terms);
      if (snippet) break;
    }
    out.set(row.session_id, snippet);
  }
  return out;
}

export async function getSession(db: Db, sessionId: string, staleAfterMs: number, now = Date.now()): Promise<SessionDetail | null> {
  const row = await one<SessionRow>(db, `SELECT ${LIST_COLUMNS} FROM sessions s WHERE s.session_id = ?`, [sessionId]);
  if (!row) return null;
  const received = await all<ReceivedRow>(db, 'SELECT event, received_at, redactions FROM events WHERE session_id = ?', [sessionId]);
  return sessionDetailOf(toSummary(row, now, staleAfterMs, (await ownerFields(db, [row], now)).get(row.session_id)!), row.metadata, received);
}

export async function getMessages(db: Db, sessionId: string, offset: number, limit: number): Promise<MessagePage> {
  const rows = await all<MessageRow>(db, `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE session_id = ? AND seq >= ? ORDER BY seq LIMIT ?`, [sessionId, offset, limit]);
  const files = rows.some((r) => r.file_count > 0)
    ? await all<FileRow>(db, `SELECT ${FILE_COLUMNS} FROM files WHERE session_id = ? AND message_seq BETWEEN ? AND ? ORDER BY id`, [
        sessionId,
        rows[0]!.seq,
        rows[rows.length - 1]!.seq,
      ])
    : [];
  const total = (await value<number | undefined>(db, 'SELECT message_count FROM sessions WHERE session_id = ?', [sessionId])) ?? 0;
  return messagePageOf(rows, files, total);
}

export async function getFacets(db: Db): Promise<Facets> {
  const reasons = (await all<{ reason: string }>(db, 'SELECT DISTINCT reason FROM sessions WHERE reason IS NOT NULL ORDER BY reason LIMIT 200')).map((r) => r.reason);
  const assistants = (await all<{ a: string }>(db, 'SELECT DISTINCT assistant_id AS a FROM sessions WHERE assistant_id IS NOT NULL ORDER BY a LIMIT 200')).map((r) => r.a);
  const range = (await one<{ oldest: number | null; newest: number | null }>(db, 'SELECT min(sort_at_ms) AS oldest, max(sort_at_ms) AS newest FROM sessions'))!;
  return { reasons, assistants, oldestSortAt: range.oldest, newestSortAt: range.newest };
}
