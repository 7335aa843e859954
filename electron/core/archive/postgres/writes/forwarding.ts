/**
 * Forwarding in the writer (sqlite/writes/forwarding.ts in PostgreSQL): targets, the outbox and
 * the record of attempts.
 *
 * The outbox is written by the statement that stores the events (STORE_EVENTS_WITH_FORWARDS), so a
 * forward exists exactly when its event does, a duplicate writes none, and ingest pays no extra
 * round trip for it. Rows reference the stored event and go with it when it is erased.
 *
 * Several hubs send from one outbox: a claim locks the rows it hands out (SKIP LOCKED, so two hubs
 * claiming together take different rows) and leases them until now + leaseMs.
 */
import type { ForwardKind, ForwardTarget } from '../../../../../shared/forwarding.js';
import { NotFoundError } from '../../errors.js';
import type {
  ClaimedForward,
  ClaimForwardsOptions,
  ForwardAttemptRecord,
  ForwardAttemptRecorded,
  ResendPeriodOptions,
  ResendPeriodPage,
  SaveForwardTargetInput,
} from '../../types.js';
import { all, one, run, value, type Db } from '../db.js';
import { forwardTarget } from '../reads/forwarding.js';
import { toClaimedForward, type ClaimRow } from '../../rows/forwarding.js';

const GONE = 'This forwarding target is no longer there (deleted meanwhile?).';

/**
 * Stores a batch's events (ON CONFLICT: a duplicate stores nothing) and, in the same statement,
 * their outbox rows for every target that takes each event. An import brings back old calls:
 * handing them on again is the owner's choice (resend a period). Parameters: the events' columns
 * as arrays (ingest-batch.ts); the result names the events stored, without the duplicates.
 */
export const STORE_EVENTS_WITH_FORWARDS = `
  WITH stored AS (
    INSERT INTO events (session_id, event, event_at, received_at, source, body, body_sha256, redactions)
    SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::bytea[], ?::text[], ?::integer[])
    ON CONFLICT (session_id, event) DO NOTHING
    RETURNING id, session_id, event, received_at, source
  ), forwards AS (
    INSERT INTO forward_outbox (target_id, event_id, session_id, event, kind, state, enqueued_at, due_at)
    SELECT t.id, s.id, s.session_id, s.event, s.event, 'pending', s.received_at, s.received_at
    FROM stored s JOIN forward_targets t ON s.event = ANY (t.events)
    WHERE s.source <> 'import'
  )
  SELECT session_id, event FROM stored`;

/**
 * Ended sessions the rules just marked for follow-up (a batch's, in one statement): their
 * session.ended goes to the targets that take only those (a target that takes every ended session
 * already has it), in the order the events were stored.
 */
export async function enqueueFollowUps(db: Db, sessionIds: readonly string[], at: number): Promise<void> {
  if (sessionIds.length === 0) return;
  await run(
    db,
    `INSERT INTO forward_outbox (target_id, event_id, session_id, event, kind, state, enqueued_at, due_at)
     SELECT t.id, e.id, e.session_id, e.event, 'follow-up', 'pending', ?::bigint, ?::bigint
     FROM forward_targets t JOIN events e ON e.session_id = ANY (?::text[]) AND e.event = 'session.ended'
     WHERE 'follow-up' = ANY (t.events) AND NOT ('session.ended' = ANY (t.events))
     ORDER BY e.id, t.id
     ON CONFLICT (target_id, event_id) DO NOTHING`,
    [at, at, sessionIds],
  );
}

/**
 * Saves a target; without an id, a target with the same URL is updated instead. A new target with
 * a secret is an upsert on the URL, so hubs starting together with the same `--forward` agree.
 */
export async function saveTarget(db: Db, input: SaveForwardTargetInput): Promise<ForwardTarget> {
  const headers = JSON.stringify(input.headers);
  let id: number | undefined;
  if (input.id !== undefined) {
    id = await value<number | undefined>(
      db,
      `UPDATE forward_targets SET url = ?, events = ?::text[], headers = ?, secret = coalesce(?, secret), origin = ?, updated_at = ?
       WHERE id = ? RETURNING id`,
      [input.url, input.events, headers, input.secret ?? null, input.origin, input.at, input.id],
    );
    if (id === undefined) throw new NotFoundError(GONE);
  } else if (input.secret) {
    id = await value<number>(
      db,
      `INSERT INTO forward_targets (url, events, headers, secret, origin, created_at, updated_at) VALUES (?, ?::text[], ?, ?, ?, ?, ?)
       ON CONFLICT (url) DO UPDATE SET events = excluded.events, headers = excluded.headers, secret = excluded.secret,
         origin = excluded.origin, updated_at = excluded.updated_at
       RETURNING id`,
      [input.url, input.events, headers, input.secret, input.origin, input.at, input.at],
    );
  } else {
    id = await value<number | undefined>(
      db,
      'UPDATE forward_targets SET events = ?::text[], headers = ?, origin = ?, updated_at = ? WHERE url = ? RETURNING id',
      [input.events, headers, input.origin, input.at, input.url],
    );
    if (id === undefined) throw new NotFoundError('a new forwarding target needs a secret');
  }
  return (await forwardTarget(db, id))!;
}

