/**
 * Opens the archive database with the settings the durability promise depends on
 * (WAL + synchronous=FULL: a COMMIT that returned is on disk) and brings its schema up to date.
 *
 * Two connection types: the writer's WritableDB (everything better-sqlite3 offers) and a reader's
 * ReadableDB, which can only prepare statements and read from them. Read modules take a
 * ReadableDB, so a read that tries to write does not compile (and the reader's connection is
 * opened read-only, so it would fail at run time too).
 */
import Database from 'better-sqlite3';
import { applyKey, probeKey, type ArchiveKey } from '../archive-key.js';
import { ArchiveVersionError } from '../errors.js';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations.js';

export type WritableDB = Database.Database;

export interface ReadStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

export interface ReadableDB {
  readonly name: string;
  prepare(sql: string): ReadStatement;
}

export interface OpenOptions {
  readonly?: boolean;
  /** Stop migrating at this version (tests of individual migrations). */
  migrateTo?: number;
  /** better-sqlite3 nativeBinding: lets Electron load a build made for its own ABI. */
  nativeBinding?: string | undefined;
  /** Writes that would grow the file past this fail with SQLITE_FULL, as on a full disk. */
  maxBytes?: number | undefined;
  /**
   * 'auto' (default): SQLite folds the WAL into the file inside a COMMIT every 1,000 pages.
   * 'thread': never in a COMMIT; a checkpointer thread does it (see writes/checkpointer.ts).
   */
  checkpoints?: 'auto' | 'thread' | undefined;
  /** The archive's encryption key (see archive-key.ts); none: a plaintext archive. */
  key?: ArchiveKey | null | undefined;
}

/** Connections opened with a key: a copy of their archive is made, and checked, with it (see backup.ts). */
const keyed = new WeakMap<object, ArchiveKey>();

export function keyOf(db: ReadableDB | WritableDB): ArchiveKey | null {
  return keyed.get(db) ?? null;
}

/**
 * Opens `file` with better-sqlite3 and, when there is a key, gives it the key before anything else
 * and reads the first page, so a wrong or missing key fails here with a clear ArchiveKeyError.
 */
export function openKeyed(file: string, options: { readonly?: boolean; fileMustExist?: boolean; nativeBinding?: string | undefined; key?: ArchiveKey | null | undefined }): WritableDB {
  const db = new Database(file, {
    readonly: options.readonly ?? false,
    fileMustExist: options.fileMustExist ?? false,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  try {
    if (options.key) {
      applyKey(db, options.key);
      keyed.set(db, options.key);
    }
    // The probe reads the file: wait for a writer that holds it (two processes creating it at once).
    db.pragma('busy_timeout = 5000');
    probeKey(db, file, options.key);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** The writer's page cache: a big archive's index pages stay in memory instead of being read again. */
const WRITER_CACHE_KIB = 64 * 1024;
/** After the WAL has been folded into the file, its file is cut back to this size. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;


/**
 * The checkpointer's connection: read-write, because SQLite refuses to checkpoint from a read-only
 * one, but it never writes a row.
 */
export function openCheckpointer(file: string, options: Pick<OpenOptions, 'nativeBinding' | 'key'> = {}): WritableDB {
  const db = openKeyed(file, { fileMustExist: true, nativeBinding: options.nativeBinding, key: options.key });
  db.pragma('busy_timeout = 0');
  db.pragma('synchronous = FULL');
  return db;
}

/** A read-only connection for a reader thread: WAL lets it read while the writer commits. */
export function openReader(file: string, options: Pick<OpenOptions, 'nativeBinding' | 'key'> = {}): ReadableDB {
  const db = openDatabase(file, { ...options, readonly: true });
  // Readers may walk big indexes (search, exports): give them room so a page is not read twice.
  db.pragma('cache_size = -32768');
  return db;
}

export function openDatabase(file: string, options: OpenOptions = {}): WritableDB {
  const db = openKeyed(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, nativeBinding: options.nativeBinding, key: options.key });
  try {
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // Deleted rows and freed pages are overwritten with zeros, so an erased transcript does not
      // linger in free space (see writes/erasure.ts; its cost on ingest is in BENCHMARKS.md).
      db.pragma('secure_delete = ON');
      db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
      if (options.checkpoints === 'thread') db.pragma('wal_autocheckpoint = 0');
      migrate(db, options.migrateTo ?? LATEST_VERSION);
      if (options.maxBytes !== undefined) {
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
      }
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

/** A clean close: the WAL folded into the archive file and truncated. */
export function closeWritable(db: WritableDB): void {
  if (!db.open) return;
  if (!db.readonly) db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

export function userVersion(db: WritableDB): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies pending migrations, each in its own IMMEDIATE transaction so that two processes
 * opening a new archive at once cannot both apply the same step.
 */
export function migrate(db: WritableDB, target: number = LATEST_VERSION, migrations: readonly Migration[] = MIGRATIONS): void {
  let previous = 0;
  for (const migration of migrations) {
    if (migration.version > target) break;
    // The step before is the one listed before (a branch may reserve numbers it does not carry).
    const expected = previous;
    previous = migration.version;
    const step = db.transaction(() => {
      const current = userVersion(db);
      if (current >= migration.version) return;
      if (current !== expected) {
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

const statementCache = new WeakMap<object, Map<string, Database.Statement>>();

/** Prepares `sql` once per connection: every read and write goes through this. */
export function statement(db: WritableDB, sql: string): Database.Statement;
export function statement(db: ReadableDB, sql: string): ReadStatement;
export function statement(db: WritableDB | ReadableDB, sql: string): Database.Statement | ReadStatement {
  let cache = statementCache.get(db);
  if (!cache) {
    cache = new Map();
    statementCache.set(db, cache);
  }
  let prepared = cache.get(sql);
  if (!prepared) {
    // Filters make some SQL dynamic; their combinations are bounded, but keep the cache so too.
    if (cache.size >= 1_000) cache.clear();
    prepared = (db as WritableDB).prepare(sql);
    cache.set(sql, prepared);
  }
  return prepared;
}

/**
 * Runs `read` in one read transaction: every statement in it sees the same commit (the Overview's
 * charts must add up with each other while the writer goes on). A read-only connection can begin
 * one; it only holds its snapshot, never a lock the writer waits for (WAL).
 */
export function inSnapshot<T>(db: ReadableDB, read: () => T): T {
  return (db as WritableDB).transaction(read).deferred();
}
