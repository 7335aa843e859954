/**
 * The CallAIder webhook payload model: runtime schema and the types inferred from it.
 *
 * Shared by the engine (validation at the door), the UI (rendering) and the CLI (import).
 * Objects are "loose": fields we do not know are kept, because metadata varies by session
 * source and the archive must hold what CallAIder sent, not what we expected it to send.
 */
import { z } from 'zod';

export const KNOWN_EVENTS = ['session.started', 'session.ended'] as const;
export type KnownEvent = (typeof KNOWN_EVENTS)[number];

export const ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export type Role = (typeof ROLES)[number];

const isoTimestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, like 2026-05-28T12:34:56.789Z' });

/** CallAIder documents assistantId as a number; some sources send it as a string. Both are kept as sent. */
const assistantId = z.union([z.number(), z.string()]);

const sessionId = z.string().min(1, 'must not be empty').max(512, 'is longer than 512 characters');

export const fileRefSchema = z.looseObject({
  gcsUri: z.string(),
  mimeType: z.string().optional(),
  filename: z.string().optional(),
});
export type FileRef = z.infer<typeof fileRefSchema>;

export const toolCallSchema = z.looseObject({
  name: z.string().optional(),
  arguments: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.union([z.string(), z.null()]).optional(),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

export const transcriptItemSchema = z.looseObject({
  role: z.enum(ROLES),
  content: z.string(),
  timestamp: z.number().finite(),
  toolCall: toolCallSchema.optional(),
  files: z.array(fileRefSchema).optional(),
});
export type TranscriptItem = z.infer<typeof transcriptItemSchema>;

export const sessionMetadataSchema = z.looseObject({
  userAgent: z.string().optional(),
  sessionMode: z.string().optional(),
  callId: z.union([z.string(), z.number(), z.null()]).optional(),
});
export type SessionMetadata = z.infer<typeof sessionMetadataSchema>;

const envelope = {
  timestamp: isoTimestamp,
  assistantId,
  sessionId,
};

export const sessionStartedSchema = z.looseObject({
  event: z.literal('session.started'),
  ...envelope,
  data: z.looseObject({
    metadata: sessionMetadataSchema.optional(),
  }),
});
export type SessionStartedPayload = z.infer<typeof sessionStartedSchema>;

export const sessionEndedSchema = z.looseObject({
  event: z.literal('session.ended'),
  ...envelope,
  data: z.looseObject({
    reason: z.string().optional(),
    durationSeconds: z.union([z.number().finite().nonnegative(), z.null()]).optional(),
    transcript: z.array(transcriptItemSchema).optional(),
  }),
});
export type SessionEndedPayload = z.infer<typeof sessionEndedSchema>;

export const knownPayloadSchema = z.discriminatedUnion('event', [sessionStartedSchema, sessionEndedSchema]);
export type KnownPayload = z.infer<typeof knownPayloadSchema>;

/** The least an event of a type we do not know must have to be acknowledged. */
export const anyEventSchema = z.looseObject({ event: z.string().min(1) });

export type PayloadCheck =
  | { kind: 'known'; payload: KnownPayload }
  | { kind: 'unknown'; event: string; sessionId: string | null }
  | { kind: 'invalid'; reason: string; event: string | null; sessionId: string | null };

export function isKnownEvent(event: string): event is KnownEvent {
  return (KNOWN_EVENTS as readonly string[]).includes(event);
}

/** Turns a zod error into one line a person can act on: "data.transcript[3].role: ...". */
export function describeSchemaError(error: z.ZodError): string {
  const first = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path
      .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
      .join('');
    return `${path || '(payload)'}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return first.join('; ') + more;
}

/** Classifies an already-parsed JSON value as a known event, an unknown event, or invalid. */
export function checkPayload(value: unknown): PayloadCheck {
  const hint = pickIdentity(value);
  const base = anyEventSchema.safeParse(value);
  if (!base.success) {
    return { kind: 'invalid', reason: describeSchemaError(base.error), ...hint };
  }
  if (!isKnownEvent(base.data.event)) {
    return { kind: 'unknown', event: base.data.event, sessionId: hint.sessionId };
  }
  const parsed = knownPayloadSchema.safeParse(value);
  if (!parsed.success) {
    return { kind: 'invalid', reason: describeSchemaError(parsed.error), ...hint };
  }
  return { kind: 'known', payload: parsed.data };
}

function pickIdentity(value: unknown): { event: string | null; sessionId: string | null } {
  if (typeof value !== 'object' || value === null) return { event: null, sessionId: null };
  const record = value as Record<string, unknown>;
  return {
    event: typeof record.event === 'string' ? record.event.slice(0, 100) : null,
    sessionId: typeof record.sessionId === 'string' ? record.sessionId.slice(0, 512) : null,
  };
}
