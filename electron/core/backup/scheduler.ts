/**
 * When backups run: every `everyHours` after the last good one (default daily), or each day at a
 * local time. The timer re-checks at least hourly, so a laptop that slept through the due time
 * backs up soon after it wakes. Also the `backup-missing` status warning.
 */
import type { ArchiveStatus, BackupRecord } from '../../../shared/api.js';

export type BackupSchedule = { everyHours: number } | { at: string } | 'off';

export const DEFAULT_SCHEDULE: BackupSchedule = { everyHours: 24 };
/** The first backup of a new engine waits this long: start-up is not the moment for a copy. */
const FIRST_DELAY_MS = 60_000;
const RECHECK_MS = 3_600_000;
export const MISSING_AFTER_MS = 2 * 86_400_000;

/** When the next backup is due (epoch ms), or null when backups are off. */
export function nextBackupAt(schedule: BackupSchedule, last: { good: number | null; attempt: number | null }, startedAt: number): number | null {
  if (schedule === 'off') return null;
  if ('everyHours' in schedule) return last.good === null ? startedAt + FIRST_DELAY_MS : last.good + schedule.everyHours * 3_600_000;
  const [hour, minute] = schedule.at.split(':').map(Number) as [number, number];
  // The due time today; if a backup was made after it (or it is not yet due), tomorrow's or today's.
  const since = Math.max(last.attempt ?? 0, startedAt);
  const due = new Date(since);
  due.setHours(hour, minute, 0, 0);
  if (last.attempt !== null && due.getTime() <= last.attempt) due.setDate(due.getDate() + 1);
  return last.good === null && last.attempt === null ? Math.min(due.getTime(), startedAt + FIRST_DELAY_MS) : due.getTime();
}

export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface SchedulerOptions {
  schedule: BackupSchedule;
  /** Runs one backup (recording it) and returns its record. */
  run: () => Promise<BackupRecord>;
  /** The folder's record, newest first. */
  history: () => BackupRecord[];
  clock?: Clock;
  onError?: (error: unknown) => void;
}

export class BackupScheduler {
  private timer: unknown = null;
  private running: Promise<BackupRecord> | null = null;
  private stopped = true;
  private readonly clock: Clock;
  readonly startedAt: number;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  stop(): Promise<unknown> {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    return this.running ?? Promise.resolve();
  }

  /** One backup now (joins one already running rather than starting a second copy). */
  runNow(): Promise<BackupRecord> {
    if (!this.running) {
      this.running = this.options.run().finally(() => {
        this.running = null;
        if (!this.stopped) this.arm();
      });
    }
    return this.running;
  }

  /** Due time of the next backup (null: off). */
  nextAt(): number | null {
    const history = this.options.history();
    const good = history.find((record) => record.ok && !record.removedAt);
    return nextBackupAt(this.options.schedule, { good: good?.at ?? null, attempt: history[0]?.at ?? null }, this.startedAt);
  }

  /** The status warning when the last good backup is over two days old (or none after two days). */
  warning(now = this.clock.now()): ArchiveStatus['warnings'][number] | null {
    return backupWarning(this.options.history(), this.startedAt, now);
  }

  private arm(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    const due = this.nextAt();
    if (due === null || this.stopped) return;
    const wait = Math.max(0, due - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      if (this.clock.now() >= due) this.runNow().catch((error: unknown) => this.options.onError?.(error));
      else this.arm();
    }, Math.min(wait, RECHECK_MS));
  }
}

export function backupWarning(history: readonly BackupRecord[], startedAt: number, now: number): ArchiveStatus['warnings'][number] | null {
  const good = history.find((record) => record.ok && !record.removedAt);
  const failed = history[0] && !history[0].ok ? ` The last attempt failed: ${history[0].error ?? 'unknown error'}.` : '';
  const fix = ' Check the backups folder in Setup → Backups (it must exist and be writable) and press "Back up now", or run `callaider-archive backup`.';
  if (good) {
    if (now - good.at <= MISSING_AFTER_MS) return null;
    const days = Math.floor((now - good.at) / 86_400_000);
    return { code: 'backup-missing', message: `The last good backup is ${days} days old.${failed}${fix}` };
  }
  if (now - startedAt <= MISSING_AFTER_MS) return null;
  return { code: 'backup-missing', message: `There is no good backup of this archive yet.${failed}${fix}` };
}
