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
import type { RetentionPeriod, RetentionView } from '../../../shared/retention.js';
import type { Overview, OverviewArgs } from '../../../shared/overview.js';
import type {
  ActivityProfile,
  CallerSettings,
  ExportedFollowUp,
  FollowUpCounts,
  FollowUpView,
  InboxPage,
  PeriodSummary,
  Rule,
  RulePreviewPage,
  Tag,
  TagColor,
  TagWithCount,
} from '../../../shared/follow-up.js';
import type {
  CallerPage,
  DeliveryDetail,
  DeliveryPage,
  DeliverySummary,
  Facets,
  MessagePage,
  SessionDetail,
  SessionPage,
} from '../../../shared/api.js';
import type {
  EraseOptions,
  ErasePage,
  ErasureStart,
  AddNoteInput,
  BackupWritten,
  ArchiveCounts,
  CallerOptions,
  EditNoteInput,
  InboxOptions,
  PreviewOptions,
  RetriageOptions,
  RetriagePage,
  SaveRuleInput,
  SetFollowUpInput,
  TagSessionInput,
  DeliveryRecord,
  ExportOptions,
  ExportPage,
  FlaggedCall,
  GroupCommitStats,
  IngestInput,
  IngestResult,
  ListOptions,
  Outage,
  ProjectedEvent,
  QuarantineRecord,
  StoredQuarantine,
  ClaimedForward,
  ClaimForwardsOptions,
  ForwardAttemptQuery,
  ForwardAttemptRecord,
  ForwardAttemptRecorded,
  ResendPeriodOptions,
  ResendPeriodPage,
  SaveForwardTargetInput,
} from './types.js';
import type {
  AddUserInput,
  AuditInput,
  RedeemLinkInput,
  SignInLinkInput,
  SignInSessionInput,
  SignInSessionRecord,
  UserCredentials,
  UserRecord,
} from './account-types.js';
import type { AuditPage } from '../../../shared/accounts.js';
import type { ForwardAttemptPage, ForwardCounts, ForwardTarget } from '../../../shared/forwarding.js';

export * from './types.js';
export * from './account-types.js';

/** Writes: each resolves once its rows are committed (or rejects with CommitError: retry). */
export interface StoreWrites {
  /** Stores one event exactly once (unique sessionId + event), with its delivery-log row. */
  ingest(input: IngestInput): Promise<IngestResult>;
  /** Records a request that stored nothing (rejected, ignored), with its quarantined body if any. */
  logDelivery(delivery: DeliveryRecord, quarantined?: QuarantineRecord): Promise<void>;
  /**
   * Erases a session with its traces: events, messages, files, search entry, follow-up, notes,
   * tags, quarantined bodies and its delivery-log rows' session id and headers. With `erasure`,
   * records that an erasure happened (never which session). Index leftovers: scrubErased.
   */
  eraseSession(sessionId: string, erasure?: ErasureStart): Promise<boolean>;
  /** One page of erasing a caller's sessions, or those past a retention cutoff (background work). */
  eraseSessions(options: EraseOptions): Promise<ErasePage>;
  /** One slice of rewriting the search index without erased entries; done when nothing is left. */
  scrubErased(options: { budgetMs: number }): Promise<{ done: boolean }>;
  /** Empties the write-ahead log and marks erasures finished; false when a reader held it (try later). */
  finishErasures(options: { at: number }): Promise<{ finished: boolean }>;
  /** The retention period, kept in the archive so every host applies the same. */
  setRetention(period: RetentionPeriod): Promise<RetentionPeriod>;
  /** Removes quarantined bodies once they have been stored by other means (re-verification). */
  releaseFromQuarantine(ids: number[]): Promise<void>;
  /** Remembers a period the public URL was down (the newest 1,000 are kept). */
  recordOutage(outage: Outage): Promise<void>;
  /** Resolves once everything submitted is committed and every stored event is indexed. */
  settled(): Promise<void>;
  /** Group-commit statistics of the writer (benchmarks). */
  commitStats(): Promise<GroupCommitStats>;

