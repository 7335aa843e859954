/**
 * The archive: reads on this thread's connection, writes through a writer (this thread, or a
 * thread of its own) whose promises resolve only once their rows are durable. WAL lets readers,
 * the writer and exporters in other processes work at the same time.
 */
import { EventEmitter } from 'node:events';
import { openDatabase, type Db, type OpenOptions } from './database.js';
import { LocalWriter } from './local-writer.js';
import {
  DEFAULT_LIMITS,
  type ArchiveCounts,
  type ArchiveLimits,
  type DeliveryRecord,
  type GroupCommitStats,
  type IngestInput,
  type IngestResult,
  type ProjectedEvent,
  type QuarantineFailure,
  type QuarantineRecord,
  type StoredQuarantine,
} from './types.js';
import { WorkerWriter, writerWorkerEntry } from './worker-writer.js';
import type { ArchiveWriter } from './writer.js';

export * from './types.js';

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
  /** Opens an archive whose writes run on this thread (CLI tools, tests). */
  static open(file: string, options: ArchiveOptions = {}): Archive {
    const db = openDatabase(file, options);
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    return new Archive(db, options.readonly ? null : new LocalWriter(db, limits, options.deferProjection ?? false));
  }

  /**
   * Opens an archive whose writes run on a thread of their own (the engine): the listener's
   * thread never waits for a commit. Falls back to this thread when the compiled writer thread is
   * not available (running from source without a build).
   */
  static async openWithWriterThread(file: string, options: ArchiveOptions & { onFallback?: (reason: string) => void } = {}): Promise<Archive> {
    const entry = writerWorkerEntry();
    if (!entry) return Archive.open(file, options);
    const db = openDatabase(file, options); // migrates before the writer thread opens its connection
    let writer: WorkerWriter;
    try {
      writer = await WorkerWriter.start(entry, {
        file,
        limits: { ...DEFAULT_LIMITS, ...options.limits },
        deferProjection: options.deferProjection ?? false,
        nativeBinding: options.nativeBinding,
      });
    } catch (error) {
      // A thread that cannot start (a packaging that hides its files, say) must not stop the
      // archive: the same writer runs on this thread instead, slower under load but just as safe.
      options.onFallback?.(error instanceof Error ? error.message : String(error));
      return new Archive(db, new LocalWriter(db, { ...DEFAULT_LIMITS, ...options.limits }, options.deferProjection ?? false));
    }
    return new Archive(db, writer);
  }

  private readonly writer: ArchiveWriter | null;

  constructor(
    readonly db: Db,
    writer: ArchiveWriter | null,
  ) {
    super();
    this.writer = writer;
    writer?.onProjected((events) => this.emit('projected', events));
  }

  private get write(): ArchiveWriter {
    if (!this.writer) throw new Error('this archive was opened read-only');
    return this.writer;
  }

  /**
   * Stores one event exactly once; resolves after COMMIT. Projected in the same transaction, or,
   * with deferProjection, right after (the raw event is already safe on disk).
   */
  ingest(input: IngestInput): Promise<IngestResult> {
    return this.write.ingest(input);
  }

  /** Resolves once every stored event is projected (tests, exports, shutdown). */
  async settled(): Promise<void> {
    await this.writer?.settled();
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
    return this.write.logDelivery(delivery, quarantined);
  }

  /** Deletes a session with its events, messages, files and index entries; resolves after COMMIT. */
  deleteSession(sessionId: string): Promise<boolean> {
    return this.write.deleteSession(sessionId);
  }

  /** Remembers a period the public URL was down (bounded: the newest 1,000 are kept). */
  recordOutage(outage: { startedAt: number; endedAt: number; reason: string | null }): Promise<void> {
    return this.write.recordOutage(outage);
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
    return this.write.releaseFromQuarantine(ids);
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

  get commitStats(): GroupCommitStats {
    return this.writer?.stats ?? { transactions: 0, jobs: 0, largestBatch: 0 };
  }

  /** Finishes pending writes, then closes the database with a clean WAL checkpoint. */
  async close(): Promise<void> {
    await this.writer?.close();
    if (this.db.open) {
      if (!this.db.readonly) this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
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
