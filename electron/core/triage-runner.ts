/**
 * Re-runs the triage rules over the whole archive, a page at a time, after a rule or the caller
 * settings changed; and sweeps for dropped calls (started, never ended) once a minute. Each page
 * runs on the store's writer with a small budget and the runner then gives way, so webhook
 * acknowledgements queued meanwhile are committed between pages instead of after the whole pass.
 *
 * Whether a pass is needed at start: the store triages every session as it is projected. An
 * archive upgraded from before the rules says so (triagePending): its first pass runs here, like
 * any re-run, so the window shows its progress ("Applying rules to past calls…") instead of an
 * inbox filling up unexplained. What is left is a pass cut short (a quit right after a rule
 * changed): some sessions still carry the old rules' conclusions. The runner records, in a small
 * file beside the archive, a fingerprint of the rules and caller settings of the last pass that
 * went through to the end; at start it runs one pass when the current fingerprint differs.
 * Without a record (a first start) the current rules are recorded as the baseline: there is
 * nothing they have not seen.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { TriageProgress } from '../../shared/follow-up.js';
import type { ArchiveStore } from './archive/store.js';
import type { Logger } from './log.js';

export type TriageStore = Pick<ArchiveStore, 'retriage' | 'triageStale' | 'listRules' | 'callerSettings' | 'triagePending'>;

export interface TriageRunnerOptions {
  store: TriageStore;
  /** A session started this long ago and never ended counts as dropped. */
  staleAfterMs: number;
  log: Logger;
  now?: () => number;
  /** Where the last finished pass is recorded; null keeps it in memory only. */
  stateFile: string | null;
  /** Work per page on the writer (ms): small, so acknowledgements wait at most about this long. */
  pageBudgetMs?: number;
  /** Pause between pages (ms), for writes queued meanwhile. */
  pauseMs?: number;
  /** How often the dropped-call sweep runs (ms). */
  staleSweepEveryMs?: number;
  /** At most one progress event per this many ms while a pass runs (start and end always). */
  progressEveryMs?: number;
}

export interface TriageRunnerEvents {
  /** A pass started, moved on, or ended (running false). */
  progress: [TriageProgress];
  /** The dropped-call sweep changed sessions' follow-ups. */
  stale: [{ changed: number }];
}

interface PassRecord {
  fingerprint: string;
  finishedAt: number;
}

export class TriageRunner extends EventEmitter<TriageRunnerEvents> {
  private current: TriageProgress | null = null;
  private pass: Promise<void> | null = null;
  private restartRequested = false;
  private stopping = false;
  private sweep: Promise<unknown> | null = null;
  private startup: Promise<void> | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private lastEmitAt = 0;
  private memoryRecord: PassRecord | null = null;
  private readonly now: () => number;
  private readonly pageBudgetMs: number;
  private readonly pauseMs: number;
  private readonly staleSweepEveryMs: number;
  private readonly progressEveryMs: number;

  constructor(private readonly options: TriageRunnerOptions) {
    super();
    this.now = options.now ?? Date.now;
    // A webhook that arrives during a page waits for it (the writer's thread is busy): 10 ms pages
    // keep acknowledgements within the store's targets while a pass runs (40 ms pages put p99 at
    // 68 ms in the follow-up benchmark), at the price of a slower pass.
    this.pageBudgetMs = options.pageBudgetMs ?? 10;
    this.pauseMs = options.pauseMs ?? 10;
    this.staleSweepEveryMs = options.staleSweepEveryMs ?? 60_000;
    this.progressEveryMs = options.progressEveryMs ?? 250;
  }

  /** The pass running now, or the last one; null when none ran since the engine started. */
  get progress(): TriageProgress | null {
    return this.current ? { ...this.current } : null;
  }

  get running(): boolean {
    return this.pass !== null;
  }

  /** Sweeps for dropped calls now and every minute, and runs a pass if the rules changed since the last full one ended. */
  start(): void {
    void this.runStale();
    this.sweepTimer = setInterval(() => void this.runStale(), this.staleSweepEveryMs);
    this.sweepTimer.unref();
    this.startup = this.passNeeded().then((needed) => {
      if (needed) this.rerun();
    });
  }

  /** Re-runs the rules over the whole archive; while a pass runs, it starts over after the current page. */
  rerun(): void {
    if (this.stopping) return;
    if (this.pass) {
      this.restartRequested = true;
      return;
    }
    this.pass = this.runPass().finally(() => {
      this.pass = null;
    });
  }

  /** Resolves when no pass is running (a pass requested meanwhile included). */
  async idle(): Promise<void> {
    while (this.pass) await this.pass;
  }

