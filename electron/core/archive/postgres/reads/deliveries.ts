/** Reads of the delivery log and the quarantine (sqlite/reads/deliveries.ts in PostgreSQL). */
import type { DeliveryDetail, DeliveryPage, DeliverySummary } from '../../../../../shared/api.js';
import type { StoredQuarantine } from '../../types.js';
import { all, one, type Db } from '../db.js';
import { deliveryDetailOf, deliveryFilter, deliveryPageOf, QUARANTINE_COLUMNS, toStoredQuarantine, type ArchivedEventRow, type DeliveryRow, type QuarantinedBodyRow, type QuarantineRow } from '../../rows/deliveries.js';

export async function listDeliveries(db: Db, options: { beforeId?: number | undefined; limit: number; outcome?: DeliverySummary['outcome'] | undefined }): Promise<DeliveryPage> {
  const filter = deliveryFilter(options);
  const rows = await all<DeliveryRow>(db, `SELECT * FROM deliveries ${filter.where} ORDER BY id DESC LIMIT ?`, [...filter.params, options.limit + 1]);
  return deliveryPageOf(rows, options.limit);
}

export async function getDelivery(db: Db, id: number): Promise<DeliveryDetail | null> {
  const row = await one<DeliveryRow>(db, 'SELECT * FROM deliveries WHERE id = ?', [id]);
  if (!row) return null;
  const archived =
    row.session_id && row.event ? await one<ArchivedEventRow>(db, 'SELECT body, source FROM events WHERE session_id = ? AND event = ?', [row.session_id, row.event]) : undefined;
  const quarantined = row.quarantine_id === null ? undefined : await one<QuarantinedBodyRow>(db, 'SELECT body, failure FROM quarantine WHERE id = ?', [row.quarantine_id]);
  return deliveryDetailOf(row, archived, quarantined);
}

export async function listQuarantine(db: Db, options: { afterId?: number | undefined; limit: number }): Promise<StoredQuarantine[]> {
  const rows = await all<QuarantineRow>(
    db,
    `SELECT ${QUARANTINE_COLUMNS} FROM quarantine WHERE id > ? ORDER BY id LIMIT ?`,
    [options.afterId ?? 0, options.limit],
  );
  return rows.map(toStoredQuarantine);
}
