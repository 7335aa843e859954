/** Forwarding as the window shows it (sqlite/reads/forwarding.ts in PostgreSQL): targets with their health, attempts newest first, counts. */
import type { ForwardAttemptPage, ForwardCounts, ForwardTarget } from '../../../../../shared/forwarding.js';
import type { ForwardAttemptQuery } from '../../types.js';
import { all, one, type Db } from '../db.js';
import { toAttempt, toTarget, type AttemptRow, type TargetRow } from '../../rows/forwarding.js';

// Every column but the secret, which is read only by a claim (the sender signs with it).
const TARGETS = `
  SELECT t.id, t.url, t.events, t.headers, t.origin, t.created_at, t.updated_at, t.paused_at, t.paused_reason,
    t.last_success_at, t.last_attempt_at, t.failing_since, t.consecutive_failures, t.last_error,
    (SELECT count(*) FROM forward_outbox o WHERE o.target_id = t.id AND o.state = 'pending') AS queued,
    (SELECT count(*) FROM forward_outbox o WHERE o.target_id = t.id AND o.state = 'gave-up') AS gave_up
  FROM forward_targets t`;

export async function forwardTargets(db: Db): Promise<ForwardTarget[]> {
  return (await all<TargetRow>(db, `${TARGETS} ORDER BY t.id`)).map(toTarget);
}

export async function forwardTarget(db: Db, id: number): Promise<ForwardTarget | null> {
  const row = await one<TargetRow>(db, `${TARGETS} WHERE t.id = ?`, [id]);
  return row ? toTarget(row) : null;
}

export async function forwardAttempts(db: Db, query: ForwardAttemptQuery): Promise<ForwardAttemptPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.targetId !== undefined) {
    where.push('a.target_id = ?');
    params.push(query.targetId);
  }
  if (query.outcome !== undefined) {
    where.push('a.outcome = ?');
    params.push(query.outcome);
  }
  if (query.beforeId !== undefined) {
    where.push('a.id < ?');
    params.push(query.beforeId);
  }
  const rows = await all<AttemptRow>(
    db,
    `SELECT a.id, a.outbox_id, a.target_id, t.url, a.session_id, a.event, a.kind, a.attempt, a.at, a.outcome, a.status, a.latency_ms, a.excerpt, a.error
     FROM forward_attempts a JOIN forward_targets t ON t.id = a.target_id
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY a.id DESC LIMIT ?`,
    [...params, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  return {
    attempts: page.map(toAttempt),
    nextBeforeId: rows.length > query.limit ? page[page.length - 1]!.id : null,
  };
}

export async function forwardCounts(db: Db): Promise<ForwardCounts> {
  // Both outbox counts read a partial index (status asks for them often; sent rows are never counted).
  return (await one<ForwardCounts>(
    db,
    `SELECT count(*) AS targets, count(paused_at) AS paused, count(CASE WHEN paused_at IS NULL THEN failing_since END) AS failing,
       (SELECT count(*) FROM forward_outbox WHERE state = 'pending') AS queued,
       (SELECT count(*) FROM forward_outbox WHERE state = 'gave-up') AS "gaveUp"
     FROM forward_targets`,
  ))!;
}
