/** A PostgresStore closed after the test, and one-off SQL on a test database (to look at or damage its rows). */
import pg from 'pg';
import { PostgresStore } from '../../electron/core/archive/postgres/postgres-store.js';
import { onCleanup } from './fixtures.js';

export async function openPostgresStore(url: string, migrateTo?: number): Promise<PostgresStore> {
  const store = await PostgresStore.open(url, migrateTo === undefined ? {} : { migrateTo });
  onCleanup(() => store.close().catch(() => undefined));
  return store;
}

/** Runs one statement on its own connection: what the test sees is committed, not the store's view. */
export async function sqlAt<T extends pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}
