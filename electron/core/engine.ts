/**
 * The engine: the archive, the webhook listener and (optionally) a tunnel, started and stopped
 * in the right order. Hosts (the CLI's `serve`, the Electron main process) create one Engine and
 * listen to its events; they never reach into the parts.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { BackupRecord, SendTestResult } from '../../shared/api.js';
import type { Alert, TriageProgress } from '../../shared/follow-up.js';
import type { AlertSettings } from '../../shared/settings.js';
import { AlertCenter } from './alerts/alert-center.js';
import type { AlertFeed } from './alerts/types.js';
import { EngineLock } from './archive/engine-lock.js';
import { describeLocation, openArchive, type ArchiveLocation } from './archive/open-store.js';
import type { ArchiveStore, ProjectedEvent } from './archive/store.js';
import type { EngineConfig } from './config.js';
import { silentLogger, type Logger } from './log.js';
import { WEBHOOK_PATH } from './webhook-paths.js';
import { archivePath } from './paths.js';
import { PortInUseError } from './errors.js';
import type { DeliveryNotice, IngestedEvent } from './receiver.js';
import { deliver } from './send-test.js';
import { seededRandom, simulateSession } from './simulator.js';
import { TunnelManager, type TunnelStatus } from './tunnel/manager.js';
import { createNgrokAdapter } from './tunnel/ngrok.js';
import { TunnelError, type TunnelAdapter } from './tunnel/tunnel.js';
import { TriageRunner } from './triage-runner.js';
import { backupNeededAtQuit, defaultBackupsFolder, listBackups, takeBackup } from './backup/backups.js';
import { BackupScheduler, DEFAULT_SCHEDULE } from './backup/scheduler.js';
import { Eraser } from './erasure/eraser.js';
import type { ErasureKind } from '../../shared/retention.js';
import { RetentionScheduler } from './erasure/retention-scheduler.js';
import { Forwarder } from './forwarding/forwarder.js';
import { applyCommandLineTargets } from './forwarding/command-line.js';

export interface EngineEvents {
  ingested: [IngestedEvent];
  /** A request was recorded in the delivery log. */
  delivery: [DeliveryNotice];
  tunnel: [TunnelStatus];
  selfTest: [SelfTestResult];
  /** Events now visible in sessions and search (after their acknowledgement). */
  projected: [ProjectedEvent[]];
  /** A re-run of the rules over the archive started, moved on or ended. */
  triage: [TriageProgress];
  /** The dropped-call sweep changed this many sessions' follow-ups. */
  staleTriaged: [number];
  /** Something the owner should know (a notification on the desktop, a log line headless). */
  alert: [Alert];
  /** Sessions were erased (by the owner, or by retention). */
  erased: [{ kind: ErasureKind; sessions: number }];
  /** A forwarding attempt was recorded, or a target was paused. */
  forwarded: [{ targetId: number; ok: boolean; paused?: string }];
}

/** The same shape the archive window shows for "Send test event". */
export type SelfTestResult = SendTestResult;

export interface EngineDeps {
  log?: Logger;
  /** Replaces the ngrok adapter (tests, other tunnel providers). */
  tunnelAdapter?: TunnelAdapter;
  /** better-sqlite3 native binding built for Electron's ABI. */
  nativeBinding?: string;
  /** The live alert settings (desktop: the settings file); default: config.alerts. */
  alertSettings?: () => AlertSettings;
}

/** The record of the last full triage pass, beside the archive (see TriageRunner). */
export const TRIAGE_STATE_FILE = 'triage-state.json';
/** The day of the last daily summary (see AlertCenterOptions.stateFile). */
export const ALERTS_STATE_FILE = 'alerts-state.json';

export { PortInUseError };

export class Engine extends EventEmitter<EngineEvents> {
  /** Where backups go, and when: runNow() takes one at once (the window's Back up now). */
  readonly backups: BackupScheduler;
  readonly backupsFolder: string;
  /** Erases sessions with their traces (one at a time); the window's and the CLI's erasures go through it. */
  readonly eraser: Eraser;
  /** Applies the retention period saved in the archive: at start, daily, and when it changes. */
  readonly retention: RetentionScheduler;
  /** Hands stored events on to the owner's other tools (README "Forwarding"). */
  readonly forwarder: Forwarder;

