/**
 * Replays saved payloads into the archive through the same validation, dedupe and projection as
 * the webhook route (signatures are not checked: the files are the user's own). Accepts one
 * payload, a JSON array of payloads, NDJSON (one payload per line), or this app's own JSON/NDJSON
 * export, which is turned back into its two events: an export can be restored on another machine.
 * An exported session's `followUp` (the owner's state, notes and tags) is restored once its
 * events are stored. Card numbers and security codes are replaced before storing, as for a webhook.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { FOLLOW_UP_STATES, PRIORITIES, TAG_COLORS, type ExportedFollowUp } from '../../shared/follow-up.js';
import { checkPayload } from '../../shared/payload.js';
import { stringifyJson } from '../../shared/json.js';
import type { ArchiveStore } from './archive/store.js';
import { redactBody } from './redaction/index.js';
import { ndjsonLines } from './ndjson-lines.js';
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
  /** Exported sessions whose follow-up, notes and tags were restored. */
  followUps: number;
  invalid: ImportProblem[];
}

interface Candidate {
  where: string;
  value: unknown;
  /** The bytes to keep as the event body: the original text where there is one. */
  raw: Buffer;
}

/** An exported session's owner edits, restored after its events are stored. */
interface PendingFollowUp {
  where: string;
  sessionId: string;
  followUp: ExportedFollowUp;
}

/** What a file holds: the events to replay and the follow-ups to restore after them. */
interface FileContents {
  candidates: Candidate[];
  followUps: PendingFollowUp[];
}

const BATCH = 500;

const isoTime = z.iso.datetime({ offset: true });
// Checked, not trimmed: a note comes back exactly as written (and is recognised on a second import).
const notBlank = z.string().refine((value) => value.trim() !== '', 'is empty');

/** ExportedFollowUp (shared/follow-up.ts), as an export file must spell it. */
const exportedFollowUpSchema = z.object({
  state: z.enum(FOLLOW_UP_STATES),
  priority: z.enum(PRIORITIES).nullable(),
  snoozedUntil: isoTime.nullable(),
  reasons: z.array(z.object({ ruleId: z.string().min(1), text: z.string(), priority: z.enum(PRIORITIES) })),
  changedBy: z.string().nullable(),
  changedAt: isoTime.nullable(),
  notes: z.array(z.object({ author: z.string().min(1), text: notBlank, createdAt: isoTime, updatedAt: isoTime })),
  tags: z.array(z.object({ name: notBlank, color: z.enum(TAG_COLORS) })),
  caller: z.object({ key: z.string().min(1), label: z.string(), kind: z.enum(['phone', 'email', 'other']) }).nullable(),
}) satisfies z.ZodType<ExportedFollowUp>;

export interface ImportOptions {
  /** Replace card numbers and security codes before storing (default true), as the receiver does. */
  redactCards?: boolean;
}

export async function importFiles(archive: ArchiveStore, files: string[], options: ImportOptions = {}): Promise<ImportSummary> {
  const redactCards = options.redactCards !== false;
  const summary: ImportSummary = { payloads: 0, stored: 0, duplicates: 0, ignored: 0, followUps: 0, invalid: [] };
  for (const file of files) {
    if (/\.ndjson(\.gz)?$/i.test(file)) {
      try {
        const { lines } = await importNdjsonFile(archive, file, summary, { redactCards });
        if (lines === 0) summary.invalid.push({ where: file, reason: 'no payloads found (empty file?)' });
      } catch (error) {
        summary.invalid.push({ where: file, reason: `cannot read: ${(error as Error).message}` });
      }
      continue;
    }
    let text: string;
    try {
      const bytes = await readFile(file);
      // A hub's backup is gzipped NDJSON (.ndjson.gz): readable here like the export it is.
      text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
    } catch (error) {
      summary.invalid.push({ where: file, reason: `cannot read: ${(error as Error).message}` });
      continue;
    }
    await importText(archive, file, text, summary, { redactCards, firstLine: 1 });
  }
  return summary;
}

/**
 * One file's text, or some NDJSON lines of one (a restore reads a big hub backup in pieces, never
 * as one string; `firstLine` keeps the problems' line numbers those of the file), added to `summary`.
 */
export async function importText(archive: ArchiveStore, file: string, text: string, summary: ImportSummary, options: { redactCards: boolean; firstLine: number }): Promise<void> {
  const { candidates, followUps } = readContents(file, text, summary.invalid, options.firstLine);
  for (let i = 0; i < candidates.length; i += BATCH) {
    await Promise.all(candidates.slice(i, i + BATCH).map((candidate) => importOne(archive, candidate, summary, options.redactCards)));
  }
  await restoreFollowUps(archive, followUps, summary);
}

/** Lines imported per piece: a piece of a big export or hub backup, never all of it, is in memory at once. */
const NDJSON_PIECE = 500;

/**
 * An NDJSON export or hub backup (gzipped or not) imported a piece at a time, as a stream: the
 * problems named by the file's own line numbers, as importFiles would name them.
 */
export async function importNdjsonFile(archive: ArchiveStore, file: string, summary: ImportSummary, options: { redactCards: boolean }): Promise<{ lines: number }> {
  let lines = 0;
  let piece: string[] = [];
  let firstLine = 1;
  const flush = async () => {
    if (piece.length === 0) return;
    await importText(archive, file, piece.join('\n'), summary, { redactCards: options.redactCards, firstLine });
    piece = [];
  };
  for await (const { line, text } of ndjsonLines(file)) {
    if (piece.length === 0) firstLine = line;
    // Empty lines (skipped by ndjsonLines) kept as such, so problems name the file's line numbers.
    while (firstLine + piece.length < line) piece.push('');
    piece.push(text);
    lines += 1;
    if (piece.length >= NDJSON_PIECE) await flush();
  }
  await flush();
  return { lines };
}

