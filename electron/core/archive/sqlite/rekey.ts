/**
 * Encrypting an archive, changing its key, or decrypting it: one procedure for the CLI and the
 * desktop. SQLite cannot rekey in WAL mode, and a rekey stopped half-way would leave pages under
 * two keys, so the work is done on a copy beside the archive that replaces it only once it opens
 * with the new key and holds the same rows. The caller holds the engine lock throughout.
 *
 * The plaintext is not kept aside: the rename replaces it. Nothing is lost on the way, as long as
 * the new key is kept (`persistKey`) before the swap: a crash before the rename leaves the old
 * archive under the old key, after it the new one under the new key, and the key store offers both
 * (see resolveArchiveKey).
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isEncryptedFile, rekey, type ArchiveKey } from '../archive-key.js';
import { ArchiveKeyError } from '../errors.js';
import { checkArchiveFile, type ArchiveCheck } from './backup.js';
import { openKeyed } from './database.js';

export interface KeyChange {
  /** The key the archive opens with now (null: it is plaintext). */
  from: ArchiveKey | null;
  /** The key it will open with (null: decrypt). */
  to: ArchiveKey | null;
  /** Keeps the new key where the next start finds it; runs after verification, before the swap. */
  persistKey?: () => void | Promise<void>;
}

export interface KeyChanged {
  counts: NonNullable<ArchiveCheck['counts']>;
  bytes: number;
  ms: number;
}

export const REKEY_SUFFIX = '.rekeying';

export async function changeArchiveKey(file: string, change: KeyChange): Promise<KeyChanged> {
  const started = performance.now();
  if (!existsSync(file)) throw new Error(`there is no archive at ${file}`);
  if (!change.from && !change.to) throw new ArchiveKeyError(`the archive at ${file} is not encrypted and no new key was given`);
  if (change.from && change.to && change.from.kind === change.to.kind && change.from.value === change.to.value) {
    throw new ArchiveKeyError('the new key is the key the archive already has');
  }
  const copy = file + REKEY_SUFFIX;
  // A copy left by a crash in an earlier run: it may hold plaintext, and it is never the archive.
  rmSync(copy, { force: true });

  // Fold the WAL in: the file alone is then the whole archive, and a plain copy of it is too.
  const live = openKeyed(file, { fileMustExist: true, key: change.from });
  try {
    live.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    live.close();
  }
  const wal = `${file}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) throw new Error(`the archive at ${file} is in use by another program (its WAL is not empty); close it and try again`);
  const before = checkArchiveFile(file, { key: change.from });
  if (!before.ok) throw new Error(`the archive at ${file} did not pass its check, so its key was not changed: ${before.problems.join('; ')}`);

  try {
    copyFileSync(file, copy);
    const db = openKeyed(copy, { fileMustExist: true, key: change.from });
    try {
      db.pragma('journal_mode = DELETE');
      rekey(db, change.to);
      db.pragma('journal_mode = WAL');
    } finally {
      db.close();
    }
    if (isEncryptedFile(copy) !== (change.to !== null)) throw new Error('the re-encrypted copy is not in the form asked for');
    const after = checkArchiveFile(copy, { key: change.to });
    if (!after.ok) throw new Error(`the re-encrypted copy did not pass its check: ${after.problems.join('; ')}`);
    for (const name of ['sessions', 'events', 'messages'] as const) {
      if (after.counts![name] !== before.counts![name]) throw new Error(`the re-encrypted copy holds ${after.counts![name]} ${name}, the archive ${before.counts![name]}`);
    }
    await change.persistKey?.();
    syncFile(copy);
    // The read-only checks leave empty -wal/-shm files beside both: they must not outlive the swap.
    removeSidecars(file);
    removeSidecars(copy);
    renameSync(copy, file);
    syncFile(dirname(file));
    return { counts: after.counts!, bytes: statSync(file).size, ms: Math.round(performance.now() - started) };
  } finally {
    rmSync(copy, { force: true });
    removeSidecars(copy);
  }
}

function removeSidecars(file: string): void {
  for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
}

/**
 * Which of `candidates` opens the archive at `file` (the key store's current and pending keys, in
 * that order; null for "no key"). Null when none does: the caller reports the first one's error.
 */
export function resolveArchiveKey(file: string, candidates: ReadonlyArray<ArchiveKey | null>): { key: ArchiveKey | null } | null {
  if (!existsSync(file)) return null;
  for (const key of candidates) {
    try {
      openKeyed(file, { readonly: true, fileMustExist: true, key }).close();
      return { key };
    } catch (error) {
      if (!(error instanceof ArchiveKeyError)) throw error;
    }
  }
  return null;
}

function syncFile(path: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Directories cannot be fsynced on Windows; the rename is still atomic there.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
