/**
 * Forwarding in the writer: targets, the outbox and the record of attempts.
 *
 * The outbox is written in the transaction that stores the event (enqueueStored, from ingest), so
 * a forward exists exactly when its event does: a crash can lose neither, and a duplicate writes
 * none. Rows reference the stored event and go with it when it is erased.
 */
import type { ForwardKind } from '../../../../../shared/forwarding.js';
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
import { statement, type ReadableDB, type WritableDB } from '../database.js';
import { forwardTarget } from '../reads/forwarding.js';
import { toClaimedForward, type ClaimRow } from '../../rows/forwarding.js';
import type { ForwardTarget } from '../../../../../shared/forwarding.js';

const read = (db: WritableDB) => db as unknown as ReadableDB;

/** Rows for every target that takes this event (kind = the event name), in the caller's transaction. */
export function enqueueStored(db: WritableDB, eventId: number, sessionId: string, event: string, at: number): void {
  statement(
    db,
    `INSERT INTO forward_outbox (target_id, event_id, session_id, event, kind, state, enqueued_at, due_at)
     SELECT t.id, ?, ?, ?, ?, 'pending', ?, ? FROM forward_targets t
     WHERE EXISTS (SELECT 1 FROM json_each(t.events) WHERE value = ?)
     ON CONFLICT (target_id, event_id) DO NOTHING`,
  ).run(eventId, sessionId, event, event, at, at, event);
}

/**
 * An ended session the rules just marked for follow-up: its session.ended goes to the targets
 * that take only those (a target that takes every ended session already has it).
 */
export function enqueueFollowUp(db: WritableDB, sessionId: string, at: number): void {
  statement(
    db,
    `INSERT INTO forward_outbox (target_id, event_id, session_id, event, kind, state, enqueued_at, due_at)
     SELECT t.id, e.id, e.session_id, e.event, 'follow-up', 'pending', ?, ?
     FROM forward_targets t JOIN events e ON e.session_id = ? AND e.event = 'session.ended'
     WHERE EXISTS (SELECT 1 FROM json_each(t.events) WHERE value = 'follow-up')
       AND NOT EXISTS (SELECT 1 FROM json_each(t.events) WHERE value = 'session.ended')
     ON CONFLICT (target_id, event_id) DO NOTHING`,
  ).run(at, at, sessionId);
}

