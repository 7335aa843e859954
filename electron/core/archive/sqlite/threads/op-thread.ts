/**
 * Runs an object's operations on a thread of its own, or on this one, behind the same async
 * interface. The proxy is generated from a list of operation names, and every call is one message
 * shape ({id, op, args}) handled by one dispatcher (thread-main.ts): adding an operation to the
 * store needs no stub here.
 *
 * If the thread dies, every call in flight and every call until a new thread is up fails with the
 * error `lost` makes (for the writer, a CommitError: the receiver answers 503 and CallAIder
 * retries), and a new thread is started after a pause that grows with each failure.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { JsonText } from '../../../json-text.js';
import type { ArchiveKey } from '../../archive-key.js';
import { reviveError } from '../../errors.js';
import { stringifyJson } from '../../../../../shared/json.js';
import { packageRoot } from '../../../paths.js';

/** The same methods, each answering with a promise. */
export type Remote<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

/** The same methods, each answering with its result serialized as JSON where it ran. */
export type RemoteJson<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<JsonText<Awaited<R>>> : never };

/** Calls `op`; with `json`, the result comes back as JSON text made on the thread that ran it. */
export type OpCall = (op: string, args: unknown[], json?: boolean) => Promise<unknown>;

/** A Remote<T> whose every listed operation is forwarded to `call`. */
export function remote<T>(operations: ReadonlyArray<keyof T & string>, call: OpCall): Remote<T> {
  return Object.fromEntries(operations.map((op) => [op, (...args: unknown[]) => call(op, args)])) as Remote<T>;
}

/** The same, each result as JsonText. */
export function remoteJson<T>(operations: ReadonlyArray<keyof T & string>, call: OpCall): RemoteJson<T> {
  return Object.fromEntries(operations.map((op) => [op, async (...args: unknown[]) => new JsonText(String(await call(op, args, true)))])) as RemoteJson<T>;
}

/** Runs operations on this thread; what the thread version runs, without the thread. */
export function onThisThread(target: object): OpCall {
  return async (op, args, json) => {
    const value = await (target as Record<string, (...a: unknown[]) => unknown>)[op]!(...args);
    return json ? toJson(value) : value;
  };
}

export function toJson(value: unknown): string {
  return stringifyJson(value);
}

export type ThreadRole = 'writer' | 'reader' | 'checkpointer';

export interface ThreadData {
  role: ThreadRole;
  file: string;
  nativeBinding?: string | undefined;
  /** The archive's encryption key (null: plaintext); every role's connection needs it. */
  key?: ArchiveKey | null | undefined;
  /** Role-specific settings (the writer's limits and projection mode). */
  options?: unknown;
}

export type ThreadRequest = { id: number; op: string; args: unknown[]; json?: boolean };
export type ThreadReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; code?: string } };
export type ThreadMessage =
  /** Replies travel together: one message per turn of the thread's loop (per commit, for the writer). */
  | { type: 'replies'; replies: ThreadReply[] }
  | { type: 'event'; name: string; payload: unknown }
  | { type: 'ready' }
  | { type: 'fatal'; name: string; message: string };

/** The compiled thread entry: beside this file when built, else in dist/ (tests run from source). */
export function threadEntry(): string | null {
  const beside = fileURLToPath(new URL('./thread-main.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), 'dist', 'electron', 'core', 'archive', 'sqlite', 'threads', 'thread-main.js');
  return existsSync(built) ? built : null;
}

export interface OpThreadOptions {
  /** The error calls fail with while the thread is down. */
  lost: (cause: unknown) => Error;
  onEvent?: (name: string, payload: unknown) => void;
}

export class OpThread {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private worker: Worker | null = null;
  private ready: Promise<void>;
  private closed = false;
  private failures = 0;

  private constructor(
    private readonly entry: string,
    private readonly data: ThreadData,
    private readonly options: OpThreadOptions,
  ) {
    this.ready = this.spawn();
  }

  /** Resolves once the thread has opened its connection; rejects if it cannot. */
  static async start(entry: string, data: ThreadData, options: OpThreadOptions): Promise<OpThread> {
    const thread = new OpThread(entry, data, options);
    await thread.ready;
    return thread;
  }

  readonly call: OpCall = async (op, args, json) => {
    if (this.closed) throw this.options.lost(new Error('archive is closed'));
    try {
      await this.ready;
    } catch (error) {
      throw this.options.lost(error);
    }
    const worker = this.worker;
    if (!worker) throw this.options.lost(new Error(`the archive ${this.data.role} thread is restarting`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        worker.postMessage({ id, op, args, ...(json ? { json } : {}) } satisfies ThreadRequest);
      } catch (error) {
        this.pending.delete(id);
        reject(error);
      }
    });
  };

  /** Runs the target's own close (commit what is pending, checkpoint), then ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.call('close', []);
    } finally {
      this.closed = true;
      await this.worker?.terminate();
    }
  }

  private spawn(): Promise<void> {
    const worker = new Worker(this.entry, { workerData: this.data });
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: ThreadMessage) => {
        if (message.type === 'ready') {
          started = true;
          this.worker = worker;
          this.failures = 0;
          resolve();
        } else if (message.type === 'fatal') {
          reject(reviveError(message));
          void worker.terminate();
        } else if (message.type === 'event') {
          this.options.onEvent?.(message.name, message.payload);
        } else this.receive(message.replies);
      });
      worker.on('error', (error) => {
        if (!started) reject(error);
        else this.fail(worker, error);
      });
      worker.on('exit', (code) => {
        const error = new Error(`the archive ${this.data.role} thread exited (code ${code})`);
        if (!started) reject(error);
        else if (!this.closed) this.fail(worker, error);
      });
    });
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const waiter of this.pending.values()) waiter.reject(this.options.lost(error));
    this.pending.clear();
    if (!this.closed) this.respawn();
  }

  /** Starts a new thread after a pause that grows with each failure (0.1 s, 0.4 s, 1.6 s … 10 s). */
  private respawn(): void {
    this.failures += 1;
    const delay = Math.min(10_000, 100 * 4 ** (this.failures - 1));
    this.ready = new Promise<void>((resolve) => setTimeout(resolve, delay).unref()).then(() => this.spawn());
    this.ready.catch(() => {
      if (!this.closed) this.respawn();
    });
  }

  private receive(replies: ThreadReply[]): void {
    for (const reply of replies) {
      const waiter = this.pending.get(reply.id);
      if (!waiter) continue;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reviveBuffers(reply.value));
      else waiter.reject(reviveError(reply.error));
    }
  }
}

/**
 * Structured clone turns Buffers into plain Uint8Arrays. Callers expect Buffers (bodies read from
 * the archive), so they are turned back, without copying, wherever they sit in the value. The walk
 * stops at a small depth: results are records, never the parsed payloads (which can nest deeply).
 */
export function reviveBuffers(value: unknown, depth = 4): unknown {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (depth === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) value[i] = reviveBuffers(value[i], depth - 1);
    return value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = reviveBuffers(record[key], depth - 1);
  return value;
}
