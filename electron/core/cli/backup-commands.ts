/** `backup`, `verify` and `restore`: loaded only when one of them runs. */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isEncryptedFile, type ArchiveKey } from '../archive/archive-key.js';
import { EngineLock } from '../archive/engine-lock.js';
import { describeLocation, openArchive, type ArchiveLocation } from '../archive/open-store.js';
import { SqliteStore } from '../archive/sqlite/sqlite-store.js';
import { takeBackup } from '../backup/backups.js';
import { stamp } from '../backup/naming.js';
import { ConfigError } from '../config.js';
import { archivePath } from '../paths.js';

/**
 * Backs up the archive into `folder` (a read: works while an engine runs) and prints the file:
 * a SQLite archive as a SQLite copy, a PostgreSQL one as the store's NDJSON export (one snapshot).
 */
export async function backupCommand(location: ArchiveLocation, folder: string, key: ArchiveKey | null = null): Promise<void> {
  const store = await openArchive(location, { readonly: true, key });
  try {
    const record = await takeBackup({ store, folder });
    if (!record.ok) throw new ConfigError(`the backup failed and was not kept: ${record.error}`);
    process.stdout.write(`${join(folder, record.file)}\n`);
    const format = location.kind === 'postgres' ? `; an NDJSON export of ${describeLocation(location)} (restore it with \`callaider-archive import\`)` : '';
    process.stderr.write(`backed up ${record.counts?.sessions ?? 0} sessions (${record.counts?.events ?? 0} events, ${record.bytes} bytes) in ${record.ms} ms; verified${key ? '; encrypted with the archive\'s key (keep the key: the backup cannot be restored without it)' : ''}${format}\n`);
  } finally {
    await store.close();
  }
}

/** `verify --database`: the database answers, its schema is one this version knows (else ArchiveVersionError), and its counts. */
export async function verifyDatabase(url: string): Promise<void> {
  const location: ArchiveLocation = { kind: 'postgres', url };
  const store = await openArchive(location);
  try {
    const counts = await store.counts({ staleBefore: 0 });
    process.stdout.write(`OK ${describeLocation(location)}: ${counts.sessions} sessions, ${counts.events} events, ${counts.messages} messages\n`);
  } finally {
    await store.close();
  }
}

/** Checks a backup file (or the live archive): OK with counts, or the problems and exit 1. */
export function verifyCommand(file: string, key: ArchiveKey | null = null): void {
  if (!existsSync(file)) throw new ConfigError(`${file} does not exist`);
  const check = SqliteStore.checkFile(file, { key: keyFor(file, key) });
  if (check.ok) {
    const counts = check.counts!;
    process.stdout.write(`OK ${file}: schema ${check.schemaVersion}, ${counts.sessions} sessions, ${counts.events} events, ${counts.messages} messages\n`);
    return;
  }
  process.stdout.write(`FAILED ${file}:\n${check.problems.map((problem) => `  ${problem}\n`).join('')}`);
  process.exitCode = 1;
}

/**
 * Restores `backup` as the archive in `dataDir`: refused while an engine holds it, refused for a
 * backup that fails verification; the current archive is kept aside, never deleted.
 */
export function restoreCommand(backup: string, dataDir: string, key: ArchiveKey | null = null): void {
  const source = resolve(backup);
  if (!existsSync(source)) throw new ConfigError(`${source} does not exist`);
  mkdirSync(dataDir, { recursive: true });
  // Holding the engine lock for the whole restore: no engine can start on a half-replaced archive.
  const lock = EngineLock.acquire(dataDir, { pid: process.pid, startedAt: new Date().toISOString() });
  try {
    const sourceKey = keyFor(source, key);
    const check = SqliteStore.checkFile(source, { key: sourceKey });
    if (!check.ok) {
      throw new ConfigError(`refusing to restore ${source}: it failed verification (${check.problems.join('; ')}); the current archive was not touched`);
    }
    const { replacedBy } = SqliteStore.replaceFile(archivePath(dataDir), source, stamp(new Date()), sourceKey);
    const counts = check.counts!;
    process.stdout.write(`restored ${source} into ${archivePath(dataDir)} (${counts.sessions} sessions, ${counts.events} events)\n`);
    process.stdout.write(replacedBy ? `the archive it replaced is kept at ${replacedBy}\n` : 'there was no archive there before\n');
    if (key && !sourceKey) {
      process.stdout.write('this backup was not encrypted, so the restored archive is not either: start without a key, or run `callaider-archive encrypt` first\n');
    }
  } finally {
    lock.release();
  }
}

/**
 * The key a file needs: backups taken before the archive was encrypted stay plaintext, and the
 * key given for the archive must not make them unreadable.
 */
function keyFor(file: string, key: ArchiveKey | null): ArchiveKey | null {
  return isEncryptedFile(file) ? key : null;
}
