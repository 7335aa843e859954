/**
 * The desktop app's archive key, in archive-key.json in the data folder, encrypted by the OS
 * keychain (safeStorage, through the same codec as the saved secrets). The file alone, or the
 * archive alone, or a backup alone, is unreadable; the three together on this computer and user
 * are what the app opens.
 *
 * Two slots: `current`, and `pending` while the key changes. The new key is kept as pending before
 * the archive is swapped (see archive/sqlite/rekey.ts); a crash at any point leaves one of the two
 * opening the archive, and the next start settles on that one.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateArchiveKey, isEncryptedFile, parseArchiveKey, type ArchiveKey } from '../core/archive/archive-key.js';
import { ArchiveKeyError } from '../core/archive/errors.js';
import { SqliteStore } from '../core/archive/sqlite/sqlite-store.js';
import { archivePath } from '../core/paths.js';
import type { SecretCodec } from '../core/settings-store.js';

export const ARCHIVE_KEY_FILE = 'archive-key.json';
export const KEYCHAIN_SOURCE = 'the OS keychain';

interface Slots {
  current: ArchiveKey | null;
  pending: ArchiveKey | null;
}

/** The keychain would not decrypt the kept key (locked right after login): try again later. */
export class ArchiveKeyLockedError extends Error {}

export class ArchiveKeyStore {
  private constructor(
    private readonly file: string,
    private readonly codec: SecretCodec,
    private slots: Slots,
  ) {}

  /** The store in `dataDir` (empty when there is no key file yet). */
  static async open(dataDir: string, codec: SecretCodec): Promise<ArchiveKeyStore> {
    const file = join(dataDir, ARCHIVE_KEY_FILE);
    const store = new ArchiveKeyStore(file, codec, { current: null, pending: null });
    if (!existsSync(file)) return store;
    let saved: { current?: unknown; pending?: unknown };
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as typeof saved;
    } catch (error) {
      throw new ArchiveKeyError(`${file} cannot be read (${(error as Error).message}); it holds the archive's key: restore it, or use a saved copy of the key in Setup`);
    }
    store.slots = { current: await store.decrypt(saved.current), pending: await store.decrypt(saved.pending) };
    return store;
  }

  get current(): ArchiveKey | null {
    return this.slots.current;
  }

  get pending(): ArchiveKey | null {
    return this.slots.pending;
  }

  /** Whether a key is kept at all. */
  get holdsKey(): boolean {
    return this.slots.current !== null || this.slots.pending !== null;
  }

  /** The new key, kept before the archive is swapped to it. */
  async keepPending(key: ArchiveKey): Promise<void> {
    await this.write({ current: this.slots.current, pending: key });
  }

  /** The key that opens the archive now; the other slot is emptied. */
  async settle(key: ArchiveKey): Promise<void> {
    await this.write({ current: key, pending: null });
  }

  private async decrypt(value: unknown): Promise<ArchiveKey | null> {
    if (typeof value !== 'string') return null;
    let plain: string;
    try {
      const result = await this.codec.decrypt(value);
      plain = typeof result === 'string' ? result : result.plain;
    } catch (error) {
      throw new ArchiveKeyLockedError(`the archive key could not be read from the keychain yet (${(error as Error).message})`);
    }
    return parseArchiveKey(plain, KEYCHAIN_SOURCE);
  }

  /** Temp file + rename: a crash leaves the old slots or the new ones, never half a file. */
  private async write(slots: Slots): Promise<void> {
    const record = {
      current: slots.current ? await this.codec.encrypt(slots.current.value) : null,
      pending: slots.pending ? await this.codec.encrypt(slots.pending.value) : null,
    };
    const partial = `${this.file}.partial`;
    writeFileSync(partial, JSON.stringify(record), { mode: 0o600 });
    renameSync(partial, this.file);
    this.slots = slots;
  }
}

/** Why the desktop app will not encrypt a new archive by itself here, or null when it will. */
export function keychainUnavailable(codec: SecretCodec): string | null {
  if (codec.kind !== 'os') return 'this computer offers no OS keychain to keep the key in';
  if (codec.warning) return 'no desktop keyring was found (GNOME Keyring or KWallet): a key kept without one would only be obscured';
  return null;
}

/**
 * The key the engine opens the archive with. A new archive (no file yet) where the keychain is
 * real gets a new random key, kept before the archive exists; an existing plaintext archive stays
 * plaintext until the owner encrypts it; an encrypted one opens with the kept key that fits.
 * A key that does not fit is an ArchiveKeyError: never a new empty archive.
 */
export async function desktopArchiveKey(dataDir: string, keys: ArchiveKeyStore, codec: SecretCodec): Promise<ArchiveKey | null> {
  const file = archivePath(dataDir);
  const archiveExists = existsSync(file) && statSync(file).size > 0;
  if (!archiveExists) {
    if (keys.current) return keys.current;
    if (keychainUnavailable(codec)) return null;
    const key = generateArchiveKey(KEYCHAIN_SOURCE);
    await keys.settle(key);
    return key;
  }
  if (!isEncryptedFile(file)) return null;
  if (!keys.holdsKey) {
    throw new ArchiveKeyError(
      `the archive at ${file} is encrypted, but this computer keeps no key for it (${ARCHIVE_KEY_FILE} is missing): enter the key you saved in Setup → Encryption, or restore ${ARCHIVE_KEY_FILE}`,
    );
  }
  const found = SqliteStore.resolveKey(file, [keys.current, keys.pending].filter((key): key is ArchiveKey => key !== null));
  if (!found?.key) {
    throw new ArchiveKeyError(`the key kept in the OS keychain does not open the archive at ${file}: enter the key you saved in Setup → Encryption`);
  }
  // A change that crashed after the swap: the pending key is the archive's key now.
  if (found.key !== keys.current) await keys.settle(found.key);
  return found.key;
}
