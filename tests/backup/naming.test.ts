/** Backup file names: a SQLite copy (.sqlite) and a hub's gzipped NDJSON export (.ndjson.gz), both recognised; nothing else. */
import { describe, expect, it } from 'vitest';
import { backupFileName, backupFormatOf, isBackupFileName, stamp } from '../../electron/core/backup/naming.js';

describe('backup names', () => {
  const at = new Date(2026, 10, 27, 14, 30, 12);

  it('names each kind by what it holds, and a second one in the same second with -2', () => {
    expect(backupFileName(at)).toBe('callaider-archive-20261127-143012.sqlite');
    expect(backupFileName(at, 'ndjson')).toBe('callaider-archive-20261127-143012.ndjson.gz');
    expect(backupFileName(at, 'ndjson', 2)).toBe('callaider-archive-20261127-143012-2.ndjson.gz');
    expect(backupFileName(at, 'sqlite', 3)).toBe('callaider-archive-20261127-143012-3.sqlite');
    expect(stamp(at)).toBe('20261127-143012');
  });

  it('recognises only the names it gives (rotation and retention delete nothing else)', () => {
    for (const name of ['callaider-archive-20261127-143012.sqlite', 'callaider-archive-20261127-143012-2.ndjson.gz']) expect(isBackupFileName(name)).toBe(true);
    expect(backupFormatOf('callaider-archive-20261127-143012.sqlite')).toBe('sqlite');
    expect(backupFormatOf('callaider-archive-20261127-143012-2.ndjson.gz')).toBe('ndjson');
    for (const name of ['callaider-archive-20261127-143012.ndjson', 'callaider-archive-20261127-143012.ndjson.gz.partial', 'archive.sqlite', 'callaider-archive-20261127-143012.gz', 'my-export.ndjson.gz']) {
      expect(isBackupFileName(name), name).toBe(false);
      expect(backupFormatOf(name)).toBeNull();
    }
  });
});
