/**
 * SessionFacts from real webhook payloads, projected the way the archive store projects them:
 * mode from metadata.sessionMode, the transcript's tool calls as name / JSON arguments / error,
 * file counts per message. Rules are tested on what the store will hand them.
 */
import { stringifyJson } from '../../shared/json.js';
import { sessionEndedSchema, sessionStartedSchema, type SessionEndedPayload, type SessionStartedPayload, type TranscriptItem } from '../../shared/payload.js';
import type { SessionFacts } from '../../electron/core/triage/index.js';

export function factsFromPayloads(
  started: SessionStartedPayload | null,
  ended: SessionEndedPayload | null,
  options: { stale?: boolean } = {},
): SessionFacts {
  // Validated as the receiver validates them: the rules only ever see payloads that passed.
  if (started) sessionStartedSchema.parse(started);
  if (ended) sessionEndedSchema.parse(ended);
  const envelope = ended ?? started;
  if (!envelope) throw new Error('factsFromPayloads needs at least one payload');
  const metadata = started?.data.metadata ?? null;
  const transcript = ended?.data.transcript ?? [];
  const messages = transcript.map((item) => {
    const tool = item.toolCall;
    return {
      role: item.role,
      content: item.content,
      toolName: tool?.name ?? null,
      toolArguments: tool && tool.arguments !== undefined ? stringifyJson(tool.arguments) : null,
      toolError: tool?.error ? tool.error : null,
      fileCount: item.files?.length ?? 0,
    };
  });
  return {
    sessionId: envelope.sessionId,
    status: ended ? 'ended' : 'active',
    stale: options.stale ?? false,
    mode: typeof metadata?.sessionMode === 'string' ? metadata.sessionMode : null,
    reason: ended?.data.reason ?? null,
    durationSeconds: ended?.data.durationSeconds ?? null,
    assistantId: String(envelope.assistantId),
    metadata: (metadata as Record<string, unknown> | null) ?? null,
    messages,
    fileCount: messages.reduce((sum, message) => sum + message.fileCount, 0),
  };
}

const T0 = Date.UTC(2026, 4, 28, 12, 34, 56);

/** A session.started payload shaped like the spec's example. */
export function started(metadata: Record<string, unknown>, overrides: { sessionId?: string; assistantId?: number | string } = {}): SessionStartedPayload {
  return {
    event: 'session.started',
    timestamp: new Date(T0).toISOString(),
    assistantId: overrides.assistantId ?? 123,
    sessionId: overrides.sessionId ?? '2d7b8f7f-2de0-4db9-ae6f-9a1f8d98f6d2',
    data: { metadata: { userAgent: 'Mozilla/5.0 ...', ...metadata } },
  };
}

export type Line = Omit<TranscriptItem, 'timestamp'>;

/** A session.ended payload shaped like the spec's example. */
export function ended(
  transcript: Line[],
  data: { reason?: string; durationSeconds?: number | null } = {},
  overrides: { sessionId?: string; assistantId?: number | string } = {},
): SessionEndedPayload {
  return {
    event: 'session.ended',
    timestamp: new Date(T0 + 27_000).toISOString(),
    assistantId: overrides.assistantId ?? 123,
    sessionId: overrides.sessionId ?? '2d7b8f7f-2de0-4db9-ae6f-9a1f8d98f6d2',
    data: {
      reason: data.reason ?? 'assistant_ended',
      durationSeconds: data.durationSeconds === undefined ? 27 : data.durationSeconds,
      transcript: transcript.map((line, i) => ({ ...line, timestamp: 1779954672417 + i * 7000 }) as TranscriptItem),
    },
  };
}

/** A finished session: metadata at the start, these lines at the end. */
export function session(metadata: Record<string, unknown>, transcript: Line[], data: { reason?: string; durationSeconds?: number | null } = {}): SessionFacts {
  return factsFromPayloads(started(metadata), ended(transcript, data));
}

export const say = {
  assistant: (content: string): Line => ({ role: 'assistant', content }),
  caller: (content: string): Line => ({ role: 'user', content }),
  system: (content: string): Line => ({ role: 'system', content }),
  tool: (name: string, args: unknown, outcome: { result?: unknown; error?: string } = {}): Line => ({
    role: 'tool',
    content: outcome.error ? `${name} failed` : `${name} succeeded`,
    toolCall: { name, arguments: args, result: outcome.error ? null : (outcome.result ?? { ok: true }), ...(outcome.error ? { error: outcome.error } : {}) },
  }),
  files: (content: string, filenames: string[]): Line => ({
    role: 'user',
    content,
    files: filenames.map((filename) => ({ gcsUri: `gs://callaider-uploads/sessions/x/${filename}`, mimeType: 'application/octet-stream', filename })),
  }),
};
