/**
 * Taking a backup: a copy from the store's reader (webhooks keep being acknowledged), written as
 * <name>.partial, verified (integrity, schema, counts), renamed, recorded in backups.json, then
 * old ones rotated away. A copy that fails verification is deleted and recorded as failed.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupRecord } from '../../../shared/api.js';
import { SqliteStore } from '../archive/sqlite/sqlite-store.js';
import type { ArchiveStore } from '../archive/store.js';
import { lastGood, readManifest, writeManifest } from './manifest.js';
import { backupFileName, isBackupFileName, PARTIAL_SUFFIX } from './naming.js';
import { DEFAULT_KEEP, toRemove, type KeepPolicy } from './rotation.js';

export const BACKUPS_FOLDER = 'backups';

export function defaultBackupsFolder(dataDir: string): string {
  return join(dataDir, BACKUPS_FOLDER);
}

export interface BackupOptions {
  store: ArchiveStore;
  /** The live archive file: the copy's schema must equal its own. */
  archiveFile: string;
  folder: string;
  keep?: KeepPolicy | undefined;
  now?: () => number;
}

/** Takes one backup and returns its record (ok false with the reason when it failed). */
export async function takeBackup(options: BackupOptions): Promise<BackupRecord> {
  const now = options.now ?? Date.now;
  const at = now();
  mkdirSync(options.folder, { recursive: true });
  let name = backupFileName(new Date(at));
  // Two backups in one second (Back up now twice): the second waits its turn in the name.
  for (let n = 2; existsSync(join(options.folder, name)); n += 1) name = backupFileName(new Date(at)).replace(/\.sqlite$/, `-${n}.sqlite`);
  const target = join(options.folder, name);
  const partial = target + PARTIAL_SUFFIX;
  let record: BackupRecord;
  try {
    const written = await options.store.backupTo(partial);
    const check = SqliteStore.checkFile(partial, { expectVersion: SqliteStore.schemaVersionOf(options.archiveFile) });
    if (!check.ok) throw new Error(`the copy failed verification: ${check.problems.join('; ')}`);
    renameSync(partial, target);
    record = { at, file: name, ok: true, bytes: written.bytes, ms: written.ms, error: null, counts: check.counts };
  } catch (error) {
    rmSync(partial, { force: true });
    record = { at, file: name, ok: false, bytes: null, ms: null, error: error instanceof Error ? error.message : String(error), counts: null };
  }
  const records = readManifest(options.folder);
  records.push(record);
  rotate(options.folder, records, options.keep ?? DEFAULT_KEEP, now());
  writeManifest(options.folder, records);
  return record;
}

/** Deletes the good backups rotation lets go (only files recorded as made here), marking them removed. */
function rotate(folder: string, records: BackupRecord[], keep: KeepPolicy, now: number): void {
  const good = records.filter((record) => record.ok && !record.removedAt && isBackupFileName(record.file));
  const remove = new Set(toRemove(good, keep));
  for (const record of good) {
    if (!remove.has(record.file)) continue;
    rmSync(join(folder, record.file), { force: true });
    record.removedAt = now;
  }
}

/** The folder's record, newest first. */
export function listBackups(folder: string): BackupRecord[] {
  return readManifest(folder).reverse();
}

export { lastGood };

/**
 * Retention reaches the backups too: a backup taken before the cutoff holds only sessions past it.
 * Deletes those files (recorded as made here) and marks them removed; returns how many.
 */
export function pruneBackupsBefore(folder: string, cutoff: number, now: number): number {
  const records = readManifest(folder);
  let pruned = 0;
  for (const record of records) {
    if (!record.ok || record.removedAt || record.at >= cutoff || !isBackupFileName(record.file)) continue;
    rmSync(join(folder, record.file), { force: true });
    record.removedAt = now;
    pruned += 1;
  }
  if (pruned > 0) writeManifest(folder, records);
  return pruned;
}
