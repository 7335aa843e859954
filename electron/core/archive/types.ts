/** The archive's record types: what goes into an ArchiveStore and what comes out of it. */
import type { ErasureKind } from '../../../shared/retention.js';
import type { z } from 'zod';
import type { SessionFilters } from '../../../shared/api.js';
import type { CallerRef, FollowUpReason, FollowUpState, Priority, ruleInputSchema } from '../../../shared/follow-up.js';
import type { ExportFormat } from '../../../shared/export-format.js';
import type { KnownPayload } from '../../../shared/payload.js';
import type { ForwardKind, ForwardOrigin, ForwardOutcome } from '../../../shared/forwarding.js';

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
  /** What is stored: the bytes received, or the payload with its card data removed (see redaction/). */
  body: Buffer;
  /** Card numbers and security codes removed from `body` before it got here (default 0). */
  redactions?: number;
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
  /** Started, not ended, and not yet stale. */
  activeSessions: number;
  /** Started, never ended, older than the stale threshold. */
  staleSessions: number;
  messages: number;
  events: number;
  deliveries: number;
  quarantined: number;
  quarantinedBytes: number;
  /** Stored events waiting to be indexed. */
  indexing: number;
  /** Stored events that could not be indexed (kept and exported). */
  unindexed: number;
}

export interface Outage {
  startedAt: number;
  endedAt: number;
  reason: string | null;
}

export interface ListOptions {
  query?: string | undefined;
  filters: SessionFilters;
  cursor?: string | undefined;
  limit: number;
  now?: number;
  staleAfterMs: number;
}

export interface ExportOptions {
  format: ExportFormat;
  /** One session only. */
  sessionId?: string | undefined;
  /** Continue after this page cursor (ExportPage.nextAfterId). */
  afterId?: number | undefined;
  /** Sessions per page (a page also stops at a few megabytes). */
  limit: number;
  /** Indented JSON (a single session saved from the window). */
  pretty?: boolean;
  /** Phone numbers and e-mail addresses masked in the exported text (`export --mask`). */
  mask?: boolean | undefined;  /** Only the sessions a retention run with this cutoff (epoch ms) would erase. */
  before?: number | undefined;
}

/** Each session rendered in the export format, without separators. */
export interface ExportPage {
  items: string[];
  nextAfterId: number | null;
}

/** Identity only: listeners read what they need from the archive (payloads can be huge or deeply nested). */
export interface ProjectedEvent {
  sessionId: string;
  event: string;
  /** What the triage rules concluded when this event was projected (absent: nothing to do). */
  attention?: { followUp: boolean; notify: boolean };
}

/**
 * What an alert about a call the rules flagged says (alerts/follow-up-alert.ts): read for all of a
 * batch's flagged calls at once, since every hub alerts for every call and a read per call per hub
 * cost more than the call's storing.
 */
export interface FlaggedCall {
  sessionId: string;
  mode: string | null;
  firstUserLine: string | null;
  caller: CallerRef | null;
  /** Why it is to be followed up ([] for a call the rules only asked to be told about). */
  reasons: FollowUpReason[];
}

// ---- follow-ups (the owner's edits; see shared/follow-up.ts) ----------------------------

export interface SetFollowUpInput {
  sessionId: string;
  state: FollowUpState;
  snoozedUntil: number | null;
  /** Keeps the current priority (or 'normal' for a new follow-up) when absent. */
  priority?: Priority | undefined;
  actor: string;
  at: number;
  /** Refuse (ConflictError) when the follow-up's version is no longer this one. */
  expectedVersion?: number | undefined;
}

export interface AddNoteInput {
  sessionId: string;
  text: string;
  author: string;
  at: number;
}

export interface EditNoteInput {
  noteId: number;
  text: string;
  author: string;
  at: number;
  expectedUpdatedAt?: number | undefined;
}

export interface TagSessionInput {
  sessionId: string;
  tagId: number;
  on: boolean;
  actor: string;
  at: number;
}

/** A rule to save: the validated input (shared ruleInputSchema output) and when. */
export type SaveRuleInput = z.output<typeof ruleInputSchema>;

/** One page of re-running the rules over the archive, oldest session first. */
export interface RetriageOptions {
  /** Continue after this session (RetriagePage.nextAfter); absent = from the start. */
  after?: number | undefined;
  /** Stop the page after this much work (it gives way to webhooks between pages). */
  budgetMs: number;
  now: number;
  /** Sessions started before this and never ended count as dropped. */
  staleBefore: number;
}

