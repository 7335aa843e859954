/** Backup file names: the local time they were taken, sortable, e.g. callaider-archive-20261127-143012.sqlite. */
const NAME = /^callaider-archive-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})\.sqlite$/;

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
