/** Backup file names: the local time they were taken, sortable, e.g. callaider-archive-20261127-143012.sqlite. */
/** A second backup within the same second gets -2, -3 … before the extension. */
const NAME = /^callaider-archive-\d{8}-\d{6}(-\d+)?\.sqlite$/;

export const PARTIAL_SUFFIX = '.partial';

export function backupFileName(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}`;
  return `callaider-archive-${day}-${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}.sqlite`;
}

/** True for names this app gives backups: rotation never touches any other file. */
export function isBackupFileName(name: string): boolean {
  return NAME.test(name);
}

/** A filesystem-safe timestamp for files set aside (archive.sqlite.replaced-20261127-143012). */
export function stamp(at: Date): string {
  return backupFileName(at).replace(/^callaider-archive-|\.sqlite$/g, '');
}
