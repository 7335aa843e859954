/**
 * The ArchiveApi contract: one entry per method (argument schema), one result type per method.
 * The renderer calls it through a transport (IPC in Electron, HTTP in a browser); the engine
 * validates every call against the same schema. Adding a method = one entry here + one handler.
 */
import { z } from 'zod';
import { settingsUpdateSchema, type SettingsView } from './settings.js';
import { retentionPeriodSchema, type RetentionView } from './retention.js';
import type { AuditPage, WhoAmI } from './accounts.js';
import { FORWARD_OUTCOMES, forwardTargetInputSchema, type ForwardAttemptPage, type ForwardCounts, type ForwardTarget } from './forwarding.js';
import { overviewArgsSchema, utcOffsetsSchema, type Overview } from './overview.js';
import { FINGERPRINT_PATTERN, type ConnectHubResult, type HubView } from './hub.js';
import {
  callerSettingsSchema,
  FOLLOW_UP_STATES,
  PRIORITIES,
  ruleInputSchema,
  TAG_COLORS,
  type Alert,
  type CallerRef,
  type CallerSettings,
  type CallerSummary,
  type FollowUpCounts,
  type FollowUpState,
  type FollowUpView,
  type InboxItem,
  type InboxPage,
  type Note,
  type Priority,
  type Rule,
  type RulePreviewPage,
  type Tag,
  type TagWithCount,
  type TriageProgress,
} from './follow-up.js';

const sessionId = z.string().min(1).max(512);

export const SESSION_STATUSES = ['active', 'ended', 'stale'] as const;
export const DELIVERY_OUTCOMES = ['stored', 'duplicate', 'ignored', 'rejected', 'failed'] as const;

export const sessionFiltersSchema = z
  .object({
    /** Epoch ms, inclusive, on the session's start time. */
    from: z.number().finite().optional(),
    to: z.number().finite().optional(),
    reasons: z.array(z.string().max(100)).max(20).optional(),
    mode: z.enum(['voice', 'text']).optional(),
    /** stale = started, never ended, and older than the stale threshold. */
    status: z.enum(SESSION_STATUSES).optional(),
    minDurationSeconds: z.number().nonnegative().optional(),
    maxDurationSeconds: z.number().nonnegative().optional(),
    /** Shorter than this (exclusive: the Overview's duration buckets meet without overlap). */
    durationBelowSeconds: z.number().positive().optional(),
    hasToolErrors: z.boolean().optional(),
    hasFiles: z.boolean().optional(),
    assistantId: z.string().max(100).optional(),
    /** Follow-up state; snoozed = to follow up, hidden until later. */
    followUp: z.enum([...FOLLOW_UP_STATES, 'snoozed']).optional(),
    tagId: z.number().int().positive().optional(),
    /** A caller's key (CallerRef.key). */
    callerKey: z.string().min(1).max(300).optional(),
    /** Started on this local weekday (0 = Sunday) and/or hour, with the viewer's offsets (shared/overview.ts). */
    localTime: z
      .object({ utcOffsets: utcOffsetsSchema, weekday: z.number().int().min(0).max(6).optional(), hour: z.number().int().min(0).max(23).optional() })
      .strict()
      .refine((local) => local.weekday !== undefined || local.hour !== undefined, 'a weekday or an hour is needed')
      .optional(),
    /** Called this tool ('' = a call without a name); with toolFailed, only where a call to it failed (true) or none did (false). */
    toolName: z.string().max(200).optional(),
    toolFailed: z.boolean().optional(),
    /** new: the caller's first session in the archive started at or after `since`; returning: before it. */
    callerHistory: z.object({ kind: z.enum(['new', 'returning']), since: z.number().int() }).strict().optional(),
  })
  .strict()
  .refine((filters) => filters.toolFailed === undefined || filters.toolName !== undefined, 'toolFailed needs a toolName');
export type SessionFilters = z.infer<typeof sessionFiltersSchema>;

const empty = z.object({}).strict();

