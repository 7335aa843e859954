/**
 * Encryption at rest in the desktop app: which key the engine opens the archive with, and the
 * Setup card's actions (encrypt, change the key, show it, use a saved copy). A key change stops
 * the engine, runs the one procedure the CLI also uses (archive/sqlite/rekey.ts) under the engine
 * lock, restarts the engine, and takes a fresh backup under the new key. A failure leaves the
 * archive as it was, under the key it had.
 */
import { existsSync } from 'node:fs';
import type { BackupRecord, EncryptionChange, EncryptionView } from '../../shared/api.js';
import { generateArchiveKey, isEncryptedFile, parseArchiveKey, type ArchiveKey } from '../core/archive/archive-key.js';
import { EngineLock } from '../core/archive/engine-lock.js';
import { ArchiveKeyError } from '../core/archive/errors.js';
import { SqliteStore, type KeyChanged } from '../core/archive/sqlite/sqlite-store.js';
import { plaintextBackups } from '../core/encryption-status.js';
import { archivePath } from '../core/paths.js';
import type { SecretCodec } from '../core/settings-store.js';
import { ArchiveKeyStore, desktopArchiveKey, KEYCHAIN_SOURCE, keychainUnavailable } from './archive-key-store.js';
import type { EncryptionHost } from './desktop-service.js';

export interface DesktopEncryptionDeps {
  dataDir: () => string;
  backupsFolder: () => string;
  /** Runs `work` with the engine stopped, then starts it again (whatever `work` did). */
  withEngineStopped: <T>(work: () => Promise<T>) => Promise<T>;
  /** A backup with the engine that now runs; null when none runs. */
  backupNow: () => Promise<BackupRecord | null>;
}

export class DesktopEncryption implements EncryptionHost {
  private keys: ArchiveKeyStore | null = null;
  private codec: SecretCodec | null = null;
  /** The key the engine opens the archive with (null: plaintext). */
  private key: ArchiveKey | null = null;
  /** The archive did not open with the kept key, or there is none: what the owner is told. */
  private problem: string | null = null;

  constructor(private readonly deps: DesktopEncryptionDeps) {}

  /**
   * The key for the next engine start. Rejects with ArchiveKeyLockedError while the keychain will
   * not answer (try again later) and with ArchiveKeyError when no kept key opens the archive.
   */
  async keyForStart(codec: SecretCodec): Promise<ArchiveKey | null> {
    this.codec = codec;
    try {
      this.keys ??= await ArchiveKeyStore.open(this.deps.dataDir(), codec);
      this.key = await desktopArchiveKey(this.deps.dataDir(), this.keys, codec);
      this.problem = null;
      return this.key;
    } catch (error) {
      if (error instanceof ArchiveKeyError) this.problem = error.message;
      throw error;
    }
  }

  view(): EncryptionView {
    const encrypted = isEncryptedFile(this.file);
    return {
      encrypted,
      // No key opened it (the problem says why): do not claim the keychain holds its key.
      keySource: encrypted && this.key ? KEYCHAIN_SOURCE : null,
      editable: true,
      unavailable: this.codec ? keychainUnavailable(this.codec) : 'the keychain has not answered yet',
      plaintextBackups: plaintextBackups(this.deps.backupsFolder()),
      problem: this.problem,
    };
  }

  async encrypt(): Promise<EncryptionChange> {
    const { keys } = this.ready();
    if (!existsSync(this.file)) throw new Error('there is no archive yet: it will be created encrypted');
    if (isEncryptedFile(this.file)) throw new Error('the archive is already encrypted');
    // A key kept earlier (this archive was encrypted before, or restored from a plaintext backup)
    // is used again: backups made under it stay readable with the same saved copy.
    const key = keys.current ?? generateArchiveKey(KEYCHAIN_SOURCE);
    const done = await this.change(null, key);
    return this.finish(`Encrypted the archive and checked it: ${describe(done)}.`);
  }

  async changeKey(): Promise<EncryptionChange> {
    this.ready();
    if (!this.key || !isEncryptedFile(this.file)) throw new Error('the archive is not encrypted: encrypt it first');
    const done = await this.change(this.key, generateArchiveKey(KEYCHAIN_SOURCE));
    return this.finish(`Re-encrypted the archive with a new key and checked it: ${describe(done)}. Backups taken before open only with the old key.`);
  }

  reveal(): { key: string } {
    if (!this.key || !isEncryptedFile(this.file)) throw new Error('the archive is not encrypted, so it has no key');
    return { key: this.key.value };
  }

  async useKey(text: string): Promise<EncryptionView> {
    const { keys } = this.ready();
    const key = parseArchiveKey(text.trim(), KEYCHAIN_SOURCE);
    if (!isEncryptedFile(this.file)) throw new Error('the archive is not encrypted: it needs no key');
    if (!SqliteStore.resolveKey(this.file, [key])) throw new ArchiveKeyError('this key does not open the archive; nothing was changed');
    await this.deps.withEngineStopped(async () => {
      await keys.settle(key);
      this.key = key;
      this.problem = null;
    });
    return this.view();
  }

  private get file(): string {
    return archivePath(this.deps.dataDir());
  }

  private ready(): { keys: ArchiveKeyStore; codec: SecretCodec } {
    if (!this.keys || !this.codec) throw new Error('the keychain has not been read yet; try again in a moment');
    const unavailable = keychainUnavailable(this.codec);
    if (unavailable) throw new Error(`the archive cannot be encrypted here: ${unavailable}`);
    return { keys: this.keys, codec: this.codec };
  }

  private change(from: ArchiveKey | null, to: ArchiveKey): Promise<KeyChanged> {
    const keys = this.keys!;
    return this.deps.withEngineStopped(async () => {
      const lock = EngineLock.acquire(this.deps.dataDir(), { pid: process.pid, startedAt: new Date().toISOString() });
      try {
        // Kept before the swap: a crash after it still finds the key (see ArchiveKeyStore).
        const done = await SqliteStore.changeKey(this.file, { from, to, persistKey: () => keys.keepPending(to) });
        await keys.settle(to);
        this.key = to;
        return done;
      } finally {
        lock.release();
      }
    });
  }

  /** A fresh backup under the new key: the ones before it are plaintext, or under the old key. */
  private async finish(message: string): Promise<EncryptionChange> {
    const backup = await this.deps.backupNow().catch((error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }) as BackupRecord);
    const note = !backup
      ? ' Take a backup once the archive runs again.'
      : backup.ok
        ? ` A fresh encrypted backup was taken (${backup.file}).`
        : ` The fresh backup failed (${backup.error ?? 'unknown error'}): take one from the Backups card.`;
    return { message: `${message}${note} Save a copy of the key (Show key) away from this computer: without it no backup can be restored elsewhere.`, view: this.view() };
  }
}

function describe(done: KeyChanged): string {
  return `${done.counts.sessions} sessions, ${done.counts.events} events, ${done.counts.messages} messages`;
}
