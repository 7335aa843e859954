/** `encrypt`, `rekey` and `decrypt`: loaded only when one of them runs. */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateArchiveKey, headlessKey, isEncryptedFile, readKeyFile, type ArchiveKey } from '../archive/archive-key.js';
import { EngineLock } from '../archive/engine-lock.js';
import { SqliteStore, type KeyChanged } from '../archive/sqlite/sqlite-store.js';
import { ConfigError } from '../config.js';
import { archivePath } from '../paths.js';

/** Where `encrypt` writes a key it generated, when no --key-file names a place. */
export const GENERATED_KEY_FILE = 'archive.key';

/**
 * The key file's key; a key file that does not exist yet gets a new random key (mode 0600,
 * never overwriting a file), so `encrypt --key-file F` and `rekey --new-key-file F` both work.
 */
function keyFileOrNew(file: string): { key: ArchiveKey; generated: boolean } {
  if (existsSync(file)) return { key: readKeyFile(file), generated: false };
  const key = generateArchiveKey(`key file ${file}`);
  writeFileSync(file, `${key.value}\n`, { mode: 0o600, flag: 'wx' });
  return { key, generated: true };
}

function withLock<T>(dataDir: string, run: (file: string) => Promise<T>): Promise<T> {
  const file = archivePath(dataDir);
  if (!existsSync(file)) throw new ConfigError(`no archive in ${dataDir} yet (nothing has been received or imported there)`);
  // Held throughout: no engine may open the archive while its key changes.
  const lock = EngineLock.acquire(dataDir, { pid: process.pid, startedAt: new Date().toISOString() });
  return run(file).finally(() => lock.release());
}

function report(verb: string, file: string, done: KeyChanged): void {
  const { counts } = done;
  process.stdout.write(`${verb} ${file} in ${done.ms} ms; verified ${counts.sessions} sessions, ${counts.events} events, ${counts.messages} messages\n`);
}

const BACKUPS_NOTE =
  'backups taken before this keep the form they had: take a fresh backup (`callaider-archive backup`) and keep the key with it somewhere else than this machine';

/** Encrypts a plaintext archive with the key from --key-file / CALLAIDER_ARCHIVE_KEY, or a new one. */
export async function encryptCommand(dataDir: string, keyFile: string | undefined): Promise<void> {
  await withLock(dataDir, async (file) => {
    if (isEncryptedFile(file)) throw new ConfigError(`the archive at ${file} is already encrypted; to change its key run \`callaider-archive rekey\``);
    let key: ArchiveKey;
    let generatedAt: string | null = null;
    if (keyFile) {
      const found = keyFileOrNew(resolve(keyFile));
      key = found.key;
      if (found.generated) generatedAt = resolve(keyFile);
    } else {
      const given = headlessKey({ env: process.env });
      if (given) key = given;
      else {
        const target = join(dataDir, GENERATED_KEY_FILE);
        if (existsSync(target)) throw new ConfigError(`${target} already exists: use it with --key-file ${target}, or move it away`);
        key = keyFileOrNew(target).key;
        generatedAt = target;
      }
    }
    report('encrypted', file, await SqliteStore.changeKey(file, { from: null, to: key }));
    if (generatedAt) process.stdout.write(`the key is in ${generatedAt} (a new random key, readable only by you)\n`);
    process.stdout.write(`from now on start with --key-file ${generatedAt ?? keyFile ?? '<file>'} (or CALLAIDER_ARCHIVE_KEY); without the key the archive cannot be read\n`);
    process.stdout.write(`${BACKUPS_NOTE}\n`);
  });
}

/** Changes the key: the current one from --key-file / CALLAIDER_ARCHIVE_KEY, the new one from --new-key-file. */
export async function rekeyCommand(dataDir: string, keyFile: string | undefined, newKeyFile: string): Promise<void> {
  await withLock(dataDir, async (file) => {
    const from = headlessKey({ keyFile, env: process.env });
    if (!from) throw new ConfigError(`give the archive's current key (--key-file or CALLAIDER_ARCHIVE_KEY)`);
    const target = resolve(newKeyFile);
    const { key: to, generated } = keyFileOrNew(target);
    report('re-encrypted', file, await SqliteStore.changeKey(file, { from, to }));
    process.stdout.write(`${generated ? 'the new key is in' : 'the new key is the one in'} ${target}; the old key no longer opens the archive\n`);
    process.stdout.write('backups taken before this still need the old key: keep it with them, or take a fresh backup\n');
  });
}

/** Turns an encrypted archive back into a plain one. */
export async function decryptCommand(dataDir: string, keyFile: string | undefined): Promise<void> {
  await withLock(dataDir, async (file) => {
    const from = headlessKey({ keyFile, env: process.env });
    if (!from) throw new ConfigError(`give the archive's key (--key-file or CALLAIDER_ARCHIVE_KEY)`);
    report('decrypted', file, await SqliteStore.changeKey(file, { from, to: null }));
    process.stdout.write('start without a key from now on; encrypted backups still need the key\n');
  });
}
