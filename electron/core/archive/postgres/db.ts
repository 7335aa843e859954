/**
 * Queries over node-postgres, written with `?` placeholders like the SQLite store's (numbered here
 * as $1, $2, …), and answered with plain numbers: bigint and numeric columns (ids, epoch ms, sums)
 * stay below 2^53 in an archive, so they are parsed as JS numbers rather than strings.
 */
import pg from 'pg';

/** A connection or the pool: both run queries. */
export type Db = Pick<pg.ClientBase, 'query'>;

const NUMERIC_TYPES = new Set([pg.types.builtins.INT8, pg.types.builtins.NUMERIC]);

/** Per-pool type parsers (never the global ones: other code in the process may want strings). */
export const archiveTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (NUMERIC_TYPES.has(oid)) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** `?` becomes $1, $2, … (no query here has a `?` inside a string literal or an operator). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${(n += 1)}`);
}

export async function all<T>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(numbered(sql), params)).rows as T[];
}

export async function one<T>(db: Db, sql: string, params: unknown[] = []): Promise<T | undefined> {
  return (await db.query(numbered(sql), params)).rows[0] as T | undefined;
}

/** The first column of the first row. */
export async function value<T>(db: Db, sql: string, params: unknown[] = []): Promise<T> {
  const row = (await db.query(numbered(sql), params)).rows[0] as Record<string, unknown> | undefined;
  return (row ? Object.values(row)[0] : undefined) as T;
}

/** Rows changed. */
export async function run(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  return (await db.query(numbered(sql), params)).rowCount ?? 0;
}

/** `?, ?, ?` for a list bound one value each. */
export const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/**
 * Runs `work` in one read-only transaction on one connection of the pool, with table scans
 * discouraged: the planner does not count reading each row's TOASTed search vector when it filters
 * on it, so for a common word it scans the table and reads every vector (10,001 matches of "the"
 * in a 100k archive: 66 ms) where the full-text index answers without reading one (28 ms).
 * On a connection rather than the pool (a caller's transaction), `work` runs there as it is.
 */
export async function withoutTableScans<T>(db: Db, work: (db: Db) => Promise<T>): Promise<T> {
  if (!(db instanceof pg.Pool)) return work(db);
  const client = await db.connect();
  let broken = false;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query('SET LOCAL enable_seqscan = off');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
