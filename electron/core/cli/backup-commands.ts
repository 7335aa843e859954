/** `backup`, `verify` and `restore`: loaded only when one of them runs. */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isEncryptedFile, type ArchiveKey } from '../archive/archive-key.js';
import { EngineLock } from '../archive/engine-lock.js';
import { describeLocation, openArchive, type ArchiveLocation } from '../archive/open-store.js';
import { SqliteStore } from '../archive/sqlite/sqlite-store.js';
import { takeBackup } from '../backup/backups.js';
import { backupContents, checkNdjsonBackup } from '../backup/ndjson-backup.js';
import { stamp } from '../backup/naming.js';
import { ConfigError } from '../config.js';
import { importNdjsonFile, type ImportSummary } from '../import.js';
import { archivePath } from '../paths.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Backs up the archive into `folder` (a read: works while an engine runs) and prints the file:
 * a SQLite archive as a SQLite copy (.sqlite), a PostgreSQL one as the store's NDJSON export, gzipped (.ndjson.gz, one snapshot).
 */
export async function backupCommand(location: ArchiveLocation, folder: string, key: ArchiveKey | null = null): Promise<void> {
  const store = await openArchive(location, { readonly: true, key });
  try {
    const record = await takeBackup({ store, folder, format: location.kind === 'postgres' ? 'ndjson' : 'sqlite' });
    if (!record.ok) throw new ConfigError(`the backup failed and was not kept: ${record.error}`);
    process.stdout.write(`${join(folder, record.file)}\n`);
    const format = location.kind === 'postgres' ? `; a gzipped NDJSON export of ${describeLocation(location)} (restore it with \`callaider-archive restore FILE --database URL\`)` : '';
    process.stderr.write(`backed up ${record.counts?.sessions ?? 0} sessions (${record.counts?.events ?? 0} events, ${record.bytes} bytes) in ${record.ms} ms; verified${key ? '; encrypted with the archive\'s key (keep the key: the backup cannot be restored without it)' : ''}${format}\n`);
  } finally {
    await store.close();
  }
}

/** Checks a backup file (or the live archive): OK with counts, or the problems and exit 1. A hub's backup (.ndjson.gz) is read line by line. */
export async function verifyCommand(file: string, key: ArchiveKey | null = null): Promise<void> {
  if (!existsSync(file)) throw new ConfigError(`${file} does not exist`);
  if (backupContents(file) === 'ndjson') {
    const check = await checkNdjsonBackup(file);
    report(file, check.ok, `a hub backup (NDJSON), ${check.counts.sessions} sessions, ${check.counts.events} events, ${check.counts.messages} messages`, check.problems);
    return;
  }
  const check = SqliteStore.checkFile(file, { key: keyFor(file, key) });
  const counts = check.counts;
  report(file, check.ok, `schema ${check.schemaVersion}, ${counts?.sessions} sessions, ${counts?.events} events, ${counts?.messages} messages`, check.problems);
}

function report(what: string, ok: boolean, summary: string, problems: readonly string[]): void {
  if (ok) {
    process.stdout.write(`OK ${what}: ${summary}\n`);
    return;
  }
  process.stdout.write(`FAILED ${what}:\n${problems.map((problem) => `  ${problem}\n`).join('')}`);
  process.exitCode = 1;
}

/** Where `restore` puts a backup: the data folder's SQLite archive, or a hub's database (--database). */
export type RestoreTarget = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string };

export interface RestoreOptions {
  key?: ArchiveKey | null | undefined;
  /** A hub database that already holds sessions: add the backup's to them instead of refusing. */
  intoNonEmpty?: boolean | undefined;
}

/**
 * Restores `backup`: into a data folder it replaces the SQLite archive (the current one kept
 * aside); into a hub's database (--database) an NDJSON hub backup is read back in, and a SQLite
 * backup is copied in as `copy` does. Each kind goes only where it belongs, with an error that
 * names the right command otherwise.
 */
export async function restoreCommand(backup: string, target: RestoreTarget, options: RestoreOptions = {}): Promise<void> {
  if (target.kind === 'sqlite' && options.intoNonEmpty) {
    throw new ConfigError('--into-non-empty is for restoring into a hub database (--database URL); a data folder\'s archive is replaced whole (the current one kept aside)');
  }
  const source = resolve(backup);
  if (!existsSync(source)) throw new ConfigError(`${source} does not exist`);
  const contents = backupContents(source);
  if (contents === null) throw new ConfigError(`${source} is not a backup of this app (neither a SQLite archive nor a hub's NDJSON backup); nothing was changed`);
  if (target.kind === 'sqlite') {
    if (contents === 'ndjson') {
      throw new ConfigError(
        `${source} is a hub backup (NDJSON, from a PostgreSQL archive): restore it into a hub with \`callaider-archive restore FILE --database postgres://…\`, or add its sessions to this SQLite archive with \`callaider-archive import FILE\`; nothing was changed`,
      );
    }
    restoreSqliteFile(source, target.dataDir, options.key ?? null);
    return;
  }
  if (contents === 'sqlite') {
    await restoreSqliteIntoHub(source, target.url, options);
    return;
  }
  if (options.key) {
    throw new ConfigError('a hub backup (NDJSON) is not encrypted and a hub database takes no key: drop --key-file / CALLAIDER_ARCHIVE_KEY for this restore; nothing was changed');
  }
  await restoreNdjsonIntoHub(source, target.url, Boolean(options.intoNonEmpty));
}

