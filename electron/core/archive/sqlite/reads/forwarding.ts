/** Forwarding as the window shows it: targets with their health, attempts newest first, counts. */
import type { ForwardAttempt, ForwardAttemptPage, ForwardCounts, ForwardKind, ForwardOrigin, ForwardTarget } from '../../../../../shared/forwarding.js';
import type { ForwardAttemptQuery } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';

interface TargetRow {
  id: number;
  url: string;
  events: string;
  headers: string;
  origin: ForwardOrigin;
  created_at: number;
  updated_at: number;
  paused_at: number | null;
  paused_reason: string | null;
  last_success_at: number | null;
  last_attempt_at: number | null;
  failing_since: number | null;
  consecutive_failures: number;
  last_error: string | null;
  queued: number;
  gave_up: number;
}

const TARGETS = `
  SELECT t.*,
    (SELECT count(*) FROM forward_outbox o WHERE o.target_id = t.id AND o.state = 'pending') AS queued,
    (SELECT count(*) FROM forward_outbox o WHERE o.target_id = t.id AND o.state = 'gave-up') AS gave_up
  FROM forward_targets t`;

function toTarget(row: TargetRow): ForwardTarget {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as ForwardKind[],
    headers: JSON.parse(row.headers) as Record<string, string>,
    origin: row.origin,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    paused: row.paused_at === null ? null : { at: row.paused_at, reason: row.paused_reason ?? '' },
    health: {
      lastSuccessAt: row.last_success_at,
      lastAttemptAt: row.last_attempt_at,
      failingSince: row.failing_since,
      consecutiveFailures: row.consecutive_failures,
      lastError: row.last_error,
      queued: row.queued,
      gaveUp: row.gave_up,
    },
  };
}

export function forwardTargets(db: ReadableDB): ForwardTarget[] {
  return (statement(db, `${TARGETS} ORDER BY t.id`).all() as TargetRow[]).map(toTarget);
}

export function forwardTarget(db: ReadableDB, id: number): ForwardTarget | null {
  const row = statement(db, `${TARGETS} WHERE t.id = ?`).get(id) as TargetRow | undefined;
  return row ? toTarget(row) : null;
}

interface AttemptRow {
  id: number;
  outbox_id: number;
  target_id: number;
  url: string;
  session_id: string;
  event: string;
  kind: ForwardKind;
  attempt: number;
  at: number;
  outcome: ForwardAttempt['outcome'];
  status: number | null;
  latency_ms: number | null;
  excerpt: string | null;
  error: string | null;
}

export function forwardAttempts(db: ReadableDB, query: ForwardAttemptQuery): ForwardAttemptPage {
  const rows = statement(
    db,
    `SELECT a.*, t.url FROM forward_attempts a JOIN forward_targets t ON t.id = a.target_id
     WHERE (@target IS NULL OR a.target_id = @target) AND (@outcome IS NULL OR a.outcome = @outcome) AND (@before IS NULL OR a.id < @before)
     ORDER BY a.id DESC LIMIT @limit`,
  ).all({ target: query.targetId ?? null, outcome: query.outcome ?? null, before: query.beforeId ?? null, limit: query.limit + 1 }) as AttemptRow[];
  const page = rows.slice(0, query.limit);
  return {
    attempts: page.map((row) => ({
      id: row.id,
      outboxId: row.outbox_id,
      targetId: row.target_id,
      targetUrl: row.url,
      sessionId: row.session_id,
      event: row.event,
      kind: row.kind,
      attempt: row.attempt,
      at: row.at,
      outcome: row.outcome,
      status: row.status,
      latencyMs: row.latency_ms,
      excerpt: row.excerpt,
      error: row.error,
    })),
    nextBeforeId: rows.length > query.limit ? page[page.length - 1]!.id : null,
  };
}

export function forwardCounts(db: ReadableDB): ForwardCounts {
  const targets = statement(
    db,
    'SELECT count(*) AS targets, count(paused_at) AS paused, count(CASE WHEN paused_at IS NULL THEN failing_since END) AS failing FROM forward_targets',
  ).get() as { targets: number; paused: number; failing: number };
  // Both counts read a partial index (status asks for them often; sent rows are never counted).
  const { queued } = statement(db, "SELECT count(*) AS queued FROM forward_outbox WHERE state = 'pending'").get() as { queued: number };
  const { gaveUp } = statement(db, "SELECT count(*) AS gaveUp FROM forward_outbox WHERE state = 'gave-up'").get() as { gaveUp: number };
  return { ...targets, queued, gaveUp };
}