export interface RetriagePage {
  checked: number;
  changed: number;
  /** Sessions in the archive when the page ran (for progress). */
  total: number;
  nextAfter: number | null;
}

export interface InboxOptions {
  view: 'open' | 'snoozed' | 'done';
  cursor?: string | undefined;
  limit: number;
  now: number;
}

export interface PreviewOptions {
  after?: number | undefined;
  budgetMs: number;
  staleBefore: number;
}

export interface CallerOptions {
  cursor?: string | undefined;
  limit: number;
  now: number;
  staleAfterMs: number;
}

export interface GroupCommitStats {
  transactions: number;
  jobs: number;
  largestBatch: number;
}

export interface ArchiveCheck {
  ok: boolean;
  /** What is wrong, one line each (empty when ok). */
  problems: string[];
  schemaVersion: number | null;
  counts: { sessions: number; events: number; messages: number } | null;
}

/** A backup written by the store, and what checking it found (trust it only when check.ok). */
export interface BackupWritten {
  bytes: number;
  /** The copy. */
  ms: number;
  /** The check after it (integrity, schema, counts). */
  verifyMs: number;
  check: ArchiveCheck;
}

// ---- erasure ----

/** An erasure's record: what kind, by whom, when it started (never which sessions). */
export interface ErasureStart {
  kind: ErasureKind;
  actor: string;
  at: number;
}

export type EraseScope = { callerKey: string } | { before: number };

export interface EraseOptions {
  scope: EraseScope;
  /** The record this run adds to (from the previous page); absent on the first page. */
  erasureId?: number | null | undefined;
  erasure: ErasureStart;
  /** Work per page on the writer (ms): acknowledgements queued meanwhile wait at most about this long. */
  budgetMs: number;
}

export interface ErasePage {
  erased: number;
  /** The erasure record (null while nothing was erased). */
  erasureId: number | null;
  done: boolean;
}


// ---- forwarding ----

export interface SaveForwardTargetInput {
  /** Absent: a new target (a target with the same URL is updated instead). */
  id?: number | undefined;
  url: string;
  events: ForwardKind[];
  headers: Record<string, string>;
  /** Absent: keep the current secret (required for a new target). */
  secret?: string | undefined;
  origin: ForwardOrigin;
  at: number;
}

export interface ClaimForwardsOptions {
  now: number;
  /** Rows at most, over every target. */
  limit: number;
  /** Rows at most per target. */
  perTarget: number;
  /** A claimed row is not handed out again until now + leaseMs (a sender that died lets it go then). */
  leaseMs: number;
  /** Targets that already have sends in flight. */
  excludeTargets?: number[] | undefined;
}

/** A row to send, with what sending needs: the target, its secret and the stored bytes. */
export interface ClaimedForward {
  outboxId: number;
  targetId: number;
  url: string;
  headers: Record<string, string>;
  secret: string;
  sessionId: string;
  event: string;
  kind: ForwardKind;
  /** This attempt's number (1: the first). */
  attempt: number;
  firstAttemptAt: number | null;
  body: Uint8Array;
}

export interface ForwardAttemptRecord {
  outboxId: number;
  at: number;
  ok: boolean;
  status: number | null;
  latencyMs: number | null;
  excerpt: string | null;
  error: string | null;
  /** When to try again after a failure; null: give the row up. */
  retryAt: number | null;
  /** Pause the target now, with this reason (a 410 Gone, say). */
  pauseNow?: string | undefined;
  /** Pause the target when its failures last this long, or number this many in a row. */
  pauseAfter: { ms: number; failures: number };
}

export interface ForwardAttemptRecorded {
  outcome: ForwardOutcome;
  /** Set when this attempt paused its target: why. */
  paused: string | null;
}

export interface ForwardAttemptQuery {
  targetId?: number | undefined;
  outcome?: ForwardOutcome | undefined;
  beforeId?: number | undefined;
  limit: number;
}

export interface ResendPeriodOptions {
  targetId: number;
  /** Events received in [from, to) (epoch ms). */
  from: number;
  to: number;
  /** The page to continue from (nextAfterId of the previous page). */
  afterId?: number | null | undefined;
  at: number;
  /** Stored events looked at per page: a big period does not hold the writer. */
  scan?: number | undefined;
}

export interface ResendPeriodPage {
  queued: number;
  /** Pass back as afterId; null when the period is done. */
  nextAfterId: number | null;
}