export const ARCHIVE_API = {
  status: empty,
  facets: empty,
  /** The Overview page's numbers for [from, to) and the period before it, in the viewer's local time. */
  overview: overviewArgsSchema,
  listSessions: z
    .object({
      query: z.string().max(500).optional(),
      filters: sessionFiltersSchema.default({}),
      cursor: z.string().max(600).optional(),
      limit: z.number().int().min(1).max(500).default(100),
    })
    .strict(),
  getSession: z.object({ sessionId }).strict(),
  getMessages: z
    .object({ sessionId, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(20_000).default(20_000) })
    .strict(),
  /** mask: phone numbers and e-mail addresses masked (the window's "Hide contact details" is on). */
  exportSession: z.object({ sessionId, format: z.enum(['md', 'json']), mask: z.boolean().optional() }).strict(),
  /** Erases a session with its traces, irreversibly (README "Retention and erasure"). */
  eraseSession: z.object({ sessionId }).strict(),
  /** Erases every session of a caller (CallerRef.key). */
  eraseCaller: z.object({ key: z.string().min(1).max(300) }).strict(),
  /** The saved retention period, what `period` (default: the saved one) would erase now, and the erasure record. */
  getRetention: z.object({ period: retentionPeriodSchema.optional() }).strict(),
  /** Saves the retention period; a run starts at once (it erases what the preview showed). */
  setRetention: z.object({ period: retentionPeriodSchema }).strict(),
  /** An export of exactly the sessions a retention run with this cutoff would erase (the window's "Export these first"). */
  exportBefore: z.object({ before: z.number().int(), format: z.enum(['md', 'json']) }).strict(),
  listDeliveries: z
    .object({
      beforeId: z.number().int().positive().optional(),
      limit: z.number().int().min(1).max(500).default(100),
      outcome: z.enum(DELIVERY_OUTCOMES).optional(),
    })
    .strict(),
  getDelivery: z.object({ id: z.number().int().positive() }).strict(),
  reverifyQuarantine: z.object({ secret: z.string().min(1).max(1000), ids: z.array(z.number().int().positive()).max(1000).optional() }).strict(),
  revealSecret: empty,
  sendTestEvent: empty,
  loadDemoData: z.object({ sessions: z.number().int().min(1).max(5_000).default(300) }).strict(),
  getSettings: empty,
  updateSettings: settingsUpdateSchema,

  // ---- forwarding (shared/forwarding.ts, README "Forwarding") ----
  listForwardTargets: empty,
  /** Saves a target (new without id); a new one gets a generated secret unless one is given, returned once. */
  saveForwardTarget: forwardTargetInputSchema,
  deleteForwardTarget: z.object({ id: z.number().int().positive() }).strict(),
  pauseForwardTarget: z.object({ id: z.number().int().positive(), reason: z.string().trim().max(300).optional() }).strict(),
  resumeForwardTarget: z.object({ id: z.number().int().positive() }).strict(),
  listForwardAttempts: z
    .object({
      targetId: z.number().int().positive().optional(),
      outcome: z.enum(FORWARD_OUTCOMES).optional(),
      beforeId: z.number().int().positive().optional(),
      limit: z.number().int().min(1).max(500).default(100),
    })
    .strict(),
  /** Sends one outbox row (ForwardAttempt.outboxId) again. */
  resendForward: z.object({ outboxId: z.number().int().positive() }).strict(),
  /** Queues every stored event received in [from, to) for a target (backfill a newly connected tool). */
  resendForwardPeriod: z.object({ targetId: z.number().int().positive(), from: z.number().int(), to: z.number().int() }).strict().refine((v) => v.from < v.to, 'the period must end after it starts'),

  // ---- follow-ups: the inbox, notes, tags (shared/follow-up.ts) ----
  /** open: to follow up now, by priority then age; snoozed: hidden until later; done: recently handled. */
  inbox: z
    .object({
      view: z.enum(['open', 'snoozed', 'done']).default('open'),
      cursor: z.string().max(600).optional(),
      limit: z.number().int().min(1).max(500).default(200),
    })
    .strict(),
  getFollowUp: z.object({ sessionId }).strict(),
  /**
   * Changes a session's state. snoozedUntil (epoch ms, in the future) with state follow-up snoozes
   * it. expectedVersion (FollowUpView.version as last seen): a change made meanwhile elsewhere is
   * refused with a conflict instead of being overwritten.
   */
  setFollowUp: z
    .object({
      sessionId,
      state: z.enum(FOLLOW_UP_STATES),
      snoozedUntil: z.number().int().positive().nullable().default(null),
      priority: z.enum(PRIORITIES).optional(),
      expectedVersion: z.number().int().min(0).optional(),
    })
    .strict(),
  addNote: z.object({ sessionId, text: z.string().trim().min(1).max(10_000) }).strict(),
  /** Only a note's author may edit or delete it; expectedUpdatedAt refuses an edit over a newer one. */
  editNote: z.object({ noteId: z.number().int().positive(), text: z.string().trim().min(1).max(10_000), expectedUpdatedAt: z.number().int().optional() }).strict(),
  deleteNote: z.object({ noteId: z.number().int().positive() }).strict(),
  listTags: empty,
  saveTag: z.object({ id: z.number().int().positive().optional(), name: z.string().trim().min(1).max(40), color: z.enum(TAG_COLORS) }).strict(),
  deleteTag: z.object({ id: z.number().int().positive() }).strict(),
  tagSession: z.object({ sessionId, tagId: z.number().int().positive(), on: z.boolean() }).strict(),

  // ---- triage rules and callers ----
  listRules: empty,
  /** Saves a rule (new without id) and re-runs the rules over the archive in the background. */
  saveRule: ruleInputSchema,
  /** Custom rules only; built-in rules can be turned off. */
  deleteRule: z.object({ id: z.string().min(1).max(64) }).strict(),
  /** How many past sessions a rule (not yet saved) matches: one page at a time, pass nextAfter back. */
  previewRule: z.object({ rule: ruleInputSchema, after: z.number().int().min(0).optional() }).strict(),
  getCallerSettings: empty,
  /** Saves how callers are recognised and re-identifies every session's caller in the background. */
  saveCallerSettings: callerSettingsSchema,
  getCaller: z.object({ key: z.string().min(1).max(300), cursor: z.string().max(600).optional(), limit: z.number().int().min(1).max(500).default(100) }).strict(),

  // ---- alerts ----
  /** The newest alerts raised by this engine (daily summaries, refusals, quiet periods, follow-ups). */
  listAlerts: empty,

  // ---- backups ----
  /** The backups folder and its record of attempts, newest first. */
  listBackups: empty,
  /** Takes a backup now (verified before it counts) and returns its record. */
  backupNow: empty,

  // ---- encryption ----
  /** Whether the archive is encrypted, where its key comes from, what can be done here. */
  encryptionStatus: empty,
  /** Desktop: encrypts the plaintext archive with a key kept by the OS keychain (stops and restarts the engine). */
  encryptArchive: empty,
  /** Desktop: re-encrypts the archive with a new random key (stops and restarts the engine). */
  changeArchiveKey: empty,
  /** Desktop: the key itself, to keep a copy away from this computer (backups cannot be restored without it). */
  revealArchiveKey: empty,
  /** Desktop: keep this key (a copy saved earlier) for an encrypted archive this computer has no key for. */
  useArchiveKey: z.object({ key: z.string().min(12).max(1000) }).strict(),

  // ---- accounts (office network; shared/accounts.ts) ----
  /** The signed-in person, or null in single-user mode. */
  whoAmI: empty,
  /** The audit log, newest first (owners). */
  listAuditLog: z.object({ beforeId: z.number().int().positive().optional(), limit: z.number().int().min(1).max(500).default(100) }).strict(),

  // ---- office hub (desktop app only; shared/hub.ts) ----
  /** Whether this computer keeps its own archive or shows an office hub's, and how that connection is. */
  hubConnection: empty,
  /** Connect to (or sign in again at) an office hub; a self-signed hub first answers with its fingerprint to confirm. */
  connectHub: z
    .object({
      url: z.string().min(1).max(300),
      name: z.string().min(1).max(200),
      password: z.string().min(1).max(1024),
      remember: z.boolean(),
      fingerprint: z.string().regex(FINGERPRINT_PATTERN, 'is not a SHA-256 fingerprint (AB:CD:… 32 pairs)').nullable().default(null),
    })
    .strict(),
  /** Back to this computer's own archive (which was kept as it was). */
  disconnectHub: empty,
} as const;

