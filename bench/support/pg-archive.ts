/**
 * The 100k-session PostgreSQL archive of the hub benchmark (bench/hub.ts), built once and kept as a
 * pg_dump (custom format) in bench/.cache/, then restored with pg_restore into each run's fresh
 * throwaway cluster.
 *
 * It is built the way the cached SQLite archive of bench/store.ts is (harness.ts, ensureArchive):
 * `callaider-archive demo` with the same seed and long-transcript rate, here with `--database`, so
 * both archives hold the same generated calls and the same queries can be timed on both.
 *
 * The cache key holds the PostgreSQL schema version of this code (LATEST_VERSION of
 * postgres/migrations.ts): a dump made by older code is never taken as current. When only an older
 * dump exists it is restored, migrated by opening it with this code's PostgresStore (a migration may
 * rebuild what the reads use, such as the search vectors), and dumped again under the new key; with
 * no dump at all, the archive is built from scratch (10–20 minutes on a shared 2-core machine).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PostgresStore, POSTGRES_SCHEMA_VERSION } from '../../electron/core/archive/postgres/postgres-store.js';
import { postgresBinDir, startPostgresCluster, type PostgresCluster } from '../../tests/support/postgres.js';
import { CLI, LONG_EVERY, ROOT, SEED } from '../harness.js';

const run = promisify(execFile);

export interface DumpInfo {
  sessions: number;
  seed: number;
  longEvery: number;
  schemaVersion: number;
  /** How the dump came to be: built with `demo`, or migrated from an older schema's dump. */
  origin: { kind: 'built'; seconds: number } | { kind: 'migrated'; fromVersion: number; seconds: number };
  dumpBytes: number;
  madeAt: string;
}

export interface CachedDump {
  file: string;
  info: DumpInfo;
  /** What this run had to do to get it. */
  made: 'cached' | 'built' | 'migrated';
}

export function cacheDir(): string {
  return process.env.BENCH_CACHE_DIR ?? fileURLToPath(new URL('../.cache/', import.meta.url));
}

const dumpName = (sessions: number, version: number) => `postgres-${sessions}-seed${SEED}-long${LONG_EVERY}-schema${version}.dump`;

function binary(name: string): string {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL binaries not found (apt-get install -y postgresql)');
  return join(bin, name);
}

/** Runs a command with a time limit, its output kept for the error; `nice` so the machine's other work goes first. */
async function niced(command: string, args: string[], limitMs: number): Promise<void> {
  try {
    await run('nice', ['-n', '10', command, ...args], { cwd: ROOT, timeout: limitMs, maxBuffer: 64 * 2 ** 20 });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`${command.split('/').pop()} ${args[0] ?? ''}: ${(stderr ?? '').trim() || message}`, { cause: error });
  }
}

/** pg_dump in custom format into `file` (written beside it and renamed when complete). */
async function dump(url: string, file: string): Promise<number> {
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  await niced(binary('pg_dump'), ['--format=custom', '--no-owner', `--file=${partial}`, `--dbname=${url}`], 30 * 60_000);
  renameSync(partial, file);
  return statSync(file).size;
}

export interface Restored {
  url: string;
  restoreMs: number;
  /** ANALYZE after the restore: a dump carries no planner statistics, and a hub restored from one would run it too. */
  analyzeMs: number;
}

/** The cached dump of this size at this code's schema, if one was made (by bench:hub), without building one. */
export function cachedDumpFile(sessions: number): string | null {
  const file = join(cacheDir(), dumpName(sessions, POSTGRES_SCHEMA_VERSION));
  return existsSync(file) ? file : null;
}

