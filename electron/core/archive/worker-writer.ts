/**
 * Runs the archive's writer on a thread of its own (see writer.ts for why). Calls are messages;
 * each reply settles one promise. A commit failure in the thread comes back as a CommitError, so
 * the receiver still answers 503 and CallAIder retries. If the thread dies, every pending and
 * later write fails the same way: nothing is acknowledged that was not committed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../paths.js';
import { CommitError } from './group-commit.js';
import type { ArchiveLimits, DeliveryRecord, GroupCommitStats, IngestInput, IngestResult, ProjectedEvent, QuarantineRecord } from './types.js';
import type { ArchiveWriter } from './writer.js';

export interface WriterWorkerData {
  file: string;
  limits: ArchiveLimits;
  deferProjection: boolean;
  nativeBinding?: string | undefined;
}

export type WriterRequest = { id: number; op: keyof WriterOps; args: unknown[] };
export type WriterReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { message: string; commit: boolean; code?: string } };
export type WriterMessage =
  /** Replies travel together: one message per commit rather than one per write. */
  | { type: 'replies'; replies: WriterReply[]; stats: GroupCommitStats }
  | { type: 'projected'; events: ProjectedEvent[] }
  | { type: 'ready' }
  | { type: 'fatal'; message: string };

type WriterOps = Omit<ArchiveWriter, 'stats' | 'onProjected'>;

/** The compiled thread entry: beside this file when built, else in dist/ (tests run from source). */
export function writerWorkerEntry(): string | null {
  const beside = fileURLToPath(new URL('./writer-worker.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), 'dist', 'electron', 'core', 'archive', 'writer-worker.js');
  return existsSync(built) ? built : null;
}

export class WorkerWriter implements ArchiveWriter {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private readonly listeners: Array<(events: ProjectedEvent[]) => void> = [];
  private worker: Worker | null = null;
  private ready: Promise<void>;
  private closed = false;
  private failures = 0;
  stats: GroupCommitStats = { transactions: 0, jobs: 0, largestBatch: 0 };

  private constructor(
    private readonly entry: string,
    private readonly data: WriterWorkerData,
  ) {
    this.ready = this.spawn();
  }

  static async start(entry: string, data: WriterWorkerData): Promise<WorkerWriter> {
    const writer = new WorkerWriter(entry, data);
    await writer.ready;
    return writer;
  }

  /** Starts the thread; if it dies, pending writes fail (503: CallAIder retries) and a new one is started. */
  private spawn(): Promise<void> {
    const worker = new Worker(this.entry, { workerData: this.data });
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: WriterMessage) => {
        if (message.type === 'ready') {
          started = true;
          this.worker = worker;
          this.failures = 0;
          resolve();
        } else if (message.type === 'fatal') {
          reject(new Error(message.message));
          void worker.terminate();
        } else this.receive(message);
      });
      worker.on('error', (error) => {
        if (!started) reject(error);
        else this.fail(worker, error);
      });
      worker.on('exit', (code) => {
        if (!started) reject(new Error(`the archive writer thread exited (code ${code})`));
        else if (!this.closed) this.fail(worker, new Error(`the archive writer thread exited (code ${code})`));
      });
    });
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const waiter of this.pending.values()) waiter.reject(new CommitError(error));
    this.pending.clear();
    if (!this.closed) this.respawn();
  }

  /** Starts a new thread after a pause that grows with each failure (0.1 s, 0.4 s, 1.6 s … 10 s). */
  private respawn(): void {
    this.failures += 1;
    const delay = Math.min(10_000, 100 * 4 ** (this.failures - 1));
    this.ready = new Promise<void>((resolve) => setTimeout(resolve, delay).unref()).then(() => this.spawn());
    // Until a thread is up again, writes fail with a CommitError (503), never silently.
    this.ready.catch(() => {
      if (!this.closed) this.respawn();
    });
  }

  onProjected(listener: (events: ProjectedEvent[]) => void): void {
    this.listeners.push(listener);
  }

  ingest(input: IngestInput): Promise<IngestResult> {
    // Deferred projection re-reads the stored body; copying the parsed transcript to the thread
    // would only cost this thread time.
    const { event, sessionId, timestamp } = input.payload;
    const slim = this.data.deferProjection ? { ...input, payload: { event, sessionId, timestamp } as IngestInput['payload'] } : input;
    return this.call('ingest', slim) as Promise<IngestResult>;
  }

  logDelivery(delivery: DeliveryRecord, quarantined?: QuarantineRecord): Promise<void> {
    return this.call('logDelivery', delivery, quarantined) as Promise<void>;
  }

  deleteSession(sessionId: string): Promise<boolean> {
    return this.call('deleteSession', sessionId) as Promise<boolean>;
  }

  releaseFromQuarantine(ids: number[]): Promise<void> {
    return this.call('releaseFromQuarantine', ids) as Promise<void>;
  }

  recordOutage(outage: { startedAt: number; endedAt: number; reason: string | null }): Promise<void> {
    return this.call('recordOutage', outage) as Promise<void>;
  }

  settled(): Promise<void> {
    return this.call('settled') as Promise<void>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.call('close');
    } finally {
      this.closed = true;
      await this.worker?.terminate();
    }
  }

  private async call(op: keyof WriterOps, ...args: unknown[]): Promise<unknown> {
    if (this.closed) throw new CommitError(new Error('archive is closed'));
    try {
      await this.ready;
    } catch (error) {
      throw new CommitError(error);
    }
    const worker = this.worker;
    if (!worker) throw new CommitError(new Error('the archive writer thread is restarting'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        worker.postMessage({ id, op, args } satisfies WriterRequest);
      } catch (error) {
        this.pending.delete(id);
        reject(error);
      }
    });
  }

  private receive(message: WriterMessage): void {
    if (message.type === 'projected') {
      for (const listener of this.listeners) listener(message.events);
      return;
    }
    if (message.type !== 'replies') return;
    this.stats = message.stats;
    for (const reply of message.replies) {
      const waiter = this.pending.get(reply.id);
      if (!waiter) continue;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else {
        const error = reply.error.commit ? new CommitError(new Error(reply.error.message)) : Object.assign(new Error(reply.error.message), { code: reply.error.code });
        waiter.reject(error);
      }
    }
  }
}