export type ArchiveMethod = keyof typeof ARCHIVE_API;
export type ArchiveArgs<M extends ArchiveMethod> = z.input<(typeof ARCHIVE_API)[M]>;
export type ArchiveParsedArgs<M extends ArchiveMethod> = z.output<(typeof ARCHIVE_API)[M]>;
export const ARCHIVE_METHODS = Object.keys(ARCHIVE_API) as ArchiveMethod[];

export function isArchiveMethod(name: string): name is ArchiveMethod {
  return Object.prototype.hasOwnProperty.call(ARCHIVE_API, name);
}

// ---- results ---------------------------------------------------------------------------

export interface SessionSummary {
  sessionId: string;
  assistantId: string | null;
  status: 'active' | 'ended';
  /** Started, never ended, older than the stale threshold: "you may have missed this call's end". */
  stale: boolean;
  startedAt: string | null;
  endedAt: string | null;
  /** Best known start (epoch ms): the started event, or end minus duration. */
  sortAt: number;
  durationSeconds: number | null;
  reason: string | null;
  mode: string | null;
  firstUserLine: string | null;
  messageCount: number;
  toolCallCount: number;
  toolErrorCount: number;
  fileCount: number;
  /** Search only: the matching text, with matches between HIGHLIGHT_START and HIGHLIGHT_END. */
  snippet?: string | null;
  followUpState: FollowUpState;
  /** Set while the session is to follow up. */
  priority: Priority | null;
  snoozedUntil: number | null;
  tags: Tag[];
  caller: CallerRef | null;
}

