/**
 * Persistent settings for the desktop app: settings.json (plain) and secrets.json (each value
 * encrypted by a SecretCodec: Electron's safeStorage in the app). Writes are atomic (temp file +
 * rename), so a crash mid-save never leaves a half-written file. A damaged file is set aside
 * (renamed *.damaged-<time>) and defaults are used, with a warning, instead of refusing to start.
 *
 * A secret that cannot be decrypted (the keyring is still locked right after login, or the folder
 * came from another computer) is kept as it is on disk: saves never drop it, the engine config is
 * refused while it is unread (so nothing starts receiving without its secret), and
 * retryUnreadable() tries again. Only the owner replacing or clearing it lets it go.
 *
 * secrets.json names the protection its values were saved with. The headless fallback of
 * `npm start` has no keychain and saves with plaintextCodec; the desktop app reads such values
 * and saves them again with the keychain. Values saved with the keychain are never readable by a
 * store without one: they stay unread and kept, and no secret is saved beside them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_NAMES, settingsSchema, settingsUpdateSchema, type SecretName, type Settings, type SettingsUpdate } from '../../shared/settings.js';
import { defaultConfig, type EngineConfig } from './config.js';

export interface SecretCodec {
  readonly kind: 'os' | 'plaintext';
  /** Set when the protection is weak, e.g. Linux without a keyring (safeStorage's basic_text). */
  readonly warning: string | null;
  encrypt(plain: string): Promise<string>;
  /** `reEncrypt`: the value decrypted with an old or weaker key and should be encrypted again. */
  decrypt(stored: string): Promise<string | { plain: string; reEncrypt: boolean }>;
}

/** toEngineConfig while a saved secret is unread: starting without it would weaken the engine. */
export class SecretsUnreadableError extends Error {
  constructor(readonly names: SecretName[]) {
    super(`the saved ${names.join(', ')} could not be decrypted yet (is the keychain locked?)`);
  }
}

/** For `serve` and tests: base64, protected only by the file's permissions (0600). */
export const plaintextCodec: SecretCodec = {
  kind: 'plaintext',
  warning: 'Secrets are stored unencrypted (file permissions only).',
  encrypt: async (plain) => Buffer.from(plain, 'utf8').toString('base64'),
  decrypt: async (stored) => Buffer.from(stored, 'base64').toString('utf8'),
};

export function generateWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

type Secrets = Partial<Record<SecretName, string>>;
type Protection = SecretCodec['kind'];

/** Saving a secret beside ones kept under another protection, which secrets.json cannot describe. */
export class MixedProtectionError extends Error {
  constructor(readonly kept: Protection, readonly names: SecretName[]) {
    super(`secrets.json holds the ${names.join(', ')} protected by ${kept === 'os' ? "the system keychain, which cannot be read here" : 'another protection'}; they are kept, and no other secret can be saved beside them`);
  }
}

export class SettingsStore {
  /** Each secret as stored on disk, with the plain value it decrypts to (null: not decrypted yet). */
  private stored: Partial<Record<SecretName, { cipher: string; plain: string | null; protection: Protection }>> = {};
  /** What secrets.json holds now, so a save that changes no secret leaves the file alone. */
  private secretsFileText: string | null = null;

  private constructor(
    private readonly dir: string,
    private readonly codec: SecretCodec,
    private current: Settings,
    private secrets: Secrets,
    readonly warnings: string[],
    /** True when this store was just created (first run). */
    readonly firstRun: boolean,
  ) {}

