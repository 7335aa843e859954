/**
 * The archive: every write goes through the group committer, so a caller's promise resolves
 * only once its rows are durable. Reads use the same connection (WAL lets exporters in other
 * processes read concurrently).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { KnownPayload } from '../../../shared/payload.js';
import { openDatabase, type Db, type OpenOptions } from './database.js';
import { GroupCommitter } from './group-commit.js';
import { projectEvent } from './projection.js';
import { Projector, type ProjectedEvent } from './projector.js';
import { deleteSession as deleteSessionRows } from './queries.js';

export type EventSource = 'webhook' | 'import' | 'reverify';
export type DeliveryOutcome = 'stored' | 'duplicate' | 'ignored' | 'rejected' | 'failed';
export type QuarantineFailure = 'signature' | 'required-header' | 'payload';

export interface DeliveryRecord {
  receivedAt: number;
  method: string;
  path: string;
  remote: string | null;
  eventHeader: string | null;
  event: string | null;
  sessionId: string | null;
  outcome: DeliveryOutcome;
  statusCode: number;
  reason: string | null;
  size: number | null;
  latencyMs: number | null;
  headers: Record<string, string> | null;
}

/** A delivery whose outcome is decided inside the ingest transaction. */
export type PendingDelivery = Omit<DeliveryRecord, 'outcome' | 'statusCode' | 'latencyMs' | 'event' | 'sessionId'> & {
  /** performance.now() when the request arrived; latency is measured up to the commit. */
  startedAt: number;
};

export interface QuarantineRecord {
  receivedAt: number;
  failure: QuarantineFailure;
  reason: string;
  eventHeader: string | null;
  signatureHeader: string | null;
  event: string | null;
  sessionId: string | null;
  headers: Record<string, string> | null;
  body: Buffer;
}

export interface StoredQuarantine extends QuarantineRecord {
  id: number;
}

export interface IngestInput {
  payload: KnownPayload;
  body: Buffer;
  source: EventSource;
  receivedAt: number;
  delivery?: PendingDelivery;
}

export interface IngestResult {
  duplicate: boolean;
}

export interface ArchiveLimits {
  /** Delivery log rows kept (oldest dropped first). */
  maxDeliveries: number;
  /** Quarantined bodies kept, by count and by total size (oldest dropped first). */
  maxQuarantined: number;
  maxQuarantineBytes: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = {
  maxDeliveries: 10_000,
  maxQuarantined: 1_000,
  maxQuarantineBytes: 256 * 1024 * 1024,
};

export interface ArchiveCounts {
  sessions: number;
  activeSessions: number;
  messages: number;
  events: number;
  deliveries: number;
  quarantined: number;
}

export interface ArchiveEvents {
  /** Events now visible in sessions, messages and search. */
  projected: [ProjectedEvent[]];
}

export interface ArchiveOptions extends OpenOptions {
  limits?: Partial<ArchiveLimits>;
  /**
   * Acknowledge as soon as the raw event is durable and index it right after, in the background
   * (the webhook path). Without it, an event is projected in the same transaction (import, demo).
   */
  deferProjection?: boolean;
}

export class Archive extends EventEmitter<ArchiveEvents> {
  private readonly committer: GroupCommitter;
  private readonly statements;
  private deliveriesSincePrune = 0;
  private readonly projector: Projector | null;

  static open(file: string, options: ArchiveOptions = {}): Archive {
    return new Archive(openDatabase(file, options), { ...DEFAULT_LIMITS, ...options.limits }, options.deferProjection ?? false);
  }

  constructor(
    readonly db: Db,
    private readonly limits: ArchiveLimits = DEFAULT_LIMITS,
    deferProjection = false,
  ) {
    super();
    this.committer = new GroupCommitter(db);
    this.projector = deferProjection ? new Projector(db, this.committer, (events) => this.emit('projected', events)) : null;
    this.statements = {
      insertEvent: db.prepare(
        `INSERT INTO events (session_id, event, event_at, received_at, source, body, body_sha256, projected)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, event) DO NOTHING`,
      ),
      insertDelivery: db.prepare(
        `INSERT INTO deliveries (received_at, method, path, remote, event_header, event, session_id, outcome,
           status_code, reason, size, latency_ms, headers, quarantine_id)
         VALUES (@receivedAt, @method, @path, @remote, @eventHeader, @event, @sessionId, @outcome,
           @statusCode, @reason, @size, @latencyMs, @headers, @quarantineId)`,
      ),
      pruneDeliveries: db.prepare(`DELETE FROM deliveries WHERE id <= (SELECT max(id) FROM deliveries) - ?`),
      insertQuarantine: db.prepare(
        `INSERT INTO quarantine (received_at, failure, reason, event_header, signature_header, event, session_id,
           headers, body, size)
         VALUES (@receivedAt, @failure, @reason, @eventHeader, @signatureHeader, @event, @sessionId, @headers, @body, @size)`,
      ),
      quarantineTotals: db.prepare(`SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM quarantine`),
      dropOldestQuarantined: db.prepare(`DELETE FROM quarantine WHERE id = (SELECT min(id) FROM quarantine)`),
    };
  }

