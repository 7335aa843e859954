/**
 * Group commit: work submitted while the event loop is busy is applied in ONE transaction and
 * acknowledged together after its COMMIT returns. With synchronous=FULL every COMMIT costs an
 * fsync; sharing it among concurrent requests is what makes durable ingest fast. Durability is
 * never traded for speed: no job's promise resolves before the transaction holding it committed.
 *
 * A batch first runs as one plain transaction. If a job throws (a constraint, a bad value), that
 * attempt is rolled back and the batch runs again with each job in its own SAVEPOINT, so the
 * failure rolls back only that job. Failures are rare and a savepoint per job costs about as much
 * as the job's own inserts, so the common case does not pay for them. A failed COMMIT fails every
 * job in the batch.
 */
import { CommitError } from '../../errors.js';
import type { GroupCommitStats } from '../../types.js';
import type { WritableDB } from '../database.js';


/**
 * Errors that mean "the archive cannot write right now" (disk full, I/O error, locked, read-only)
 * rather than "this job is wrong": the sender should retry those, so they count as commit failures.
 */
export function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return false;
  return !/^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE|ERROR)/.test(code);
}

interface Job<T> {
  work: (db: WritableDB) => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}


export class GroupCommitter {
  private queue: Array<Job<unknown>> = [];
  private background: Array<Job<unknown>> = [];
  private scheduled = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  readonly stats: GroupCommitStats = { transactions: 0, jobs: 0, largestBatch: 0 };

  constructor(
    private readonly db: WritableDB,
    private readonly maxBatch = 512,
  ) {}

  /** Jobs waiting for the next transaction (background work not counted). */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Queues `work` for the next transaction. Background work (indexing) runs in a transaction of
   * its own, one job at a time, and only when no other job waits: a webhook already waiting never
   * shares its COMMIT with an indexing slice, nor waits for one.
   */
  submit<T>(work: (db: WritableDB) => T, options: { background?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new CommitError(new Error('archive is closed')));
    return new Promise<T>((resolve, reject) => {
      (options.background ? this.background : this.queue).push({ work, resolve, reject } as Job<unknown>);
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far has been committed (or failed). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.background.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new work; pending work is still committed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.length > 0 ? this.queue.splice(0, this.maxBatch) : this.background.splice(0, 1);
    if (batch.length > 0) this.commit(batch);
    if (this.queue.length > 0 || this.background.length > 0) {
      this.schedule();
    } else {
      const waiters = this.idleWaiters.splice(0);
      for (const wake of waiters) wake();
    }
  }

  private commit(batch: Array<Job<unknown>>): void {
    let outcomes: Outcome[];
    try {
      outcomes = this.runTogether(batch) ?? this.runIsolated(batch);
    } catch (error) {
      const failure = error instanceof CommitError ? error : new CommitError(error);
      for (const job of batch) job.reject(failure);
      return;
    }
    this.stats.transactions += 1;
    this.stats.jobs += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  /** The whole batch in one transaction; null (rolled back) if any job threw. */
  private runTogether(batch: Array<Job<unknown>>): Outcome[] | null {
    const values: unknown[] = [];
    const jobFailed = new Error('a job failed');
    try {
      this.db
        .transaction(() => {
          for (const job of batch) {
            try {
              values.push(job.work(this.db));
            } catch (error) {
              // A storage failure fails the batch as a whole; anything else is retried job by job.
              if (!this.db.inTransaction || isStorageFailure(error)) throw error;
              throw jobFailed;
            }
          }
        })
        .immediate();
    } catch (error) {
      if (error === jobFailed) return null;
      throw error;
    }
    return values.map((value) => ({ ok: true, value }));
  }

  /** Each job in its own savepoint: one job's failure rolls back only that job. */
  private runIsolated(batch: Array<Job<unknown>>): Outcome[] {
    const outcomes: Outcome[] = [];
    const runOne = this.db.transaction((job: Job<unknown>) => job.work(this.db));
    this.db
      .transaction(() => {
        for (const job of batch) {
          try {
            outcomes.push({ ok: true, value: runOne(job) });
          } catch (error) {
            // SQLite aborts the whole transaction on I/O errors, disk full and the like; then
            // nothing in this batch can commit and the outer transaction must fail too.
            if (!this.db.inTransaction) throw error;
            outcomes.push({ ok: false, error: isStorageFailure(error) ? new CommitError(error) : error });
          }
        }
      })
      .immediate();
    return outcomes;
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