  static async open(dir: string, codec: SecretCodec): Promise<SettingsStore> {
    const warnings: string[] = [];
    const settingsFile = join(dir, 'settings.json');
    const firstRun = !existsSync(settingsFile);
    const settings = readJson(settingsFile, warnings, (value) => settingsSchema.parse(value)) ?? settingsSchema.parse({});
    const secretsFile = join(dir, 'secrets.json');
    const stored = readJson(secretsFile, warnings, (value) => value as Record<string, unknown>) ?? {};
    const store = new SettingsStore(dir, codec, settings, {}, warnings, firstRun);
    store.secretsFileText = existsSync(secretsFile) ? readFileSync(secretsFile, 'utf8') : null;
    // Files from before the protection was recorded were all written by this codec's kind.
    const protection: Protection = stored.protection === 'os' || stored.protection === 'plaintext' ? stored.protection : codec.kind;
    for (const name of SECRET_NAMES) {
      const value = stored[name];
      if (typeof value === 'string') store.stored[name] = { cipher: value, plain: null, protection };
    }
    const reEncrypt = await store.decryptUnread();
    for (const name of store.unreadableSecrets) {
      warnings.push(`The saved ${name} could not be decrypted (is the keychain locked, or was the data folder copied from another computer or user?); it is kept and tried again.`);
    }
    // A strong secret from the first minute: the user pastes it into CallAIder from the setup
    // screen. Never in place of a saved one that could not be read.
    // Nor beside secrets kept under another protection (the keychain, read without one).
    if (firstRun && !store.secrets.webhookSecret && !store.stored.webhookSecret && store.keptUnderOtherProtection.length === 0) {
      store.secrets.webhookSecret = generateWebhookSecret();
    }
    if (firstRun || reEncrypt) await store.save();
    return store;
  }

  /** Saved secrets not decrypted yet: while there are any, toEngineConfig refuses. */
  get unreadableSecrets(): SecretName[] {
    return SECRET_NAMES.filter((name) => this.stored[name] && this.stored[name].plain === null);
  }

  /**
   * Unread secrets saved with a protection this store's codec cannot undo (the keychain, seen
   * from the headless fallback, which has none): no retry will read them here.
   */
  get keptUnderOtherProtection(): SecretName[] {
    return this.unreadableSecrets.filter((name) => this.stored[name]!.protection !== this.codec.kind);
  }

  /** Tries the unread secrets again (the keychain may be unlocked now); true when none is left. */
  async retryUnreadable(): Promise<boolean> {
    if (await this.decryptUnread()) await this.save();
    return this.unreadableSecrets.length === 0;
  }

  /** Decrypts what is not decrypted yet; true when the codec asked for something to be re-encrypted. */
  private async decryptUnread(): Promise<boolean> {
    let reEncrypt = false;
    for (const name of this.unreadableSecrets) {
      const entry = this.stored[name]!;
      if (entry.protection !== this.codec.kind && entry.protection !== 'plaintext') continue; // the keychain's, and this store has none
      try {
        // Saved without protection (by the headless fallback): read as such, saved again with this codec.
        const answer = entry.protection === this.codec.kind ? await this.codec.decrypt(entry.cipher) : { plain: await plaintextCodec.decrypt(entry.cipher) as string, reEncrypt: true };
        const plain = typeof answer === 'string' ? answer : answer.plain;
        this.secrets[name] = plain;
        if (typeof answer !== 'string' && answer.reEncrypt) {
          delete this.stored[name]; // encrypted again by the next save
          reEncrypt = true;
        } else {
          entry.plain = plain;
        }
      } catch {
        // Still locked (or not ours): kept as it is on disk.
      }
    }
    return reEncrypt;
  }

  get settings(): Settings {
    return { ...this.current };
  }

  secret(name: SecretName): string | undefined {
    return this.secrets[name];
  }

  /** A saved secret that is not decrypted yet counts as set: it is there, only locked. */
  secretsSet(): Record<SecretName, boolean> {
    return Object.fromEntries(SECRET_NAMES.map((name) => [name, Boolean(this.secrets[name]) || this.stored[name]?.plain === null])) as Record<SecretName, boolean>;
  }

  get protection(): { kind: 'os' | 'plaintext'; warning: string | null } {
    return { kind: this.codec.kind, warning: this.codec.warning };
  }

