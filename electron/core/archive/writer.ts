/**
 * The write side of the archive. LocalWriter commits on the calling thread (CLI tools, tests);
 * WorkerWriter runs a LocalWriter on a thread of its own, so that the webhook listener's thread
 * never waits for an fsync or an index update and keeps accepting requests meanwhile, which also
 * lets more of them share each commit.
 */
import type { DeliveryRecord, GroupCommitStats, IngestInput, IngestResult, ProjectedEvent, QuarantineRecord } from './types.js';

export interface ArchiveWriter {
  ingest(input: IngestInput): Promise<IngestResult>;
  logDelivery(delivery: DeliveryRecord, quarantined?: QuarantineRecord): Promise<void>;
  deleteSession(sessionId: string): Promise<boolean>;
  releaseFromQuarantine(ids: number[]): Promise<void>;
  recordOutage(outage: { startedAt: number; endedAt: number; reason: string | null }): Promise<void>;
  /** Resolves once everything submitted is committed and every stored event is projected. */
  settled(): Promise<void>;
  close(): Promise<void>;
  readonly stats: GroupCommitStats;
  onProjected(listener: (events: ProjectedEvent[]) => void): void;
}