/** After the file's events: a follow-up needs its session's row, which exists once they are settled. */
async function restoreFollowUps(archive: ArchiveStore, followUps: PendingFollowUp[], summary: ImportSummary): Promise<void> {
  if (followUps.length === 0) return;
  await archive.settled();
  for (const { where, sessionId, followUp } of followUps) {
    try {
      await archive.restoreFollowUp(sessionId, followUp);
      summary.followUps += 1;
    } catch (error) {
      summary.invalid.push({ where: `${where} followUp`, reason: `follow-up not restored: ${(error as Error).message}` });
    }
  }
}

async function importOne(archive: ArchiveStore, candidate: Candidate, summary: ImportSummary, redactCards: boolean): Promise<void> {
  summary.payloads += 1;
  // The candidate's value is this import's own parse: redacting it in place changes nothing else.
  const redacted = redactCards ? redactBody(candidate.value, candidate.raw) : { value: candidate.value, body: candidate.raw, redactions: 0 };
  const checked = checkPayload(redacted.value);
  if (checked.kind === 'invalid') {
    summary.invalid.push({ where: candidate.where, reason: checked.reason });
    return;
  }
  if (checked.kind === 'unknown') {
    summary.ignored += 1;
    return;
  }
  try {
    const { duplicate } = await archive.ingest({ payload: checked.payload, body: redacted.body, redactions: redacted.redactions, source: 'import', receivedAt: Date.now() });
    if (duplicate) summary.duplicates += 1;
    else summary.stored += 1;
  } catch (error) {
    summary.invalid.push({ where: candidate.where, reason: `could not be archived: ${(error as Error).message}` });
  }
}

function readContents(file: string, text: string, problems: ImportProblem[], firstLine = 1): FileContents {
  const contents: FileContents = { candidates: [], followUps: [] };
  const problemsBefore = problems.length;
  const add = (where: string, value: unknown, raw: Buffer | null) => expand(where, value, raw, contents, problems);
  const whole = text.trim() === '' ? null : parseJsonSafely(text);
  if (whole?.ok) {
    const value = whole.value;
    if (Array.isArray(value)) value.forEach((item, i) => add(`${file}[${i}]`, item, null));
    else add(file, value, Buffer.from(text.trim(), 'utf8'));
    return contents;
  }
  // Not one JSON document: NDJSON, one payload per line.
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file}:${index + firstLine}`;
    const parsed = parseJsonSafely(line);
    if (!parsed.ok) problems.push({ where, reason: parsed.reason });
    else add(where, parsed.value, Buffer.from(line.trim(), 'utf8'));
  });
  if (contents.candidates.length === 0 && contents.followUps.length === 0 && problems.length === problemsBefore) problems.push({ where: file, reason: 'no payloads found (empty file?)' });
  return contents;
}

/** A payload stays as it is; an exported session (ours) becomes its session.started and session.ended. */
function expand(where: string, value: unknown, raw: Buffer | null, contents: FileContents, problems: ImportProblem[]): void {
  if (isExportDocument(value)) value.sessions.forEach((session, i) => fromExported(`${where} sessions[${i}]`, session, contents, problems));
  else if (isExportedSession(value)) fromExported(where, value, contents, problems);
  else contents.candidates.push({ where, value, raw: raw ?? Buffer.from(stringifyJson(value), 'utf8') });
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
  followUp?: unknown;
}

function isExportDocument(value: unknown): value is { sessions: ExportedLike[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { sessions?: unknown }).sessions) && !('event' in value);
}

function isExportedSession(value: unknown): value is ExportedLike {
  return typeof value === 'object' && value !== null && !('event' in value) && typeof (value as ExportedLike).sessionId === 'string' && 'transcript' in value;
}

function fromExported(where: string, session: ExportedLike, contents: FileContents, problems: ImportProblem[]): void {
  const envelope = { assistantId: session.assistantId, sessionId: session.sessionId };
  if (session.startedAt) {
    const payload = {
      event: 'session.started',
      timestamp: session.startedAt,
      ...envelope,
      data: session.metadata === null || session.metadata === undefined ? {} : { metadata: session.metadata },
    };
    contents.candidates.push({ where: `${where} (started)`, value: payload, raw: Buffer.from(stringifyJson(payload), 'utf8') });
  }
  if (session.endedAt) {
    const data: Record<string, unknown> = {};
    if (session.reason !== null && session.reason !== undefined) data.reason = session.reason;
    if (session.durationSeconds !== null && session.durationSeconds !== undefined) data.durationSeconds = session.durationSeconds;
    data.transcript = session.transcript;
    const payload = { event: 'session.ended', timestamp: session.endedAt, ...envelope, data };
    contents.candidates.push({ where: `${where} (ended)`, value: payload, raw: Buffer.from(stringifyJson(payload), 'utf8') });
  }
  // Exports made before follow-ups existed have none; a broken one is reported and the events still go in.
  if (session.followUp === undefined || session.followUp === null) return;
  const followUp = exportedFollowUpSchema.safeParse(session.followUp);
  if (followUp.success) contents.followUps.push({ where, sessionId: session.sessionId, followUp: followUp.data });
  else problems.push({ where: `${where} followUp`, reason: `follow-up not restored: ${describeIssues(followUp.error)}` });
}

/** "notes[0].createdAt: Invalid ISO datetime; state: …" (the first few). */
function describeIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => `${issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '') || 'followUp'}: ${issue.message}`);
  return issues.join('; ') + (error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : '');
}
