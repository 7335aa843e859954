/**
 * Opening a PostgreSQL archive: the URL checked before anything connects, then one first
 * connection that either works within seconds or fails with a PostgresConnectError saying, in
 * words an office owner can act on, what is wrong (never a hang, never a bare driver code).
 */
import pg from 'pg';
import { archiveTypes } from './db.js';

export type ConnectProblem = 'bad-url' | 'unreachable' | 'credentials' | 'no-database' | 'server-too-old' | 'refused';

/** The one error a PostgreSQL archive gives when it cannot be opened; `problem` says which case. */
export class PostgresConnectError extends Error {
  override name = 'PostgresConnectError';
  constructor(
    readonly problem: ConnectProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** generated columns, trusted unaccent (a database owner may create it), pg_advisory_xact_lock. */
export const MIN_SERVER_VERSION = 130000;

export interface ConnectOptions {
  /** How long a connection attempt may take before the host counts as unreachable (ms). */
  connectTimeoutMs?: number;
  /** Connections for reads and write batches together. */
  poolSize?: number;
  /** The oldest server accepted (server_version_num); MIN_SERVER_VERSION unless a deployment asks for more. */
  minServerVersion?: number;
}

/** The URL's parts a message may show: never the password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'the given address';
  }
}

export function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PostgresConnectError('bad-url', 'The database address is not a valid URL. It looks like postgres://user:password@host:5432/database.');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new PostgresConnectError('bad-url', `The database address must start with postgres:// (it starts with ${parsed.protocol}//): postgres://user:password@host:5432/database.`);
  }
  if (parsed.hostname === '') throw new PostgresConnectError('bad-url', 'The database address names no host: postgres://user:password@host:5432/database.');
  if (parsed.pathname.length <= 1) throw new PostgresConnectError('bad-url', 'The database address names no database: postgres://user:password@host:5432/database.');
}

export function clientConfig(url: string, options: ConnectOptions): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    types: archiveTypes,
    application_name: 'callaider-archive',
    // Set on every connection, whatever the server's default: a resolved write is on the server's disk.
    options: '-c synchronous_commit=on',
  };
}

/** Rewrites a driver error from connecting (or from the first query) as a PostgresConnectError. */
export function connectError(error: unknown, url: string): Error {
  if (error instanceof PostgresConnectError) return error;
  const where = describeUrl(url);
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  if (code === '28P01' || code === '28000') {
    return new PostgresConnectError('credentials', `The database at ${where} refused the user name or password.`, { cause: error });
  }
  if (code === '3D000') return new PostgresConnectError('no-database', `There is no database ${where}: create it first (createdb), or check its name.`, { cause: error });
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || /timeout|terminated/i.test(text)) {
    return new PostgresConnectError('unreachable', `Cannot reach the database server at ${where}: is it running, and is the host and port right? (${text})`, { cause: error });
  }
  if (typeof code === 'string' && code.startsWith('42501')) {
    return new PostgresConnectError('refused', `The database user may not do what the archive needs at ${where}: ${text}`, { cause: error });
  }
  return new PostgresConnectError('refused', `The database at ${where} could not be opened: ${text}`, { cause: error });
}

/** Opens the pool and proves it with one connection: the server answers, and is recent enough. */
export async function openPool(url: string, options: ConnectOptions): Promise<pg.Pool> {
  checkUrl(url);
  const pool = new pg.Pool({ ...clientConfig(url, options), max: options.poolSize ?? 6 });
  // An idle connection that the server drops must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    const version = Number((await pool.query<{ server_version_num: string }>('SHOW server_version_num')).rows[0]?.server_version_num);
    const minimum = Math.max(MIN_SERVER_VERSION, options.minServerVersion ?? 0);
    if (!(version >= minimum)) {
      throw new PostgresConnectError(
        'server-too-old',
        `The database server at ${describeUrl(url)} runs PostgreSQL ${Math.floor(version / 10000)}; the archive needs ${Math.floor(minimum / 10000)} or later.`,
      );
    }
    return pool;
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw connectError(error, url);
  }
}
