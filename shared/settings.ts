/**
 * The desktop app's settings: what the user changes in the window or the tray. Secrets are never
 * part of this object; they are stored encrypted beside it and only their presence is shown.
 */
import { z } from 'zod';

export const SECRET_NAMES = ['webhookSecret', 'previousSecret', 'ngrokAuthtoken', 'requiredHeaderValue'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a valid header name').max(100);

export const settingsSchema = z
  .object({
    port: z.number().int().min(1).max(65535).default(4318),
    tunnel: z.enum(['ngrok', 'none']).default('none'),
    ngrokDomain: z.string().max(253).nullable().default(null),
    publicUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
    requiredHeaderName: headerName.nullable().default(null),
    notifyOnEnded: z.boolean().default(true),
    notifyOnStarted: z.boolean().default(false),
    notificationsPaused: z.boolean().default(false),
    startAtLogin: z.boolean().default(false),
    staleAfterMinutes: z.number().int().min(5).max(7 * 24 * 60).default(120),
  })
  .strict();
export type Settings = z.infer<typeof settingsSchema>;

/** A change the user asks for: any subset of settings, plus secrets to set (string) or clear (null). */
export const settingsUpdateSchema = z
  .object({
    settings: settingsSchema.partial().strict().default({}),
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
