/**
 * The delivery log and the quarantine as both stores keep them, and what the request inspector
 * says of a delivery's body: where it is kept now (quarantine, the archived event, nowhere) and why.
 */
import type { DeliveryDetail, DeliveryPage, DeliverySummary } from '../../../../shared/api.js';
import type { QuarantineFailure, StoredQuarantine } from '../types.js';

export interface DeliveryRow {
  id: number; received_at: number; method: string; path: string; remote: string | null; event_header: string | null;
  event: string | null; session_id: string | null; outcome: DeliverySummary['outcome']; status_code: number; reason: string | null;
  size: number | null; latency_ms: number | null; headers: string | null; quarantine_id: number | null;
}

export function toDeliverySummary(row: DeliveryRow): DeliverySummary {
  return {
    id: row.id, receivedAt: row.received_at, method: row.method, path: row.path, eventHeader: row.event_header, event: row.event,
    sessionId: row.session_id, outcome: row.outcome, statusCode: row.status_code, reason: row.reason, size: row.size,
    latencyMs: row.latency_ms, quarantineId: row.quarantine_id,
  };
}

/** The stored event a delivery carried, when the archive has it. */
export interface ArchivedEventRow {
  body: Buffer;
  source: string;
}

/** The delivery's quarantined body, while the quarantine still keeps it. */
export interface QuarantinedBodyRow {
  body: Buffer;
  failure: string;
}

/** The delivery log's filters as a WHERE clause ('' for none), with `?` placeholders for both stores. */
export function deliveryFilter(options: { beforeId?: number | undefined; outcome?: DeliverySummary['outcome'] | undefined }): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (options.beforeId !== undefined) {
    conditions.push('id < ?');
    params.push(options.beforeId);
  }
  if (options.outcome) {
    conditions.push('outcome = ?');
    params.push(options.outcome);
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/** A page of the log from up to limit + 1 rows, newest first (the extra row says there is more). */
export function deliveryPageOf(rows: readonly DeliveryRow[], limit: number): DeliveryPage {
  const page = rows.slice(0, limit);
  return { items: page.map(toDeliverySummary), nextBeforeId: rows.length > limit ? page[page.length - 1]!.id : null };
}

const BODY_PREVIEW_BYTES = 512 * 1024;

export function deliveryDetailOf(row: DeliveryRow, archived: ArchivedEventRow | undefined, quarantined: QuarantinedBodyRow | undefined): DeliveryDetail {
  let body: Buffer | null = null;
  let bodyNote: string | null;
  let reverifiable = false;
  if (row.quarantine_id !== null) {
    if (quarantined) {
      body = quarantined.body;
      reverifiable = quarantined.failure === 'signature';
      bodyNote = reverifiable ? 'kept in quarantine: re-verify it with the right secret to store it' : 'kept in quarantine';
    } else if (archived) {
      body = archived.body;
      bodyNote = archived.source === 'reverify' ? 'stored after re-verification with the right secret' : 'this event was archived from another delivery';
    } else {
      bodyNote = 'was quarantined, and has since been dropped (the quarantine keeps the newest bodies only)';
    }
  } else if (row.outcome === 'stored' || row.outcome === 'duplicate') {
    body = archived?.body ?? null;
    bodyNote = archived ? (row.outcome === 'duplicate' ? 'the archived copy of this event (the repeat was not stored again)' : 'as archived') : 'its session has been erased';
  } else {
    bodyNote = row.outcome === 'ignored' ? 'not kept: unknown event types are acknowledged, not stored' : 'not kept: only bodies that look like CallAIder deliveries are quarantined';
  }
  return {
    ...toDeliverySummary(row),
    remote: row.remote,
    headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : null,
    body: body === null ? null : body.subarray(0, BODY_PREVIEW_BYTES).toString('utf8'),
    bodyTruncated: body !== null && body.length > BODY_PREVIEW_BYTES,
    bodyNote,
    reverifiable,
    sessionArchived: archived !== undefined,
  };
}

export interface QuarantineRow {
  id: number;
  received_at: number;
  failure: QuarantineFailure;
  reason: string;
  event_header: string | null;
  signature_header: string | null;
  event: string | null;
  session_id: string | null;
  headers: string | null;
  body: Buffer;
}

export const QUARANTINE_COLUMNS = 'id, received_at, failure, reason, event_header, signature_header, event, session_id, headers, body';

export function toStoredQuarantine(row: QuarantineRow): StoredQuarantine {
  return {
    id: row.id,
    receivedAt: row.received_at,
    failure: row.failure,
    reason: row.reason,
    eventHeader: row.event_header,
    signatureHeader: row.signature_header,
    event: row.event,
    sessionId: row.session_id,
    headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : null,
    body: row.body,
  };
}
