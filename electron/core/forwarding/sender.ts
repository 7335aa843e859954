/**
 * Where forwards are sent from: a worker thread (sender-thread.ts) when its compiled file is
 * there, else this thread (asynchronous sockets; tests from source). A thread that dies fails what
 * it had in flight (the rows are retried) and the next send starts a new one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../paths.js';
import type { ForwardRequest } from './request.js';
import { sendForward, type SendResult } from './send.js';

export interface Sender {
  send(request: ForwardRequest, timeoutMs: number): Promise<SendResult>;
  close(): Promise<void>;
  readonly onThread: boolean;
}

function senderEntry(): string | null {
  const beside = fileURLToPath(new URL('./sender-thread.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), 'dist', 'electron', 'core', 'forwarding', 'sender-thread.js');
  return existsSync(built) ? built : null;
}

export function createSender(options: { thread?: boolean } = {}): Sender {
  const entry = options.thread === false ? null : senderEntry();
  return entry ? new ThreadSender(entry) : { send: sendForward, close: async () => undefined, onThread: false };
}

class ThreadSender implements Sender {
  readonly onThread = true;
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (result: SendResult) => void>();

  constructor(private readonly entry: string) {}

  send(request: ForwardRequest, timeoutMs: number): Promise<SendResult> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, request, timeoutMs });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll('the forwarder stopped before an answer');
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.entry);
    worker.unref();
    worker.on('message', (message: { id: number; result: SendResult }) => {
      const resolve = this.pending.get(message.id);
      this.pending.delete(message.id);
      resolve?.(message.result);
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(why);
    };
    worker.on('error', (error) => lost(`the sending thread failed: ${error.message}`));
    worker.on('exit', () => lost('the sending thread stopped'));
    this.worker = worker;
    return worker;
  }

  private failAll(error: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const resolve of waiting) resolve({ status: null, latencyMs: 0, excerpt: null, error });
  }
}