  // ---- the owner's edits: kept apart from the received events, never changing them ----
  /** Sets a session's follow-up state (NotFoundError: no such session; ConflictError: version moved on). */
  setFollowUp(input: SetFollowUpInput): Promise<FollowUpView>;
  addNote(input: AddNoteInput): Promise<FollowUpView>;
  /** Only by its author (InvalidEditError otherwise); ConflictError when edited meanwhile. */
  editNote(input: EditNoteInput): Promise<FollowUpView>;
  deleteNote(input: { noteId: number; author: string }): Promise<FollowUpView>;
  /** Creates (no id) or renames/recolours a tag; InvalidEditError on a name already taken. */
  saveTag(tag: { id?: number | undefined; name: string; color: TagColor }): Promise<Tag>;
  deleteTag(id: number): Promise<boolean>;
  tagSession(input: TagSessionInput): Promise<FollowUpView>;
  /** Restores a session's owner edits from an export (import); the session's events must be stored. */
  restoreFollowUp(sessionId: string, followUp: ExportedFollowUp): Promise<void>;

  // ---- triage: rules and callers (their effects are re-applied by retriage) ----
  saveRule(rule: SaveRuleInput, at: number): Promise<Rule>;
  /** Custom rules only (InvalidEditError for a built-in one). */
  deleteRule(id: string): Promise<boolean>;
  saveCallerSettings(settings: CallerSettings): Promise<CallerSettings>;
  /** Re-runs the rules and caller identification over one page of sessions (in the background of webhooks). */
  retriage(options: RetriageOptions): Promise<RetriagePage>;
  /** Marks sessions that started before staleBefore and never ended as dropped (the dropped-call rule). */
  triageStale(options: { staleBefore: number; now: number }): Promise<{ changed: number }>;

  // ---- accounts: kept in the archive, so every receiver of a hub shares them ----
  /** InvalidEditError: the name is taken (ignoring case) or not a valid name. */
  addUser(input: AddUserInput): Promise<UserRecord>;
  /** A new one-time link (only its hash); the person's earlier links stop working. NotFoundError / InvalidEditError (disabled). */
  createSignInLink(input: SignInLinkInput): Promise<UserRecord>;
  /** Uses a link once: sets the password and starts a sign-in session; null when the link is unknown, used, expired or the account disabled. */
  redeemSignInLink(input: RedeemLinkInput): Promise<UserRecord | null>;
  startSignInSession(input: SignInSessionInput): Promise<void>;
  /** Moves a session's last-seen time on (the idle limit counts from it). */
  touchSignInSession(input: { tokenHash: string; at: number }): Promise<void>;
  /** Sign out: false when there was no such session. */
  endSignInSession(tokenHash: string): Promise<boolean>;
  /** Ends the account's sessions and links; InvalidEditError for the last enabled owner. */
  disableUser(input: { name: string; at: number }): Promise<UserRecord>;
  /** InvalidEditError for the last enabled owner. The audit log keeps the name. */
  removeUser(name: string): Promise<UserRecord>;
  recordAudit(input: AuditInput): Promise<void>;
  // ---- forwarding (README "Forwarding"): targets kept in the archive, so every host applies the same ----
  /** Creates (no id; an existing URL is updated instead) or updates a target; a new one needs a secret. */
  saveForwardTarget(input: SaveForwardTargetInput): Promise<ForwardTarget>;
  /** The target with its queue and its attempts. */
  deleteForwardTarget(id: number): Promise<boolean>;
  pauseForwardTarget(input: { id: number; reason: string; at: number }): Promise<ForwardTarget>;
  /** Unpauses, forgets the failures so far, and makes everything waiting due now. */
  resumeForwardTarget(input: { id: number; at: number }): Promise<ForwardTarget>;
  /** Leases due rows of unpaused targets (with the stored bytes to send) to one sender. */
  claimForwards(options: ClaimForwardsOptions): Promise<ClaimedForward[]>;
  /** Records one attempt; done after a 2xx, retried at retryAt, or given up; may pause the target. Null: the row is gone. */
  recordForwardAttempt(result: ForwardAttemptRecord): Promise<ForwardAttemptRecorded | null>;
  /** Sends one outbox row again from the start (false: it is gone). */
  resendForward(input: { outboxId: number; at: number }): Promise<boolean>;
  /** One page of queueing every stored event received in [from, to) for a target (backfill). */
  resendPeriod(options: ResendPeriodOptions): Promise<ResendPeriodPage>;
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