export { HIGHLIGHT_END, HIGHLIGHT_START } from './highlight.js';

export interface SessionPage {
  items: SessionSummary[];
  /** Opaque; pass back for the next page. null at the end. */
  nextCursor: string | null;
  /** Sessions matching in all; null when a broad search would be costly to count exactly. */
  total: number | null;
  /** A word about how the search was read (e.g. a short last word matched as a whole word). */
  hint?: string | null;
}

export interface SessionDetail extends SessionSummary {
  metadata: Record<string, unknown> | null;
  receivedStartedAt: number | null;
  receivedEndedAt: number | null;
  /** Card numbers and security codes removed from this session's events before they were stored. */
  redactions: number;
}

export interface FileRefView {
  gcsUri: string;
  mimeType: string | null;
  filename: string | null;
}

export interface MessageView {
  seq: number;
  role: string;
  content: string;
  timestampMs: number | null;
  toolCall: { name: string | null; arguments: string | null; result: string | null; error: string | null } | null;
  files: FileRefView[];
}

export interface MessagePage {
  items: MessageView[];
  total: number;
}

export interface Facets {
  reasons: string[];
  assistants: string[];
  oldestSortAt: number | null;
  newestSortAt: number | null;
}

export interface DeliverySummary {
  id: number;
  receivedAt: number;
  method: string;
  path: string;
  eventHeader: string | null;
  event: string | null;
  sessionId: string | null;
  outcome: (typeof DELIVERY_OUTCOMES)[number];
  statusCode: number;
  reason: string | null;
  size: number | null;
  latencyMs: number | null;
  quarantineId: number | null;
}

export interface DeliveryPage {
  items: DeliverySummary[];
  nextBeforeId: number | null;
}

