/**
 * Backup file names: the local time they were taken, sortable, and what the file is by its
 * extension: callaider-archive-20261127-143012.sqlite (a SQLite archive's copy) or
 * callaider-archive-20261127-143012.ndjson.gz (a PostgreSQL hub's export, gzipped: postgres/backup.ts).
 * A second backup within the same second gets -2, -3 … before the extension.
 */
export type BackupFormat = 'sqlite' | 'ndjson';

const NAME = /^callaider-archive-\d{8}-\d{6}(-\d+)?\.(sqlite|ndjson\.gz)$/;
const EXTENSIONS: Record<BackupFormat, string> = { sqlite: 'sqlite', ndjson: 'ndjson.gz' };

export const PARTIAL_SUFFIX = '.partial';

export function backupFileName(at: Date, format: BackupFormat = 'sqlite', sameSecond = 1): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}`;
  const second = sameSecond > 1 ? `-${sameSecond}` : '';
  return `callaider-archive-${day}-${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}${second}.${EXTENSIONS[format]}`;
}

/** True for names this app gives backups: rotation never touches any other file. */
export function isBackupFileName(name: string): boolean {
  return NAME.test(name);
}

/** What a backup file is by its name: a SQLite copy, a hub's NDJSON export, or (null) not a name this app gives. */
export function backupFormatOf(name: string): BackupFormat | null {
  const match = NAME.exec(name);
  return match ? (match[2] === 'sqlite' ? 'sqlite' : 'ndjson') : null;
}

/** A filesystem-safe timestamp for files set aside (archive.sqlite.replaced-20261127-143012). */
export function stamp(at: Date): string {
  return backupFileName(at).replace(/^callaider-archive-|\.sqlite$/g, '');
}
