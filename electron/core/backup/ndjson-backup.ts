/**
 * A PostgreSQL hub's backups are gzipped NDJSON (postgres/backup.ts: one exported session a line);
 * a plain NDJSON export is read the same way. Reading one back for `verify FILE` and `restore`: a
 * line at a time (a big hub's export is hundreds of megabytes: never one string), checked for what
 * it must hold, and handed on in pieces.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isEncryptedFile } from '../archive/archive-key.js';
import { isGzip, ndjsonLines } from '../ndjson-lines.js';
import { readManifest } from './manifest.js';

export { ndjsonLines };

export interface NdjsonCounts {
  sessions: number;
  events: number;
  messages: number;
}

export interface NdjsonCheck {
  ok: boolean;
  problems: string[];
  counts: NdjsonCounts;
}

/** What a backup file holds, by its first bytes (a renamed file is still recognised): null when neither. */
export function backupContents(file: string): 'sqlite' | 'ndjson' | null {
  const head = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read === 16 && head.toString('latin1') === 'SQLite format 3\0') return 'sqlite';
  if (isGzip(head, read)) return 'ndjson';
  const first = head.subarray(0, read).toString('latin1').trimStart()[0];
  // An empty export is an empty file.
  if (first === '{' || (read === 0 && file.endsWith('.ndjson'))) return 'ndjson';
  // An encrypted SQLite file starts with random bytes; its key check says whether it is one.
  return isEncryptedFile(file) ? 'sqlite' : null;
}

/**
 * Checks a hub backup: every line an exported session, and (when the backups folder's record
 * names this file) the totals the hub counted when it wrote it, so a cut-short copy is caught.
 */
export async function checkNdjsonBackup(file: string): Promise<NdjsonCheck> {
  const problems: string[] = [];
  const counts: NdjsonCounts = { sessions: 0, events: 0, messages: 0 };
  let bad = 0;
  try {
    await countSessions(file, counts, (line, error) => {
      bad += 1;
      if (bad <= 10) problems.push(`line ${line} is not an exported session: ${error instanceof Error ? error.message : String(error)}`);
    });
  } catch (error) {
    // A gzipped backup cut short (a full disk, a copy interrupted) ends in a gzip error.
    problems.push(`the file cannot be read to its end: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (bad > 10) problems.push(`… and ${bad - 10} more lines like that`);
  const recorded = readManifest(dirname(file)).find((record) => record.file === basename(file) && record.ok && record.counts);
  if (recorded?.counts) {
    for (const key of ['sessions', 'events', 'messages'] as const) {
      if (recorded.counts[key] !== counts[key]) problems.push(`${key}: the file holds ${counts[key]}, the hub counted ${recorded.counts[key]} when it wrote it (backups.json)`);
    }
  }
  return { ok: problems.length === 0, problems, counts };
}

async function countSessions(file: string, counts: NdjsonCounts, onBadLine: (line: number, error: unknown) => void): Promise<void> {
  for await (const { line, text } of ndjsonLines(file)) {
    try {
      const session = JSON.parse(text) as { sessionId?: unknown; startedAt?: unknown; endedAt?: unknown; transcript?: unknown };
      if (typeof session.sessionId !== 'string' || session.sessionId === '') throw new Error('no sessionId');
      if (!('transcript' in session)) throw new Error('no transcript (not an exported session)');
      counts.sessions += 1;
      counts.events += (session.startedAt ? 1 : 0) + (session.endedAt ? 1 : 0);
      counts.messages += Array.isArray(session.transcript) ? session.transcript.length : 0;
    } catch (error) {
      onBadLine(line, error);
    }
  }
}