  /**
   * Stores one event exactly once; resolves after COMMIT. Projected in the same transaction, or,
   * with deferProjection, right after by the projector (the raw event is already safe on disk).
   */
  async ingest(input: IngestInput): Promise<IngestResult> {
    const deferred = this.projector !== null;
    const result = await this.committer.submit((db) => {
      const { payload } = input;
      const inserted = this.statements.insertEvent.run(
        payload.sessionId,
        payload.event,
        payload.timestamp,
        input.receivedAt,
        input.source,
        input.body,
        createHash('sha256').update(input.body).digest('hex'),
        deferred ? 0 : 1,
      );
      const duplicate = inserted.changes === 0;
      if (!duplicate && !deferred) projectEvent(db, payload, input.receivedAt);
      if (input.delivery) {
        const { startedAt, ...delivery } = input.delivery;
        this.insertDelivery({
          ...delivery,
          event: payload.event,
          sessionId: payload.sessionId,
          outcome: duplicate ? 'duplicate' : 'stored',
          statusCode: 200,
          latencyMs: performance.now() - startedAt,
        });
      }
      return { duplicate };
    });
    if (!result.duplicate) {
      if (this.projector) this.projector.wake();
      else this.emit('projected', [{ sessionId: input.payload.sessionId, event: input.payload.event, payload: input.payload }]);
    }
    return result;
  }

  /** Resolves once every stored event is projected (tests, exports, shutdown). */
  async settled(): Promise<void> {
    await this.projector?.drain();
    await this.committer.drain();
  }

  /** Events waiting to be indexed, and events that could not be. */
  projectionBacklog(): { waiting: number; failed: number } {
    return this.db.prepare('SELECT (SELECT count(*) FROM events WHERE projected = 0) AS waiting, (SELECT count(*) FROM events WHERE projected = -1) AS failed').get() as {
      waiting: number;
      failed: number;
    };
  }

  /** Records a request that stored nothing (rejected, ignored), with its quarantined body if any. */
  logDelivery(delivery: DeliveryRecord, quarantined?: QuarantineRecord): Promise<void> {
    return this.committer.submit(() => {
      const quarantineId = quarantined ? this.insertQuarantine(quarantined) : null;
      this.insertDelivery(delivery, quarantineId);
    });
  }

  /** Deletes a session with its events, messages, files and index entries; resolves after COMMIT. */
  deleteSession(sessionId: string): Promise<boolean> {
    return this.committer.submit((db) => deleteSessionRows(db, sessionId));
  }

  /** Remembers a period the public URL was down (bounded: the newest 1,000 are kept). */
  recordOutage(outage: { startedAt: number; endedAt: number; reason: string | null }): Promise<void> {
    return this.committer.submit((db) => {
      db.prepare('INSERT INTO tunnel_outages (started_at, ended_at, reason) VALUES (?, ?, ?)').run(outage.startedAt, outage.endedAt, outage.reason);
      db.prepare('DELETE FROM tunnel_outages WHERE id <= (SELECT max(id) FROM tunnel_outages) - 1000').run();
    });
  }

  recentOutages(since: number, limit = 5): Array<{ startedAt: number; endedAt: number; reason: string | null }> {
    return this.db
      .prepare('SELECT started_at AS startedAt, ended_at AS endedAt, reason FROM tunnel_outages WHERE ended_at >= ? ORDER BY ended_at DESC LIMIT ?')
      .all(since, limit) as Array<{ startedAt: number; endedAt: number; reason: string | null }>;
  }

  listQuarantine(): StoredQuarantine[] {
    const rows = this.db
      .prepare(
        `SELECT id, received_at, failure, reason, event_header, signature_header, event, session_id, headers, body
         FROM quarantine ORDER BY id`,
      )
      .all() as QuarantineRow[];
    return rows.map(fromQuarantineRow);
  }

  /** Removes quarantined bodies once they have been stored by other means (re-verification). */
  releaseFromQuarantine(ids: number[]): Promise<void> {
    return this.committer.submit((db) => {
      const remove = db.prepare('DELETE FROM quarantine WHERE id = ?');
      for (const id of ids) remove.run(id);
    });
  }

  counts(): ArchiveCounts {
    return this.db
      .prepare(
        `SELECT
           (SELECT count(*) FROM sessions) AS sessions,
           (SELECT count(*) FROM sessions WHERE status = 'active') AS activeSessions,
           (SELECT count(*) FROM messages) AS messages,
           (SELECT count(*) FROM events) AS events,
           (SELECT count(*) FROM deliveries) AS deliveries,
           (SELECT count(*) FROM quarantine) AS quarantined`,
      )
      .get() as ArchiveCounts;
  }

  get commitStats() {
    return this.committer.stats;
  }

  /**
   * Finishes pending commits (and, for a few seconds, pending indexing: what is left is indexed at
   * the next start), then closes the database with a clean WAL checkpoint.
   */
  async close(): Promise<void> {
    await this.projector?.stop(5_000);
    await this.committer.close();
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }

  private insertDelivery(delivery: DeliveryRecord, quarantineId: number | null = null): void {
    this.statements.insertDelivery.run({
      ...delivery,
      headers: delivery.headers ? JSON.stringify(delivery.headers) : null,
      quarantineId,
    });
    this.deliveriesSincePrune += 1;
    if (this.deliveriesSincePrune >= 100) {
      this.deliveriesSincePrune = 0;
      this.statements.pruneDeliveries.run(this.limits.maxDeliveries);
    }
  }

  private insertQuarantine(record: QuarantineRecord): number {
    const result = this.statements.insertQuarantine.run({
      ...record,
      headers: record.headers ? JSON.stringify(record.headers) : null,
      size: record.body.length,
    });
    for (;;) {
      const totals = this.statements.quarantineTotals.get() as { n: number; bytes: number };
      if (totals.n <= this.limits.maxQuarantined && totals.bytes <= this.limits.maxQuarantineBytes) break;
      if (totals.n <= 1) break;
      this.statements.dropOldestQuarantined.run();
    }
    return Number(result.lastInsertRowid);
  }
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

function fromQuarantineRow(row: QuarantineRow): StoredQuarantine {
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