export interface DeliveryDetail extends DeliverySummary {
  headers: Record<string, string> | null;
  remote: string | null;
  /** The body as text (possibly truncated), or null when it was not kept. */
  body: string | null;
  bodyTruncated: boolean;
  bodyNote: string | null;
  /** Still in quarantine and re-verifiable with a secret. */
  reverifiable: boolean;
  /** This delivery's event is in the archive (so its session can be opened). */
  sessionArchived: boolean;
}

export interface ReverifyResult {
  checked: number;
  stored: number;
  duplicates: number;
  kept: number;
}

export type TunnelState = 'off' | 'connecting' | 'online' | 'error';

export interface ArchiveStatus {
  version: string;
  host: 'electron' | 'serve';
  dataDir: string;
  archiveFile: string;
  localWebhookUrl: string;
  /** What to paste into CallAIder's webhookUrl; null when the archive is not reachable from outside. */
  publicWebhookUrl: string | null;
  tunnel: { mode: 'ngrok' | 'none'; state: TunnelState; error: string | null };
  secretConfigured: boolean;
  requiredHeaderName: string | null;
  counts: { sessions: number; activeSessions: number; staleSessions: number; messages: number; deliveries: number; quarantined: number };
  staleAfterMinutes: number;
  /** Periods in the last 7 days when the public URL did not reach this archive (epoch ms). */
  recentOutages: Array<{ startedAt: number; endedAt: number; reason: string | null }>;
  /** The latest end-to-end self-test (after a resume from sleep, or from the Send test event button). */
  lastSelfTest: { ok: boolean; message: string; at: number } | null;
  /** Things the user should act on, most important first. */
  /** 'not-running': the desktop app has no engine (it failed to start, or waits for the keychain). */
  warnings: Array<{
    code: 'not-running' | 'no-secret' | 'no-public-url' | 'tunnel-down' | 'missed-window' | 'stale-sessions' | 'unindexed' | 'quarantine' | 'refusing' | 'quiet' | 'backup-missing' | 'forwarding-paused' | 'forwarding-gave-up';
    message: string;
  }>;
  /** Stored events still being indexed (they show up in the list when done). */
  indexing: number;
  followUps: FollowUpCounts;
  /** Re-running the rules over the archive (after a rule changed), or its last run; null if never. */
  triage: TriageProgress | null;
}

export interface SendTestResult {
  ok: boolean;
  url: string;
  statusCode: number | null;
  latencyMs: number;
  sessionId: string;
  message: string;
}

export interface ArchiveResults {
  status: ArchiveStatus;
  facets: Facets;
  overview: Overview;
  listSessions: SessionPage;
  getSession: SessionDetail;
  getMessages: MessagePage;
  exportSession: { filename: string; mimeType: string; content: string };
  eraseSession: { erased: boolean };
  eraseCaller: { erased: number };
  getRetention: RetentionView;
  setRetention: RetentionView;
  exportBefore: { filename: string; mimeType: string; content: string; sessions: number };
  listDeliveries: DeliveryPage;
  getDelivery: DeliveryDetail;
  reverifyQuarantine: ReverifyResult;
  revealSecret: { secret: string | null };
  sendTestEvent: SendTestResult;
  loadDemoData: { sessions: number };
  getSettings: SettingsView;
  updateSettings: SettingsView;
  listForwardTargets: { targets: ForwardTarget[]; counts: ForwardCounts };
  /** secret: the target's secret when this save set it (shown once), else null. */
  saveForwardTarget: { target: ForwardTarget; secret: string | null };
  deleteForwardTarget: { deleted: boolean };
  pauseForwardTarget: ForwardTarget;
  resumeForwardTarget: ForwardTarget;
  listForwardAttempts: ForwardAttemptPage;
  resendForward: { queued: boolean };
  resendForwardPeriod: { queued: number };
  inbox: InboxPage;
  getFollowUp: FollowUpView;
  setFollowUp: FollowUpView;
  addNote: FollowUpView;
  editNote: FollowUpView;
  deleteNote: FollowUpView;
  listTags: { tags: TagWithCount[] };
  saveTag: Tag;
  deleteTag: { deleted: boolean };
  tagSession: FollowUpView;
  listRules: { rules: Rule[]; progress: TriageProgress | null };
  saveRule: { rule: Rule };
  deleteRule: { deleted: boolean };
  previewRule: RulePreviewPage;
  getCallerSettings: CallerSettings & { resolvedCountry: string | null };
  saveCallerSettings: CallerSettings & { resolvedCountry: string | null };
  getCaller: CallerPage;
  listAlerts: { alerts: Alert[] };
  listBackups: { folder: string; backups: BackupRecord[] };
  backupNow: BackupRecord;
  encryptionStatus: EncryptionView;
  encryptArchive: EncryptionChange;
  changeArchiveKey: EncryptionChange;
  revealArchiveKey: { key: string };
  useArchiveKey: EncryptionView;
  whoAmI: WhoAmI;
  listAuditLog: AuditPage;
  hubConnection: HubView;
  connectHub: ConnectHubResult;
  disconnectHub: HubView;
}

