/**
 * The archive's encryption key: what a key is (a raw 256-bit key or a passphrase), how a
 * connection is given it, where headless keys come from, and what a file that does not open means.
 *
 * The format is SQLCipher 4 (better-sqlite3-multiple-ciphers' "sqlcipher" cipher, legacy=4), so
 * sqlcipher's own tools open an archive too. A raw key skips the key derivation: a connection opens
 * in no time (the engine opens three, and again after a thread restarts). A passphrase goes through
 * SQLCipher's PBKDF2 (about 0.2 s per connection on this project's 2-core test machine).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { ArchiveKeyError } from './errors.js';

export { ArchiveKeyError };

export interface ArchiveKey {
  kind: 'raw' | 'passphrase';
  /** 64 hex digits (raw) or the passphrase's text. */
  value: string;
  /** Where it came from, for messages ("CALLAIDER_ARCHIVE_KEY", "key file /x", "OS keychain"). */
  source: string;
}

export const KEY_ENV = 'CALLAIDER_ARCHIVE_KEY';
export const MIN_PASSPHRASE_LENGTH = 12;

const RAW_KEY = /^[0-9a-fA-F]{64}$/;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** The smallest surface a connection needs: better-sqlite3's pragma. */
interface Keyable {
  pragma(source: string, options?: { simple?: boolean }): unknown;
}

/** 64 hex digits: a raw key; anything else of at least 12 characters: a passphrase. */
export function parseArchiveKey(text: string, source: string): ArchiveKey {
  // A key file saved by an editor ends with a newline that is not part of the key.
  const value = text.replace(/\r?\n$/, '');
  if (RAW_KEY.test(value)) return { kind: 'raw', value: value.toLowerCase(), source };
  if (value.trim() === '') throw new ArchiveKeyError(`the archive key from ${source} is empty`);
  if (value.length < MIN_PASSPHRASE_LENGTH) {
    throw new ArchiveKeyError(`the archive key from ${source} is too short: use 64 hex digits (a raw 256-bit key) or a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
  return { kind: 'passphrase', value, source };
}

/** A new random raw key (the desktop's first run, `encrypt` without a key). */
export function generateArchiveKey(source: string): ArchiveKey {
  return { kind: 'raw', value: randomBytes(32).toString('hex'), source };
}

/** The literal PRAGMA key/rekey takes: x'…' for a raw key, a quoted string for a passphrase. */
function keyLiteral(key: ArchiveKey): string {
  return key.kind === 'raw' ? `"x'${key.value}'"` : `'${key.value.replaceAll("'", "''")}'`;
}

/** Selects SQLCipher 4 on a connection; must come before anything reads the file. */
export function selectCipher(db: Keyable): void {
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
}

/** Gives a fresh connection its key: the first thing done with it. */
export function applyKey(db: Keyable, key: ArchiveKey): void {
  selectCipher(db);
  db.pragma(`key = ${keyLiteral(key)}`);
}

/** Re-encrypts the open database with `key` (null: decrypts). Only in a rollback-journal mode. */
export function rekey(db: Keyable, key: ArchiveKey | null): void {
  selectCipher(db);
  db.pragma(`rekey = ${key ? keyLiteral(key) : "''"}`);
}

/**
 * Whether the file at `file` is encrypted: an SQLite file starts with its plain header, an
 * encrypted one with random bytes, in whole pages (at least 512 bytes each). Missing or empty:
 * false (a new archive); a few bytes of something else: false too (not a database at all).
 */
export function isEncryptedFile(file: string): boolean {
  let fd: number;
  try {
    const size = statSync(file).size;
    if (size < 512 || size % 512 !== 0) return false;
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const read = readSync(fd, head, 0, head.length, 0);
    return read > 0 && !(read === head.length && head.equals(SQLITE_HEADER));
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a connection's first page; a key that does not fit (or a missing one) fails here with
 * SQLITE_NOTADB, turned into an ArchiveKeyError that says which case it is.
 */
export function probeKey(db: Keyable, file: string, key: ArchiveKey | null | undefined): void {
  try {
    db.pragma('user_version', { simple: true });
  } catch (error) {
    // Without a key, a file that is not encrypted either is simply not a database: say that as SQLite does.
    if ((error as { code?: string }).code === 'SQLITE_NOTADB' && (key || isEncryptedFile(file))) throw keyMismatch(file, key ?? null);
    throw error;
  }
}

/** The message for an archive that did not open with the key given (or without one). */
export function keyMismatch(file: string, key: ArchiveKey | null): ArchiveKeyError {
  const encrypted = isEncryptedFile(file);
  if (!key && encrypted) {
    return new ArchiveKeyError(`the archive at ${file} is encrypted: give its key (${KEY_ENV} or --key-file)`);
  }
  if (key && !encrypted) {
    return new ArchiveKeyError(`the archive at ${file} is not encrypted, but a key was given (${key.source}): to encrypt it run \`callaider-archive encrypt\`, or start without the key`);
  }
  if (!key) return new ArchiveKeyError(`${file} is not an SQLite database (damaged, or not a CallAIder archive)`);
  return new ArchiveKeyError(`the key from ${key.source} does not open the archive at ${file} (wrong key, or not a CallAIder archive)`);
}

/**
 * The headless key: --key-file wins over CALLAIDER_ARCHIVE_KEY; neither means no key. A key file
 * that other users can read is refused on POSIX: a key beside the world is no key.
 */
export function headlessKey(options: { keyFile?: string | undefined; env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {}): ArchiveKey | null {
  const env = options.env ?? process.env;
  if (options.keyFile) return readKeyFile(options.keyFile, options.platform ?? process.platform);
  const fromEnv = env[KEY_ENV];
  return fromEnv ? parseArchiveKey(fromEnv, KEY_ENV) : null;
}

export function readKeyFile(file: string, platform: NodeJS.Platform = process.platform): ArchiveKey {
  let text: string;
  try {
    if (platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
      throw new ArchiveKeyError(`the key file ${file} can be read by other users: run \`chmod 600 ${file}\` first`);
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ArchiveKeyError) throw error;
    throw new ArchiveKeyError(`cannot read the key file ${file}: ${(error as Error).message}`);
  }
  return parseArchiveKey(text, `key file ${file}`);
}
