/**
 * A session as the triage rules see it (SessionFacts), built from its projected rows, as the
 * SQLite store builds it (sqlite/reads/session-facts.ts): shared by the writer's triage and the
 * rule preview, so both see exactly the same facts.
 */
import type { SessionFacts } from '../../../triage/index.js';
import { all, one, value, type Db } from '../db.js';
import { FACT_COLUMNS, FACTS_MESSAGE_COLUMNS, factsOf, type FactsMessage, type FactsRow as StoreFactsRow } from '../../rows/session-facts.js';

/** Sessions arrive in seq order: passes over the archive walk it. */
export interface FactsRow extends StoreFactsRow {
  seq: number;
  assistant_id: string | null;
}

/** Sessions in arrival order (seq) after `after`: how passes over the archive walk it. */
export function factsRowsAfter(db: Db, after: number, limit: number): Promise<FactsRow[]> {
  return all<FactsRow>(db, `SELECT seq, ${FACT_COLUMNS} FROM sessions WHERE seq > ? ORDER BY seq LIMIT ?`, [after, limit]);
}

export async function factsRow(db: Db, sessionId: string): Promise<FactsRow | null> {
  return (await one<FactsRow>(db, `SELECT seq, ${FACT_COLUMNS} FROM sessions WHERE session_id = ?`, [sessionId])) ?? null;
}

/** Several sessions' facts in one query (a batch's triage), in arrival order. */
export function factsRows(db: Db, sessionIds: readonly string[]): Promise<FactsRow[]> {
  return all<FactsRow>(db, `SELECT seq, ${FACT_COLUMNS} FROM sessions WHERE session_id = ANY(?::text[]) ORDER BY seq`, [sessionIds]);
}

export async function hasSessionsAfter(db: Db, seq: number): Promise<boolean> {
  return (await one(db, 'SELECT 1 FROM sessions WHERE seq > ? LIMIT 1', [seq])) !== undefined;
}

export async function sessionTotal(db: Db): Promise<number> {
  return (await value<number | undefined>(db, "SELECT value FROM counters WHERE name = 'sessions'")) ?? 0;
}

/** staleBefore null: nothing counts as dropped (a session just projected is not stale). */
export async function sessionFacts(db: Db, row: FactsRow, staleBefore: number | null): Promise<SessionFacts> {
  const messages = await all<FactsMessage>(db, `SELECT ${FACTS_MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq`, [row.session_id]);
  return factsOf(row, messages, staleBefore);
}

/** Several sessions' messages in one query (a batch's triage), each session's in order. */
export async function messagesOfSessions(db: Db, sessionIds: readonly string[]): Promise<Map<string, FactsMessage[]>> {
  const bySession = new Map<string, FactsMessage[]>(sessionIds.map((id) => [id, []]));
  const rows = await all<FactsMessage>(db, `SELECT ${FACTS_MESSAGE_COLUMNS} FROM messages WHERE session_id = ANY(?::text[]) ORDER BY session_id, seq`, [sessionIds]);
  for (const message of rows) bySession.get(message.session_id)?.push(message);
  return bySession;
}
