/**
 * Replays saved payloads into the archive through the same validation, dedupe and projection as
 * the webhook route (signatures are not checked: the files are the user's own). Accepts one
 * payload, a JSON array of payloads, NDJSON (one payload per line), or this app's own JSON/NDJSON
 * export, which is turned back into its two events: an export can be restored on another machine.
 */
import { readFile } from 'node:fs/promises';
import { checkPayload } from '../../shared/payload.js';
import { stringifyJson } from '../../shared/json.js';
import type { ArchiveStore } from './archive/store.js';
import { parseJsonSafely } from './safe-json.js';

export interface ImportProblem {
  where: string;
  reason: string;
}

export interface ImportSummary {
  payloads: number;
  stored: number;
  duplicates: number;
  ignored: number;
  invalid: ImportProblem[];
}

interface Candidate {
  where: string;
  value: unknown;
  /** The bytes to keep as the event body: the original text where there is one. */
  raw: Buffer;
}

const BATCH = 500;

export async function importFiles(archive: ArchiveStore, files: string[]): Promise<ImportSummary> {
  const summary: ImportSummary = { payloads: 0, stored: 0, duplicates: 0, ignored: 0, invalid: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      summary.invalid.push({ where: file, reason: `cannot read: ${(error as Error).message}` });
      continue;
    }
    const candidates = readCandidates(file, text, summary.invalid);
    for (let i = 0; i < candidates.length; i += BATCH) {
      await Promise.all(candidates.slice(i, i + BATCH).map((candidate) => importOne(archive, candidate, summary)));
    }
  }
  return summary;
}

async function importOne(archive: ArchiveStore, candidate: Candidate, summary: ImportSummary): Promise<void> {
  summary.payloads += 1;
  const checked = checkPayload(candidate.value);
  if (checked.kind === 'invalid') {
    summary.invalid.push({ where: candidate.where, reason: checked.reason });
    return;
  }
  if (checked.kind === 'unknown') {
    summary.ignored += 1;
    return;
  }
  try {
    const { duplicate } = await archive.ingest({ payload: checked.payload, body: candidate.raw, source: 'import', receivedAt: Date.now() });
    if (duplicate) summary.duplicates += 1;
    else summary.stored += 1;
  } catch (error) {
    summary.invalid.push({ where: candidate.where, reason: `could not be archived: ${(error as Error).message}` });
  }
}

function readCandidates(file: string, text: string, problems: ImportProblem[]): Candidate[] {
  const whole = text.trim() === '' ? null : parseJsonSafely(text);
  if (whole?.ok) {
    const value = whole.value;
    if (Array.isArray(value)) return value.flatMap((item, i) => expand(`${file}[${i}]`, item, null));
    return expand(file, value, Buffer.from(text.trim(), 'utf8'));
  }
  // Not one JSON document: NDJSON, one payload per line.
  const candidates: Candidate[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file}:${index + 1}`;
    const parsed = parseJsonSafely(line);
    if (!parsed.ok) problems.push({ where, reason: parsed.reason });
    else candidates.push(...expand(where, parsed.value, Buffer.from(line.trim(), 'utf8')));
  });
  if (candidates.length === 0 && problems.length === 0) problems.push({ where: file, reason: 'no payloads found (empty file?)' });
  return candidates;
}

/** A payload stays as it is; an exported session (ours) becomes its session.started and session.ended. */
function expand(where: string, value: unknown, raw: Buffer | null): Candidate[] {
  if (isExportDocument(value)) return value.sessions.flatMap((session, i) => fromExported(`${where} sessions[${i}]`, session));
  if (isExportedSession(value)) return fromExported(where, value);
  return [{ where, value, raw: raw ?? Buffer.from(stringifyJson(value), 'utf8') }];
}

interface ExportedLike {
  sessionId: string;
  assistantId?: unknown;
  startedAt?: unknown;
  endedAt?: unknown;
  reason?: unknown;
  durationSeconds?: unknown;
  metadata?: unknown;
  transcript?: unknown;
}

function isExportDocument(value: unknown): value is { sessions: ExportedLike[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { sessions?: unknown }).sessions) && !('event' in value);
}

function isExportedSession(value: unknown): value is ExportedLike {
  return typeof value === 'object' && value !== null && !('event' in value) && typeof (value as ExportedLike).sessionId === 'string' && 'transcript' in value;
}

function fromExported(where: string, session: ExportedLike): Candidate[] {
  const out: Candidate[] = [];
  const envelope = { assistantId: session.assistantId, sessionId: session.sessionId };
  if (session.startedAt) {
    const payload = {
      event: 'session.started',
      timestamp: session.startedAt,
      ...envelope,
      data: session.metadata === null || session.metadata === undefined ? {} : { metadata: session.metadata },
    };
    out.push({ where: `${where} (started)`, value: payload, raw: Buffer.from(stringifyJson(payload), 'utf8') });
  }
  if (session.endedAt) {
    const data: Record<string, unknown> = {};
    if (session.reason !== null && session.reason !== undefined) data.reason = session.reason;
    if (session.durationSeconds !== null && session.durationSeconds !== undefined) data.durationSeconds = session.durationSeconds;
    data.transcript = session.transcript;
    const payload = { event: 'session.ended', timestamp: session.endedAt, ...envelope, data };
    out.push({ where: `${where} (ended)`, value: payload, raw: Buffer.from(stringifyJson(payload), 'utf8') });
  }
  return out;
}
