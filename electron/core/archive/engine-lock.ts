/**
 * Keeps two engines (the tray app, `serve`) off one archive. The lock is an SQLite database held
 * in EXCLUSIVE locking mode: the operating system drops it when the holder dies, even by kill -9,
 * so there is no stale lock file to clean up after a crash. A JSON note beside it says who holds
 * it, for the error message the second engine prints.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface LockHolder {
  pid: number;
  startedAt: string;
  webhook?: string;
}

export class ArchiveLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder
      ? `another CallAIder Archive engine (pid ${holder.pid}${holder.webhook ? `, receiving on ${holder.webhook}` : ''}, started ${holder.startedAt})`
      : 'another CallAIder Archive engine';
    super(`${who} is already using the archive in ${dataDir}; stop it first, or use --data-dir for a separate archive`);
  }
}

export class EngineLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly notePath: string,
  ) {}

  static acquire(dataDir: string, holder: LockHolder): EngineLock {
    const db = new Database(join(dataDir, 'engine.lock'));
    const notePath = join(dataDir, 'engine.lock.json');
    try {
      db.pragma('busy_timeout = 0');
      db.pragma('locking_mode = EXCLUSIVE');
      // The first write takes the exclusive lock; EXCLUSIVE mode keeps it until the connection closes.
      db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder; COMMIT;');
      db.prepare('INSERT INTO holder (pid) VALUES (?)').run(holder.pid);
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new ArchiveLockedError(dataDir, readHolder(notePath));
      throw error;
    }
    const lock = new EngineLock(db, notePath);
    lock.describe(holder);
    return lock;
  }

  /** Updates the note other engines read (e.g. once the listening address is known). */
  describe(holder: LockHolder): void {
    writeFileSync(this.notePath, JSON.stringify(holder));
  }

  release(): void {
    if (!this.db.open) return;
    rmSync(this.notePath, { force: true });
    this.db.close();
  }
}

function readHolder(notePath: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(notePath, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}
