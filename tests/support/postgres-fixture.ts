/**
 * One throwaway PostgreSQL cluster per test file (started before its tests, stopped after), and a
 * fresh database per test that asks for one. Without the server binaries the file's tests are
 * skipped locally with the reason, and fail in CI (CI=true), where .ci/run installs them.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { POSTGRES_MISSING, postgresBinDir, startPostgresCluster, type PostgresCluster } from './postgres.js';

export const postgresAvailable = postgresBinDir() !== null || process.env.CI === 'true';
if (!postgresAvailable) console.warn(`skipping PostgreSQL tests: ${POSTGRES_MISSING}`);

/** describe() for tests that need PostgreSQL: skipped (saying why) where it is not installed. */
export const describePostgres = postgresAvailable ? describe : describe.skip;

/** Starts this file's cluster in beforeAll; the returned getter gives it to tests. */
export function usePostgresCluster(): () => PostgresCluster {
  let cluster: PostgresCluster | null = null;
  beforeAll(async () => {
    cluster = await startPostgresCluster();
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);
  return () => {
    if (!cluster) throw new Error('the PostgreSQL cluster is not running (usePostgresCluster must be called in a describe)');
    return cluster;
  };
}