  private constructor(
    readonly config: EngineConfig,
    readonly archive: ArchiveStore,
    private readonly receiver: FastifyInstance,
    private readonly lock: EngineLock,
    private readonly log: Logger,
    /** The local webhook URL, e.g. http://127.0.0.1:4318/webhook */
    readonly localWebhookUrl: string,
    private readonly tunnel: TunnelManager | null,
    /** Re-runs the rules over the archive when they change; sweeps for dropped calls. */
    readonly triage: TriageRunner,
    private readonly alertCenter: AlertCenter,
  ) {
    super();
    const folder = config.backupsFolder ?? defaultBackupsFolder(config.dataDir);
    this.backupsFolder = folder;
    this.backups = new BackupScheduler({
      schedule: config.schedule ?? DEFAULT_SCHEDULE,
      history: () => listBackups(folder),
      run: async () => {
        // A hub's backup is its NDJSON export (postgres/backup.ts), named for what it is.
        const record = await takeBackup({ store: archive, folder, keep: config.backupKeep, format: config.databaseUrl ? 'ndjson' : 'sqlite' });
        if (record.ok) log.info(`backup written: ${join(folder, record.file)} (${record.bytes} bytes, ${record.ms} ms)`);
        else log.warn(`backup failed: ${record.error}`);
        return record;
      },
      onError: (error) => log.error(`backup: ${error instanceof Error ? error.message : String(error)}`),
    });
    this.eraser = new Eraser({ store: archive, log });
    this.retention = new RetentionScheduler({ store: archive, eraser: this.eraser, backupsFolder: folder, log });
    this.eraser.on('erased', (erased) => this.emit('erased', erased));
    this.forwarder = new Forwarder({ store: archive, log, ...config.forwarding });
    this.forwarder.on('attempt', (attempt) => this.emit('forwarded', attempt));
    this.forwarder.on('paused', ({ targetId, reason }) => this.emit('forwarded', { targetId, ok: false, paused: reason }));
    // A stored event may have forwards waiting (a follow-up's are enqueued when it is indexed).
    this.on('ingested', (event) => {
      if (!event.duplicate) this.forwarder.wake();
    });
    tunnel?.on('status', (status) => {
      if (status.state === 'online') log.info(`tunnel online: ${status.url}${WEBHOOK_PATH}`);
      if (status.state === 'error') log.warn(`tunnel down: ${status.error ?? 'unknown error'}`);
      this.emit('tunnel', status);
    });
    archive.on('projected', (events) => {
      this.feedAlerts(() => alertCenter.noteProjected(events));
      this.emit('projected', events);
      if (events.some((event) => event.attention?.followUp)) this.forwarder.wake();
    });
    this.on('delivery', (notice) => this.feedAlerts(() => alertCenter.noteDelivery(notice)));
    alertCenter.on('alert', (alert) => this.emit('alert', alert));
    triage.on('progress', (progress) => this.emit('triage', progress));
    triage.on('stale', ({ changed }) => this.emit('staleTriaged', changed));
    tunnel?.on('selfTest', (result) => log[result.ok ? 'info' : 'warn'](`self-test after resume: ${result.message}`));
  }

  /** Alerts raised so far and conditions that last (refusals, quiet periods). */
  get alerts(): AlertFeed {
    return this.alertCenter;
  }

