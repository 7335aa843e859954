/** What the Setup card's Encryption section shows, from the files themselves. */
import { join } from 'node:path';
import type { EncryptionView } from '../../shared/api.js';
import { isEncryptedFile, type ArchiveKey } from './archive/archive-key.js';
import { listBackups } from './backup/backups.js';
import { archivePath } from './paths.js';

/** Kept backups whose file is plaintext: the owner should know they are not protected. */
export function plaintextBackups(folder: string): number {
  return listBackups(folder).filter((record) => record.ok && !record.removedAt && !isEncryptedFile(join(folder, record.file))).length;
}

/** Headless: the key comes from the command line or environment; the window shows the commands. */
export function headlessEncryptionView(dataDir: string, key: ArchiveKey | null | undefined, backupsFolder: string): EncryptionView {
  return {
    encrypted: isEncryptedFile(archivePath(dataDir)),
    keySource: key ? key.source : null,
    editable: false,
    unavailable: null,
    plaintextBackups: plaintextBackups(backupsFolder),
    problem: null,
  };
}

export const HEADLESS_ENCRYPTION =
  'this archive runs headless: stop `serve`, then run `callaider-archive encrypt` (or `rekey`) with the data folder, and start again with the key';
