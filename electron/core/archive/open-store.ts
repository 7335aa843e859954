/**
 * Opening the archive wherever it lives: a SQLite file in the data folder (the desktop app and a
 * single receiver) or a PostgreSQL database shared by several receivers (the office hub). Hosts
 * name a location, never a store class, so every command can be pointed at either.
 * Each store's module loads only when it is used: a laptop's `serve` never loads the PostgreSQL
 * driver, and a hub never loads SQLite's threads.
 */
import type { ArchiveKey } from './archive-key.js';
import type { ArchiveStore } from './store.js';

export type ArchiveLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** The environment variable `--database` falls back to. */
export const DATABASE_URL_ENV = 'CALLAIDER_ARCHIVE_DATABASE_URL';

export interface OpenArchiveOptions {
  /** SQLite: the writer and reader threads (the engine); PostgreSQL always works off-thread. */
  threads?: boolean;
  readonly?: boolean;
  deferProjection?: boolean;
  nativeBinding?: string | undefined;
  /** SQLite only: the encrypted archive's key. PostgreSQL refuses one (encryption at rest is the server's). */
  key?: ArchiveKey | null | undefined;
  onFallback?: (reason: string) => void;
}

export class ArchiveLocationError extends Error {
  override name = 'ArchiveLocationError';
}

export function isDatabaseUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text.trim());
}

/** A URL as banners and reports show it: the password replaced, everything else kept (host, database, sslmode). */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '••••';
    return decodeURI(parsed.toString());
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:••••@');
  }
}

export function describeLocation(location: ArchiveLocation): string {
  return location.kind === 'sqlite' ? location.file : `PostgreSQL ${maskDatabaseUrl(location.url)}`;
}

export async function openArchive(location: ArchiveLocation, options: OpenArchiveOptions = {}): Promise<ArchiveStore> {
  if (location.kind === 'postgres') {
    if (options.key) {
      throw new ArchiveLocationError(
        'an archive key (--key-file or CALLAIDER_ARCHIVE_KEY) encrypts SQLite archives only; a PostgreSQL archive relies on the server\'s disk encryption and TLS (?sslmode=require): drop the key for --database',
      );
    }
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.open(location.url);
  }
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return SqliteStore.open(location.file, {
    threads: options.threads,
    readonly: options.readonly,
    deferProjection: options.deferProjection,
    nativeBinding: options.nativeBinding,
    key: options.key,
    onFallback: options.onFallback,
  });
}
