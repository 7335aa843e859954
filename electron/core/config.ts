/**
 * Engine configuration: defaults, and parsing of the values people type (sizes, header lines).
 * Every parse error names the option and shows an example of a good value.
 */
import bytes from 'bytes';
import { DEFAULT_BODY_BUDGET, smallestBodyBudget } from './body-budget.js';
import { defaultDataDir } from './paths.js';
import type { AlertSettings } from '../../shared/settings.js';
import type { RequiredHeader } from './receiver.js';
import type { KeepPolicy } from './backup/rotation.js';
import type { BackupSchedule } from './backup/scheduler.js';
import type { ArchiveKey } from './archive/archive-key.js';

export type TunnelMode = 'ngrok' | 'none';
import type { CommandLineTarget } from './forwarding/command-line.js';
import type { ForwarderOptions } from './forwarding/forwarder.js';

export interface EngineConfig {
  dataDir: string;
  host: string;
  port: number;
  secret?: string | undefined;
  previousSecret?: string | undefined;
  requiredHeader?: RequiredHeader | undefined;
  bodyLimit: number;
  /** Bytes of request bodies held in memory at once (over it: 503 + Retry-After before reading). */
  bodyBudget: number;
  requestTimeoutMs: number;
  tunnel: TunnelMode;
  /** ngrok: a reserved/static domain so the public URL survives restarts. */
  ngrokDomain?: string | undefined;
  ngrokAuthtoken?: string | undefined;
  /** ngrok endpoint pooling: several hubs share ngrokDomain, and ngrok spreads calls over them. */
  ngrokPooling?: boolean | undefined;
  /** tunnel "none": the public URL of the user's own reverse proxy, shown for pasting into CallAIder. */
  publicUrl?: string | undefined;
  /** A session that started but has not ended after this long is flagged: its end may have been missed. */
  staleAfterMinutes: number;
  /**
   * Card numbers and security codes replaced before anything is stored (default true; false only
   * with `serve --keep-card-numbers`, which the banner warns about).
   */
  redactCards?: boolean | undefined;
  /** The daily summary and quiet-period alerts (desktop: the live settings replace these, see EngineDeps). */
  alerts?: AlertSettings | undefined;
  /** Where backups go (default: backups/ in the data folder; a synced folder is the intended use). */
  backupsFolder?: string | undefined;
  /** When backups run (default: 24 hours after the last good one; 'off': only when asked). */
  schedule?: BackupSchedule | undefined;
  /** How many daily, weekly and monthly backups rotation keeps (default 7, 4, 12). */
  backupKeep?: KeepPolicy | undefined;
  /** The archive's encryption key (desktop: the OS keychain; headless: CALLAIDER_ARCHIVE_KEY or --key-file). */
  archiveKey?: ArchiveKey | null | undefined;
  /** Forwarding targets from `serve --forward`/`--forward-config`, upserted by URL at start. */
  forwardTargets?: CommandLineTarget[] | undefined;
  /** The forwarder's timing (tests use short ones); defaults in forwarding/forwarder.ts. */
  forwarding?: Pick<ForwarderOptions, 'timeoutMs' | 'retry' | 'pauseAfter' | 'pollMs'> | undefined;
  /**
   * The office hub: a PostgreSQL URL (postgres://…) shared by several receivers. Unset: the SQLite
   * archive in dataDir. The data folder stays this host's either way (lock, secrets, backups).
   */
  databaseUrl?: string | undefined;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 4318,
  uiPort: 4319,
  bodyLimit: 20 * 1024 * 1024,
  bodyBudget: DEFAULT_BODY_BUDGET,
  requestTimeoutMs: 30_000,
  staleAfterMinutes: 120,
} as const;

export class ConfigError extends Error {}

export function defaultConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    dataDir: defaultDataDir(),
    host: DEFAULTS.host,
    port: DEFAULTS.port,
    bodyLimit: DEFAULTS.bodyLimit,
    bodyBudget: DEFAULTS.bodyBudget,
    requestTimeoutMs: DEFAULTS.requestTimeoutMs,
    staleAfterMinutes: DEFAULTS.staleAfterMinutes,
    tunnel: 'none',
    redactCards: true,
    ...overrides,
  };
}