  /** Flags sessions started before the stale threshold that never ended (the dropped-call rule). */
  async runStale(now: number = this.now()): Promise<{ changed: number }> {
    if (this.stopping) return { changed: 0 };
    const sweep = this.options.store.triageStale({ staleBefore: now - this.options.staleAfterMs, now });
    this.sweep = sweep.catch(() => undefined);
    try {
      const result = await sweep;
      if (result.changed > 0) this.emit('stale', result);
      return result;
    } catch (error) {
      this.options.log.error(`looking for dropped calls: ${message(error)}`);
      return { changed: 0 };
    }
  }

  /** Stops after the page in progress (so the archive can close under no one). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await this.startup;
    await Promise.all([this.pass, this.sweep]);
  }

  private async runPass(): Promise<void> {
    let progress = this.begin();
    let fingerprint = await this.fingerprint();
    let after: number | undefined;
    try {
      while (!this.stopping) {
        if (this.restartRequested) {
          this.restartRequested = false;
          progress = this.begin();
          fingerprint = await this.fingerprint();
          after = undefined;
        }
        const now = this.now();
        const page = await this.options.store.retriage({ after, budgetMs: this.pageBudgetMs, now, staleBefore: now - this.options.staleAfterMs });
        progress.checked += page.checked;
        progress.changed += page.changed;
        progress.total = Math.max(page.total, progress.checked);
        if (page.nextAfter === null) {
          if (this.restartRequested) continue;
          progress.running = false;
          progress.finishedAt = this.now();
          this.emitProgress(true);
          if (fingerprint !== null) await this.record({ fingerprint, finishedAt: progress.finishedAt });
          return;
        }
        after = page.nextAfter;
        this.emitProgress(false);
        await pause(this.pauseMs);
      }
      // Stopped mid-pass: the record is left as it was, so the next start runs the pass again.
      progress.running = false;
      progress.finishedAt = this.now();
      progress.error = 'stopped before the end; it runs again at the next start';
      this.emitProgress(true);
    } catch (error) {
      this.options.log.error(`re-running the rules over the archive: ${message(error)}`);
      progress.running = false;
      progress.finishedAt = this.now();
      progress.error = message(error);
      this.emitProgress(true);
    }
  }

  private begin(): TriageProgress {
    this.current = { running: true, checked: 0, total: 0, changed: 0, startedAt: this.now(), finishedAt: null, error: null };
    this.emitProgress(true);
    return this.current;
  }

  private emitProgress(always: boolean): void {
    const at = this.now();
    if (!always && at - this.lastEmitAt < this.progressEveryMs) return;
    this.lastEmitAt = at;
    if (this.current) this.emit('progress', { ...this.current });
  }

  /** What a pass depends on: the rules and how callers are recognised. Null when they cannot be read. */
  private async fingerprint(): Promise<string | null> {
    try {
      const [rules, callers] = await Promise.all([this.options.store.listRules(), this.options.store.callerSettings()]);
      return createHash('sha256').update(JSON.stringify({ rules, callers })).digest('hex');
    } catch (error) {
      this.options.log.warn(`reading the triage rules: ${message(error)}`);
      return null;
    }
  }

  private async passNeeded(): Promise<boolean> {
    if (this.stopping) return false;
    try {
      if (await this.options.store.triagePending()) return true;
    } catch (error) {
      this.options.log.warn(`asking whether the archive waits for its first triage: ${message(error)}`);
    }
    const fingerprint = await this.fingerprint();
    if (fingerprint === null) return false;
    const last = await this.lastRecord();
    if (last === null) {
      await this.record({ fingerprint, finishedAt: this.now() });
      return false;
    }
    return last.fingerprint !== fingerprint;
  }

  private async lastRecord(): Promise<PassRecord | null> {
    if (this.options.stateFile === null) return this.memoryRecord;
    try {
      const parsed = JSON.parse(await readFile(this.options.stateFile, 'utf8')) as Partial<PassRecord>;
      return typeof parsed.fingerprint === 'string' && typeof parsed.finishedAt === 'number' ? { fingerprint: parsed.fingerprint, finishedAt: parsed.finishedAt } : null;
    } catch {
      return null; // missing or unreadable: one pass puts it right
    }
  }

  private async record(record: PassRecord): Promise<void> {
    this.memoryRecord = record;
    const file = this.options.stateFile;
    if (file === null) return;
    try {
      await writeFile(`${file}.tmp`, `${JSON.stringify(record)}\n`);
      await rename(`${file}.tmp`, file);
    } catch (error) {
      this.options.log.warn(`recording the finished triage pass in ${file}: ${message(error)} (the next start runs the pass again)`);
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