/** The target with its outbox and attempts (their foreign keys cascade). */
export async function deleteTarget(db: Db, id: number): Promise<boolean> {
  return (await run(db, 'DELETE FROM forward_targets WHERE id = ?', [id])) > 0;
}

export async function pauseTarget(db: Db, id: number, reason: string, at: number): Promise<ForwardTarget> {
  const changed = await run(db, 'UPDATE forward_targets SET paused_at = ?, paused_reason = ? WHERE id = ?', [at, reason, id]);
  if (changed === 0) throw new NotFoundError(GONE);
  return (await forwardTarget(db, id))!;
}

/** Resumes with a clean slate: what waits is due now, and failures count from here. */
export async function resumeTarget(db: Db, id: number, at: number): Promise<ForwardTarget> {
  const changed = await run(
    db,
    'UPDATE forward_targets SET paused_at = NULL, paused_reason = NULL, failing_since = NULL, consecutive_failures = 0 WHERE id = ?',
    [id],
  );
  if (changed === 0) throw new NotFoundError(GONE);
  await run(db, "UPDATE forward_outbox SET due_at = ?, claimed_until = NULL WHERE target_id = ? AND state = 'pending'", [at, id]);
  return (await forwardTarget(db, id))!;
}

/**
 * Due rows of targets that are not paused, oldest due first, leased so no other sender takes them
 * meanwhile. One indexed range per target (LATERAL over forward_outbox_due): the cost follows what
 * is handed out, not how long a dead target's queue has grown. Rows another hub is claiming at
 * this moment are skipped, not waited for.
 */
export async function claimDue(db: Db, options: ClaimForwardsOptions): Promise<ClaimedForward[]> {
  const rows = await all<ClaimRow>(
    db,
    `WITH picked AS (
       SELECT o.id, o.due_at FROM forward_targets t
       CROSS JOIN LATERAL (
         SELECT o.id, o.due_at FROM forward_outbox o
         WHERE o.target_id = t.id AND o.state = 'pending' AND o.due_at <= ?::bigint
           AND (o.claimed_until IS NULL OR o.claimed_until <= ?::bigint)
         ORDER BY o.due_at, o.id LIMIT ?
         FOR UPDATE OF o SKIP LOCKED
       ) o
       WHERE t.paused_at IS NULL AND NOT (t.id = ANY (?::bigint[]))
       ORDER BY o.due_at, o.id LIMIT ?
     ), leased AS (
       UPDATE forward_outbox o SET claimed_until = ? FROM picked p WHERE o.id = p.id
       RETURNING o.id, o.target_id, o.session_id, o.event, o.kind, o.attempts, o.first_attempt_at, o.due_at, o.event_id
     )
     SELECT l.id, l.target_id, t.url, t.headers, t.secret, l.session_id, l.event, l.kind, l.attempts, l.first_attempt_at, e.body
     FROM leased l JOIN forward_targets t ON t.id = l.target_id JOIN events e ON e.id = l.event_id
     ORDER BY l.due_at, l.id`,
    [options.now, options.now, options.perTarget, options.excludeTargets ?? [], options.limit, options.now + options.leaseMs],
  );
  return rows.map(toClaimedForward);
}

/**
 * One attempt's result: the row is done only after a 2xx; a failure is retried at retryAt or, with
 * none, given up. The target's health moves with it, and a target that keeps failing is paused.
 * An attempt for a row that is gone (erased, target deleted meanwhile) records nothing.
 */
