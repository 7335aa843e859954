/**
 * The store conformance suite against SqliteStore, on real temporary files: on the calling thread
 * and on its writer and reader threads (which load dist/: `npm run build` first), each with the
 * projection inline (import, demo) and deferred (the webhook path, as the engine runs it).
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore, type SqliteStoreOptions } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { onCleanup, tempDir } from '../support/fixtures.js';
import { describeAccountsConformance } from './accounts-conformance.js';
import { describeFollowUpConformance } from './follow-up-conformance.js';
import { describeForwardingConformance } from './forwarding-conformance.js';
import { describeOverviewConformance } from './overview-conformance.js';
import { describeStoreConformance, type StoreTarget } from './store-conformance.js';

export function sqliteTarget(options: Pick<SqliteStoreOptions, 'threads' | 'deferProjection'>): StoreTarget {
  const openAt = async (file: string, limits: SqliteStoreOptions['limits']) => {
    const store = await SqliteStore.open(file, {
      ...options,
      limits,
      // A threaded run that quietly fell back to this thread would test the wrong thing.
      onFallback: (reason) => {
        throw new Error(`expected the store to run on threads: ${reason}`);
      },
    });
    onCleanup(() => store.close().catch(() => undefined));
    return store;
  };
  return {
    defersProjection: options.deferProjection ?? false,
    async open(context = {}) {
      let file = join(tempDir(), 'archive.sqlite');
      let current = await openAt(file, context.limits);
      return {
        store: current,
        async reopen() {
          await current.close();
          current = await openAt(file, context.limits);
          return current;
        },
        // What a power cut leaves: the archive file and its WAL as they are on disk now (the WAL
        // copied last: it only grows between checkpoints, and recovery drops a torn last frame).
        async crash() {
          const copy = join(tempDir(), 'archive.sqlite');
          copyFileSync(file, copy);
          if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
          file = copy;
          current = await openAt(file, context.limits);
          return current;
        },
      };
    },
  };
}

describeStoreConformance('SqliteStore on this thread', sqliteTarget({ threads: false }));
describeStoreConformance('SqliteStore on this thread, deferred projection', sqliteTarget({ threads: false, deferProjection: true }));
describeStoreConformance('SqliteStore on threads', sqliteTarget({ threads: true }));
describeStoreConformance('SqliteStore on threads, deferred projection (the engine)', sqliteTarget({ threads: true, deferProjection: true }));

describeFollowUpConformance('SqliteStore on this thread', sqliteTarget({ threads: false }));
describeFollowUpConformance('SqliteStore on threads, deferred projection (the engine)', sqliteTarget({ threads: true, deferProjection: true }));

describeAccountsConformance('SqliteStore on this thread', sqliteTarget({ threads: false }));
describeAccountsConformance('SqliteStore on threads, deferred projection (the engine)', sqliteTarget({ threads: true, deferProjection: true }));
describeForwardingConformance('SqliteStore on this thread', sqliteTarget({ threads: false }));
describeForwardingConformance('SqliteStore on threads, deferred projection (the engine)', sqliteTarget({ threads: true, deferProjection: true }));
describeOverviewConformance('SqliteStore on this thread', sqliteTarget({ threads: false }));
describeOverviewConformance('SqliteStore on threads, deferred projection (the engine)', sqliteTarget({ threads: true, deferProjection: true }));