/** Encryption at rest, as the Setup card shows it. */
export interface EncryptionView {
  encrypted: boolean;
  /** Where the key comes from ("the OS keychain", "CALLAIDER_ARCHIVE_KEY", "key file /x"); null when not encrypted. */
  keySource: string | null;
  /** The desktop app encrypts and changes keys itself; headless, the window shows the commands to run. */
  editable: boolean;
  /** Why the desktop app cannot encrypt here (no OS keychain), or null. */
  unavailable: string | null;
  /** Kept backups that are not encrypted (taken before the archive was, or while it was not). */
  plaintextBackups: number;
  /** The archive did not open with the key this computer has (or has none): what to do. */
  problem: string | null;
}

/** The result of encrypting or changing the key: what was verified, and the card's new state. */
export interface EncryptionChange {
  message: string;
  view: EncryptionView;
}

/** One backup attempt, as recorded in backups.json in the backups folder. */
export interface BackupRecord {
  /** When it started (epoch ms). */
  at: number;
  /** The file's name in the backups folder (a failed attempt's file was deleted). */
  file: string;
  ok: boolean;
  bytes: number | null;
  ms: number | null;
  /** Why it failed (ok false). */
  error: string | null;
  /** What the verified copy holds. */
  counts: { sessions: number; events: number; messages: number } | null;
  /** Deleted by rotation at this time (epoch ms). */
  removedAt?: number;
}

/** One caller: who, their sessions newest first, their open follow-ups and the notes on their sessions. */
export interface CallerPage {
  caller: CallerSummary;
  sessions: SessionPage;
  openFollowUps: InboxItem[];
  notes: Note[];
}

/** A change in the archive, pushed to open windows (IPC event / Server-Sent Event). */
export type ArchiveChange =
  | { type: 'session'; sessionId: string; event: string; duplicate: boolean }
  | { type: 'sessions-changed' }
  | { type: 'delivery' }
  | { type: 'status' }
  /** A session's follow-up, notes or tags changed (here or in another window). */
  | { type: 'follow-up'; sessionId: string }
  /** Rules, tags or caller settings changed, or a re-run over the archive moved on. */
  | { type: 'triage'; progress: TriageProgress | null }
  | { type: 'alert'; alert: Alert }
  /** A forwarding attempt was recorded, or targets changed. */
  | { type: 'forwarding' };

export type ArchiveApi = {
  [M in ArchiveMethod]: (args: ArchiveArgs<M>) => Promise<ArchiveResults[M]>;
} & {
  /** Live updates; returns the unsubscribe function. */
  subscribe(listener: (change: ArchiveChange) => void): () => void;
};

/** An error a handler raises on purpose; its message is safe to show the user. */
export interface ApiErrorBody {
  error: string;
  /** conflict: changed meanwhile elsewhere (HTTP 409); the message says what to do. */
  /** forbidden: this account's role may not do it (HTTP 403). */
  code: 'bad-request' | 'not-found' | 'unauthorized' | 'forbidden' | 'conflict' | 'failed';
}
