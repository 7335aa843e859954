/**
 * The owner's side of the archive: follow-up state, notes and tags per session, the triage rules
 * that decide what needs a follow-up, and the callers sessions belong to. These are the owner's
 * edits and the rules' conclusions, kept apart from the received events (which stay exactly as
 * received). Shared by the engine (validation, the store) and the window (forms, labels).
 */
import { z } from 'zod';

/** open: nothing to do (or not decided); follow-up: someone must act; done: handled. */
export const FOLLOW_UP_STATES = ['open', 'follow-up', 'done'] as const;
export type FollowUpState = (typeof FOLLOW_UP_STATES)[number];

export const PRIORITIES = ['low', 'normal', 'high'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Who changed something: the person's name, or RULES_ACTOR when the triage rules did. */
export const RULES_ACTOR = 'rules';

/** Why a session needs a follow-up, in words ("Booking failed: upstream timeout"). */
export interface FollowUpReason {
  ruleId: string;
  text: string;
  priority: Priority;
}

export interface Note {
  id: number;
  sessionId: string;
  author: string;
  text: string;
  createdAt: number;
  updatedAt: number;
}

/** Tag colours: a small named palette, each readable in light and dark themes. */
export const TAG_COLORS = ['gray', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink'] as const;
export type TagColor = (typeof TAG_COLORS)[number];

export interface Tag {
  id: number;
  name: string;
  color: TagColor;
}

export interface TagWithCount extends Tag {
  /** Sessions carrying it. */
  sessions: number;
}

/** A session's follow-up: its state, why, and the owner's notes and tags. */
export interface FollowUpView {
  sessionId: string;
  state: FollowUpState;
  /** Priority of the follow-up (null when nothing needs doing). */
  priority: Priority | null;
  /** Hidden from the inbox until then (epoch ms); null when not snoozed. */
  snoozedUntil: number | null;
  /** What the rules found (kept even after the owner changes the state). */
  reasons: FollowUpReason[];
  /** Who last changed the state (a person, or "rules"), and when (epoch ms). */
  changedBy: string | null;
  changedAt: number | null;
  /** Grows with every change of state; pass it back to detect edits made meanwhile elsewhere. */
  version: number;
  notes: Note[];
  tags: Tag[];
}

/** Who a session was with, as the archive identified them. */
export interface CallerRef {
  /** Stable identity: "tel:+15550100", "mailto:ana@example.com", or "id:<value>". */
  key: string;
  /** For people: "+1 555-0100", "ana@example.com". */
  label: string;
  kind: 'phone' | 'email' | 'other';
  /** Sessions with this caller in the last 7 and 30 days (this one included). */
  calls7d: number;
  calls30d: number;
}

// ---- triage rules ----------------------------------------------------------------------

export const BUILTIN_RULES = ['tool-failed', 'dropped', 'files', 'asked-for-person', 'short-call'] as const;
export type BuiltinRuleKind = (typeof BUILTIN_RULES)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

export const conditionSchema = z.discriminatedUnion('field', [
  z.object({ field: z.literal('endReason'), op: z.enum(['is', 'isNot']), values: z.array(text(100)).min(1).max(20) }).strict(),
  z.object({ field: z.literal('mode'), value: z.enum(['voice', 'text']) }).strict(),
  z.object({ field: z.literal('duration'), op: z.enum(['lt', 'gt']), seconds: z.number().nonnegative().max(86_400) }).strict(),
  z.object({ field: z.literal('assistant'), values: z.array(text(100)).min(1).max(20) }).strict(),
  z
    .object({ field: z.literal('metadata'), key: text(100), op: z.enum(['equals', 'contains', 'exists']), value: z.string().max(200).optional() })
    .strict(),
  /** called: any of the tools was called; failed: any of them failed (empty names: any tool). */
  z.object({ field: z.literal('tool'), op: z.enum(['called', 'failed']), names: z.array(text(100)).max(20) }).strict(),
  /** Any of the words or phrases (case and accents ignored), said by the caller or by anyone. */
  z.object({ field: z.literal('words'), who: z.enum(['caller', 'anyone']), words: z.array(text(200)).min(1).max(200) }).strict(),
]);
export type RuleCondition = z.infer<typeof conditionSchema>;

export const ruleActionSchema = z
  .object({
    /** Mark the session "to follow up" with this priority. */
    followUp: z.boolean(),
    priority: z.enum(PRIORITIES),
    /** Tag names to add (created, grey, if missing). */
    tags: z.array(text(40)).max(10),
    /** Raise a notification (when notifications are on). */
    notify: z.boolean(),
  })
  .strict();
export type RuleAction = z.infer<typeof ruleActionSchema>;

/**
 * A rule as the owner edits it. Built-in rules keep their kind (and cannot be deleted, only turned
 * off); their settings are `phrases` (asked-for-person) and `seconds` (short-call). Custom rules
 * match when every condition holds.
 */
export const ruleInputSchema = z
  .object({
    /** Absent for a new rule. */
    id: z.string().min(1).max(64).optional(),
    name: text(80),
    enabled: z.boolean(),
    kind: z.enum([...BUILTIN_RULES, 'custom']),
    phrases: z.array(text(200)).max(500).optional(),
    seconds: z.number().min(1).max(600).optional(),
    conditions: z.array(conditionSchema).max(20).default([]),
    action: ruleActionSchema,
  })
  .strict()
  .refine((rule) => rule.kind !== 'custom' || rule.conditions.length > 0, { message: 'a custom rule needs at least one condition', path: ['conditions'] })
  .refine((rule) => rule.kind !== 'asked-for-person' || (rule.phrases?.length ?? 0) > 0, { message: 'list at least one phrase', path: ['phrases'] })
  .refine((rule) => rule.kind !== 'short-call' || rule.seconds !== undefined, { message: 'say how many seconds', path: ['seconds'] });
export type RuleInput = z.input<typeof ruleInputSchema>;

export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  kind: BuiltinRuleKind | 'custom';
  phrases?: string[];
  seconds?: number;
  conditions: RuleCondition[];
  action: RuleAction;
  /** Epoch ms of the last change. */
  updatedAt: number;
}

/** How callers are recognised. */
export const callerSettingsSchema = z
  .object({
    /** Metadata fields that hold the caller's number or address, tried in order. */
    fields: z.array(text(100)).min(1).max(30),
    /** ISO 3166 country for numbers written without +country code; null = from this computer's locale. */
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, 'is a two-letter country code, like US or GB')
      .nullable(),
  })
  .strict();