/**
 * Restores a SQLite `backup` as the archive in `dataDir`: refused while an engine holds it, refused
 * for a backup that fails verification; the current archive is kept aside, never deleted.
 */
function restoreSqliteFile(source: string, dataDir: string, key: ArchiveKey | null): void {
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

/** A SQLite backup into a hub is a copy of one archive into another: checked first, then `copy`'s path (its counts checked). */
async function restoreSqliteIntoHub(source: string, url: string, options: RestoreOptions): Promise<void> {
  const sourceKey = keyFor(source, options.key ?? null);
  const check = SqliteStore.checkFile(source, { key: sourceKey });
  if (!check.ok) throw new ConfigError(`refusing to restore ${source}: it failed verification (${check.problems.join('; ')}); the database was not touched`);
  process.stdout.write(`${source} is a SQLite backup: copying it into the hub (what \`callaider-archive copy --from FILE --to URL\` does)\n`);
  const { copyCommand } = await import('./copy-command.js');
  await copyCommand(source, url, { intoNonEmpty: Boolean(options.intoNonEmpty), key: sourceKey });
}

/**
 * An NDJSON hub backup read back into a hub database, checked first (a damaged backup changes
 * nothing). Into an empty database (else refused without --into-non-empty); with it, the backup's
 * sessions are added: events already there are kept as they are (stored once), the backup's
 * follow-up state is set on its sessions, and notes and tags are added unless already there.
 * Stored as in the backup: card data is not masked again.
 */
async function restoreNdjsonIntoHub(source: string, url: string, intoNonEmpty: boolean): Promise<void> {
  const check = await checkNdjsonBackup(source);
  if (!check.ok) throw new ConfigError(`refusing to restore ${source}: it failed verification (${check.problems.join('; ')}); the database was not touched`);
  const location: ArchiveLocation = { kind: 'postgres', url };
  const store = await openArchive(location);
  try {
    const before = await store.counts({ staleBefore: 0 });
    if (before.events > 0 && !intoNonEmpty) {
      throw new ConfigError(
        `${describeLocation(location)} already holds ${plural(before.sessions, 'session')} (${plural(before.events, 'event')}): restore into an empty database, or add --into-non-empty to add the backup's sessions to them (events already there are kept, not duplicated; the backup's follow-up state is set on its sessions); nothing was changed`,
      );
    }
    const summary: ImportSummary = { payloads: 0, stored: 0, duplicates: 0, ignored: 0, followUps: 0, invalid: [] };
    await importNdjsonFile(store, source, summary, { redactCards: false });
    await store.settled();
    const after = await store.counts({ staleBefore: 0 });
    process.stdout.write(`restored ${source} into ${describeLocation(location)}: ${summary.stored} events stored, ${summary.duplicates} already there, ${plural(summary.followUps, 'follow-up')} restored\n`);
    process.stdout.write(`  the backup holds ${check.counts.sessions} sessions, ${check.counts.events} events; the database now ${after.sessions} sessions, ${after.events} events\n`);
    for (const problem of summary.invalid.slice(0, 20)) process.stderr.write(`  not restored: ${problem.where}: ${problem.reason}\n`);
    const complete = before.events === 0 ? after.sessions === check.counts.sessions && after.events === check.counts.events : after.events >= check.counts.events;
    if (!complete || summary.invalid.length > 0) {
      process.stderr.write('callaider-archive: the restore is incomplete: the counts above differ (the backup file was not changed)\n');
      process.exitCode = 1;
    }
  } finally {
    await store.close();
  }
}

/** `verify --database`: the hub's database checked through and through (postgres/verify.ts), its problems named, exit 1 on any. */
export async function verifyDatabase(url: string): Promise<void> {
  const location: ArchiveLocation = { kind: 'postgres', url };
  const { PostgresStore } = await import('../archive/postgres/postgres-store.js');
  const check = await PostgresStore.verify(url);
  const counts = check.counts;
  report(describeLocation(location), check.ok, `schema ${check.schemaVersion}, ${counts?.sessions} sessions, ${counts?.events} events, ${counts?.messages} messages; ${check.checked}`, check.problems);
}

/**
 * The key a file needs: backups taken before the archive was encrypted stay plaintext, and the
 * key given for the archive must not make them unreadable.
 */
function keyFor(file: string, key: ArchiveKey | null): ArchiveKey | null {
  return isEncryptedFile(file) ? key : null;
}
