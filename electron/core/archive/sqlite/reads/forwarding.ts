/** Forwarding as the window shows it: targets with their health, attempts newest first, counts. */
import type { ForwardAttemptPage, ForwardCounts, ForwardTarget } from '../../../../../shared/forwarding.js';
import type { ForwardAttemptQuery } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';
import { toAttempt, toTarget, type AttemptRow, type TargetRow } from '../../rows/forwarding.js';

/** SQLite keeps a target's event kinds as JSON text. */
type StoredTargetRow = Omit<TargetRow, 'events'> & { events: string };

const targetOf = (row: StoredTargetRow): ForwardTarget => toTarget({ ...row, events: JSON.parse(row.events) as TargetRow['events'] });

const TARGETS = `
  SELECT t.*,
    (SELECT count(*) FROM forward_outbox o WHERE o.target_id = t.id AND o.state = 'pending') AS queued,
    (SELECT count(*) FROM forward_outbox o WHERE o.target_id = t.id AND o.state = 'gave-up') AS gave_up
  FROM forward_targets t`;

export function forwardTargets(db: ReadableDB): ForwardTarget[] {
  return (statement(db, `${TARGETS} ORDER BY t.id`).all() as StoredTargetRow[]).map(targetOf);
}

export function forwardTarget(db: ReadableDB, id: number): ForwardTarget | null {
  const row = statement(db, `${TARGETS} WHERE t.id = ?`).get(id) as StoredTargetRow | undefined;
  return row ? targetOf(row) : null;
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
    attempts: page.map(toAttempt),
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