export async function recordAttempt(db: Db, result: ForwardAttemptRecord): Promise<ForwardAttemptRecorded | null> {
  const row = await one<{ target_id: number; session_id: string; event: string; kind: string; attempts: number }>(
    db,
    'SELECT target_id, session_id, event, kind, attempts FROM forward_outbox WHERE id = ? FOR UPDATE',
    [result.outboxId],
  );
  if (!row) return null;
  const outcome = result.ok ? 'ok' : result.retryAt === null ? 'gave-up' : 'failed';
  const attempt = row.attempts + 1;
  await run(
    db,
    `INSERT INTO forward_attempts (outbox_id, target_id, session_id, event, kind, attempt, at, outcome, status, latency_ms, excerpt, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      result.outboxId,
      row.target_id,
      row.session_id,
      row.event,
      row.kind,
      attempt,
      result.at,
      outcome,
      result.status,
      result.latencyMs === null ? null : Math.round(result.latencyMs),
      result.excerpt,
      result.error,
    ],
  );
  await run(
    db,
    `UPDATE forward_outbox SET attempts = ?, first_attempt_at = coalesce(first_attempt_at, ?), claimed_until = NULL,
       state = ?, due_at = coalesce(?, due_at), done_at = ?
     WHERE id = ?`,
    [
      attempt,
      result.at,
      outcome === 'ok' ? 'sent' : outcome === 'gave-up' ? 'gave-up' : 'pending',
      result.retryAt,
      outcome === 'failed' ? null : result.at,
      result.outboxId,
    ],
  );
  if (result.ok) {
    await run(
      db,
      'UPDATE forward_targets SET last_success_at = ?, last_attempt_at = ?, failing_since = NULL, consecutive_failures = 0, last_error = NULL WHERE id = ?',
      [result.at, result.at, row.target_id],
    );
    return { outcome, paused: null };
  }
  const problem = result.error ?? (result.status !== null ? `HTTP ${result.status}` : 'failed');
  const target = (await one<{ paused_at: number | null; failing_since: number; consecutive_failures: number }>(
    db,
    `UPDATE forward_targets SET last_attempt_at = ?, failing_since = coalesce(failing_since, ?), consecutive_failures = consecutive_failures + 1, last_error = ?
     WHERE id = ? RETURNING paused_at, failing_since, consecutive_failures`,
    [result.at, result.at, problem, row.target_id],
  ))!;
  if (target.paused_at !== null) return { outcome, paused: null };
  let reason = result.pauseNow ?? null;
  if (!reason && target.consecutive_failures >= result.pauseAfter.failures) {
    reason = `paused after ${target.consecutive_failures} failed attempts in a row (last: ${problem})`;
  } else if (!reason && result.at - target.failing_since >= result.pauseAfter.ms) {
    reason = `paused: every attempt failed for ${Math.round((result.at - target.failing_since) / 60_000)} minutes (last: ${problem})`;
  }
  if (reason) await run(db, 'UPDATE forward_targets SET paused_at = ?, paused_reason = ? WHERE id = ?', [result.at, reason, row.target_id]);
  return { outcome, paused: reason };
}

/** Sends a row again from the start (a sent or given-up one too); false when it is gone. */
export async function resendOne(db: Db, outboxId: number, at: number): Promise<boolean> {
  const changed = await run(
    db,
    "UPDATE forward_outbox SET state = 'pending', due_at = ?, claimed_until = NULL, first_attempt_at = NULL, done_at = NULL WHERE id = ?",
    [at, outboxId],
  );
  return changed > 0;
}

const DEFAULT_SCAN = 2_000;

/**
 * Backfill: every stored event received in [from, to) that the target takes goes to it (again),
 * a page of stored events at a time so a year of calls does not hold the writer.
 */
export async function resendPeriod(db: Db, options: ResendPeriodOptions): Promise<ResendPeriodPage> {
  const kinds = await value<ForwardKind[] | undefined>(db, 'SELECT events FROM forward_targets WHERE id = ?', [options.targetId]);
  if (kinds === undefined) throw new NotFoundError(GONE);
  const scan = options.scan ?? DEFAULT_SCAN;
  const after = options.afterId ?? 0;
  const last = await value<number | null>(db, 'SELECT max(id) FROM (SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?) page', [after, scan]);
  if (last === null) return { queued: 0, nextAfterId: null };
  const followUpOnly = kinds.includes('follow-up') && !kinds.includes('session.ended');
  const queued = await run(
    db,
    `INSERT INTO forward_outbox (target_id, event_id, session_id, event, kind, state, enqueued_at, due_at)
     SELECT ?::bigint, e.id, e.session_id, e.event, CASE WHEN e.event = ANY (?::text[]) THEN e.event ELSE 'follow-up' END,
            'pending', ?::bigint, ?::bigint
     FROM events e
     WHERE e.id > ? AND e.id <= ? AND e.received_at >= ? AND e.received_at < ?
       AND (e.event = ANY (?::text[])
            OR (?::boolean AND e.event = 'session.ended'
                AND EXISTS (SELECT 1 FROM follow_ups f WHERE f.session_id = e.session_id AND f.state = 'follow-up')))
     ON CONFLICT (target_id, event_id) DO UPDATE SET state = 'pending', due_at = excluded.due_at, claimed_until = NULL,
       first_attempt_at = NULL, done_at = NULL`,
    [options.targetId, kinds, options.at, options.at, after, last, options.from, options.to, kinds, followUpOnly],
  );
  return { queued, nextAfterId: last };
}

/**
 * An erased session leaves no forward behind: its attempts go here, its outbox rows with its
 * events (eraseOne deletes them by event_id, indexed).
 */
export async function eraseForwards(db: Db, sessionId: string): Promise<void> {
  await run(db, 'DELETE FROM forward_attempts WHERE session_id = ?', [sessionId]);
}
