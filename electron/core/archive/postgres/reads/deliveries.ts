/** Reads of the delivery log and the quarantine (sqlite/reads/deliveries.ts in PostgreSQL). */
import type { DeliveryDetail, DeliveryPage, DeliverySummary } from '../../../../../shared/api.js';
import type { QuarantineFailure, StoredQuarantine } from '../../types.js';
import { all, one, type Db } from '../db.js';

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

export async function listDeliveries(db: Db, options: { beforeId?: number | undefined; limit: number; outcome?: DeliverySummary['outcome'] | undefined }): Promise<DeliveryPage> {
  const where = ['TRUE'];
  const params: unknown[] = [];
  if (options.beforeId !== undefined) {
    where.push('id < ?');
    params.push(options.beforeId);
  }
  if (options.outcome) {
    where.push('outcome = ?');
    params.push(options.outcome);
  }
  const rows = await all<DeliveryRow>(db, `SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, [...params, options.limit + 1]);
  const page = rows.slice(0, options.limit);
  return { items: page.map(toDeliverySummary), nextBeforeId: rows.length > options.limit ? page[page.length - 1]!.id : null };
}

const BODY_PREVIEW_BYTES = 512 * 1024;

export async function getDelivery(db: Db, id: number): Promise<DeliveryDetail | null> {
  const row = await one<DeliveryRow>(db, 'SELECT * FROM deliveries WHERE id = ?', [id]);
  if (!row) return null;
  let body: Buffer | null = null;
  let bodyNote: string | null;
  let reverifiable = false;
  const archived =
    row.session_id && row.event
      ? await one<{ body: Buffer; source: string }>(db, 'SELECT body, source FROM events WHERE session_id = ? AND event = ?', [row.session_id, row.event])
      : undefined;
  if (row.quarantine_id !== null) {
    const q = await one<{ body: Buffer; failure: string }>(db, 'SELECT body, failure FROM quarantine WHERE id = ?', [row.quarantine_id]);
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

export async function listQuarantine(db: Db, options: { afterId?: number | undefined; limit: number }): Promise<StoredQuarantine[]> {
  const rows = await all<QuarantineRow>(
    db,
    `SELECT id, received_at, failure, reason, event_header, signature_header, event, session_id, headers, body
     FROM quarantine WHERE id > ? ORDER BY id LIMIT ?`,
    [options.afterId ?? 0, options.limit],
  );
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
