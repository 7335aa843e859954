/** The archive's record types, shared by the archive, its writers and the writer thread. */
import type { KnownPayload } from '../../../shared/payload.js';

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
  /** The request headers as JSON, secrets masked (serialized by the receiver, stored as is). */
  headersJson: string | null;
}

/** A delivery whose outcome is decided inside the ingest transaction. */
export type PendingDelivery = Omit<DeliveryRecord, 'outcome' | 'statusCode' | 'latencyMs' | 'event' | 'sessionId'> & {
  /**
   * When the request arrived, as performance.timeOrigin + performance.now() (comparable across
   * threads); latency is measured up to the commit.
   */
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

/** Identity only: listeners read what they need from the archive (payloads can be huge or deeply nested). */
export interface ProjectedEvent {
  sessionId: string;
  event: string;
}

export interface GroupCommitStats {
  transactions: number;
  jobs: number;
  largestBatch: number;
}
