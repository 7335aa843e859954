/**
 * The office hub through the real CLI and real processes on a throwaway PostgreSQL cluster:
 * `serve --database` and the other commands that take it, their errors for a database that cannot
 * be opened, and two receivers on one database (a delivery to both stored once; one of them
 * killed under load loses nothing it acknowledged).
 */
import { beforeAll, expect, it } from 'vitest';
import { PostgresStore } from '../../electron/core/archive/postgres/postgres-store.js';
import { assertBuilt, freePort, runCli, startServe, type ServeProcess } from '../support/cli.js';
import { sessionPair, SECRET, signedRequest, tempDir } from '../support/fixtures.js';
import { describePostgres, usePostgresCluster } from '../support/postgres-fixture.js';

beforeAll(assertBuilt);

async function post(port: number, payload: unknown): Promise<number> {
  const request = signedRequest(payload);
  const response = await fetch(`http://127.0.0.1:${port}/webhook`, { method: 'POST', headers: request.headers, body: request.payload, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

async function receiver(url: string): Promise<{ port: number; process: ServeProcess }> {
  const port = await freePort();
  const process = await startServe(['--database', url, '--data-dir', tempDir(), '--port', String(port), '--secret', SECRET, '--no-ui'], { timeoutMs: 30_000 });
  return { port, process };
}

describePostgres('serve --database and the commands that take it', () => {
  const cluster = usePostgresCluster();

  it('says clearly, and exits 1, when the database cannot be opened: a wrong URL, an unreachable server, refused credentials', async () => {
    assertBuilt();
    const wrongUrl = runCli(['serve', '--database', 'postgres://nobody@/', '--data-dir', tempDir(), '--no-ui']);
    expect(wrongUrl.code).toBe(1);
    expect(wrongUrl.stderr).toContain('callaider-archive: The database address is not a valid URL. It looks like postgres://user:password@host:5432/database.');

    const closedPort = await freePort();
    const unreachable = runCli(['serve', '--database', `postgres://archive:pw@127.0.0.1:${closedPort}/archive`, '--data-dir', tempDir(), '--no-ui'], { timeoutMs: 20_000 });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(new RegExp(`callaider-archive: Cannot reach the database server at 127.0.0.1:${closedPort}/archive`));

    const url = await cluster().createDatabase();
    const refused = url.replace(`:${cluster().password}@`, ':not-the-password@');
    const credentials = runCli(['export', '--database', refused]);
    expect(credentials.code).toBe(1);
    expect(credentials.stderr).toMatch(/callaider-archive: The database at 127\.0\.0\.1:\d+\/archive_\w+ refused the user name or password\./);
    expect(credentials.stderr).not.toContain('not-the-password');

    const viaEnv = runCli(['verify'], { env: { CALLAIDER_ARCHIVE_DATABASE_URL: refused } });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toContain('refused the user name or password');

    const withKey = runCli(['demo', '--database', url, '--sessions', '1'], { env: { CALLAIDER_ARCHIVE_KEY: 'a passphrase of some length' } });
    expect(withKey.code).toBe(1);
    expect(withKey.stderr).toContain('encrypts SQLite archives only');
  }, 90_000);

  it('users keeps the people in the hub database (shared by every receiver), not in the data folder', async () => {
    const url = await cluster().createDatabase();
    const dataDir = tempDir();
    const added = runCli(['users', 'add', 'Ana', '--role', 'owner', '--database', url, '--data-dir', dataDir, '--url', 'https://hub.example:4319']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('added Ana (owner)');
    expect(added.stdout).toContain('https://hub.example:4319/');
    // Another receiver's host (another data folder) sees the same people through the database.
    const listed = runCli(['users', 'list'], { env: { CALLAIDER_ARCHIVE_DATABASE_URL: url } });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('Ana');
    const hub = await PostgresStore.open(url);
    try {
      expect((await hub.listUsers()).map((user) => user.name)).toEqual(['Ana']);
    } finally {
      await hub.close();
    }
    const local = runCli(['users', 'list', '--data-dir', dataDir]);
    expect(local.stdout).not.toContain('Ana');
  }, 60_000);

  it('demo, export, import, backup and verify work on the database; serve shows it with the password masked', async () => {
    const url = await cluster().createDatabase();
    expect(runCli(['demo', '--database', url, '--sessions', '6', '--seed', '7'], { timeoutMs: 60_000 }).code).toBe(0);
    const exported = runCli(['export', '--database', url, '--format', 'ndjson']);
    expect(exported.code).toBe(0);
    expect(exported.stdout.trim().split('\n')).toHaveLength(6);

    const verified = runCli(['verify', '--database', url]);
    expect(verified.stdout).toMatch(/^OK PostgreSQL postgres:\/\/archive_test:••••@127\.0\.0\.1:\d+\/archive_\w+: schema \d+, 6 sessions, 12 events/);

    const folder = tempDir();
    const backup = runCli(['backup', '--database', url, '--to', folder], { timeoutMs: 60_000 });
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toContain('NDJSON export');

    // The backup read back into a second database gives the same export.
    const second = await cluster().createDatabase();
    const restored = runCli(['import', '--database', second, backup.stdout.trim()], { timeoutMs: 60_000 });
    expect(restored.code, restored.stderr).toBe(0);
    expect(runCli(['export', '--database', second, '--format', 'ndjson']).stdout).toBe(exported.stdout);

    const { process } = await receiver(url);
    expect(process.stdout()).toMatch(/Archive {9}PostgreSQL postgres:\/\/archive_test:••••@127\.0\.0\.1:\d+\/archive_\w+ \(6 sessions; shared by every receiver/);
    expect(process.stdout()).not.toContain(cluster().password);
    process.child.kill('SIGTERM');
    // Code and signal together, with what serve said: a stop that ends by a signal (seen once in CI) shows why.
    const code = await process.exited;
    expect({ code, signal: process.child.signalCode }, process.stderr()).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('two receivers on one database: a delivery sent to both is stored once', async () => {
    const url = await cluster().createDatabase();
    const [a, b] = await Promise.all([receiver(url), receiver(url)]);
    const { started, ended } = sessionPair({ messages: 4 });
    expect(await Promise.all([post(a.port, started), post(b.port, started)])).toEqual([200, 200]);
    expect(await post(b.port, ended)).toBe(200);
    expect(await post(a.port, ended)).toBe(200);
    const store = await PostgresStore.open(url);
    try {
      expect(await store.storedEvents(started.sessionId)).toEqual(['session.ended', 'session.started']);
      expect((await store.counts({ staleBefore: 0 })).events).toBe(2);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('one of two receivers killed (-9) under load: every event acknowledged is stored exactly once', async () => {
    const url = await cluster().createDatabase();
    const [a, b] = await Promise.all([receiver(url), receiver(url)]);
    const sessions = Array.from({ length: 150 }, () => sessionPair({ messages: 3 }));
    const events = sessions.flatMap(({ started, ended }) => [started, ended]);
    const acknowledged = new Map<string, number>();
    let aAlive = true;
    // Like CallAIder behind a load balancer: alternate receivers, and retry a failure on the other one.
    const deliver = async (payload: (typeof events)[number], index: number) => {
      const order = index % 2 === 0 ? [a.port, b.port] : [b.port, a.port];
      for (let attempt = 0; attempt < 6; attempt += 1) {
        const port = order[attempt % 2]!;
        if (port === a.port && !aAlive) continue;
        const status = await post(port, payload).catch(() => 0);
        if (status >= 200 && status < 300) {
          const key = `${payload.sessionId} ${payload.event}`;
          acknowledged.set(key, (acknowledged.get(key) ?? 0) + 1);
          return;
        }
      }
      throw new Error(`${payload.sessionId} ${payload.event} was never acknowledged`);
    };
    let next = 0;
    const worker = async () => {
      while (next < events.length) {
        const index = next++;
        if (index === 120) {
          a.process.child.kill('SIGKILL');
          aAlive = false;
        }
        // session.ended after its start: the pair goes in order, as CallAIder sends it.
        await deliver(events[index]!, index);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(a.process.child.signalCode).toBe('SIGKILL');
    expect(acknowledged.size).toBe(events.length);

    const store = await PostgresStore.open(url);
    try {
      for (const { started } of sessions) {
        expect(await store.storedEvents(started.sessionId)).toEqual(['session.ended', 'session.started']);
      }
      expect((await store.counts({ staleBefore: 0 })).events).toBe(events.length);
    } finally {
      await store.close();
    }
    b.process.child.kill('SIGTERM');
    expect(await b.process.exited).toBe(0);
  }, 180_000);
});
