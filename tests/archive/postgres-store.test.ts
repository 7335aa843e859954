/**
 * The store conformance suites against PostgresStore, on a real throwaway PostgreSQL cluster
 * (tests/support/postgres.ts): a fresh database per archive; reopen() closes the store and opens
 * the same database again; crash() opens a second store on it without closing the first (what a
 * killed hub leaves: whatever it acknowledged is committed on the server).
 */
import { PostgresStore, type PostgresStoreOptions } from '../../electron/core/archive/postgres/postgres-store.js';
import { onCleanup } from '../support/fixtures.js';
import { describePostgres, usePostgresCluster } from '../support/postgres-fixture.js';
import { describeAccountsConformance } from './accounts-conformance.js';
import { describeFollowUpConformance } from './follow-up-conformance.js';
import { describeForwardingConformance } from './forwarding-conformance.js';
import { describeOverviewConformance } from './overview-conformance.js';
import { describeStoreConformance, type StoreTarget } from './store-conformance.js';

describePostgres('PostgresStore', () => {
  const cluster = usePostgresCluster();

  const openAt = async (url: string, limits: PostgresStoreOptions['limits']) => {
    const store = await PostgresStore.open(url, { limits });
    onCleanup(() => store.close().catch(() => undefined));
    return store;
  };

  const target: StoreTarget = {
    defersProjection: false,
    async open(context = {}) {
      const url = await cluster().createDatabase();
      let current = await openAt(url, context.limits);
      return {
        store: current,
        async reopen() {
          await current.close();
          current = await openAt(url, context.limits);
          return current;
        },
        async crash() {
          current = await openAt(url, context.limits);
          return current;
        },
      };
    },
  };

  describeStoreConformance('PostgresStore', target);
  describeFollowUpConformance('PostgresStore', target);
  describeAccountsConformance('PostgresStore', target);
  describeForwardingConformance('PostgresStore', target);
  describeOverviewConformance('PostgresStore', target);
});
