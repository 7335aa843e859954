/**
 * The archive's export shape, shared by the CLI exporter and the UI. `transcript` and `metadata`
 * are exactly what CallAIder sent; the rest is derived from the two events.
 */
import type { ExportedFollowUp } from './follow-up.js';

export type SessionStatus = 'active' | 'ended';

export interface ExportedSession {
  sessionId: string;
  assistantId: number | string | null;
  status: SessionStatus;
  startedAt: string | null;
  endedAt: string | null;
  reason: string | null;
  durationSeconds: number | null;
  metadata: unknown;
  transcript: unknown[];
  /** The owner's follow-up, notes and tags (absent in exports made before they existed). */
  followUp?: ExportedFollowUp | null;
  /** Card numbers and security codes removed before the events were stored (present only when > 0). */
  redactions?: number;
}

export interface ArchiveExport {
  sessions: ExportedSession[];
}

export const EXPORT_FORMATS = ['json', 'ndjson', 'csv', 'md'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(totalSeconds: number | null | undefined): string {
  if (totalSeconds === null || totalSeconds === undefined || !Number.isFinite(totalSeconds)) return '–';
  const s = Math.max(0, Math.round(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Offset of a message from the start of the call, e.g. "+1:07". */
export function formatOffset(messageMs: number, startMs: number | null): string {
  if (startMs === null) return '';
  return `+${formatDuration((messageMs - startMs) / 1000)}`;
}
