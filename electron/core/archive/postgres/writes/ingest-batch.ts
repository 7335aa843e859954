/**
 * Ingest, a batch at a time: every event the group committer gathered is stored with one INSERT
 * (which also writes its forwarding outbox rows),
 * the stored ones projected with one statement per table (projection.ts) and triaged with the
 * rules read once (triage.ts), and their delivery-log rows written with one INSERT. A batch of 20
 * costs about as many round trips as one event did.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { KnownPayload } from '../../../../../shared/payload.js';
import type { DeliveryRecord, IngestInput, ProjectedEvent } from '../../types.js';
import { all, run, type Db } from '../db.js';
import { enqueueFollowUps, STORE_EVENTS_WITH_FORWARDS } from './forwarding.js';
import { projectEvents } from './projection.js';
import { afterProjectionMany } from './triage.js';

export interface StoredBatch {
  /** Per input, in order: true when the event was already stored (by this batch, an earlier one or another hub). */
  duplicate: boolean[];
  projected: ProjectedEvent[];
}

const key = (sessionId: string, event: string) => `${sessionId}\u0000${event}`;

export async function storeEvents(db: Db, inputs: readonly IngestInput[], now: number): Promise<StoredBatch> {
  const inserted = await all<{ session_id: string; event: string }>(
    db,
    STORE_EVENTS_WITH_FORWARDS,
    [
      inputs.map((i) => i.payload.sessionId),
      inputs.map((i) => i.payload.event),
      inputs.map((i) => i.payload.timestamp),
      inputs.map((i) => i.receivedAt),
      inputs.map((i) => i.source),
      inputs.map((i) => Buffer.from(i.body)),
      inputs.map((i) => createHash('sha256').update(i.body).digest('hex')),
      inputs.map((i) => i.redactions ?? 0),
    ],
  );
  // The same event twice in one batch: the first is the one stored, the second a duplicate of it.
  const unclaimed = new Set(inserted.map((row) => key(row.session_id, row.event)));
  const duplicate = inputs.map((i) => !unclaimed.delete(key(i.payload.sessionId, i.payload.event)));
  const stored = inputs.filter((_, n) => !duplicate[n]);
  if (stored.length === 0) return { duplicate, projected: [] };
  await projectEvents(
    db,
    // A caller may pass only the event's identity (as across a thread): the body is the payload.
    stored.map((i) => ({ payload: 'data' in i.payload ? i.payload : (JSON.parse(Buffer.from(i.body).toString('utf8')) as KnownPayload), receivedAt: i.receivedAt })),
  );
  const attention = await afterProjectionMany(db, [...new Set(stored.map((i) => i.payload.sessionId))], now);
  // "Needs follow-up" is known only now: its forward commits with the state that decided it.
  await enqueueFollowUps(
    db,
    stored.filter(({ payload }) => payload.event === 'session.ended' && attention.get(payload.sessionId)?.followUp).map(({ payload }) => payload.sessionId),
    now,
  );
  const projected = stored.map(({ payload }): ProjectedEvent => {
    const seen = payload.event === 'session.ended' ? attention.get(payload.sessionId) : undefined;
    return { sessionId: payload.sessionId, event: payload.event, ...(seen ? { attention: seen } : {}) };
  });
  return { duplicate, projected };
}

/** The delivery-log rows of a batch's ingests, with the time each waited until now. */
export function deliveriesOf(inputs: readonly IngestInput[], duplicate: readonly boolean[]): DeliveryRecord[] {
  const now = performance.timeOrigin + performance.now();
  return inputs.flatMap((input, n) => {
    const d = input.delivery;
    if (!d) return [];
    return [
      {
        receivedAt: d.receivedAt,
        method: d.method,
        path: d.path,
        remote: d.remote,
        eventHeader: d.eventHeader,
        event: input.payload.event,
        sessionId: input.payload.sessionId,
        outcome: duplicate[n] ? 'duplicate' : 'stored',
        statusCode: 200,
        reason: d.reason,
        size: d.size,
        latencyMs: now - d.startedAt,
        headersJson: d.headersJson,
      },
    ];
  });
}

export async function insertDeliveries(db: Db, rows: readonly DeliveryRecord[], quarantineId: number | null = null): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (d: DeliveryRecord) => T) => rows.map(pick);
  await run(
    db,
    `INSERT INTO deliveries (received_at, method, path, remote, event_header, event, session_id, outcome,
       status_code, reason, size, latency_ms, headers, quarantine_id)
     SELECT *, ?::bigint FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
       ?::integer[], ?::text[], ?::integer[], ?::double precision[], ?::text[])`,
    [
      quarantineId,
      column((d) => d.receivedAt),
      column((d) => d.method),
      column((d) => d.path),
      column((d) => d.remote),
      column((d) => d.eventHeader),
      column((d) => d.event),
      column((d) => d.sessionId),
      column((d) => d.outcome),
      column((d) => d.statusCode),
      column((d) => d.reason),
      column((d) => d.size),
      column((d) => d.latencyMs),
      column((d) => d.headersJson),
    ],
  );
}
