import type { FastifyInstance } from 'fastify';
import { FailureLimiter } from '../../electron/core/failure-limiter.js';
import { createReceiver, type ReceiverOptions } from '../../electron/core/receiver.js';
import { onCleanup, SECRET, tempArchive } from './fixtures.js';

/** A receiver on a fresh temporary archive, closed after the test. */
export function testReceiver(options: Partial<ReceiverOptions> = {}) {
  const { archive, file, dir } = tempArchive();
  const app: FastifyInstance = createReceiver({
    archive,
    secret: SECRET,
    bodyLimit: 20 * 1024 * 1024,
    requestTimeoutMs: 30_000,
    failureLimiter: new FailureLimiter({ maxFailures: 1000, windowSeconds: 60, blockSeconds: 60 }),
    ...options,
  });
  onCleanup(() => app.close());
  const rows = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) => archive.db.prepare(sql).all(...params) as T[];
  const count = (table: string) => (archive.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  /** Delivery-log rows are written asynchronously after the reply: wait for them. */
  const settled = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { app, archive, file, dir, rows, count, settled };
}
