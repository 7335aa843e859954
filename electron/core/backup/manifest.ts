/**
 * backups.json in the backups folder: the record of every attempt, good or failed, newest last.
 * It is also the list of files this app made: rotation deletes only files recorded here.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupRecord } from '../../../shared/api.js';

export const MANIFEST_FILE = 'backups.json';
/** Years of daily attempts; the oldest records go first. */
const MAX_RECORDS = 2_000;

export function readManifest(folder: string): BackupRecord[] {
  let text: string;
  try {
    text = readFileSync(join(folder, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as { backups?: unknown };
    return Array.isArray(parsed.backups) ? (parsed.backups as BackupRecord[]) : [];
  } catch {
    // A damaged record must not stop backups: start a new one, keeping the damaged file aside.
    renameSync(join(folder, MANIFEST_FILE), join(folder, `${MANIFEST_FILE}.damaged-${Date.now()}`));
    return [];
  }
}

/** Written beside and renamed: a crash never leaves half a manifest. */
export function writeManifest(folder: string, records: BackupRecord[]): void {
  const file = join(folder, MANIFEST_FILE);
  const partial = `${file}.partial-${process.pid}`;
  writeFileSync(partial, `${JSON.stringify({ backups: records.slice(-MAX_RECORDS) }, null, 2)}\n`);
  renameSync(partial, file);
}

export function lastGood(records: readonly BackupRecord[]): BackupRecord | null {
  for (let i = records.length - 1; i >= 0; i -= 1) if (records[i]!.ok && !records[i]!.removedAt) return records[i]!;
  return null;
}