export function saveTarget(db: WritableDB, input: SaveForwardTargetInput): ForwardTarget {
  const events = JSON.stringify(input.events);
  const headers = JSON.stringify(input.headers);
  let id = input.id;
  if (id === undefined) {
    const existing = statement(db, 'SELECT id FROM forward_targets WHERE url = ?').pluck().get(input.url) as number | undefined;
    id = existing;
  }
  if (id === undefined) {
    if (!input.secret) throw new NotFoundError('a new forwarding target needs a secret');
    const result = statement(
      db,
      `INSERT INTO forward_targets (url, events, headers, secret, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(input.url, events, headers, input.secret, input.origin, input.at, input.at);
    id = Number(result.lastInsertRowid);
  } else {
    const changed = statement(
      db,
      `UPDATE forward_targets SET url = ?, events = ?, headers = ?, secret = coalesce(?, secret), origin = ?, updated_at = ? WHERE id = ?`,
    ).run(input.url, events, headers, input.secret ?? null, input.origin, input.at, id).changes;
    if (changed === 0) throw new NotFoundError('This forwarding target is no longer there (deleted meanwhile?).');
  }
  return forwardTarget(read(db), id)!;
}

/** The target with its outbox and attempts. */
export function deleteTarget(db: WritableDB, id: number): boolean {
  statement(db, 'DELETE FROM forward_attempts WHERE target_id = ?').run(id);
  statement(db, 'DELETE FROM forward_outbox WHERE target_id = ?').run(id);
  return statement(db, 'DELETE FROM forward_targets WHERE id = ?').run(id).changes > 0;
}

export function pauseTarget(db: WritableDB, id: number, reason: string, at: number): ForwardTarget {
  const changed = statement(db, 'UPDATE forward_targets SET paused_at = ?, paused_reason = ? WHERE id = ?').run(at, reason, id).changes;
  if (changed === 0) throw new NotFoundError('This forwarding target is no longer there (deleted meanwhile?).');
  return forwardTarget(read(db), id)!;
}

/** Resumes with a clean slate: what waits is due now, and failures count from here. */
export function resumeTarget(db: WritableDB, id: number, at: number): ForwardTarget {
  const changed = statement(
    db,
    'UPDATE forward_targets SET paused_at = NULL, paused_reason = NULL, failing_since = NULL, consecutive_failures = 0 WHERE id = ?',
  ).run(id).changes;
  if (changed === 0) throw new NotFoundError('This forwarding target is no longer there (deleted meanwhile?).');
  statement(db, "UPDATE forward_outbox SET due_at = ?, claimed_until = NULL WHERE target_id = ? AND state = 'pending'").run(at, id);
  return forwardTarget(read(db), id)!;
}

/**
 * Due rows of targets that are not paused, oldest due first, leased so no other sender takes them
 * meanwhile. One indexed range per target (target_id, due_at over pending rows): the cost follows
 * what is handed out, not how long a dead target's queue has grown.
 */
export function claimDue(db: WritableDB, options: ClaimForwardsOptions): ClaimedForward[] {
  const targets = statement(db, 'SELECT id FROM forward_targets WHERE paused_at IS NULL AND id NOT IN (SELECT value FROM json_each(?))')
    .pluck()
    .all(JSON.stringify(options.excludeTargets ?? [])) as number[];
  const due = statement(
    db,
    `SELECT o.id, o.target_id, t.url, t.headers, t.secret, o.session_id, o.event, o.kind, o.attempts, o.first_attempt_at, o.due_at, e.body
     FROM forward_outbox o JOIN forward_targets t ON t.id = o.target_id JOIN events e ON e.id = o.event_id
     WHERE o.target_id = @target AND o.state = 'pending' AND o.due_at <= @now AND (o.claimed_until IS NULL OR o.claimed_until <= @now)
     ORDER BY o.due_at, o.id LIMIT @perTarget`,
  );
  const rows = targets
    .flatMap((target) => due.all({ target, now: options.now, perTarget: options.perTarget }) as Array<ClaimRow & { due_at: number }>)
    .sort((a, b) => a.due_at - b.due_at || a.id - b.id)
    .slice(0, options.limit);
  const lease = statement(db, 'UPDATE forward_outbox SET claimed_until = ? WHERE id = ?');
  for (const row of rows) lease.run(options.now + options.leaseMs, row.id);
  return rows.map(toClaimedForward);
}

/**
 * One attempt's result: the row is done only after a 2xx; a failure is retried at retryAt or, with
 * none, given up. The target's health moves with it, and a target that keeps failing is paused.
 * An attempt for a row that is gone (erased, target deleted meanwhile) records nothing.
 */
export function recordAttempt(db: WritableDB, result: ForwardAttemptRecord): ForwardAttemptRecorded | null {
  const row = statement(db, 'SELECT target_id, session_id, event, kind, attempts, state FROM forward_outbox WHERE id = ?').get(result.outboxId) as
    | { target_id: number; session_id: string; event: string; kind: string; attempts: number; state: string }
    | undefined;
  if (!row) return null;
  const outcome = result.ok ? 'ok' : result.retryAt === null ? 'gave-up' : 'failed';
  const attempt = row.attempts + 1;
  statement(
    db,
    `INSERT INTO forward_attempts (outbox_id, target_id, session_id, event, kind, attempt, at, outcome, status, latency_ms, excerpt, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(result.outboxId, row.target_id, row.session_id, row.event, row.kind, attempt, result.at, outcome, result.status, result.latencyMs === null ? null : Math.round(result.latencyMs), result.excerpt, result.error);
  statement(
    db,
    `UPDATE forward_outbox SET attempts = ?, first_attempt_at = coalesce(first_attempt_at, ?), claimed_until = NULL,
       state = ?, due_at = coalesce(?, due_at), done_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END
     WHERE id = ?`,
  ).run(attempt, result.at, outcome === 'ok' ? 'sent' : outcome === 'gave-up' ? 'gave-up' : 'pending', result.retryAt, outcome === 'failed' ? 'pending' : 'done', result.at, result.outboxId);
  if (result.ok) {
    statement(
      db,
      'UPDATE forward_targets SET last_success_at = ?, last_attempt_at = ?, failing_since = NULL, consecutive_failures = 0, last_error = NULL WHERE id = ?',
    ).run(result.at, result.at, row.target_id);
    return { outcome, paused: null };
  }
  const problem = result.error ?? (result.status !== null ? `HTTP ${result.status}` : 'failed');
  statement(
    db,
    `UPDATE forward_targets SET last_attempt_at = ?, failing_since = coalesce(failing_since, ?), consecutive_failures = consecutive_failures + 1, last_error = ?
     WHERE id = ?`,
  ).run(result.at, result.at, problem, row.target_id);
  const target = statement(db, 'SELECT paused_at, failing_since, consecutive_failures FROM forward_targets WHERE id = ?').get(row.target_id) as {
    paused_at: number | null;
    failing_since: number;
    consecutive_failures: number;
  };
  if (target.paused_at !== null) return { outcome, paused: null };
  let reason = result.pauseNow ?? null;
  if (!reason && target.consecutive_failures >= result.pauseAfter.failures) {
    reason = `paused after ${target.consecutive_failures} failed attempts in a row (last: ${problem})`;
  } else if (!reason && result.at - target.failing_since >= result.pauseAfter.ms) {
    reason = `paused: every attempt failed for ${Math.round((result.at - target.failing_since) / 60_000)} minutes (last: ${problem})`;
  }
  if (reason) statement(db, 'UPDATE forward_targets SET paused_at = ?, paused_reason = ? WHERE id = ?').run(result.at, reason, row.target_id);
  return { outcome, paused: reason };
}

/** Sends a row again from the start (a sent or given-up one too); false when it is gone. */
export function resendOne(db: WritableDB, outboxId: number, at: number): boolean {
  return (
    statement(
      db,
      "UPDATE forward_outbox SET state = 'pending', due_at = ?, claimed_until = NULL, first_attempt_at = NULL, done_at = NULL WHERE id = ?",
    ).run(at, outboxId).changes > 0
  );
}

const DEFAULT_SCAN = 2_000;

/**
 * Backfill: every stored event received in [from, to) that the target takes goes to it (again),
 * a page of stored events at a time so a year of calls does not hold the writer.
 */
export function resendPeriod(db: WritableDB, options: ResendPeriodOptions): ResendPeriodPage {
  const target = statement(db, 'SELECT events FROM forward_targets WHERE id = ?').pluck().get(options.targetId) as string | undefined;
  if (target === undefined) throw new NotFoundError('This forwarding target is no longer there (deleted meanwhile?).');
  const kinds = JSON.parse(target) as ForwardKind[];
  const scan = options.scan ?? DEFAULT_SCAN;
  const after = options.afterId ?? 0;
  const last = statement(db, 'SELECT max(id) FROM (SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?)').pluck().get(after, scan) as number | null;
  if (last === null) return { queued: 0, nextAfterId: null };
  const followUpOnly = kinds.includes('follow-up') && !kinds.includes('session.ended');
  const queued = statement(
    db,
    `INSERT INTO forward_outbox (target_id, event_id, session_id, event, kind, state, enqueued_at, due_at)
     SELECT @target, e.id, e.session_id, e.event, CASE WHEN e.event IN (SELECT value FROM json_each(@kinds)) THEN e.event ELSE 'follow-up' END,
            'pending', @at, @at
     FROM events e
     WHERE e.id > @after AND e.id <= @last AND e.received_at >= @from AND e.received_at < @to
       AND (e.event IN (SELECT value FROM json_each(@kinds))
            OR (@followUpOnly AND e.event = 'session.ended'
                AND EXISTS (SELECT 1 FROM follow_ups f WHERE f.session_id = e.session_id AND f.state = 'follow-up')))
     ON CONFLICT (target_id, event_id) DO UPDATE SET state = 'pending', due_at = excluded.due_at, claimed_until = NULL,
       first_attempt_at = NULL, done_at = NULL`,
  ).run({ target: options.targetId, kinds: JSON.stringify(kinds), at: options.at, after, last, from: options.from, to: options.to, followUpOnly: followUpOnly ? 1 : 0 }).changes;
  return { queued, nextAfterId: last };
}

/**
 * An erased session leaves no forward behind: its outbox rows go with its events (the foreign
 * key cascades, by an index on event_id), its attempts here.
 */
export function eraseForwards(db: WritableDB, sessionId: string): void {
  statement(db, 'DELETE FROM forward_attempts WHERE session_id = ?').run(sessionId);
}
