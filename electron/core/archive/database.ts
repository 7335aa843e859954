/**
 * Opens the archive database with the settings the durability promise depends on
 * (WAL + synchronous=FULL: a COMMIT that returned is on disk) and brings its schema up to date.
 */
import Database from 'better-sqlite3';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  /** Stop migrating at this version (tests of individual migrations). */
  migrateTo?: number;
  /** better-sqlite3 nativeBinding: lets Electron load a build made for its own ABI. */
  nativeBinding?: string | undefined;
}

export class ArchiveVersionError extends Error {}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  try {
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db, options.migrateTo ?? LATEST_VERSION);
    } else {
      const version = userVersion(db);
      if (version > LATEST_VERSION) throw tooNew(file, version);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function userVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies pending migrations, each in its own IMMEDIATE transaction so that two processes
 * opening a new archive at once cannot both apply the same step.
 */
export function migrate(db: Db, target: number = LATEST_VERSION, migrations: readonly Migration[] = MIGRATIONS): void {
  for (const migration of migrations) {
    if (migration.version > target) break;
    const step = db.transaction(() => {
      const current = userVersion(db);
      if (current >= migration.version) return;
      if (current !== migration.version - 1) {
        throw new Error(`archive schema is at version ${current}, cannot apply migration ${migration.version}`);
      }
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    });
    step.immediate();
  }
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  const version = userVersion(db);
  if (version > known) throw tooNew(db.name, version, known);
}

function tooNew(file: string, version: number, known = LATEST_VERSION): ArchiveVersionError {
  return new ArchiveVersionError(
    `the archive at ${file} was written by a newer CallAIder Archive (schema ${version}, this build knows ${known}); update the app`,
  );
}

const statementCache = new WeakMap<Db, Map<string, Database.Statement>>();

/** Prepares `sql` once per connection: hot paths call this instead of db.prepare. */
export function statement(db: Db, sql: string): Database.Statement {
  let cache = statementCache.get(db);
  if (!cache) {
    cache = new Map();
    statementCache.set(db, cache);
  }
  let prepared = cache.get(sql);
  if (!prepared) {
    prepared = db.prepare(sql);
    cache.set(sql, prepared);
  }
  return prepared;
}