  /** Alerts are a help, never a reason for a webhook or a projection to fail. */
  private feedAlerts(feed: () => void): void {
    try {
      feed();
    } catch (error) {
      this.log.error(`alerts: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  get tunnelStatus(): TunnelStatus {
    return this.tunnel?.status ?? { state: 'off', url: null, error: null, downSince: null, attempts: 0 };
  }

  /** The URL to paste into CallAIder's webhookUrl, when one is known. */
  get publicWebhookUrl(): string | null {
    const url = this.tunnel?.status.url;
    if (url) return `${url}${WEBHOOK_PATH}`;
    if (this.config.publicUrl) return `${this.config.publicUrl}${WEBHOOK_PATH}`;
    return null;
  }

  /** After the machine wakes up: reconnect the tunnel and test the public URL end to end. */
  async handleResume(): Promise<void> {
    await this.tunnel?.handleResume();
  }

  /**
   * Delivers a signed test session the way CallAIder would, through the public URL when there is
   * one (proving the whole path), and reports whether it was stored.
   */
  async sendSelfTest(baseUrl: string | null = null): Promise<SelfTestResult> {
    const url = baseUrl ? `${baseUrl}${WEBHOOK_PATH}` : (this.publicWebhookUrl ?? this.localWebhookUrl);
    const { started, ended } = simulateSession(seededRandom(Date.now() % 2 ** 31), { endsAt: Date.now(), messages: 6 });
    started.data.metadata = { ...started.data.metadata, source: 'callaider-archive-self-test' };
    const options = { secret: this.config.secret, header: this.config.requiredHeader, timeoutMs: 10_000 };
    const first = await deliver(url, started, options);
    const second = first.ok ? await deliver(url, ended, options) : first;
    const archived = first.ok && second.ok ? await this.archive.storedEvents(started.sessionId) : [];
    const stored = archived.length === 2;
    const result: SelfTestResult = {
      ok: stored,
      url,
      statusCode: second.status,
      latencyMs: Math.round(first.ms + (second === first ? 0 : second.ms)),
      sessionId: started.sessionId,
      message: stored
        ? `Delivered a signed test session through ${url} and found it stored.`
        : `The test delivery through ${url} failed: ${second.error ?? (second.ok ? 'it did not reach this archive' : `HTTP ${second.status}`)}.`,
    };
    this.emit('selfTest', result);
    return result;
  }

  static async start(config: EngineConfig, deps: EngineDeps = {}): Promise<Engine> {
    const log = deps.log ?? silentLogger;
    mkdirSync(config.dataDir, { recursive: true });
    const lock = EngineLock.acquire(config.dataDir, { pid: process.pid, startedAt: new Date().toISOString() });
    let archive: ArchiveStore | null = null;
    let receiver: FastifyInstance | null = null;
    // The web framework loads on this thread while the archive's threads open theirs.
    const receiverModule = import('./receiver.js');
    receiverModule.catch(() => undefined);
    try {
      archive = await openArchive(archiveLocation(config), {
        threads: true,
        nativeBinding: deps.nativeBinding,
        key: config.archiveKey,
        deferProjection: true,
        onFallback: (reason) => log.warn(reason),
      });
      let engine: Engine | null = null;
      const { createReceiver } = await receiverModule;
      receiver = createReceiver({
        archive,
        secret: config.secret,
        previousSecret: config.previousSecret,
        requiredHeader: config.requiredHeader,
        bodyLimit: config.bodyLimit,
        bodyBudget: config.bodyBudget,
        requestTimeoutMs: config.requestTimeoutMs,
        redactCards: config.redactCards !== false,
        log,
        onIngested: (event) => engine?.emit('ingested', event),
        onDelivery: (notice) => engine?.emit('delivery', notice),
      });
      const address = await listen(receiver, config.host, config.port);
      const localWebhookUrl = `http://${formatHost(address.host)}:${address.port}${WEBHOOK_PATH}`;
      lock.describe({ pid: process.pid, startedAt: new Date().toISOString(), webhook: localWebhookUrl });

      let tunnel: TunnelManager | null = null;
      if (config.tunnel === 'ngrok') {
        const openedArchive = archive;
        tunnel = new TunnelManager({
          adapter: deps.tunnelAdapter ?? createNgrokAdapter({ authtoken: config.ngrokAuthtoken, domain: config.ngrokDomain, pooling: config.ngrokPooling }),
          target: { host: address.host, port: address.port },
          outages: { recordOutage: (outage) => void openedArchive.recordOutage(outage).catch((error: unknown) => log.error(`recording a tunnel outage: ${String(error)}`)) },
          selfTest: (base) => (engine ? engine.sendSelfTest(base) : Promise.resolve({ ok: false, message: 'engine not started' })),
        });
        const first = await tunnel.start();
        // A missing or rejected authtoken will not fix itself: say so now instead of retrying forever.
        if (first.state === 'error' && !tunnel.willRetry) {
          await tunnel.stop();
          throw new TunnelError(first.error ?? 'the tunnel could not be opened');
        }
      }
      await applyCommandLineTargets(archive, config.forwardTargets ?? [], log);
      const triage = new TriageRunner({ store: archive, staleAfterMs: config.staleAfterMinutes * 60_000, log, stateFile: join(config.dataDir, TRIAGE_STATE_FILE) });
      const alertSettings = deps.alertSettings ?? (() => config.alerts ?? { dailySummaryAt: '08:30', quietAlerts: true });
      const alertCenter = new AlertCenter({ store: archive, settings: alertSettings, log, stateFile: join(config.dataDir, ALERTS_STATE_FILE) });
      engine = new Engine(config, archive, receiver, lock, log, localWebhookUrl, tunnel, triage, alertCenter);
      triage.start();
      alertCenter.start();
      engine.backups.start();
      void engine.eraser.resume();
      engine.retention.start();
      engine.forwarder.start();
      if (!config.secret) {
        log.warn('no webhook secret configured: unsigned events are accepted from anyone who can reach the webhook URL');
      }
      log.info(`receiving CallAIder webhooks on ${localWebhookUrl}; archive ${describeLocation(archiveLocation(config))}`);
      return engine;
    } catch (error) {
      await receiver?.close().catch(() => undefined);
      await archive?.close().catch(() => undefined);
      lock.release();
      throw error;
    }
  }

  /**
   * At quit (desktop): one more backup when calls came since the last good one (backupNeededAtQuit),
   * so the day's calls leave the laptop with it. Webhooks are still acknowledged meanwhile.
   * Null when none was needed, or backups are off.
   */
  async backupBeforeQuit(now = Date.now()): Promise<BackupRecord | null> {
    if (this.config.schedule === 'off') return null;
    const counts = await this.archive.counts({ staleBefore: 0 });
    if (!backupNeededAtQuit(listBackups(this.backupsFolder), { at: now, counts })) return null;
    this.log.info('backing up before quitting');
    return this.backups.runNow();
  }

  /** Stops taking requests, lets in-flight ones finish and commit, then closes the archive. */
  async stop(): Promise<void> {
    // The background work first: it writes to the archive, which closes last.
    await this.backups.stop().catch((error: unknown) => this.log.warn(`finishing a backup: ${String(error)}`));
    await this.retention.stop();
    await this.eraser.stop();
    await this.triage.stop().catch((error: unknown) => this.log.warn(`stopping the triage pass: ${String(error)}`));
    await this.forwarder.stop().catch((error: unknown) => this.log.warn(`stopping the forwarder: ${String(error)}`));
    this.alertCenter.stop();
    await this.tunnel?.stop().catch((error: unknown) => this.log.warn(`closing the tunnel: ${String(error)}`));
    await this.receiver.close();
    await this.archive.close();
    this.lock.release();
    this.log.info('engine stopped; archive closed cleanly');
  }
}

/**
 * Where the engine's archive is: the shared PostgreSQL database when one is configured (the data
 * folder then keeps only this host's lock, secrets, state files and backups), else the SQLite file.
 */
export function archiveLocation(config: Pick<EngineConfig, 'dataDir' | 'databaseUrl'>): ArchiveLocation {
  return config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'sqlite', file: archivePath(config.dataDir) };
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<{ host: string; port: number }> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      throw new PortInUseError(`port ${port} on ${host} is already in use (another engine, or another program); choose one with --port`);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new PortInUseError(`cannot listen on ${host}:${port} (${code}); check --host and --port`);
    }
    throw error;
  }
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the webhook listener has no TCP address');
  return { host: address.address, port: address.port };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