  getFollowUp(sessionId: string): Promise<FollowUpView | null>;
  /** The alert facts of these sessions, in one read (those the archive does not have are left out). */
  flaggedCalls(sessionIds: string[]): Promise<FlaggedCall[]>;
  /**
   * Sessions wait for a first pass of the rules (an archive upgraded from before them): the engine
   * runs one (retriage from the start), which clears this, with its progress shown like any re-run.
   */
  triagePending(): Promise<boolean>;
  inbox(options: InboxOptions): Promise<InboxPage>;
  followUpCounts(now: number): Promise<FollowUpCounts>;
  listTags(): Promise<TagWithCount[]>;
  listRules(): Promise<Rule[]>;
  callerSettings(): Promise<CallerSettings>;
  /** How many sessions a rule would match, a page at a time (the rule is not saved). */
  previewRule(rule: SaveRuleInput, options: PreviewOptions): Promise<RulePreviewPage>;
  getCaller(key: string, options: CallerOptions): Promise<CallerPage | null>;
  /** Numbers for the daily summary: sessions started in [from, to), refusals, open follow-ups. */
  periodSummary(options: { from: number; to: number; now: number }): Promise<PeriodSummary>;
  /** Sessions per local weekday and hour since `since` (utcOffsetMinutes: the local offset to use). */
  activityProfile(options: { since: number; utcOffsetMinutes: number }): Promise<ActivityProfile>;
  /**
   * Everything the Overview page shows for [from, to) and the period of the same length before it,
   * from one snapshot, aggregated by the store (never by loading sessions). Days and weekday/hour
   * buckets are in the viewer's local time, given as offset segments; follow-up states as of `now`.
   */
  overview(options: OverviewArgs & { now: number }): Promise<Overview>;
  /**
   * Writes a consistent copy of the archive to `file` (replacing it) from one snapshot, then checks
   * the copy (integrity, the source's schema, counts), all off the caller's thread: webhooks keep
   * being acknowledged and the window keeps reading while it runs. Trust it only when check.ok.
   */
  backupTo(file: string): Promise<BackupWritten>;
  /** The saved retention period, what it (or `period`) would erase now, and the erasure record. */
  retention(options: { now: number; period?: RetentionPeriod | undefined; limit: number }): Promise<RetentionView>;

  listUsers(): Promise<UserRecord[]>;
  /** The account by name (ignoring case) with its password hash, for checking a sign-in. */
  userCredentials(name: string): Promise<UserCredentials | null>;
  /** Whom a link would sign in (unused, unexpired, account enabled), without using it. */
  signInLinkUser(options: { tokenHash: string; now: number }): Promise<UserRecord | null>;
  /** A session within its idle and absolute limits, of an enabled account; else null. */
  signInSession(options: { tokenHash: string; now: number; idleMs: number }): Promise<SignInSessionRecord | null>;
  /** Newest first. */
  auditLog(options: { beforeId?: number | undefined; limit: number }): Promise<AuditPage>;
  /** Every forwarding target with its health (never its secret). */
  forwardTargets(): Promise<ForwardTarget[]>;
  /** Forwarding attempts newest first, a page at a time. */
  forwardAttempts(query: ForwardAttemptQuery): Promise<ForwardAttemptPage>;
  forwardCounts(): Promise<ForwardCounts>;
}

export const WRITE_OPERATIONS = [
  'ingest',
  'logDelivery',
  'eraseSession',
  'eraseSessions',
  'scrubErased',
  'finishErasures',
  'setRetention',
  'releaseFromQuarantine',
  'recordOutage',
  'settled',
  'commitStats',
  'setFollowUp',
  'addNote',
  'editNote',
  'deleteNote',
  'saveTag',
  'deleteTag',
  'tagSession',
  'restoreFollowUp',
  'saveRule',
  'deleteRule',
  'saveCallerSettings',
  'retriage',
  'triageStale',
  'addUser',
  'createSignInLink',
  'redeemSignInLink',
  'startSignInSession',
  'touchSignInSession',
  'endSignInSession',
  'disableUser',
  'removeUser',
  'recordAudit',
  'saveForwardTarget',
  'deleteForwardTarget',
  'pauseForwardTarget',
  'resumeForwardTarget',
  'claimForwards',
  'recordForwardAttempt',
  'resendForward',
  'resendPeriod',
] as const satisfies ReadonlyArray<keyof StoreWrites>;
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
  'getFollowUp',
  'flaggedCalls',
  'triagePending',
  'inbox',
  'followUpCounts',
  'listTags',
  'listRules',
  'callerSettings',
  'previewRule',
  'getCaller',
  'periodSummary',
  'activityProfile',
  'overview',
  'backupTo',
  'retention',
  'listUsers',
  'userCredentials',
  'signInLinkUser',
  'signInSession',
  'auditLog',
  'forwardTargets',
  'forwardAttempts',
  'forwardCounts',
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