export function parseBodyLimit(text: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : bytes.parse(text);
  if (value === null || !Number.isFinite(value) || value < 1024 || value > 1024 ** 3) {
    throw new ConfigError(`--body-limit: "${text}" is not a size between 1kb and 1gb (example: 20mb)`);
  }
  return Math.floor(value);
}

export function parseBodyBudget(text: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : bytes.parse(text);
  if (value === null || !Number.isFinite(value) || value < 1024 * 1024 || value > 64 * 1024 ** 3) {
    throw new ConfigError(`--body-budget: "${text}" is not a size between 1mb and 64gb (example: 64mb)`);
  }
  return Math.floor(value);
}

/** The body budget must hold one body at the body limit besides its share for small bodies. */
export function checkBodyBudgetOption(bodyLimit: number, bodyBudget: number): void {
  const needed = smallestBodyBudget(bodyLimit);
  if (bodyBudget < needed) {
    throw new ConfigError(
      `--body-budget: ${bytes.format(bodyBudget)} cannot hold one body at --body-limit ${bytes.format(bodyLimit)} besides the share kept for small deliveries; use at least ${bytes.format(needed, { decimalPlaces: 0 })}`,
    );
  }
}

export function parsePort(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`${option}: "${text}" is not a port number (0-65535, example: 4318)`);
  }
  return value;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'x-callaider-event', 'x-callaider-signature', 'host']);

/** "Authorization: Basic 12345" -> { name: 'Authorization', value: 'Basic 12345' }. */
export function parseRequiredHeader(text: string): RequiredHeader {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  const value = colon > 0 ? text.slice(colon + 1).trim() : '';
  if (!HEADER_NAME.test(name) || value === '') {
    throw new ConfigError(`--require-header: "${text}" is not "Name: value" (example: "Authorization: Basic 12345")`);
  }
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    throw new ConfigError(`--require-header: ${name} is set by CallAIder itself and cannot be required; pick another header`);
  }
  return { name, value };
}

export function parseTunnelMode(text: string): TunnelMode {
  if (text === 'ngrok' || text === 'none') return text;
  throw new ConfigError(`--tunnel: "${text}" is not one of: ngrok, none`);
}

/** Pooling shares one reserved domain between hubs: without the tunnel or the domain it means nothing. */
export function checkNgrokPooling(options: { tunnel: TunnelMode; ngrokDomain?: string | undefined; ngrokPooling?: boolean | undefined }): void {
  if (!options.ngrokPooling) return;
  if (options.tunnel !== 'ngrok') throw new ConfigError('--ngrok-pooling: only with --tunnel ngrok (with your own proxy, turn pooling on there)');
  if (!options.ngrokDomain) throw new ConfigError('--ngrok-pooling: give the reserved domain every hub shares too, e.g. --ngrok-domain your-name.ngrok.app');
}

export function parsePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--public-url: "${text}" is not a URL (example: https://archive.example.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`--public-url: "${text}" must start with https://`);
  }
  return url.toString().replace(/\/$/, '');
}

/** "08:30" (or "8:30") -> "08:30"; "off" -> null: the daily summary's local time, or none. */
export function parseDailySummary(text: string): string | null {
  const value = text.trim().toLowerCase();
  if (value === 'off' || value === 'none') return null;
  const match = /^(\d{1,2}):(\d{2})$/.exec(value);
  const hour = match ? Number(match[1]) : NaN;
  const minute = match ? Number(match[2]) : NaN;
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) {
    throw new ConfigError(`--daily-summary: "${text}" is not a time of day as HH:MM or "off" (example: 08:30)`);
  }
  return `${String(hour).padStart(2, '0')}:${match![2]}`;
}

/** The alerts' settings when nothing chose them: a summary at 08:30, quiet-period alerts on. */
export const DEFAULT_ALERTS = { dailySummaryAt: '08:30', quietAlerts: true } as const satisfies AlertSettings;
