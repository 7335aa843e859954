/**
 * Forwarding: the owner's other tools (a CRM, a spreadsheet, Zapier) get each stored event, signed
 * like CallAIder signs. The shapes shared by the archive, the API, `serve` and the window.
 */
import { z } from 'zod';

/** What a target can receive: each stored event, or only ended sessions the rules marked for follow-up. */
export const FORWARD_KINDS = ['session.started', 'session.ended', 'follow-up'] as const;
export type ForwardKind = (typeof FORWARD_KINDS)[number];
export const FORWARD_OUTCOMES = ['ok', 'failed', 'gave-up'] as const;
export type ForwardOutcome = (typeof FORWARD_OUTCOMES)[number];
/** owner: added in the window or the API; command-line: `serve --forward`/`--forward-config` (upserted by URL at each start). */
export const FORWARD_ORIGINS = ['owner', 'command-line'] as const;
export type ForwardOrigin = (typeof FORWARD_ORIGINS)[number];

/** Headers the archive sets itself, or that would break the request: never taken from a target's extras. */
const RESERVED_HEADER = /^(host|content-length|content-type|transfer-encoding|connection|user-agent|idempotency-key|x-callaider-.*)$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,2000}$/;

export const forwardUrlSchema = z
  .string()
  .trim()
  .min(1, 'a URL is needed')
  .max(2000)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a URL (it should look like https://example.com/hook)` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `only http:// and https:// URLs can receive forwards, not ${url.protocol}//` });
    }
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'put credentials in a header, not in the URL' });
  });

export const forwardHeadersSchema = z
  .record(z.string(), z.string())
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > 20) ctx.addIssue({ code: 'custom', message: 'at most 20 extra headers' });
    const seen = new Set<string>();
    for (const name of names) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', message: `"${name}" is not a valid header name` });
      else if (RESERVED_HEADER.test(name)) ctx.addIssue({ code: 'custom', message: `the header "${name}" is set by the archive itself and cannot be overridden` });
      if (seen.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', message: `the header "${name}" is given twice` });
      seen.add(name.toLowerCase());
      if (!HEADER_VALUE.test(headers[name]!)) ctx.addIssue({ code: 'custom', message: `the value of "${name}" has characters a header cannot carry (line breaks, control characters) or is over 2,000 characters` });
    }
  });

export const forwardEventsSchema = z
  .array(z.enum(FORWARD_KINDS))
  .min(1, 'choose at least one kind of event')
  .transform((kinds) => [...new Set(kinds)].sort((a, b) => FORWARD_KINDS.indexOf(a) - FORWARD_KINDS.indexOf(b)));

/** A secret the owner sets: long enough that guessing it is hopeless. */
export const forwardSecretSchema = z.string().min(16, 'a secret needs at least 16 characters').max(200).regex(/^[\x21-\x7e]+$/, 'a secret is printable characters without spaces');

/** What the window and the API send to save a target (no id: a new one). */
export const forwardTargetInputSchema = z
  .object({
    id: z.number().int().positive().optional(),
    url: forwardUrlSchema,
    events: forwardEventsSchema,
    headers: forwardHeadersSchema.default({}),
    /** Only to set a secret of one's own; a new target otherwise gets a generated one. */
    secret: forwardSecretSchema.optional(),
    /** Replace the secret with a newly generated one. */
    newSecret: z.boolean().optional(),
  })
  .strict();
export type ForwardTargetInput = z.infer<typeof forwardTargetInputSchema>;

/** A target as the window shows it: never its secret (shown once, when it is set). */
export interface ForwardTarget {
  id: number;
  url: string;
  events: ForwardKind[];
  headers: Record<string, string>;
  origin: ForwardOrigin;
  createdAt: number;
  updatedAt: number;
  paused: { at: number; reason: string } | null;
  health: ForwardHealth;
}

export interface ForwardHealth {
  lastSuccessAt: number | null;
  lastAttemptAt: number | null;
  /** The first failure since the last success (null: not failing). */
  failingSince: number | null;
  consecutiveFailures: number;
  lastError: string | null;
  /** Rows waiting to be sent (due now or retrying later). */
  queued: number;
  gaveUp: number;
}

export interface ForwardAttempt {
  id: number;
  outboxId: number;
  targetId: number;
  targetUrl: string;
  sessionId: string;
  event: string;
  kind: ForwardKind;
  /** 1 for the first attempt of this row. */
  attempt: number;
  at: number;
  outcome: ForwardOutcome;
  status: number | null;
  latencyMs: number | null;
  /** The first ~500 bytes of the answer. */
  excerpt: string | null;
  error: string | null;
}

export interface ForwardAttemptPage {
  attempts: ForwardAttempt[];
  /** Pass as beforeId for the next (older) page; null at the end. */
  nextBeforeId: number | null;
}

export interface ForwardCounts {
  targets: number;
  paused: number;
  /** Targets whose attempts fail since their last success. */
  failing: number;
  queued: number;
  gaveUp: number;
}

/** `serve --forward-config FILE`: targets given on the command line, upserted by URL at each start. */
export const forwardConfigSchema = z
  .object({
    targets: z
      .array(
        z
          .object({
            url: forwardUrlSchema,
            events: forwardEventsSchema.default(['session.started', 'session.ended']),
            headers: forwardHeadersSchema.default({}),
            secret: forwardSecretSchema.optional(),
          })
          .strict(),
      )
      .max(50),
  })
  .strict();
export type ForwardConfig = z.infer<typeof forwardConfigSchema>;
