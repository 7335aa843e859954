/**
 * The archive store: the only way the engine reads or writes the archive. Everything is async,
 * whether it runs on a thread of its own (SQLite: a writer thread and a reader thread) or on a
 * server (PostgreSQL, next), so no caller ever runs a query on its own thread.
 *
 * Writes resolve after COMMIT: a resolved ingest is on disk. Reads see committed data only.
 * Both lists of operations are spelled out below (WRITE_OPERATIONS, READ_OPERATIONS): proxies
 * to threads are generated from them, so adding an operation is one line there and one function.
 */
import type { EventEmitter } from 'node:events';
import type { JsonText } from '../json-text.js';
import type {
  DeliveryDetail,
  DeliveryPage,
  DeliverySummary,
  Facets,
  MessagePage,
  SessionDetail,
  SessionPage,
} from '../../../shared/api.js';
import type {
  ArchiveCounts,
  DeliveryRecord,
  ExportOptions,
  ExportPage,
  GroupCommitStats,
  IngestInput,
  IngestResult,
  ListOptions,
  Outage,
  ProjectedEvent,
  QuarantineRecord,
  StoredQuarantine,
} from './types.js';

export * from './types.js';

/** Writes: each resolves once its rows are committed (or rejects with CommitError: retry). */
export interface StoreWrites {
  /** Stores one event exactly once (unique sessionId + event), with its delivery-log row. */
  ingest(input: IngestInput): Promise<IngestResult>;
  /** Records a request that stored nothing (rejected, ignored), with its quarantined body if any. */
  logDelivery(delivery: DeliveryRecord, quarantined?: QuarantineRecord): Promise<void>;
  /** Deletes a session with its events, messages, files and search entry. */
  deleteSession(sessionId: string): Promise<boolean>;
  /** Removes quarantined bodies once they have been stored by other means (re-verification). */
  releaseFromQuarantine(ids: number[]): Promise<void>;
  /** Remembers a period the public URL was down (the newest 1,000 are kept). */
  recordOutage(outage: Outage): Promise<void>;
  /** Resolves once everything submitted is committed and every stored event is indexed. */
  settled(): Promise<void>;
  /** Group-commit statistics of the writer (benchmarks). */
  commitStats(): Promise<GroupCommitStats>;
}

/** Reads: never block the writer, never run on the caller's thread. */
export interface StoreReads {
  /** Kept counters: as cheap on 100,000 sessions as on ten. */
  counts(options: { staleBefore: number }): Promise<ArchiveCounts>;
  recentOutages(options: { since: number; limit: number }): Promise<Outage[]>;
  facets(): Promise<Facets>;
  listSessions(options: ListOptions): Promise<SessionPage>;
  getSession(sessionId: string, staleAfterMs: number): Promise<SessionDetail | null>;
  getMessages(sessionId: string, offset: number, limit: number): Promise<MessagePage>;
  listDeliveries(options: { beforeId?: number | undefined; limit: number; outcome?: DeliverySummary['outcome'] | undefined }): Promise<DeliveryPage>;
  getDelivery(id: number): Promise<DeliveryDetail | null>;
  /** Quarantined deliveries in arrival order, a page at a time. */
  listQuarantine(options: { afterId?: number | undefined; limit: number }): Promise<StoredQuarantine[]>;
  /** The event names stored for one session. */
  storedEvents(sessionId: string): Promise<string[]>;
  /** One page of an export, rendered; pass nextAfterId back for the next. */
  exportSessions(options: ExportOptions): Promise<ExportPage>;
}

export const WRITE_OPERATIONS = ['ingest', 'logDelivery', 'deleteSession', 'releaseFromQuarantine', 'recordOutage', 'settled', 'commitStats'] as const satisfies ReadonlyArray<keyof StoreWrites>;
export const READ_OPERATIONS = [
  'counts',
  'recentOutages',
  'facets',
  'listSessions',
  'getSession',
  'getMessages',
  'listDeliveries',
  'getDelivery',
  'listQuarantine',
  'storedEvents',
  'exportSessions',
] as const satisfies ReadonlyArray<keyof StoreReads>;

export interface StoreEvents {
  /** Events now visible in sessions, messages and search (after their acknowledgement). */
  projected: [ProjectedEvent[]];
}

/** StoreReads whose results arrive as JSON text, serialized where the read ran. */
export type StoreJsonReads = { [K in keyof StoreReads]: (...args: Parameters<StoreReads[K]>) => Promise<JsonText<Awaited<ReturnType<StoreReads[K]>>>> };

export interface ArchiveStore extends StoreWrites, StoreReads, Pick<EventEmitter<StoreEvents>, 'on' | 'off' | 'once'> {
  /**
   * The same reads, for results that are only passed on (to the window): neither the calling
   * thread nor the hand-over turns them into objects.
   */
  readonly json: StoreJsonReads;
  /** Finishes pending writes (and, for a few seconds, pending indexing), then closes. */
  close(): Promise<void>;
}

// Both lists must name every operation: a missing one would be a method no proxy forwards.
type Unlisted<T, L extends ReadonlyArray<keyof T>> = Exclude<keyof T, L[number]>;
export const everyOperationListed: [Unlisted<StoreWrites, typeof WRITE_OPERATIONS> | Unlisted<StoreReads, typeof READ_OPERATIONS>] extends [never] ? true : never = true;
