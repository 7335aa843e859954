/**
 * Runs erasures against the archive store: a session at once, a caller's sessions or those past
 * the retention cutoff a page at a time on the writer (webhooks acknowledged between pages), then
 * the scrub that leaves no trace: the search index rewritten in small slices, then the write-ahead
 * log emptied. One erasure runs at a time; the scrub of several erasures in a row is shared.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { ErasureKind } from '../../../shared/retention.js';
import type { ArchiveStore, EraseScope } from '../archive/store.js';
import type { Logger } from '../log.js';

export type EraserStore = Pick<ArchiveStore, 'eraseSession' | 'eraseSessions' | 'scrubErased' | 'finishErasures' | 'retention'>;

export interface EraserOptions {
  store: EraserStore;
  log: Logger;
  now?: () => number;
  /** Work per page on the writer (ms). */
  pageBudgetMs?: number;
  /** Pause between pages (ms), for writes queued meanwhile. */
  pauseMs?: number;
  /** How long to keep retrying the final checkpoint while a reader holds an old snapshot. */
  finishTries?: number;
  /** Longest a search-index rewrite may take before it is left for later (ms). */
  scrubLimitMs?: number;
}

export interface EraserEvents {
  /** Sessions were erased (the lists are out of date). */
  erased: [{ kind: ErasureKind; sessions: number }];
}

export class Eraser extends EventEmitter<EraserEvents> {
  private queue: Promise<unknown> = Promise.resolve();
  private scrubbing: Promise<boolean> | null = null;
  private scrubAgain = false;
  private stopping = false;
  private readonly now: () => number;
  private readonly pageBudgetMs: number;
  private readonly pauseMs: number;

  constructor(private readonly options: EraserOptions) {
    super();
    this.now = options.now ?? Date.now;
    // Smaller than the triage runner's 10 ms pages: an erasure page also frees (and zeroes) the
    // pages of big event bodies, which its COMMIT writes and fsyncs while an acknowledgement waits.
    this.pageBudgetMs = options.pageBudgetMs ?? 4;
    this.pauseMs = options.pauseMs ?? 10;
  }

  /** Erases one session now; its traces are scrubbed right after (scrubbed() waits for that). */
  eraseSession(sessionId: string, actor: string): Promise<boolean> {
    return this.serially(async () => {
      const erased = await this.options.store.eraseSession(sessionId, { kind: 'session', actor, at: this.now() });
      if (erased) this.afterErasure('session', 1);
      return erased;
    });
  }

  /** Erases every session of a caller; resolves with how many. */
  eraseCaller(callerKey: string, actor: string): Promise<number> {
    return this.serially(() => this.erasePages('caller', { callerKey }, actor));
  }

  /** Erases every session that started (and, if it ended, ended) before `cutoff`. */
  eraseBefore(cutoff: number, actor = 'retention'): Promise<number> {
    return this.serially(() => this.erasePages('retention', { before: cutoff }, actor));
  }

  /**
   * Scrubs what earlier runs left unfinished (a quit in the middle of a scrub): the engine calls
   * this at start. Resolves true once every erasure's traces are gone.
   */
  async resume(): Promise<boolean> {
    const { erasures } = await this.options.store.retention({ now: this.now(), limit: 50 });
    if (erasures.every((record) => record.finishedAt !== null)) return true;
    return this.scrub();
  }

  /** Resolves once the erasures so far have run and their traces are scrubbed (true) or could not be yet. */
  async scrubbed(): Promise<boolean> {
    await this.queue.catch(() => undefined);
    return this.scrubbing ?? true;
  }

  /** Stops between two slices; an unfinished scrub resumes at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.queue.catch(() => undefined);
    await this.scrubbing;
  }

  private serially<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.stopping) throw new Error('the archive is closing');
      return run();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async erasePages(kind: ErasureKind, scope: EraseScope, actor: string): Promise<number> {
    const erasure = { kind, actor, at: this.now() };
    let erasureId: number | null = null;
    let total = 0;
    for (;;) {
      const page = await this.options.store.eraseSessions({ scope, erasureId, erasure, budgetMs: this.pageBudgetMs });
      erasureId = page.erasureId;
      total += page.erased;
      if (page.done || this.stopping) break;
      await delay(this.pauseMs);
    }
    if (total > 0) this.afterErasure(kind, total);
    return total;
  }

  private afterErasure(kind: ErasureKind, sessions: number): void {
    this.emit('erased', { kind, sessions });
    void this.scrub();
  }

  /** One scrub at a time; an erasure during a scrub makes it go round once more. */
  private scrub(): Promise<boolean> {
    if (this.scrubbing) {
      this.scrubAgain = true;
      return this.scrubbing;
    }
    this.scrubbing = (async () => {
      let finished: boolean;
      do {
        this.scrubAgain = false;
        finished = await this.scrubOnce();
      } while (this.scrubAgain && !this.stopping);
      return finished;
    })()
      .catch((error: unknown) => {
        this.options.log.error(`erasure: scrubbing the search index failed: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      })
      .finally(() => {
        this.scrubbing = null;
      });
    return this.scrubbing;
  }

  private async scrubOnce(): Promise<boolean> {
    const { store } = this.options;
    const started = Date.now();
    for (;;) {
      if (this.stopping) return false;
      const step = await store.scrubErased({ budgetMs: this.pageBudgetMs });
      if (step.done) break;
      // Another process indexing into the same archive (an erasure from the CLI while an engine
      // runs) keeps restarting the rewrite: give up for now; the next erasure or start finishes it.
      if (Date.now() - started > (this.options.scrubLimitMs ?? 10 * 60_000)) {
        this.options.log.warn('erasure: the search index rewrite did not finish in time (another process is writing to the archive?); it resumes at the next erasure or start');
        return false;
      }
      await delay(this.pauseMs);
    }
    for (let attempt = 0; attempt < (this.options.finishTries ?? 50); attempt += 1) {
      if (this.stopping) return false;
      if ((await store.finishErasures({ at: this.now() })).finished) return true;
      await delay(200);
    }
    this.options.log.warn('erasure: the write-ahead log could not be emptied yet (a long read held it); trying again at the next erasure or start');
    return false;
  }
}
