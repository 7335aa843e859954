/**
 * A session as the triage rules see it (SessionFacts), built from its projected rows: the
 * sessions row and its messages. Shared by the writer (triage when a session is projected, and
 * over the archive) and the reader (rule previews), so both see exactly the same facts.
 */
import type { SessionFacts } from '../../../triage/index.js';
import { statement, type ReadableDB } from '../database.js';
import { FACT_COLUMNS, FACTS_MESSAGE_COLUMNS, factsOf, type FactsMessage, type FactsRow as StoreFactsRow } from '../../rows/session-facts.js';

/** Sessions arrive in rowid order: passes over the archive walk it. */
export interface FactsRow extends StoreFactsRow {
  rowid: number;
}

/** Sessions in arrival order (rowid) after `after`: how passes over the archive walk it. */
export function factsRowsAfter(db: ReadableDB, after: number, limit: number): FactsRow[] {
  return statement(db, `SELECT rowid, ${FACT_COLUMNS} FROM sessions WHERE rowid > ? ORDER BY rowid LIMIT ?`).all(after, limit) as FactsRow[];
}

export function factsRow(db: ReadableDB, sessionId: string): FactsRow | null {
  return (statement(db, `SELECT rowid, ${FACT_COLUMNS} FROM sessions WHERE session_id = ?`).get(sessionId) as FactsRow | undefined) ?? null;
}

export function hasSessionsAfter(db: ReadableDB, rowid: number): boolean {
  return statement(db, 'SELECT 1 FROM sessions WHERE rowid > ? LIMIT 1').get(rowid) !== undefined;
}

export function sessionTotal(db: ReadableDB): number {
  return (statement(db, "SELECT value AS n FROM counters WHERE name = 'sessions'").get() as { n: number } | undefined)?.n ?? 0;
}

/** staleBefore null: nothing counts as dropped (a session just projected is not stale). */
export function sessionFacts(db: ReadableDB, row: FactsRow, staleBefore: number | null): SessionFacts {
  const messages = statement(db, `SELECT ${FACTS_MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq`).all(row.session_id) as FactsMessage[];
  return factsOf(row, messages, staleBefore);
}
