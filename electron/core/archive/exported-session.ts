/**
 * One session as exports show it, built from the two stored event bodies (not the projections),
 * so unknown fields survive, and rendered for one export format. Shared by every store.
 */
import type { ExportFormat, ExportedSession, SessionStatus } from '../../../shared/export-format.js';
import { renderCsvRows, renderMarkdown } from '../../../shared/export-render.js';
import type { ExportedFollowUp } from '../../../shared/follow-up.js';
import { stringifyJson } from '../../../shared/json.js';
import { maskContacts } from '../../../shared/contact-mask.js';

interface RawEvent {
  assistantId?: number | string;
  timestamp?: string;
  data?: { reason?: string; durationSeconds?: number; metadata?: unknown; transcript?: unknown[] };
}

/**
 * `followUp`: the owner's edits (null: the session is not indexed yet; absent: a store that has none).
 * `redactions`: card data removed before storing; said in the export only when there was some.
 */
export function exportedFromBodies(
  sessionId: string,
  startedBody: Uint8Array | null,
  endedBody: Uint8Array | null,
  followUp?: ExportedFollowUp | null,
  redactions = 0,
): ExportedSession {
  const decoder = new TextDecoder();
  const started = startedBody ? (JSON.parse(decoder.decode(startedBody)) as RawEvent) : null;
  const ended = endedBody ? (JSON.parse(decoder.decode(endedBody)) as RawEvent) : null;
  const status: SessionStatus = ended ? 'ended' : 'active';
  return {
    sessionId,
    assistantId: started?.assistantId ?? ended?.assistantId ?? null,
    status,
    startedAt: started?.timestamp ?? null,
    endedAt: ended?.timestamp ?? null,
    reason: ended?.data?.reason ?? null,
    durationSeconds: ended?.data?.durationSeconds ?? null,
    metadata: started?.data?.metadata ?? null,
    transcript: Array.isArray(ended?.data?.transcript) ? ended.data.transcript : [],
    ...(followUp === undefined ? {} : { followUp }),
    ...(redactions > 0 ? { redactions } : {}),
  };
}

/**
 * One session's text in `format`, without the separators between sessions (the writer adds them:
 * it alone knows whether a session is the first).
 */
export function renderExportItem(session: ExportedSession, format: ExportFormat, pretty = false): string {
  switch (format) {
    case 'json':
      return stringifyJson(session, pretty ? 2 : 0);
    case 'ndjson':
      return stringifyJson(session);
    case 'csv':
      return renderCsvRows(session);
    case 'md':
      return renderMarkdown(session);
  }
}

/**
 * `export --mask`: phone numbers and e-mail addresses masked in what was said and sent (transcript,
 * metadata, the owner's notes and caller), not in the session's identity and times.
 */
export function maskExported(session: ExportedSession): ExportedSession {
  return {
    ...session,
    metadata: maskContacts(session.metadata),
    transcript: maskContacts(session.transcript),
    ...(session.followUp ? { followUp: maskContacts(session.followUp) } : {}),
  };
}
