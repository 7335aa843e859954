/**
 * The retention period at work: at start and then daily, erases the sessions past the period
 * (a page at a time, between webhooks) and deletes the backups taken before the cutoff. The
 * cutoff is computed when a run starts, from the period saved in the archive at that moment, so
 * a run never erases more than the preview showed for the same setting.
 */
import { retentionCutoff, type RetentionPeriod } from '../../../shared/retention.js';
import type { ArchiveStore } from '../archive/store.js';
import { pruneBackupsBefore } from '../backup/backups.js';
import { systemClock, type Clock } from '../backup/scheduler.js';
import type { Logger } from '../log.js';
import type { Eraser } from './eraser.js';

export const RETENTION_EVERY_MS = 86_400_000;

export interface RetentionRun {
  period: RetentionPeriod;
  cutoff: number | null;
  erased: number;
  backupsPruned: number;
}

export interface RetentionSchedulerOptions {
  store: Pick<ArchiveStore, 'retention'>;
  eraser: Pick<Eraser, 'eraseBefore'>;
  backupsFolder: string;
  log: Logger;
  clock?: Clock;
  everyMs?: number;
}

export class RetentionScheduler {
  private timer: unknown = null;
  private running: Promise<RetentionRun> | null = null;
  private queued: Promise<RetentionRun> | null = null;
  private stopped = true;
  private readonly clock: Clock;

  constructor(private readonly options: RetentionSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Runs once now, then every day. */
  start(): void {
    this.stopped = false;
    this.runNow().catch((error: unknown) => this.options.log.error(`retention: ${error instanceof Error ? error.message : String(error)}`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * One run now; the window calls it when the period changes. A run already going read the period
   * saved when it started: this one follows it (several asks meanwhile share one), reading it again.
   */
  runNow(): Promise<RetentionRun> {
    if (this.running) {
      this.queued ??= this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          return this.runNow();
        });
      return this.queued;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      this.arm();
    });
    return this.running;
  }

  private async run(): Promise<RetentionRun> {
    const now = this.clock.now();
    const { period } = await this.options.store.retention({ now, limit: 0 });
    const cutoff = retentionCutoff(period, now);
    if (cutoff === null) return { period, cutoff, erased: 0, backupsPruned: 0 };
    const erased = await this.options.eraser.eraseBefore(cutoff);
    const backupsPruned = pruneBackupsBefore(this.options.backupsFolder, cutoff, this.clock.now());
    if (erased > 0 || backupsPruned > 0) {
      this.options.log.info(`retention (${period}): erased ${erased} session${erased === 1 ? '' : 's'} that started before ${new Date(cutoff).toISOString()}, deleted ${backupsPruned} older backup${backupsPruned === 1 ? '' : 's'}`);
    }
    return { period, cutoff, erased, backupsPruned };
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.runNow().catch((error: unknown) => this.options.log.error(`retention: ${error instanceof Error ? error.message : String(error)}`));
    }, this.options.everyMs ?? RETENTION_EVERY_MS);
  }
}
