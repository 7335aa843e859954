/**
 * The desktop app's choice of office hub, kept across restarts in hub.json in its data folder:
 * the address, the name, the confirmed fingerprint and, only when the person chose "remember",
 * the password, encrypted like the other secrets (the OS keychain via safeStorage). Written aside
 * and renamed, never half-written; a password that cannot be decrypted is treated as not remembered.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretCodec } from '../settings-store.js';

export interface SavedHub {
  url: string;
  name: string;
  remember: boolean;
  fingerprint: string | null;
  password: string | null;
}

interface HubFile {
  url: string;
  name: string;
  remember: boolean;
  fingerprint: string | null;
  password?: string;
}

export class HubConnectionFile {
  private readonly file: string;

  constructor(
    dataDir: string,
    private readonly codec: SecretCodec,
  ) {
    this.file = join(dataDir, 'hub.json');
  }

  async load(): Promise<SavedHub | null> {
    if (!existsSync(this.file)) return null;
    let saved: HubFile;
    try {
      saved = JSON.parse(readFileSync(this.file, 'utf8')) as HubFile;
      if (typeof saved.url !== 'string' || typeof saved.name !== 'string') return null;
    } catch {
      return null;
    }
    let password: string | null = null;
    if (saved.remember && typeof saved.password === 'string') {
      try {
        const decrypted = await this.codec.decrypt(saved.password);
        password = typeof decrypted === 'string' ? decrypted : decrypted.plain;
      } catch {
        password = null; // the keychain is locked or the file came from elsewhere: ask again
      }
    }
    return { url: saved.url, name: saved.name, remember: saved.remember === true, fingerprint: typeof saved.fingerprint === 'string' ? saved.fingerprint : null, password };
  }

  async save(hub: SavedHub): Promise<void> {
    const contents: HubFile = { url: hub.url, name: hub.name, remember: hub.remember, fingerprint: hub.fingerprint };
    if (hub.remember && hub.password !== null) contents.password = await this.codec.encrypt(hub.password);
    writeFileSync(`${this.file}.tmp`, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }
}
