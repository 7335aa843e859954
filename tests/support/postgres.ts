/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: Debian's `postgresql` binaries, initdb in
 * a temp dir, listening on 127.0.0.1 only (a free port) and on a socket inside that dir, stopped
 * and removed afterwards, and stopped by a watchdog if the process that started it dies first.
 *
 * Password authentication over TCP (scram-sha-256) is on, so tests can check that refused
 * credentials give a clear error. fsync is off: no test crashes PostgreSQL itself (the crash tests
 * kill receivers), and it keeps a 2-core machine's test run short; synchronous_commit stays on.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface PostgresCluster {
  /** The superuser's connection URL for a database (default `postgres`). */
  url(database?: string): string;
  /** Creates a new empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Stops the server (fast shutdown) and removes its files. */
  stop(): Promise<void>;
}

const BIN_CANDIDATES = ['/usr/lib/postgresql'];

/** The newest installed server's bin dir, or null (then tests that need it say how to install it). */
export function postgresBinDir(): string | null {
  for (const root of BIN_CANDIDATES) {
    if (!existsSync(root)) continue;
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  return null;
}

export const POSTGRES_MISSING = 'PostgreSQL server binaries not found (apt-get install -y postgresql; .ci/run does)';

/** initdb and postgres refuse to run as root: as root, run them as Debian's `postgres` user. */
function asServerUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** durable: fsync on (benchmarks measure commits that reach the disk); tests run without it. */
export async function startPostgresCluster(settings: { durable?: boolean } = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(POSTGRES_MISSING);
  const owner = asServerUser();
  const root = mkdtempSync(join(tmpdir(), 'archive-pg-'));
  chmodSync(root, 0o755);
  if (owner) chownSync(root, owner.uid, owner.gid);
  const data = join(root, 'data');
  const user = 'archive_test';
  const password = randomBytes(12).toString('hex');
  const pwfile = join(root, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  const run = (file: string, args: string[]) =>
    execFileSync(join(bin, file), args, { stdio: 'pipe', timeout: 60_000, ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) });

  run('initdb', ['-D', data, '-U', user, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8']);
  rmSync(pwfile);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${root}'`,
    ...(settings.durable ? [] : ['-c fsync=off', '-c full_page_writes=off']),
    '-c max_connections=200',
    '-c shared_buffers=128MB',
  ].join(' ');
  run('pg_ctl', ['-D', data, '-l', join(root, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);

  // Stops the server if this process dies without stopping it (a killed test worker).
  const watchdog = spawn(
    '/bin/sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${owner ? 'runuser -u postgres -- ' : ''}'${join(bin, 'pg_ctl')}' -D '${data}' -m immediate stop >/dev/null 2>&1; rm -rf '${root}'`],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();

  const url = (database = 'postgres') => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    port,
    user,
    password,
    url,
    async createDatabase(prefix = 'archive') {
      const name = `${prefix}_${randomBytes(6).toString('hex')}`;
      run('createdb', ['-h', root, '-p', String(port), '-U', user, name]);
      return url(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
      } finally {
        try {
          process.kill(watchdog.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
