/**
 * The PostgreSQL side of the Overview benchmark (bench/overview.ts with BENCH_DATABASE=postgres):
 * a throwaway cluster (tests/support/postgres.ts) holding the same archive as the SQLite side,
 * copied through the store interface: pages of the SQLite store's NDJSON export imported into a
 * PostgresStore at schema 4 (before the rollups), so that opening it at the latest schema times
 * migration 6 (rollups filled from the archive) on a full archive, as a hub upgrading would.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PostgresStore } from '../electron/core/archive/postgres/postgres-store.js';
import type { ArchiveStore } from '../electron/core/archive/store.js';
import { importFiles } from '../electron/core/import.js';
import { startPostgresCluster, type PostgresCluster } from '../tests/support/postgres.js';
import { fmt } from './harness.js';

/** The schema before the Overview's rollups (postgres/migrations.ts). */
const BEFORE_ROLLUPS = 4;
const EXPORT_PAGE = 500;

export interface PostgresSide {
  store: PostgresStore;
  cluster: PostgresCluster;
  loadSeconds: number;
  migrationMs: number;
}

/** Starts a cluster and fills a database from `from`; the caller closes the store and stops the cluster. */
export async function postgresCopyOf(from: ArchiveStore, workDir: string): Promise<PostgresSide> {
  const cluster = await startPostgresCluster();
  try {
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
    const [source, copy] = [await from.counts({ staleBefore: 0 }), await store.counts({ staleBefore: 0 })];
    if (source.sessions !== copy.sessions || source.events !== copy.events) {
      throw new Error(`the PostgreSQL copy holds ${copy.sessions} sessions and ${copy.events} events; the SQLite archive ${source.sessions} and ${source.events}`);
    }
    return { store, cluster, loadSeconds, migrationMs };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
