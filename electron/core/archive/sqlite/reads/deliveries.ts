/** Reads of the delivery log and the quarantine (the request inspector, re-verification). */
import type { DeliveryDetail, DeliveryPage, DeliverySummary } from '../../../../../shared/api.js';
import type { QuarantineFailure, StoredQuarantine } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';

interface DeliveryRow {
  id: number; received_at: number; method: string; path: string; remote: string | null; event_header: string | null;
  event: string | null; session_id: string | null; outcome: DeliverySummary['outcome']; status_code: number; reason: string | null;
  size: number | null; latency_ms: number | null; headers: string | null; quarantine_id: number | null;
}

function toDeliverySummary(row: DeliveryRow): DeliverySummary {
  return {
    id: row.id, receivedAt: row.received_at, method: row.method, path: row.path, eventHeader: row.event_header, event: row.event,
    sessionId: row.session_id, outcome: row.outcome, statusCode: row.status_code, reason: row.reason, size: row.size,
    latencyMs: row.latency_ms, quarantineId: row.quarantine_id,
  };
}

export function listDeliveries(db: ReadableDB, options: { beforeId?: number | undefined; limit: number; outcome?: DeliverySummary['outcome'] | undefined }): DeliveryPage {
  const where = ['1'];
  const params: unknown[] = [];
  if (options.beforeId !== undefined) {
    where.push('id < ?');
    params.push(options.beforeId);
  }
  if (options.outcome) {
    where.push('outcome = ?');
    params.push(options.outcome);
  }
  const rows = statement(db, `SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...params, options.limit + 1) as DeliveryRow[];
  const page = rows.slice(0, options.limit);
  return { items: page.map(toDeliverySummary), nextBeforeId: rows.length > options.limit ? page[page.length - 1]!.id : null };
}

const BODY_PREVIEW_BYTES = 512 * 1024;

export function getDelivery(db: ReadableDB, id: number): DeliveryDetail | null {
  const row = statement(db, 'SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
  if (!row) return null;
  let body: Buffer | null = null;
  let bodyNote: string | null;
  let reverifiable = false;
  const archived =
    row.session_id && row.event
      ? (statement(db, 'SELECT body, source FROM events WHERE session_id = ? AND event = ?').get(row.session_id, row.event) as { body: Buffer; source: string } | undefined)
      : undefined;
  if (row.quarantine_id !== null) {
    const q = statement(db, 'SELECT body, failure FROM quarantine WHERE id = ?').get(row.quarantine_id) as { body: Buffer; failure: string } | undefined;
    if (q) {
      body = q.body;
      reverifiable = q.failure === 'signature';
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
  const truncated = body !== null && body.length > BODY_PREVIEW_BYTES;
  return {
    ...toDeliverySummary(row),
    remote: row.remote,
    headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : null,
    body: body === null ? null : body.subarray(0, BODY_PREVIEW_BYTES).toString('utf8'),
    bodyTruncated: truncated,
    bodyNote,
    reverifiable,
    sessionArchived: archived !== undefined,
  };
}


interface QuarantineRow {
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

/** Quarantined bodies in arrival order, a page at a time (bodies can be megabytes each). */
export function listQuarantine(db: ReadableDB, options: { afterId?: number | undefined; limit: number }): StoredQuarantine[] {
  const rows = statement(
    db,
    `SELECT id, received_at, failure, reason, event_header, signature_header, event, session_id, headers, body
     FROM quarantine WHERE id > ? ORDER BY id LIMIT ?`,
  ).all(options.afterId ?? 0, options.limit) as QuarantineRow[];
  return rows.map((row) => ({
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
  }));
}
