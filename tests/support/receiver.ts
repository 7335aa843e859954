import type { FastifyInstance } from 'fastify';
import type { SqliteStoreOptions } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { FailureLimiter } from '../../electron/core/failure-limiter.js';
import { createReceiver, type ReceiverOptions } from '../../electron/core/receiver.js';
import { onCleanup, SECRET, tempArchive } from './fixtures.js';

/**
 * A receiver on a fresh temporary archive, closed after the test. Results are read back through
 * the store's own reads, after `settled()` (the store's promise that everything submitted, the
 * delivery log included, is committed and indexed).
 */
export async function testReceiver(options: Partial<ReceiverOptions> = {}, storeOptions: SqliteStoreOptions = {}) {
  const { archive, file, dir } = await tempArchive(storeOptions);
  const app: FastifyInstance = createReceiver({
    archive,
    secret: SECRET,
    bodyLimit: 20 * 1024 * 1024,
    requestTimeoutMs: 30_000,
    failureLimiter: new FailureLimiter({ maxFailures: 1000, windowSeconds: 60, blockSeconds: 60 }),
    ...options,
  });
  onCleanup(() => app.close());
  const counts = async () => {
    await archive.settled();
    return archive.counts({ staleBefore: 0 });
  };
  /** The delivery log, oldest first. */
  const deliveries = async () => {
    await archive.settled();
    return (await archive.listDeliveries({ limit: 500 })).items.reverse();
  };
  const quarantine = async () => {
    await archive.settled();
    return archive.listQuarantine({ limit: 500 });
  };
  return { app, archive, file, dir, counts, deliveries, quarantine };
}