export type CallerSettings = z.infer<typeof callerSettingsSchema>;

export const DEFAULT_CALLER_FIELDS = ['phone', 'phoneNumber', 'from', 'caller', 'callerId', 'callerNumber', 'customerPhone', 'email', 'callerEmail', 'customerEmail'];

/** Progress of re-running the rules over the whole archive (after a rule or the caller settings changed). */
export interface TriageProgress {
  running: boolean;
  checked: number;
  total: number;
  /** Sessions whose follow-up, tags or caller changed. */
  changed: number;
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
}

/** A page of "how many past sessions would this rule match" (the window asks until nextAfter is null). */
export interface RulePreviewPage {
  checked: number;
  matched: number;
  /** A few of the matching sessions' ids, for "for example". */
  examples: string[];
  total: number;
  nextAfter: number | null;
}

// ---- the inbox and callers --------------------------------------------------------------

export interface InboxItem {
  sessionId: string;
  state: FollowUpState;
  priority: Priority;
  reasons: FollowUpReason[];
  /** The session's start (epoch ms): the item's age is counted from it. */
  sortAt: number;
  snoozedUntil: number | null;
  mode: string | null;
  durationSeconds: number | null;
  firstUserLine: string | null;
  caller: CallerRef | null;
  tags: Tag[];
  noteCount: number;
}

export interface InboxPage {
  items: InboxItem[];
  nextCursor: string | null;
  /** All items in this view. */
  total: number;
}

export interface FollowUpCounts {
  /** To follow up now (not snoozed). */
  open: number;
  snoozed: number;
}

export interface CallerSummary extends CallerRef {
  sessions: number;
  firstAt: number;
  lastAt: number;
}

// ---- alerts -----------------------------------------------------------------------------

export const ALERT_KINDS = ['follow-up', 'ended', 'summary', 'refusals', 'quiet'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Something the owner should know, raised by the engine (a notification on the desktop, a log line headless). */
export interface Alert {
  id: string;
  kind: AlertKind;
  at: number;
  title: string;
  body: string;
  /** The session it is about (a click opens it). */
  sessionId?: string;
}

/** The day's numbers behind the daily summary. */
export interface PeriodSummary {
  from: number;
  to: number;
  calls: number;
  voice: number;
  text: number;
  /** Sessions with at least one failed tool call. */
  withToolErrors: number;
  /** Deliveries refused (bad signature, bad request) in the period. */
  refused: number;
  openFollowUps: number;
}

/** Sessions per weekday (0 = Sunday) and hour, in local time: when calls usually come. */
export interface ActivityProfile {
  /** 7 × 24 counts, index weekday * 24 + hour. */
  counts: number[];
  /** Days covered. */
  days: number;
  /** The newest session's start (epoch ms), or null. */
  lastAt: number | null;
}

// ---- exports ----------------------------------------------------------------------------

/**
 * A session's owner edits as exports carry them (`followUp` in json and ndjson; columns in csv; a
 * section in md) and as `import` restores them. Times are ISO 8601 (UTC).
 */
export interface ExportedFollowUp {
  state: FollowUpState;
  priority: Priority | null;
  snoozedUntil: string | null;
  reasons: FollowUpReason[];
  changedBy: string | null;
  changedAt: string | null;
  notes: Array<{ author: string; text: string; createdAt: string; updatedAt: string }>;
  tags: Array<{ name: string; color: TagColor }>;
  caller: { key: string; label: string; kind: CallerRef['kind'] } | null;
}
