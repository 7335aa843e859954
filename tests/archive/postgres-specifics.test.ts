/**
 * What only the PostgreSQL store does, on a real throwaway cluster: the errors of opening one
 * (each a PostgresConnectError, within seconds), migrations under the advisory lock, several
 * stores (hubs) on one database (exactly-once storage, projected events heard across them, the
 * listener coming back after its connection drops, accounts changed on two hubs at once), and a
 * commit the server refuses.
 */
import { createServer, type Socket } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { ArchiveVersionError, CommitError } from '../../electron/core/archive/errors.js';
import { PostgresConnectError, PostgresStore, POSTGRES_SCHEMA_VERSION } from '../../electron/core/archive/postgres/postgres-store.js';
import type { ProjectedEvent } from '../../electron/core/archive/types.js';
import type { SessionEndedPayload, SessionStartedPayload } from '../../shared/payload.js';
import { onCleanup, sessionPair, tempDir } from '../support/fixtures.js';
import { freePort } from '../support/ports.js';
import { describePostgres, usePostgresCluster } from '../support/postgres-fixture.js';
import { openPostgresStore as openStore, sqlAt as sql } from '../support/postgres-store.js';

const STALE = 2 * 3_600_000;

function ingest(store: PostgresStore, payload: SessionStartedPayload | SessionEndedPayload) {
  return store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() });
}

