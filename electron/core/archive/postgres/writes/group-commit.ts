/**
 * Group commit on PostgreSQL: writes submitted while a transaction commits are gathered into the
 * next one, so a burst of webhooks costs one COMMIT (one WAL flush) per batch, not one per
 * request. Each job runs in a savepoint: one that fails (a conflict, a missing session) is rolled
 * back alone and rejects alone; the rest commit. A batch that cannot commit (the server is gone,
 * read-only, out of disk) rejects every job in it with CommitError, which the receiver answers
 * with 503 + Retry-After. A deadlock or serialization failure against another hub's transaction
 * (the kept counters are rows every write touches) rolls the batch back and runs it again.
 *
 * A job may report projected events: they are sent with NOTIFY inside the transaction (so other
 * hubs hear of them only once they are committed), and handed to `onCommitted` after COMMIT.
 */
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { CommitError } from '../../errors.js';
import type { GroupCommitStats, ProjectedEvent } from '../../types.js';
import type { Db } from '../db.js';

export interface JobContext {
  db: Db;
  /** Events this job made visible (announced with the commit). */
  projected(events: ProjectedEvent[]): void;
  /** A job that carries several writes (the ingests of a batch) counts as that many in the stats. */
  countAs(writes: number): void;
}

interface Job<T> {
  work: (context: JobContext) => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** SQLSTATE classes where the server cannot take the write now: retry later, do not blame the request. */
const STORAGE_CLASSES = /^(08|53|57|58|XX|F0|25006|55006|2D|3B)/;
const RETRY_BATCH = new Set(['40P01', '40001']);
const CONNECTION_LOST = /Connection terminated|connection error|Client was closed|not queryable|timeout exceeded when trying to connect|Connection terminated unexpectedly/i;
const MAX_BATCH_RETRIES = 8;

/**
 * How long a batch waits before it runs again after a deadlock: at once, the two hubs' batches
 * take their locks in the same crossed order again and deadlock again (and again, until the
 * retries run out). Waiting lets the survivor commit first; jittered, so two victims part ways.
 */
const retryDelayMs = (attempt: number) => Math.min(1_000, 20 * 2 ** attempt) * (0.5 + Math.random() / 2);

export function isStorageFailure(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return typeof error.code === 'string' && STORAGE_CLASSES.test(error.code);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true; // ECONNRESET, EPIPE, …: the socket
  return error instanceof Error && CONNECTION_LOST.test(error.message);
}

/** A deadlock or serialization failure: the whole batch is run again, so no job may swallow it. */
export const isRetryable = (error: unknown) => error instanceof pg.DatabaseError && RETRY_BATCH.has(String(error.code));

export class GroupCommitter {
  private queue: Array<Job<unknown>> = [];
  private background: Array<Job<unknown>> = [];
  private running: Promise<void> | null = null;
  private closed = false;
  readonly stats: GroupCommitStats = { transactions: 0, jobs: 0, largestBatch: 0 };

  constructor(
    private readonly pool: pg.Pool,
    /** Runs in the transaction, just before COMMIT (the NOTIFY). */
    private readonly beforeCommit: (db: Db, events: ProjectedEvent[]) => Promise<void>,
    private readonly onCommitted: (events: ProjectedEvent[]) => void,
  ) {}

  /** Jobs waiting for a transaction (the projector and background work give way to them). */
  get pending(): number {
    return this.queue.length;
  }

  /** Background work (re-runs, erasures) goes in a batch of its own once no webhook waits. */
  submit<T>(work: (context: JobContext) => Promise<T>, options: { background?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new CommitError(new Error('the archive is closed')));
    return new Promise<T>((resolve, reject) => {
      (options.background ? this.background : this.queue).push({ work, resolve, reject } as Job<unknown>);
      this.running ??= this.loop();
    });
  }

  /** Resolves once everything submitted so far is committed (or has failed). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        const batch = this.queue.length > 0 ? this.queue.splice(0) : this.background.splice(0, 1);
        if (batch.length === 0) return;
        await this.commit(batch);
      }
    } finally {
      this.running = null;
    }
  }

  private async commit(jobs: Array<Job<unknown>>): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      for (const job of jobs) job.reject(new CommitError(error));
      return;
    }
    let broken: unknown = null;
    try {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const outcome = await this.transaction(client, jobs);
          this.stats.transactions += 1;
          this.stats.jobs += outcome.writes;
          this.stats.largestBatch = Math.max(this.stats.largestBatch, outcome.writes);
          outcome.results.forEach((result, i) => (result.ok ? jobs[i]!.resolve(result.value) : jobs[i]!.reject(result.error)));
          if (outcome.events.length > 0) this.onCommitted(outcome.events);
          return;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          if (isRetryable(error) && attempt < MAX_BATCH_RETRIES) {
            await delay(retryDelayMs(attempt));
            continue;
          }
          if (!isRetryable(error)) broken = error;
          for (const job of jobs) job.reject(new CommitError(error));
          return;
        }
      }
    } finally {
      // A connection that failed mid-transaction is not given back to the pool.
      client.release(broken !== null && isStorageFailure(broken) ? (broken as Error) : undefined);
    }
  }

  private async transaction(client: pg.PoolClient, jobs: Array<Job<unknown>>) {
    const events: ProjectedEvent[] = [];
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    let writes = 0;
    await client.query('BEGIN');
    for (const job of jobs) {
      const mine: ProjectedEvent[] = [];
      let weight = 1;
      await client.query('SAVEPOINT job');
      try {
        const value = await job.work({ db: client, projected: (projected) => mine.push(...projected), countAs: (n) => (weight = n) });
        await client.query('RELEASE SAVEPOINT job');
        events.push(...mine);
        results.push({ ok: true, value });
      } catch (error) {
        if (isStorageFailure(error) || isRetryable(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT job');
        results.push({ ok: false, error });
      }
      writes += weight;
    }
    if (events.length > 0) await this.beforeCommit(client, events);
    const committed = await client.query('COMMIT');
    // COMMIT of a transaction the server had aborted answers ROLLBACK instead of failing.
    if (committed.command !== 'COMMIT') throw new Error('the transaction was rolled back by the server');
    return { results, events, writes };
  }
}
