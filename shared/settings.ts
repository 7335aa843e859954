/**
 * The desktop app's settings: what the user changes in the window or the tray. Secrets are never
 * part of this object; they are stored encrypted beside it and only their presence is shown.
 */
import { z } from 'zod';

export const SECRET_NAMES = ['webhookSecret', 'previousSecret', 'ngrokAuthtoken', 'requiredHeaderValue'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a valid header name').max(100);

const fields = {
  port: z.number().int().min(1).max(65535),
  tunnel: z.enum(['ngrok', 'none']),
  ngrokDomain: z.string().max(253).nullable(),
  publicUrl: z.url({ protocol: /^https?$/ }).nullable(),
  requiredHeaderName: headerName.nullable(),
  /** Which ended calls raise a notification: every one, only those to follow up, or none. */
  notifyCalls: z.enum(['all', 'follow-up', 'none']),
  notifyOnStarted: z.boolean(),
  /** Local time of the daily summary (calls yesterday, open follow-ups, failures), or null for none. */
  dailySummaryAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'is a time like 08:30').nullable(),
  /** Say so when no call has come for unusually long during the hours calls usually come. */
  quietAlerts: z.boolean(),
  notificationsPaused: z.boolean(),
  startAtLogin: z.boolean(),
  staleAfterMinutes: z.number().int().min(5).max(7 * 24 * 60),
  /** Where backups go (null: backups/ in the data folder). A full path: a synced folder is the intended use. */
  backupsFolder: z
    .string()
    .max(4096)
    .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'must be a full path (like /Users/you/Dropbox/Archive backups or C:\\Users\\you\\OneDrive\\Backups)')
    .nullable(),
};

/**
 * Stored settings: a missing value takes its default. Files written before the notification
 * choice existed have notifyOnEnded (true/false): it becomes notifyCalls all/none.
 */
export const settingsSchema = z.preprocess(
  (raw) => {
    if (typeof raw !== 'object' || raw === null || !('notifyOnEnded' in raw)) return raw;
    const { notifyOnEnded, ...rest } = raw as Record<string, unknown>;
    return 'notifyCalls' in rest ? rest : { ...rest, notifyCalls: notifyOnEnded === false ? 'none' : 'all' };
  },
  z.object({
    port: fields.port.default(4318),
    tunnel: fields.tunnel.default('none'),
    ngrokDomain: fields.ngrokDomain.default(null),
    publicUrl: fields.publicUrl.default(null),
    requiredHeaderName: fields.requiredHeaderName.default(null),
    notifyCalls: fields.notifyCalls.default('all'),
    notifyOnStarted: fields.notifyOnStarted.default(false),
    dailySummaryAt: fields.dailySummaryAt.default('08:30'),
    quietAlerts: fields.quietAlerts.default(true),
    notificationsPaused: fields.notificationsPaused.default(false),
    startAtLogin: fields.startAtLogin.default(false),
    staleAfterMinutes: fields.staleAfterMinutes.default(120),
    backupsFolder: fields.backupsFolder.default(null),
  })
  .strict(),
);
export type Settings = z.infer<typeof settingsSchema>;

/** What the engine's alerts need to know (desktop: from the settings; headless: from serve's options). */
export type AlertSettings = Pick<Settings, 'dailySummaryAt' | 'quietAlerts'>;

/**
 * A change the user asks for: any subset of settings, plus secrets to set (string) or clear (null).
 * Built from the fields without their defaults: a setting the change does not name stays as it is
 * (the tray's one-setting toggles used to reset every other setting to its default).
 */
export const settingsUpdateSchema = z
  .object({
    settings: z.object(fields).partial().strict().default({}),
    secrets: z.partialRecord(z.enum(SECRET_NAMES), z.string().max(4096).nullable()).default({}),
  })
  .strict();
export type SettingsUpdate = z.input<typeof settingsUpdateSchema>;

export interface SettingsView {
  settings: Settings;
  /** Which secrets are set (their values never leave the main process through this view). */
  secretsSet: Record<SecretName, boolean>;
  /** How secrets are protected on this machine, in words, and whether the user should worry. */
  secretProtection: { kind: 'os' | 'plaintext'; warning: string | null };
  dataDir: string;
  editable: boolean;
}