async function openFails(url: string, options: Parameters<typeof PostgresStore.open>[1] = {}): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    const store = await PostgresStore.open(url, options);
    await store.close();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('the store opened');
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describePostgres('PostgresStore specifics', () => {
  const cluster = usePostgresCluster();

  it('refuses a malformed database URL before connecting, saying what it should look like', async () => {
    for (const url of ['not a url', 'mysql://u:p@127.0.0.1:3306/db', 'postgres://u:p@127.0.0.1:5432', 'postgres:///db']) {
      const { error } = await openFails(url);
      expect(error, url).toBeInstanceOf(PostgresConnectError);
      expect((error as PostgresConnectError).problem, url).toBe('bad-url');
      expect((error as Error).message, url).toMatch(/postgres:\/\//);
    }
  });

  it('says the server is unreachable within seconds: a closed port, and one that never answers', async () => {
    const closed = await freePort();
    const refused = await openFails(`postgres://u:p@127.0.0.1:${closed}/archive`);
    expect(refused.error).toBeInstanceOf(PostgresConnectError);
    expect((refused.error as PostgresConnectError).problem).toBe('unreachable');
    expect((refused.error as Error).message).toContain(`127.0.0.1:${closed}`);
    expect(refused.ms).toBeLessThan(5_000);

    // A server that accepts the connection and then says nothing (a firewall, a hung host).
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onCleanup(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const port = (silent.address() as { port: number }).port;
    const hung = await openFails(`postgres://u:p@127.0.0.1:${port}/archive`, { connectTimeoutMs: 1_000 });
    expect((hung.error as PostgresConnectError).problem).toBe('unreachable');
    expect(hung.ms).toBeGreaterThanOrEqual(900);
    expect(hung.ms).toBeLessThan(5_000);
  });

  it('says the credentials were refused, never showing the password', async () => {
    const url = new URL(await cluster().createDatabase());
    url.password = 'wrong-password-123';
    const { error } = await openFails(url.toString());
    expect(error).toBeInstanceOf(PostgresConnectError);
    expect((error as PostgresConnectError).problem).toBe('credentials');
    expect((error as Error).message).not.toContain('wrong-password-123');
  });

  it('says the database does not exist', async () => {
    const { error } = await openFails(cluster().url('no_such_archive'));
    expect((error as PostgresConnectError).problem).toBe('no-database');
    expect((error as Error).message).toContain('no_such_archive');
  });

  it('refuses a server older than required (here: a requirement above the running server)', async () => {
    const { error } = await openFails(await cluster().createDatabase(), { minServerVersion: 990_000 });
    expect((error as PostgresConnectError).problem).toBe('server-too-old');
    expect((error as Error).message).toMatch(/needs 99 or later/);
  });

  it('migrates once when two hubs open a new database together', async () => {
    const url = await cluster().createDatabase();
    const [a, b] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    onCleanup(() => Promise.all([a.close(), b.close()]));
    const versions = await sql<{ version: number }>(url, 'SELECT version FROM archive_schema ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
    expect((await a.listRules()).length).toBeGreaterThan(0);
    expect(await a.listRules()).toEqual(await b.listRules());
  });

  it('refuses a database a newer version has migrated, and changes nothing', async () => {
    const url = await cluster().createDatabase();
    await (await PostgresStore.open(url)).close();
    await sql(url, "INSERT INTO archive_schema (version, name) VALUES ($1, 'from the future')", [POSTGRES_SCHEMA_VERSION + 1]);
    const { error } = await openFails(url);
    expect(error).toBeInstanceOf(ArchiveVersionError);
    expect((error as Error).message).toMatch(/newer version/);
  });

  it('brings an archive of an earlier schema up to date, keeping what it holds and its counts (counters moved into slots)', async () => {
    const url = await cluster().createDatabase();
    // Schema 3: the last before the counts moved into slots. (Older ones cannot take this code's
    // ingest: it writes the forwarding outbox of schema 3 in the statement that stores events.)
    const old = await PostgresStore.open(url, { migrateTo: 3 });
    const { started, ended } = sessionPair({ messages: 2 });
    await ingest(old, started);
    await ingest(old, ended);
    await old.close();
    expect(await sql(url, "SELECT to_regclass('counter_slots') AS t")).toEqual([{ t: null }]);
    const store = await openStore(url);
    expect((await sql<{ version: number }>(url, 'SELECT max(version) AS version FROM archive_schema'))[0]!.version).toBe(POSTGRES_SCHEMA_VERSION);
    expect((await store.getSession(started.sessionId, STALE))?.status).toBe('ended');
    expect(await store.counts({ staleBefore: 0 })).toMatchObject({ sessions: 1, events: 2, messages: 2 });
    const next = sessionPair({ messages: 3 });
    await ingest(store, next.started);
    await ingest(store, next.ended);
    expect(await store.counts({ staleBefore: 0 })).toMatchObject({ sessions: 2, events: 4, messages: 5 });
    expect(await store.addUser({ name: 'Ana', role: 'owner', at: 1 })).toMatchObject({ name: 'Ana', hasPassword: false });
  });

  it('a sign-in link redeemed on two hubs at once signs in on one only', async () => {
    const url = await cluster().createDatabase();
    const [a, b] = [await openStore(url), await openStore(url)];
    await a.addUser({ name: 'Ana', role: 'owner', at: 1 });
    await a.createSignInLink({ userName: 'Ana', tokenHash: 'link', at: 1, expiresAt: 10_000 });
    const redeem = (store: PostgresStore, session: string) =>
      store.redeemSignInLink({ tokenHash: 'link', passwordHash: 'scrypt$x', session: { tokenHash: session, expiresAt: 20_000 }, now: 2 });
    const results = await Promise.all([redeem(a, 'session-a'), redeem(b, 'session-b')]);
    expect(results.filter((user) => user !== null)).toHaveLength(1);
    expect((await sql(url, 'SELECT token_hash FROM sign_in_sessions'))).toHaveLength(1);
  });

  it('two hubs disabling the last two owners at once: one is refused, an owner is left', async () => {
    const url = await cluster().createDatabase();
    const [a, b] = [await openStore(url), await openStore(url)];
    await a.addUser({ name: 'Ana', role: 'owner', at: 1 });
    await a.addUser({ name: 'Bo', role: 'owner', at: 1 });
    const outcomes = await Promise.allSettled([a.disableUser({ name: 'Ana', at: 2 }), b.disableUser({ name: 'Bo', at: 2 })]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(String((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/last owner/);
    expect((await a.listUsers()).filter((user) => user.disabledAt === null)).toHaveLength(1);
  });

  it('stores each event once when two hubs receive the same deliveries at the same time', async () => {
    const url = await cluster().createDatabase();
    const [a, b] = [await openStore(url), await openStore(url)];
    const pairs = Array.from({ length: 25 }, () => sessionPair({ messages: 3 }));
    const payloads = pairs.flatMap((p) => [p.started, p.ended]);
    const [fromA, fromB] = await Promise.all([Promise.all(payloads.map((p) => ingest(a, p))), Promise.all(payloads.map((p) => ingest(b, p)))]);
    payloads.forEach((_, i) => expect([fromA[i]!.duplicate, fromB[i]!.duplicate].sort()).toEqual([false, true]));
    await Promise.all([a.settled(), b.settled()]);
    expect(await a.counts({ staleBefore: 0 })).toMatchObject({ sessions: 25, events: 50, messages: 75 });
    expect(await b.counts({ staleBefore: 0 })).toEqual(await a.counts({ staleBefore: 0 }));
    const [row] = await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM messages');
    expect(row!.n).toBe(75);
  });

  it('stores a batch of ingests in one transaction; an event the server refuses fails alone, the rest are stored', async () => {
    const url = await cluster().createDatabase();
    const store = await openStore(url);
    const pairs = Array.from({ length: 6 }, () => sessionPair({ messages: 2 }));
    const refused = sessionPair().started;
    const before = await store.commitStats();
    const outcomes = await Promise.allSettled([
      ...pairs.flatMap((p) => [ingest(store, p.started), ingest(store, p.ended)]),
      ingest(store, pairs[0]!.ended),
      // A source the events table does not allow: the batch's INSERT fails, so each is stored alone.
      store.ingest({ payload: refused, body: Buffer.from(JSON.stringify(refused)), source: 'carrier-pigeon' as never, receivedAt: Date.now() }),
    ]);
    const after = await store.commitStats();
    expect(after.transactions - before.transactions).toBeLessThan(outcomes.length);
    expect(after.jobs - before.jobs).toBe(outcomes.length);
    expect(outcomes.slice(0, 12).map((o) => o.status === 'fulfilled' && o.value.duplicate)).toEqual(Array(12).fill(false));
    expect(outcomes[12]).toEqual({ status: 'fulfilled', value: { duplicate: true } });
    expect(outcomes[13]!.status).toBe('rejected');
    expect(await store.counts({ staleBefore: 0 })).toMatchObject({ sessions: 6, events: 12, messages: 12, deliveries: 0 });
    expect(await store.getSession(refused.sessionId, STALE)).toBeNull();
    for (const p of pairs) expect((await store.getSession(p.started.sessionId, STALE))?.status).toBe('ended');
    expect((await store.listSessions({ limit: 10, query: pairs[3]!.started.sessionId, filters: {}, staleAfterMs: STALE })).items.map((s) => s.sessionId)).toEqual([pairs[3]!.started.sessionId]);
  });

  it('pages a search the same whichever way it finds the page: walking a common word newest first, or sorting a rarer one taken from the index', async () => {
    const store = await openStore(await cluster().createDatabase());
    const ids: string[] = [];
    // 700 sessions all saying "zebra" (walked: 700² × 3 > 100 × 700 × 10), every 7th also "quokka" (100: from the index).
    for (let chunk = 0; chunk < 7; chunk += 1) {
      const payloads = Array.from({ length: 100 }, (_, i): SessionStartedPayload => {
        const n = chunk * 100 + i;
        const sessionId = `walk-${String(n).padStart(3, '0')}`;
        ids.push(sessionId);
        return { event: 'session.started', timestamp: new Date(Date.UTC(2026, 4, 1) + n * 60_000).toISOString(), assistantId: 'a', sessionId, data: { metadata: { note: n % 7 === 0 ? 'zebra quokka' : 'zebra' } } };
      });
      await Promise.all(payloads.map((payload) => ingest(store, payload)));
    }
    const pages = async (query: string) => {
      const found: string[] = [];
      let cursor: string | undefined;
      let first: number | null | undefined;
      do {
        const page = await store.listSessions({ limit: 60, query, cursor, filters: {}, staleAfterMs: STALE });
        first ??= page.total;
        found.push(...page.items.map((item) => item.sessionId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { found, total: first };
    };
    const common = await pages('zebra');
    const rare = await pages('quokka');
    expect(common.total).toBe(700);
    expect(rare.total).toBe(100);
    expect(new Set(common.found).size).toBe(700);
    expect([...common.found].sort()).toEqual([...ids].sort());
    expect([...rare.found].sort()).toEqual(ids.filter((_, n) => n % 7 === 0).sort());
    // Both newest stored first: the rare word's pages are the common word's, less the others.
    const isRare = new Set(rare.found);
    expect(rare.found).toEqual(common.found.filter((id) => isRare.has(id)));
    // Arrival order: each chunk of 100 arrived after the one before it.
    expect(common.found.slice(0, 100).every((id) => Number(id.slice(5)) >= 600)).toBe(true);
  });

  it("tells each hub of events the others committed; a hub's own events are emitted once", async () => {
    const url = await cluster().createDatabase();
    const [a, b] = [await openStore(url), await openStore(url)];
    const heardByA: ProjectedEvent[] = [];
    const heardByB: ProjectedEvent[] = [];
    a.on('projected', (events) => heardByA.push(...events));
    b.on('projected', (events) => heardByB.push(...events));
    const pairs = Array.from({ length: 10 }, () => sessionPair({ messages: 2 }));
    await Promise.all(pairs.map((p) => ingest(a, p.started)));
    await Promise.all(pairs.map((p) => ingest(b, p.ended)));
    await until(() => heardByA.length >= 20 && heardByB.length >= 20);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    const key = (e: ProjectedEvent) => `${e.sessionId} ${e.event}`;
    const every = pairs.flatMap((p) => [`${p.started.sessionId} session.started`, `${p.ended.sessionId} session.ended`]).sort();
    expect(heardByA.map(key).sort()).toEqual(every);
    expect(heardByB.map(key).sort()).toEqual(every);
    // What B heard of A's events is readable on B at once (the NOTIFY came with the commit).
    expect((await b.getSession(pairs[0]!.started.sessionId, STALE))?.status).toBe('ended');
  });

  it('listens again after its connection drops', async () => {
    const url = await cluster().createDatabase();
    const [a, b] = [await openStore(url), await openStore(url)];
    const heard: ProjectedEvent[] = [];
    b.on('projected', (events) => heard.push(...events));
    const listeners = async () => sql<{ pid: number }>(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'");
    await until(async () => (await listeners()).length === 2);
    await sql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'");
    await until(async () => (await listeners()).length === 2);
    const { started } = sessionPair();
    await ingest(a, started);
    await until(() => heard.some((e) => e.sessionId === started.sessionId));
  });

  it('rejects writes with CommitError when the server cannot commit, and accepts them again after', async () => {
    const url = await cluster().createDatabase();
    const store = await openStore(url);
    const database = new URL(url).pathname.slice(1);
    // The database turns read-only, and every connection to it is cut (a fail-over, a full disk).
    await sql(cluster().url(), `ALTER DATABASE ${database} SET default_transaction_read_only = on`);
    await sql(cluster().url(), 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
    const { started } = sessionPair();
    await expect(ingest(store, started)).rejects.toBeInstanceOf(CommitError);
    await expect(store.addNote({ sessionId: started.sessionId, text: 'x', author: 'a', at: 1 })).rejects.toBeInstanceOf(CommitError);
    await sql(cluster().url(), `ALTER DATABASE ${database} SET default_transaction_read_only = off`);
    await sql(cluster().url(), 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
    await until(async () => {
      try {
        return (await ingest(store, started)).duplicate === false;
      } catch {
        return false;
      }
    });
    expect(await store.storedEvents(started.sessionId)).toEqual(['session.started']);
  });

  it('indexes a transcript too long for one tsvector: stored, and every word found', async () => {
    const store = await openStore(await cluster().createDatabase());
    const { started, ended } = sessionPair({ messages: 0 });
    // 60,000 distinct words of 14 letters: several megabytes of text, past a tsvector's 1 MB.
    const word = (i: number) => `w${i.toString(36).padStart(6, 'q')}zyxwvut`;
    const lines = Array.from({ length: 600 }, (_, line) => Array.from({ length: 100 }, (_, k) => word(line * 100 + k)).join(' '));
    ended.data.transcript = lines.map((content) => ({ role: 'user' as const, content, timestamp: 1_780_000_000_000 }));
    expect(await ingest(store, started)).toEqual({ duplicate: false });
    expect(await ingest(store, ended)).toEqual({ duplicate: false });
    for (const query of [word(0), word(59_999), `${word(30_000)} ${word(12)}`]) {
      const page = await store.listSessions({ query, filters: {}, limit: 5, staleAfterMs: STALE });
      expect(page.items.map((s) => s.sessionId), query).toEqual([started.sessionId]);
    }
  });

  it('erases by retention in pages, records it, and finishes with a VACUUM (nothing to scrub)', async () => {
    const url = await cluster().createDatabase();
    const store = await openStore(url);
    const old = Array.from({ length: 5 }, () => sessionPair({ messages: 2 }));
    const recent = sessionPair({ messages: 2 });
    for (const p of old) {
      p.started.timestamp = '2020-01-01T10:00:00.000Z';
      p.ended.timestamp = '2020-01-01T10:05:00.000Z';
    }
    await Promise.all([...old, recent].flatMap((p) => [ingest(store, p.started), ingest(store, p.ended)]));
    const erasure = { kind: 'retention' as const, actor: 'owner', at: Date.now() };
    let page = await store.eraseSessions({ scope: { before: Date.parse('2021-01-01T00:00:00Z') }, erasure, budgetMs: 1_000 });
    let erased = page.erased;
    while (!page.done) {
      page = await store.eraseSessions({ scope: { before: Date.parse('2021-01-01T00:00:00Z') }, erasureId: page.erasureId, erasure, budgetMs: 1_000 });
      erased += page.erased;
    }
    expect(erased).toBe(5);
    expect(await store.scrubErased({ budgetMs: 10 })).toEqual({ done: true });
    expect(await store.finishErasures({ at: erasure.at + 1 })).toEqual({ finished: true });
    const view = await store.retention({ now: Date.now(), limit: 5 });
    expect(view.erasures).toEqual([{ id: page.erasureId, startedAt: erasure.at, kind: 'retention', sessions: 5, actor: 'owner', finishedAt: erasure.at + 1 }]);
    expect(await store.counts({ staleBefore: 0 })).toMatchObject({ sessions: 1, events: 2, messages: 2 });
    // Statistics reach pg_stat_user_tables shortly after, not at once.
    const vacuumed = async () =>
      (await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM pg_stat_user_tables WHERE relname IN ('events', 'sessions') AND last_vacuum IS NOT NULL"))[0]!.n;
    await until(async () => (await vacuumed()) === 2);
    for (const p of old) expect(await store.storedEvents(p.started.sessionId)).toEqual([]);
  });

  it('writes a backup in the export format (gzipped NDJSON) from one snapshot, and checks it', async () => {
    const url = await cluster().createDatabase();
    const store = await openStore(url);
    const pairs = Array.from({ length: 12 }, () => sessionPair({ messages: 4 }));
    await Promise.all(pairs.flatMap((p) => [ingest(store, p.started), ingest(store, p.ended)]));
    await ingest(store, sessionPair().started); // one that has only started
    const file = join(tempDir(), 'backup.ndjson.gz');
    const written = await store.backupTo(file);
    expect(written.check).toEqual({ ok: true, problems: [], schemaVersion: POSTGRES_SCHEMA_VERSION, counts: { sessions: 13, events: 25, messages: 48 } });
    expect(existsSync(file)).toBe(true);
    expect(written.bytes).toBe(readFileSync(file).length);
    const lines = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { sessionId: string; transcript: unknown[] });
    expect(lines).toHaveLength(13);
    expect(lines.map((l) => l.sessionId)).toEqual(expect.arrayContaining(pairs.map((p) => p.started.sessionId)));
  });
});
