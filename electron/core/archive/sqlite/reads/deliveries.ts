/** Reads of the delivery log and the quarantine (the request inspector, re-verification). */
import type { DeliveryDetail, DeliveryPage, DeliverySummary } from '../../../../../shared/api.js';
import type { StoredQuarantine } from '../../types.js';
import { statement, type ReadableDB } from '../database.js';
import { deliveryDetailOf, deliveryFilter, deliveryPageOf, QUARANTINE_COLUMNS, toStoredQuarantine, type ArchivedEventRow, type DeliveryRow, type QuarantinedBodyRow, type QuarantineRow } from '../../rows/deliveries.js';

export function listDeliveries(db: ReadableDB, options: { beforeId?: number | undefined; limit: number; outcome?: DeliverySummary['outcome'] | undefined }): DeliveryPage {
  const filter = deliveryFilter(options);
  const rows = statement(db, `SELECT * FROM deliveries ${filter.where} ORDER BY id DESC LIMIT ?`).all(...filter.params, options.limit + 1) as DeliveryRow[];
  return deliveryPageOf(rows, options.limit);
}

export function getDelivery(db: ReadableDB, id: number): DeliveryDetail | null {
  const row = statement(db, 'SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
  if (!row) return null;
  const archived =
    row.session_id && row.event
      ? (statement(db, 'SELECT body, source FROM events WHERE session_id = ? AND event = ?').get(row.session_id, row.event) as ArchivedEventRow | undefined)
      : undefined;
  const quarantined =
    row.quarantine_id === null ? undefined : (statement(db, 'SELECT body, failure FROM quarantine WHERE id = ?').get(row.quarantine_id) as QuarantinedBodyRow | undefined);
  return deliveryDetailOf(row, archived, quarantined);
}

/** Quarantined bodies in arrival order, a page at a time (bodies can be megabytes each). */
export function listQuarantine(db: ReadableDB, options: { afterId?: number | undefined; limit: number }): StoredQuarantine[] {
  const rows = statement(
    db,
    `SELECT ${QUARANTINE_COLUMNS} FROM quarantine WHERE id > ? ORDER BY id LIMIT ?`,
  ).all(options.afterId ?? 0, options.limit) as QuarantineRow[];
  return rows.map(toStoredQuarantine);
}
