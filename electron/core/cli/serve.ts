/**
 * `serve`: runs the engine until SIGINT/SIGTERM and tells the user what to paste into CallAIder.
 * Headless, the log is where alerts go: one line each (refusals and quiet periods as warnings).
 */
import type { Alert } from '../../../shared/follow-up.js';
import type { AlertSettings } from '../../../shared/settings.js';
import { alertLogLine } from '../alerts/wording.js';
import type { ArchiveCounts } from '../archive/store.js';
import { DEFAULT_ALERTS, type EngineConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { IngestedEvent } from '../receiver.js';
import { Engine } from '../engine.js';
import { consoleLogger } from '../log.js';
import { archivePath } from '../paths.js';
import { maskDatabaseUrl } from '../archive/open-store.js';
import type { UiServer } from '../ui-server.js';
import { mask } from './mask.js';
import { describeBackups } from '../backup/options.js';
import type { WindowAccess } from './window-access.js';

function windowLine(ui: UiServer): string {
  if (ui.mode === 'token') return `${ui.url}   (open in a browser on this machine)`;
  return `${ui.url}   (sign in with your account; new people: \`callaider-archive users add NAME --role staff\`)`;
}

export interface ServeOptions {
  /** The archive window's port; null turns the window off. */
  uiPort: number | null;
  uiToken?: string | undefined;
  /** Where the window listens (default loopback); elsewhere only over HTTPS and with accounts. */
  uiHost?: string | undefined;
  /** The owner's own certificate and key for the window (else self-signed, off loopback). */
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  headlessNotice?: boolean;
  /** The banner's webhookSecret line, when the secret came from the saved settings (`start`). */
  secretNote?: string | null;
}

export async function serve(config: EngineConfig, options: ServeOptions): Promise<void> {
  const log = consoleLogger();
  if (options.headlessNotice) {
    log.info(`running the engine headless (as \`callaider-archive serve\`) with the desktop app's settings from ${config.dataDir}; the archive window is the link below`);
  }
  // The window's server loads while the engine opens the archive (start-up is mostly loading code).
  const window = options.uiPort === null ? null : Promise.all([import('../ui-server.js'), import('../archive-service.js'), import('./window-access.js')]);
  window?.catch(() => undefined);
  const engine = await Engine.start(config, { log });
  let ui: UiServer | null = null;
  let access: WindowAccess | null = null;
  if (window && options.uiPort !== null) {
    try {
      const [{ startUiServer }, { ArchiveService }, { windowAccess }] = await window;
      access = await windowAccess(engine, config.dataDir, options);
      ui = await startUiServer({
        service: new ArchiveService(engine, { host: 'serve' }),
        port: options.uiPort,
        token: options.uiToken,
        log,
        host: access.host,
        accounts: access.accounts,
        tls: access.tls,
      });
      access.remember(ui);
      if (ui.mode === 'accounts' && options.uiToken) log.warn('--ui-token is not used: this archive has accounts, and people sign in with them');
    } catch (error) {
      await engine.stop();
      throw error;
    }
  }
  engine.on('ingested', (event) => log.info(describeIngested(event)));
  engine.on('alert', (alert) => logAlert(log, alert));
  process.stdout.write(banner(engine, ui, access, await engine.archive.counts({ staleBefore: 0 }), options.secretNote ?? null));

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log.warn(`${signal} again: exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      log.info(`${signal}: finishing in-flight requests, then closing the archive`);
      Promise.resolve(ui?.close())
        .then(() => engine.stop())
        .then(resolve, (error: unknown) => {
        log.error(`stopping: ${String(error)}`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

function banner(engine: Engine, ui: UiServer | null, access: WindowAccess | null, counts: ArchiveCounts, secretNote: string | null): string {
  const { config } = engine;
  const publicUrl = engine.publicWebhookUrl;
  const lines = [
    '',
    'CallAIder Archive is receiving webhooks.',
    `  Listening on    ${engine.localWebhookUrl}`,
    `  Public URL      ${publicUrl ? `${publicUrl}${config.ngrokPooling ? '   (ngrok endpoint pooling: shared with every hub started with this domain and --ngrok-pooling)' : ''}` : '(none: CallAIder cannot reach this machine yet; use --tunnel ngrok, or --public-url for your own proxy)'}`,
    ...archiveLines(config, counts),
  ];
  lines.push(`  Archive window  ${ui ? windowLine(ui) : 'off (--no-ui)'}`);
  if (ui && access?.tls) lines.push(`  Certificate     SHA-256 ${access.tls.fingerprint}${access.selfSigned ? ' (self-signed: check that your browser shows this fingerprint before you trust it)' : ''}`);
  lines.push(`  Alerts          ${describeAlertSettings(config.alerts ?? DEFAULT_ALERTS)}`);
  lines.push(`  Backups         ${describeBackups(engine.backupsFolder, config.schedule, config.backupKeep)}`);
  if (config.redactCards === false) {
    lines.push('  WARNING         card numbers and security codes are stored as callers said them (--keep-card-numbers); the archive now holds card data');
  }
  lines.push(
    '',
    "Paste into your CallAIder assistant's settings:",
    `  webhookUrl      ${publicUrl ?? `<your public https URL>/webhook (forwarding to ${engine.localWebhookUrl})`}`,
    `  webhookSecret   ${secretNote ?? (config.secret ? `the secret this engine was started with (${mask(config.secret)})` : '(none set: events are accepted unsigned; start with --secret to require signatures)')}`,
    `  webhookHeaders  ${config.requiredHeader ? `${config.requiredHeader.name}: ${mask(config.requiredHeader.value)}` : '(leave empty)'}`,
    '',
    'Stop with Ctrl+C (in-flight events are finished and committed first).',
    '',
  );
  return `${lines.join('\n')}\n`;
}

/** Where the archive is and what protects it; for the office hub, what the receivers share and what each keeps. */
function archiveLines(config: EngineConfig, counts: ArchiveCounts): string[] {
  if (!config.databaseUrl) {
    return [`  Archive         ${archivePath(config.dataDir)} (${counts.sessions} sessions; ${config.archiveKey ? `encrypted, key from ${config.archiveKey.source}` : 'not encrypted: see `callaider-archive encrypt`'})`];
  }
  const tls = /[?&]sslmode=(require|verify-ca|verify-full)\b/.test(config.databaseUrl)
    ? 'TLS to the server required'
    : 'no TLS required: add ?sslmode=require unless the server is on this machine';
  return [
    `  Archive         PostgreSQL ${maskDatabaseUrl(config.databaseUrl)} (${counts.sessions} sessions; shared by every receiver started with this URL; ${tls}; encryption at rest is the server's)`,
    `  This host       ${config.dataDir} (engine lock, window certificate and state; backups below are this host's)`,
    '  Shared upkeep   retention, erasures and the triage pass run on every receiver; each step is one transaction on the database, so receivers running them at once leave the same result as one',
  ];
}

/** The log line for one acknowledged event. */
export function describeIngested({ payload, duplicate }: IngestedEvent): string {
  if (duplicate) return `duplicate ${payload.event} for session ${payload.sessionId} (already archived, nothing changed)`;
  const detail = payload.event === 'session.ended' ? ` (${payload.data.transcript?.length ?? 0} messages, ${payload.data.reason ?? 'no reason given'})` : '';
  return `archived ${payload.event} for session ${payload.sessionId}${detail}`;
}

/** Alerts headless: one log line each; the ones that mean something is wrong as warnings. */
export function logAlert(log: Logger, alert: Alert): void {
  const line = alertLogLine(alert);
  if (alert.kind === 'refusals' || alert.kind === 'quiet') log.warn(line);
  else log.info(line);
}

/** The banner's Alerts line. */
export function describeAlertSettings(alerts: AlertSettings): string {
  const summary = alerts.dailySummaryAt ? `daily summary at ${alerts.dailySummaryAt} in this log` : 'no daily summary (--daily-summary off)';
  const quiet = alerts.quietAlerts ? 'quiet-period alerts on' : 'quiet-period alerts off (--no-quiet-alerts)';
  return `${summary}; refused-delivery alerts on; ${quiet}`;
}
