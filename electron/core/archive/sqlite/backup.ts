/**
 * Copies and checks archive files: the store's backupTo (on a reader connection of its own, on its
 * own thread) and the verification every backup and restore goes through.
 *
 * How the copy is made (measured on a 95 MB archive, a writer committing every 2 ms meanwhile,
 * 2 cores): SQLite's backup API in small steps restarts whenever another connection commits
 * (1,816 restarts, 5.4 s; a faster burst would keep it from ever finishing); VACUUM INTO took
 * 0.44 s with the writer's p99 at 6.2 ms (it rebuilds every index: CPU the writer shares); the
 * backup API in one step took 0.40 s with the writer's p99 at 4.5 ms. So: one step. It reads one
 * snapshot (WAL: the writer never waits for a reader, it only cannot fold the WAL past it meanwhile),
 * and it runs on the reader thread, so webhooks are acknowledged throughout.
 */
import { renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ArchiveKey } from '../archive-key.js';
import { ArchiveKeyError } from '../errors.js';
import { LATEST_VERSION } from './migrations.js';
import { keyOf, openKeyed, type ReadableDB } from './database.js';
import type { ArchiveCheck, BackupWritten } from '../types.js';

export type { ArchiveCheck, BackupWritten };

/**
 * Writes a consistent copy of the archive `db` reads to `file` (replaced if it exists), then checks
 * it on the same thread: the full integrity check reads (and, encrypted, decrypts) every page,
 * as long as the copy on a big archive (measured: 1.5 GB, 15 s each), which is why neither may
 * run where webhooks are answered. The copy's schema must be its source's.
 */
export async function backupTo(db: ReadableDB, file: string): Promise<BackupWritten> {
  const started = performance.now();
  const written = await copyTo(db, file);
  const ms = Math.round(performance.now() - started);
  const source = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  const checked = performance.now();
  const check = checkArchiveFile(file, { expectVersion: source, key: keyOf(db) });
  return { ...written, ms, verifyMs: Math.round(performance.now() - checked), check };
}

async function copyTo(db: ReadableDB, file: string): Promise<{ bytes: number }> {
  rmSync(file, { force: true });
  if (keyOf(db)) {
    // The backup API cannot copy between an encrypted source and a new file (SQLite refuses:
    // "incompatible source and target databases"); VACUUM INTO writes the copy encrypted with the
    // archive's own key, already in rollback-journal mode. Its cost is measured in BENCHMARKS.md.
    (db as unknown as Database.Database).prepare('VACUUM INTO ?').run(file);
    return { bytes: statSync(file).size };
  }
  // The first step copies 100 pages; returning the rest makes the next one the last (see above).
  await (db as unknown as Database.Database).backup(file, { progress: ({ remainingPages }) => Math.max(remainingPages, 1) });
  // The copy keeps WAL mode in its header; a backup is one self-contained file, so switch it to a
  // rollback journal (no -wal beside it when it is opened read-only or copied to a synced folder).
  const copy = new Database(file);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  return { bytes: statSync(file).size };
}

/**
 * Checks an archive file opened read-only: the full integrity check (quick_check skips index
 * contents: a backup must be whole), a schema this build knows (and `expectVersion` if given),
 * and the kept counters equal to the rows really there.
 */
export function checkArchiveFile(file: string, options: { expectVersion?: number; key?: ArchiveKey | null | undefined } = {}): ArchiveCheck {
  const problems: string[] = [];
  let db: Database.Database;
  try {
    db = openKeyed(file, { readonly: true, fileMustExist: true, key: options.key });
  } catch (error) {
    // A key problem is not damage: the caller says so as it is (give the key, or the right one).
    if (error instanceof ArchiveKeyError) throw error;
    return { ok: false, problems: [`cannot open ${file}: ${message(error)}`], schemaVersion: null, counts: null };
  }
  let schemaVersion: number | null = null;
  let counts: ArchiveCheck['counts'] = null;
  try {
    schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const integrity = (db.pragma('integrity_check(20)') as Array<{ integrity_check: string }>).map((row) => row.integrity_check);
    if (integrity.length !== 1 || integrity[0] !== 'ok') problems.push(...integrity.map((line) => `integrity: ${line}`));
    if (schemaVersion === 0) problems.push('not a CallAIder archive (no schema)');
    else if (schemaVersion > LATEST_VERSION) problems.push(`schema ${schemaVersion} is newer than this build knows (${LATEST_VERSION}); update the app`);
    if (options.expectVersion !== undefined && schemaVersion !== options.expectVersion) {
      problems.push(`schema ${schemaVersion}, but the archive it was copied from is at ${options.expectVersion}`);
    }
    if (problems.length === 0) {
      // One read transaction: on a live archive (verify --data-dir while an engine runs) the
      // counters and the rows must come from the same snapshot, or a commit between would differ.
      const { kept, real } = db.transaction(() => ({
        kept: new Map((db.prepare('SELECT name, value FROM counters').all() as Array<{ name: string; value: number }>).map((row) => [row.name, row.value])),
        real: db.prepare('SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM messages) AS messages').get() as {
          sessions: number;
          events: number;
          messages: number;
        },
      }))();
      counts = real;
      for (const name of ['sessions', 'events', 'messages'] as const) {
        if ((kept.get(name) ?? 0) !== real[name]) problems.push(`counts: the kept counter says ${kept.get(name) ?? 0} ${name}, the file holds ${real[name]}`);
      }
    }
  } catch (error) {
    problems.push(`cannot read ${file}: ${message(error)}`);
  } finally {
    db.close();
  }
  return { ok: problems.length === 0, problems, schemaVersion, counts };
}

/**
 * Puts `backup` in place of the archive at `target`: the current file and its -wal/-shm move
 * aside to `<target>.replaced-<stamp>` (never deleted), then the backup is copied in beside the
 * target and renamed over it (a crash leaves either archive whole, never half of one).
 */
export function replaceArchiveFile(target: string, backup: string, stamp: string, key?: ArchiveKey | null): { replacedBy: string | null } {
  let replacedBy: string | null = null;
  const aside = `${target}.replaced-${stamp}`;
  const exists = (path: string) => {
    try {
      statSync(path);
      return true;
    } catch {
      return false;
    }
  };
  if (exists(target)) {
    // A clean copy of the current archive (its WAL folded in) would need a writable open; moving
    // the three files keeps it exactly as it was, openable as it is.
    renameSync(target, aside);
    for (const suffix of ['-wal', '-shm']) if (exists(target + suffix)) renameSync(target + suffix, aside + suffix);
    replacedBy = aside;
  }
  const partial = `${target}.restoring`;
  const source = openKeyed(backup, { readonly: true, fileMustExist: true, key });
  try {
    rmSync(partial, { force: true });
    // VACUUM INTO writes a fresh, compact file in one read of the backup, fsynced when done (and
    // encrypted with the backup's key when it is encrypted).
    source.prepare('VACUUM INTO ?').run(partial);
  } finally {
    source.close();
  }
  renameSync(partial, target);
  return { replacedBy };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
