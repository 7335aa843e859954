/**
 * The PostgreSQL side of the Overview benchmark (bench/overview.ts with BENCH_DATABASE=postgres):
 * a throwaway cluster (tests/support/postgres.ts) holding the same archive as the SQLite side,
 * copied through the store interface: pages of the SQLite store's NDJSON export imported into a
 * PostgresStore at schema 4 (before the rollups), so that opening it at the latest schema times
 * migration 6 (rollups filled from the archive) on a full archive, as a hub upgrading would.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PostgresStore } from '../electron/core/archive/postgres/postgres-store.js';
import type { ArchiveStore } from '../electron/core/archive/store.js';
import { importFiles } from '../electron/core/import.js';
import { startPostgresCluster, type PostgresCluster } from '../tests/support/postgres.js';
import { fmt } from './harness.js';
import { cachedDumpFile, restoreDump } from './support/pg-archive.js';

/** The schema before the Overview's rollups (postgres/migrations.ts). */
const BEFORE_ROLLUPS = 4;
const EXPORT_PAGE = 500;

export interface PostgresSide {
  store: PostgresStore;
  cluster: PostgresCluster;
  loadSeconds: number;
  /** How the rollups were filled: migration 6 on the copy, or nothing to do (restored at the latest schema). */
  filled: { kind: 'migrated'; migrationMs: number } | { kind: 'restored'; dump: string };
}

async function sameCounts(from: ArchiveStore, copy: ArchiveStore): Promise<void> {
  const [source, copied] = [await from.counts({ staleBefore: 0 }), await copy.counts({ staleBefore: 0 })];
  if (source.sessions !== copied.sessions || source.events !== copied.events) {
    await copy.close();
    throw new Error(`the PostgreSQL copy holds ${copied.sessions} sessions and ${copied.events} events; the SQLite archive ${source.sessions} and ${source.events}`);
  }
}

/**
 * Starts a cluster and fills a database from `from`; the caller closes the store and stops the
 * cluster. bench:hub's cached dump of the same archive (same demo seed and size, at this schema) is
 * restored instead when there is one (minutes instead of about an hour at 100k): the counts are
 * checked against `from` either way. BENCH_PG_COPY=1 copies regardless (and times migration 6).
 */
export async function postgresCopyOf(from: ArchiveStore, workDir: string, sessions: number): Promise<PostgresSide> {
  const cluster = await startPostgresCluster();
  try {
    const dump = process.env.BENCH_PG_COPY === '1' ? null : cachedDumpFile(sessions);
    if (dump) {
      console.log(`bench: restoring ${basename(dump)} (bench:hub's dump of the same archive) instead of copying`);
      const restored = await restoreDump(cluster, dump, 'overview');
      const store = await PostgresStore.open(restored.url);
      await sameCounts(from, store);
      return { store, cluster, loadSeconds: (restored.restoreMs + restored.analyzeMs) / 1000, filled: { kind: 'restored', dump: basename(dump) } };
    }
    const url = await cluster.createDatabase('overview');
    let started = performance.now();
    const loading = await PostgresStore.open(url, { migrateTo: BEFORE_ROLLUPS });
    const chunk = join(workDir, 'export-page.ndjson');
    let copied = 0;
    for (let afterId: number | undefined; ; ) {
      const page = await from.exportSessions({ format: 'ndjson', limit: EXPORT_PAGE, afterId });
      if (page.items.length > 0) {
        writeFileSync(chunk, `${page.items.join('\n')}\n`);
        const summary = await importFiles(loading, [chunk], { redactCards: false });
        if (summary.invalid.length > 0) throw new Error(`the copy into PostgreSQL refused ${summary.invalid.length} payloads: ${summary.invalid[0]!.reason}`);
        copied += page.items.length;
        if (copied % 10_000 < EXPORT_PAGE) console.log(`bench: ${fmt(copied)} sessions copied into PostgreSQL`);
      }
      if (page.nextAfterId === null) break;
      afterId = page.nextAfterId;
    }
    rmSync(chunk, { force: true });
    await loading.settled();
    await loading.close();
    const loadSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const store = await PostgresStore.open(url);
    const migrationMs = performance.now() - started;
    await sameCounts(from, store);
    return { store, cluster, loadSeconds, filled: { kind: 'migrated', migrationMs } };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