  /** Validates and applies a change; throws a zod error naming the bad field. */
  async update(update: SettingsUpdate): Promise<Settings> {
    const parsed = settingsUpdateSchema.parse(update);
    const next = settingsSchema.parse({ ...this.current, ...parsed.settings });
    // A save that fails (the keychain refuses, or MixedProtectionError) leaves the store as it was.
    const before = { current: this.current, secrets: this.secrets, stored: { ...this.stored } };
    const secrets = { ...this.secrets };
    for (const [name, value] of Object.entries(parsed.secrets) as Array<[SecretName, string | null | undefined]>) {
      if (value === undefined) continue;
      if (value === null || value === '') delete secrets[name];
      else secrets[name] = value;
      // The owner replaced or cleared it: an unread saved value may go now.
      if (this.stored[name]?.plain === null) delete this.stored[name];
    }
    this.current = next;
    this.secrets = secrets;
    try {
      await this.save();
    } catch (error) {
      Object.assign(this, before);
      throw error;
    }
    return this.settings;
  }

  /** The engine configuration these settings describe. */
  toEngineConfig(dataDir: string): EngineConfig {
    const unread = this.unreadableSecrets;
    if (unread.length > 0) throw new SecretsUnreadableError(unread);
    const s = this.current;
    const headerValue = this.secrets.requiredHeaderValue;
    return defaultConfig({
      dataDir,
      port: s.port,
      secret: this.secrets.webhookSecret,
      previousSecret: this.secrets.previousSecret,
      requiredHeader: s.requiredHeaderName && headerValue ? { name: s.requiredHeaderName, value: headerValue } : undefined,
      tunnel: s.tunnel,
      ngrokDomain: s.ngrokDomain ?? undefined,
      ngrokAuthtoken: this.secrets.ngrokAuthtoken,
      publicUrl: s.publicUrl?.replace(/\/$/, '') ?? undefined,
      staleAfterMinutes: s.staleAfterMinutes,
      backupsFolder: s.backupsFolder ?? undefined,
    });
  }

  private async save(): Promise<void> {
    const stored: typeof this.stored = {};
    for (const name of SECRET_NAMES) {
      const value = this.secrets[name];
      const before = this.stored[name];
      if (before && (before.plain === null || before.plain === value)) stored[name] = before; // unread, or unchanged
      else if (value) stored[name] = { cipher: await this.codec.encrypt(value), plain: value, protection: this.codec.kind };
    }
    // One protection per file: what is kept under another one stays alone, named as it was.
    const names = SECRET_NAMES.filter((name) => stored[name]);
    const kept = names.filter((name) => stored[name]!.protection !== this.codec.kind);
    if (kept.length > 0 && kept.length < names.length) throw new MixedProtectionError(stored[kept[0]!]!.protection, kept);
    const protection = kept.length > 0 ? stored[kept[0]!]!.protection : this.codec.kind;
    this.stored = stored;
    writeAtomically(join(this.dir, 'settings.json'), `${JSON.stringify(this.current, null, 2)}\n`);
    const encrypted = Object.fromEntries(names.map((name) => [name, stored[name]!.cipher]));
    const text = `${JSON.stringify({ protection, ...encrypted }, null, 2)}\n`;
    // Unchanged secrets keep their file (and its ciphertext) as it is.
    if (text !== this.secretsFileText) {
      writeAtomically(join(this.dir, 'secrets.json'), text);
      this.secretsFileText = text;
    }
  }
}

function writeAtomically(file: string, content: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, content, { mode: 0o600 });
  renameSync(temp, file);
}

function readJson<T>(file: string, warnings: string[], parse: (value: unknown) => T): T | null {
  if (!existsSync(file)) return null;
  try {
    return parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    const aside = `${file}.damaged-${Date.now()}`;
    renameSync(file, aside);
    warnings.push(`${file} was damaged (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); it was moved to ${aside} and defaults are used.`);
    return null;
  }
}
