/**
 * Persistent settings for the desktop app: settings.json (plain) and secrets.json (each value
 * encrypted by a SecretCodec: Electron's safeStorage in the app). Writes are atomic (temp file +
 * rename), so a crash mid-save never leaves a half-written file. A damaged file is set aside
 * (renamed *.damaged-<time>) and defaults are used, with a warning, instead of refusing to start.
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
  decrypt(stored: string): Promise<string>;
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

export class SettingsStore {
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
    const stored = readJson(join(dir, 'secrets.json'), warnings, (value) => value as Record<string, unknown>) ?? {};
    const secrets: Secrets = {};
    for (const name of SECRET_NAMES) {
      const value = stored[name];
      if (typeof value !== 'string') continue;
      try {
        secrets[name] = await codec.decrypt(value);
      } catch {
        warnings.push(`The saved ${name} could not be decrypted (was the data folder copied from another computer or user?); enter it again.`);
      }
    }
    const store = new SettingsStore(dir, codec, settings, secrets, warnings, firstRun);
    if (firstRun && !secrets.webhookSecret) {
      // A strong secret from the first minute: the user pastes it into CallAIder from the setup screen.
      store.secrets.webhookSecret = generateWebhookSecret();
    }
    if (firstRun) await store.save();
    return store;
  }

  get settings(): Settings {
    return { ...this.current };
  }

  secret(name: SecretName): string | undefined {
    return this.secrets[name];
  }

  secretsSet(): Record<SecretName, boolean> {
    return Object.fromEntries(SECRET_NAMES.map((name) => [name, Boolean(this.secrets[name])])) as Record<SecretName, boolean>;
  }

  get protection(): { kind: 'os' | 'plaintext'; warning: string | null } {
    return { kind: this.codec.kind, warning: this.codec.warning };
  }

  /** Validates and applies a change; throws a zod error naming the bad field. */
  async update(update: SettingsUpdate): Promise<Settings> {
    const parsed = settingsUpdateSchema.parse(update);
    const next = settingsSchema.parse({ ...this.current, ...parsed.settings });
    const secrets = { ...this.secrets };
    for (const [name, value] of Object.entries(parsed.secrets) as Array<[SecretName, string | null | undefined]>) {
      if (value === undefined) continue;
      if (value === null || value === '') delete secrets[name];
      else secrets[name] = value;
    }
    this.current = next;
    this.secrets = secrets;
    await this.save();
    return this.settings;
  }

  /** The engine configuration these settings describe. */
  toEngineConfig(dataDir: string): EngineConfig {
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
    });
  }

  private async save(): Promise<void> {
    const encrypted: Record<string, string> = {};
    for (const name of SECRET_NAMES) {
      const value = this.secrets[name];
      if (value) encrypted[name] = await this.codec.encrypt(value);
    }
    writeAtomically(join(this.dir, 'settings.json'), `${JSON.stringify(this.current, null, 2)}\n`);
    writeAtomically(join(this.dir, 'secrets.json'), `${JSON.stringify({ protection: this.codec.kind, ...encrypted }, null, 2)}\n`);
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
