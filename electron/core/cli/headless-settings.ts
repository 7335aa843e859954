/**
 * `start`, what `npm start` falls back to where the desktop app cannot run: the engine with the
 * desktop app's own settings.json and secrets.json from the data folder, so both ways of starting
 * behave alike (the webhook secret generated on first run the same way, then reused).
 *
 * There is no keychain here, so secrets are saved with plaintextCodec (file permissions only).
 * Secrets the desktop app encrypted with the keychain cannot be read without it: then nothing
 * starts and nothing is written (fail closed; the engine never runs without its secret).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertSettings } from '../../../shared/settings.js';
import { ConfigError, type EngineConfig } from '../config.js';
import { plaintextCodec, SettingsStore } from '../settings-store.js';
import { mask } from './mask.js';

export const SETTINGS_FILE = 'settings.json';
export const SECRETS_FILE = 'secrets.json';

export interface HeadlessSettings {
  config: EngineConfig;
  /** What the banner says about the webhook secret (null: the secret came from the command line). */
  secretNote: string | null;
  warnings: string[];
}

/** The keychain's secrets, seen from here: one line saying why nothing starts, and what to do. */
function keychainRefusal(dataDir: string, names: string[]): ConfigError {
  return new ConfigError(
    `the desktop app saved its ${names.join(', ')} in ${join(dataDir, SECRETS_FILE)} encrypted with the system keychain, which the headless engine cannot read, so it will not start without them (nothing was changed); start the desktop app, or run \`callaider-archive serve --secret …\` with the secret its Setup shows`,
  );
}

/**
 * The engine configuration for `start`: the data folder's settings, with what was given on the
 * command line (or its environment variables) on top for this run only. The alerts follow the
 * desktop app's choices (summary time, quiet alerts) unless given here too.
 */
export async function headlessSettings(dataDir: string, given: Partial<EngineConfig>, givenAlerts: Partial<AlertSettings> = {}): Promise<HeadlessSettings> {
  mkdirSync(dataDir, { recursive: true });
  const store = await SettingsStore.open(dataDir, plaintextCodec);
  const kept = store.keptUnderOtherProtection;
  if (kept.length > 0) throw keychainRefusal(dataDir, kept);
  // Nothing else can be unread with plaintextCodec; toEngineConfig refuses if it ever is.
  const saved = store.settings;
  const alerts: AlertSettings = { dailySummaryAt: saved.dailySummaryAt, quietAlerts: saved.quietAlerts, ...definedOnly(givenAlerts) };
  const config: EngineConfig = { ...store.toEngineConfig(dataDir), alerts, ...definedOnly(given) };
  const secretsFile = join(dataDir, SECRETS_FILE);
  let secretNote: string | null = null;
  if (given.secret === undefined && config.secret) {
    secretNote = store.firstRun
      ? `${config.secret}   (generated now and saved in ${secretsFile}; paste it into CallAIder)`
      : `${mask(config.secret)}, saved in ${secretsFile}; print it with: callaider-archive show-secret --data-dir "${dataDir}"`;
  }
  return { config, secretNote, warnings: store.warnings };
}

/** The saved webhook secret, for `show-secret`; refuses where there is nothing to show or it is the keychain's. */
export async function savedWebhookSecret(dataDir: string): Promise<string> {
  if (!existsSync(join(dataDir, SETTINGS_FILE))) {
    throw new ConfigError(`no settings in ${dataDir} yet (the desktop app or \`npm start\` creates them on first run)`);
  }
  const store = await SettingsStore.open(dataDir, plaintextCodec);
  if (store.keptUnderOtherProtection.includes('webhookSecret')) {
    throw new ConfigError(`the webhook secret in ${join(dataDir, SECRETS_FILE)} is encrypted with the system keychain; the desktop app shows it in Setup`);
  }
  const secret = store.secret('webhookSecret');
  if (!secret) throw new ConfigError(`no webhook secret is saved in ${dataDir} (the archive accepts unsigned events)`);
  return secret;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
