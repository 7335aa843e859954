/**
 * Forwarding as both stores keep it (targets with their health counts, attempts, claimed outbox
 * rows) and what each row becomes. A target's event kinds arrive as a list: PostgreSQL keeps them
 * as jsonb (parsed by the driver), SQLite as JSON text that its reads parse before mapping.
 */
import type { ForwardAttempt, ForwardKind, ForwardOrigin, ForwardTarget } from '../../../../shared/forwarding.js';
import type { ClaimedForward } from '../types.js';

export interface TargetRow {
  id: number;
  url: string;
  events: ForwardKind[];
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

export function toTarget(row: TargetRow): ForwardTarget {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
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

export interface AttemptRow {
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

export function toAttempt(row: AttemptRow): ForwardAttempt {
  return {
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
  };
}

/** An outbox row handed to a sender, with its target's address and secret and the event's body. */
export interface ClaimRow {
  id: number;
  target_id: number;
  url: string;
  headers: string;
  secret: string;
  session_id: string;
  event: string;
  kind: ForwardKind;
  attempts: number;
  first_attempt_at: number | null;
  body: Buffer;
}

export function toClaimedForward(row: ClaimRow): ClaimedForward {
  return {
    outboxId: row.id,
    targetId: row.target_id,
    url: row.url,
    headers: JSON.parse(row.headers) as Record<string, string>,
    secret: row.secret,
    sessionId: row.session_id,
    event: row.event,
    kind: row.kind,
    attempt: row.attempts + 1,
    firstAttemptAt: row.first_attempt_at,
    body: row.body,
  };
}