/** A new database in `cluster` with the dump's contents, and planner statistics. */
export async function restoreDump(cluster: PostgresCluster, file: string, prefix = 'archive100k'): Promise<Restored> {
  const url = await cluster.createDatabase(prefix);
  const started = performance.now();
  await niced(binary('pg_restore'), ['--no-owner', '--exit-on-error', '--jobs=2', `--dbname=${url}`, file], 60 * 60_000);
  const restoreMs = performance.now() - started;
  const analyzing = performance.now();
  await niced(binary('vacuumdb'), ['--analyze-only', '--quiet', `--dbname=${url}`], 30 * 60_000);
  return { url, restoreMs, analyzeMs: performance.now() - analyzing };
}

/** `callaider-archive demo --database`, its progress lines passed through. */
async function buildWithDemo(url: string, sessions: number): Promise<void> {
  const child = spawn('nice', ['-n', '10', process.execPath, CLI, 'demo', '--database', url, '--sessions', String(sessions), '--seed', String(SEED), '--long-every', String(LONG_EVERY)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`callaider-archive demo --database failed (exit ${code})`);
}

/** The newest dump of this size made by older code (a lower schema version), if any. */
function olderDump(dir: string, sessions: number): { file: string; version: number } | null {
  if (!existsSync(dir)) return null;
  const pattern = new RegExp(`^postgres-${sessions}-seed${SEED}-long${LONG_EVERY}-schema(\\d+)\\.dump$`);
  const found = readdirSync(dir)
    .map((name) => ({ name, version: Number(pattern.exec(name)?.[1] ?? Number.NaN) }))
    .filter(({ version }) => Number.isInteger(version) && version < POSTGRES_SCHEMA_VERSION)
    .sort((a, b) => b.version - a.version)[0];
  return found ? { file: join(dir, found.name), version: found.version } : null;
}

/**
 * The dump for this code's schema: from the cache, migrated from an older dump, or built now (in a
 * cluster of its own, fsync off: only the dump is kept, and it is the same either way).
 * BENCH_PG_REBUILD=1 builds it again whatever is cached.
 */
export async function ensurePostgresDump(sessions: number): Promise<CachedDump> {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, dumpName(sessions, POSTGRES_SCHEMA_VERSION));
  const infoFile = `${file}.json`;
  const rebuild = Boolean(process.env.BENCH_PG_REBUILD);
  if (!rebuild && existsSync(file) && existsSync(infoFile)) return { file, info: JSON.parse(readFileSync(infoFile, 'utf8')) as DumpInfo, made: 'cached' };

  const older = rebuild ? null : olderDump(dir, sessions);
  const cluster = await startPostgresCluster();
  try {
    const started = performance.now();
    let origin: DumpInfo['origin'];
    let url: string;
    if (older) {
      console.log(`bench: migrating the cached schema-${older.version} dump to schema ${POSTGRES_SCHEMA_VERSION} (${older.file})`);
      url = (await restoreDump(cluster, older.file, 'migrating')).url;
      // Opening the store runs this code's migrations under their advisory lock.
      await (await PostgresStore.open(url)).close();
      origin = { kind: 'migrated', fromVersion: older.version, seconds: 0 };
    } else {
      console.log(`bench: building the ${sessions.toLocaleString('en-US')}-session PostgreSQL archive with \`demo --database\` (seed ${SEED}, long every ${LONG_EVERY}); this takes a while`);
      url = await cluster.createDatabase('building');
      await buildWithDemo(url, sessions);
      origin = { kind: 'built', seconds: 0 };
    }
    const dumpBytes = await dump(url, file);
    origin.seconds = (performance.now() - started) / 1000;
    const info: DumpInfo = { sessions, seed: SEED, longEvery: LONG_EVERY, schemaVersion: POSTGRES_SCHEMA_VERSION, origin, dumpBytes, madeAt: new Date().toISOString() };
    writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`);
    console.log(`bench: dump written: ${file} (${(dumpBytes / 2 ** 20).toFixed(0)} MiB, ${origin.seconds.toFixed(0)} s)`);
    return { file, info, made: older ? 'migrated' : 'built' };
  } finally {
    await cluster.stop();
  }
}
