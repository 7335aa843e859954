/**
 * Taking a backup: a copy from the store's reader (webhooks keep being acknowledged), written as
 * <name>.partial, verified (integrity, schema, counts), renamed, recorded in backups.json, then
 * old ones rotated away. A copy that fails verification is deleted and recorded as failed.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupRecord } from '../../../shared/api.js';
import type { ArchiveStore } from '../archive/store.js';
import { lastGood, readManifest, writeManifest } from './manifest.js';
import { backupFileName, isBackupFileName, PARTIAL_SUFFIX, type BackupFormat } from './naming.js';
import { DEFAULT_KEEP, toRemove, type KeepPolicy } from './rotation.js';

export const BACKUPS_FOLDER = 'backups';

export function defaultBackupsFolder(dataDir: string): string {
  return join(dataDir, BACKUPS_FOLDER);
}

export interface BackupOptions {
  store: ArchiveStore;
  folder: string;
  keep?: KeepPolicy | undefined;
  /** What the store's backupTo writes: a SQLite copy, or a PostgreSQL hub's NDJSON export (named .ndjson). */
  format?: BackupFormat | undefined;
  now?: () => number;
}

/** Takes one backup and returns its record (ok false with the reason when it failed). */
export async function takeBackup(options: BackupOptions): Promise<BackupRecord> {
  const now = options.now ?? Date.now;
  const at = now();
  mkdirSync(options.folder, { recursive: true });
  const format = options.format ?? 'sqlite';
  let name = backupFileName(new Date(at), format);
  // Two backups in one second (Back up now twice): the second waits its turn in the name.
  for (let n = 2; existsSync(join(options.folder, name)); n += 1) name = backupFileName(new Date(at), format, n);
  const target = join(options.folder, name);
  const partial = target + PARTIAL_SUFFIX;
  // Backups run one at a time, so a partial copy found now was cut short (the app killed at
  // shutdown, a full disk): it was never recorded or trusted, and only takes space.
  for (const leftover of readdirSync(options.folder).filter((file) => file.endsWith(PARTIAL_SUFFIX) && isBackupFileName(file.slice(0, -PARTIAL_SUFFIX.length)))) {
    rmSync(join(options.folder, leftover), { force: true });
  }
  let record: BackupRecord;
  try {
    // The store copies and checks off this thread: the receiver answers webhooks meanwhile.
    const stopFlushing = flushWhileWriting(partial);
    const written = await options.store.backupTo(partial).finally(stopFlushing);
    if (!written.check.ok) throw new Error(`the copy failed verification: ${written.check.problems.join('; ')}`);
    renameSync(partial, target);
    record = { at, file: name, ok: true, bytes: written.bytes, ms: written.ms, error: null, counts: written.check.counts };
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

/** How often the copy being written is flushed to disk. */
const FLUSH_EVERY_MS = 250;

/**
 * Flushes the copy being written every FLUSH_EVERY_MS (from the libuv pool: this thread only
 * schedules it), so the disk takes a big copy in small steps. Left to the end, the flush of a
 * 1.5 GB copy held the writer's own fsync, and so the acknowledgements, for most of a second
 * (BENCHMARKS.md, Backups). Best effort: a platform that refuses (Windows: no flush through a
 * read-only handle) just flushes at the end as before.
 */
function flushWhileWriting(file: string): () => Promise<void> {
  let stopped = false;
  let flushing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    flushing = flushing.then(async () => {
      if (stopped) return;
      try {
        const handle = await open(file, 'r');
        try {
          await handle.datasync();
        } finally {
          await handle.close();
        }
      } catch {
        // Not created yet, already renamed, or not allowed here: nothing to flush this time.
      }
    });
  }, FLUSH_EVERY_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
    return flushing;
  };
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

/** A backup taken this recently makes the one at quit unnecessary (a quick restart of the app). */
export const RECENT_ENOUGH_MS = 15 * 60_000;

/**
 * Whether quitting the desktop app should take a backup first: when there is none yet, when the
 * last good one is older than a day, or when calls came since it (its counts differ from now's).
 * Not after a backup minutes ago, and not for a quit that follows a day with no calls: a big
 * archive's backup holds up the quit for tens of seconds.
 */
export function backupNeededAtQuit(history: readonly BackupRecord[], now: { at: number; counts: { sessions: number; events: number; messages: number } }): boolean {
  const last = history.find((record) => record.ok && !record.removedAt);
  if (!last) return true;
  const age = now.at - last.at;
  if (age < RECENT_ENOUGH_MS) return false;
  if (age >= 86_400_000 || !last.counts) return true;
  return last.counts.sessions !== now.counts.sessions || last.counts.events !== now.counts.events || last.counts.messages !== now.counts.messages;
}

/** Checks that backups can be written to `folder` (creating it), with a message that says what to do. */
export function checkBackupsFolder(folder: string): void {
  const probe = join(folder, `.callaider-write-test-${process.pid}`);
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(probe, 'ok');
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'this app may not write there' : code === 'ENOENT' || code === 'ENOTDIR' ? 'part of the path is not a folder' : code === 'EROFS' ? 'it is on a read-only disk' : error instanceof Error ? error.message : String(error);
    throw new Error(`backups cannot be written to ${folder}: ${why}; choose another folder`, { cause: error });
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
