/**
 * Two hubs doing the same work at once on one real PostgreSQL database: two PostgresStores (or two
 * engines) in this process where the work is the store's, two `serve --database` processes where it
 * is the process's (a forwarder killed -9, hubs starting on an empty database).
 *
 * - forwarders claiming from one outbox: every forward reaches a real loopback target exactly once;
 *   a hub killed -9 mid-send leaves its leased rows to the other, which sends them once the lease ends;
 * - retention and the erasure of one caller on both hubs at once: no error, nothing counted twice,
 *   the archive left as one hub alone leaves it, the audit log saying what each hub erased;
 * - two serve processes starting together on an empty database: one migrates, both receive;
 * - owner edits and triage re-runs of one session on both hubs at once: no error reaches a caller
 *   (a deadlock or serialization failure is retried by the store), the last write wins.
 */
import { beforeAll, expect, it } from 'vitest';
import { POSTGRES_SCHEMA_VERSION } from '../../electron/core/archive/postgres/postgres-store.js';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { Forwarder } from '../../electron/core/forwarding/forwarder.js';
import { createSender } from '../../electron/core/forwarding/sender.js';
import { simulateSessions } from '../../electron/core/simulator.js';
import type { SessionEndedPayload, SessionStartedPayload } from '../../shared/payload.js';
import { assertBuilt, freePort, startServe, type ServeProcess } from '../support/cli.js';
import { onCleanup, SECRET, signedRequest, tempDir } from '../support/fixtures.js';
import { startForwardTarget, type ForwardTargetServer } from '../support/forward-target.js';
import { describePostgres, usePostgresCluster } from '../support/postgres-fixture.js';
import { openPostgresStore as openStore, sqlAt as sql } from '../support/postgres-store.js';

beforeAll(assertBuilt);

const TARGET_SECRET = 'concurrent-hubs-target-secret-0123';
const FAST_RETRY = { baseMs: 50, maxMs: 200, retryForMs: 120_000 };

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type Payload = SessionStartedPayload | SessionEndedPayload;

function ingestAll(store: ArchiveStore, payloads: Payload[]): Promise<unknown> {
  return Promise.all(payloads.map((payload) => store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() })));
}

function calls(count: number, seed: number): Payload[] {
  return [...simulateSessions(count, { seed })].flatMap(({ started, ended }) => [started, ended]);
}

/** Forwards the target received, by Idempotency-Key (session:event). */
function receivedByKey(target: ForwardTargetServer): Map<string, number> {
  const keys = new Map<string, number>();
  for (const request of target.received) {
    const key = String(request.headers['idempotency-key']);
    keys.set(key, (keys.get(key) ?? 0) + 1);
  }
  return keys;
}

async function outboxStates(url: string): Promise<Record<string, number>> {
  const rows = await sql<{ state: string; n: number }>(url, 'SELECT state, count(*)::int AS n FROM forward_outbox GROUP BY state');
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

describePostgres('two hubs on one database at once', () => {
  const cluster = usePostgresCluster();

  it('two forwarders claiming from one outbox send every forward exactly once per target', { timeout: 180_000 }, async () => {
    const url = await cluster().createDatabase();
    const [a, b] = await Promise.all([openStore(url), openStore(url)]);
    // 4 targets x 600 events: 2,400 outbox rows (several targets, so each hub has 16 sends in flight).
    const targets = await Promise.all([0, 1, 2, 3].map(() => startForwardTarget({ lifetimeMs: 170_000 })));
    for (const target of targets) {
      await a.saveForwardTarget({ url: target.url, events: ['session.started', 'session.ended'], headers: {}, secret: TARGET_SECRET, origin: 'owner', at: Date.now() });
    }
    const payloads = calls(300, 12);
    await ingestAll(a, payloads);
    const expected = payloads.length * targets.length;
    expect(await outboxStates(url)).toEqual({ pending: expected });

    const sent = { a: 0, b: 0 };
    const forwarders = ([['a', a], ['b', b]] as const).map(([name, store]) => {
      const forwarder = new Forwarder({ store, sender: createSender(), timeoutMs: 5_000, retry: FAST_RETRY, pollMs: 50, stopGraceMs: 500 });
      forwarder.on('attempt', ({ ok }) => {
        if (ok) sent[name] += 1;
      });
      onCleanup(() => forwarder.stop());
      return forwarder;
    });
    for (const forwarder of forwarders) forwarder.start();
    await until('every forward sent', async () => (await outboxStates(url)).sent === expected, 150_000);
    await Promise.all(forwarders.map((forwarder) => forwarder.stop()));

    // Both hubs took part, and together they sent each row once.
    expect(sent.a).toBeGreaterThan(0);
    expect(sent.b).toBeGreaterThan(0);
    expect(sent.a + sent.b).toBe(expected);
    for (const target of targets) {
      const keys = receivedByKey(target);
      expect(keys.size).toBe(payloads.length);
      expect([...keys.values()].filter((n) => n !== 1)).toEqual([]);
      expect(target.received).toHaveLength(payloads.length);
    }
    const attempts = await sql<{ outcome: string; n: number }>(url, 'SELECT outcome, count(*)::int AS n FROM forward_attempts GROUP BY outcome');
    expect(attempts).toEqual([{ outcome: 'ok', n: expected }]);
    expect(await outboxStates(url)).toEqual({ sent: expected });
  });

  it('a hub killed -9 mid-send leaves nothing claimed for good: the other sends its rows once their lease ends', { timeout: 240_000 }, async () => {
    const url = await cluster().createDatabase();
    const seeder = await openStore(url);
    // Answers slowly, so each hub always has sends in flight when one is killed.
    const target = await startForwardTarget({ behaviour: 'slow', slowMs: 20, lifetimeMs: 230_000 });
    await seeder.saveForwardTarget({ url: target.url, events: ['session.started', 'session.ended'], headers: {}, secret: TARGET_SECRET, origin: 'owner', at: Date.now() });
    const payloads = calls(1_000, 34);
    await ingestAll(seeder, payloads);
    await seeder.close();

    const hubs: ServeProcess[] = await Promise.all(
      [0, 1].map(async () => startServe(['--database', url, '--data-dir', tempDir(), '--port', String(await freePort()), '--secret', SECRET, '--no-ui'], { timeoutMs: 60_000 })),
    );
    await target.waitFor(payloads.length / 4, 120_000);
    hubs[0]!.child.kill('SIGKILL');
    const killedAt = Date.now();
    await hubs[0]!.exited;
    // What the killed hub had leased and not finished: the lease (the send timeout + 5 s) still holds them.
    const leased = await sql<{ key: string }>(url, "SELECT session_id || ':' || event AS key FROM forward_outbox WHERE state = 'pending' AND claimed_until > $1", [Date.now()]);
    expect(leased.length).toBeGreaterThan(0);

    await until('every forward sent by the hub left', async () => (await outboxStates(url)).sent === payloads.length, 150_000);
    expect(await outboxStates(url)).toEqual({ sent: payloads.length });
    expect((await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM forward_outbox WHERE claimed_until IS NOT NULL'))[0]!.n).toBe(0);

    const keys = receivedByKey(target);
    expect(keys.size).toBe(payloads.length);
    // At least once: only a row in flight at the kill may arrive twice (the killed hub sent it, never recorded it).
    const twice = [...keys].filter(([, n]) => n > 1);
    expect(twice.every(([, n]) => n === 2)).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(16); // the forwarder's maxInFlight
    // The rows the killed hub held went out after their lease ended, sent by the other hub.
    const late = target.received.filter((request) => request.at >= killedAt + 10_000).map((request) => String(request.headers['idempotency-key']));
    expect(leased.filter(({ key }) => late.includes(key)).length).toBeGreaterThan(0);
    expect(hubs[1]!.child.exitCode).toBeNull();
  });

  it('retention and the erasure of one caller on two hubs at once: the result of one hub alone, each session counted once, audit entries that add up', { timeout: 180_000 }, async () => {
    const CALLER = '+12025550999';
    const seed = () => {
      const payloads = [...simulateSessions(120, { seed: 56 })].map(({ started, ended }, n) => {
        // Half of them old (past the retention cutoff); every fourth one from the same caller.
        if (n % 2 === 0) {
          started.timestamp = new Date(Date.UTC(2019, 0, 1 + n)).toISOString();
          ended.timestamp = new Date(Date.UTC(2019, 0, 1 + n, 0, 5)).toISOString();
        }
        if (n % 4 === 0 || n % 4 === 1) {
          started.data.metadata = { ...(started.data.metadata ?? {}), source: 'telephony', from: CALLER };
        }
        return [started, ended];
      });
      return payloads.flat();
    };
    const engineOn = async (url: string) => {
      const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET, databaseUrl: url, backupsFolder: tempDir() }));
      onCleanup(() => engine.stop());
      return { engine, service: new ArchiveService(engine, { host: 'serve' }) };
    };
    const callerKeyOf = async (url: string) => (await sql<{ k: string }>(url, "SELECT DISTINCT caller_key AS k FROM sessions WHERE caller_key LIKE '%0999%'")).map((row) => row.k);
    const snapshot = async (url: string) => ({
      sessions: (await sql<{ id: string }>(url, 'SELECT session_id AS id FROM sessions ORDER BY 1')).map((row) => row.id),
      events: (await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM events'))[0]!.n,
      counters: await sql<{ name: string; value: number }>(url, 'SELECT name, value::int AS value FROM counters ORDER BY name'),
    });

    // One hub alone: the reference.
    const aloneUrl = await cluster().createDatabase();
    const alone = await engineOn(aloneUrl);
    await ingestAll(alone.engine.archive, seed());
    const [callerKey] = await callerKeyOf(aloneUrl);
    expect(callerKey).toBeDefined();
    const erasedByCallerAlone = ((await alone.service.call('eraseCaller', { key: callerKey })) as { erased: number }).erased;
    await alone.engine.archive.setRetention('1y');
    const retentionAlone = await alone.engine.retention.runNow();
    expect(erasedByCallerAlone).toBe(60);
    expect(retentionAlone.erased).toBe(30); // the old ones the caller erasure left
    const reference = await snapshot(aloneUrl);

    // Two hubs, the same work at once.
    const url = await cluster().createDatabase();
    const [one, two] = [await engineOn(url), await engineOn(url)];
    await ingestAll(one.engine.archive, seed());
    await one.engine.archive.setRetention('1y');
    const results = await Promise.all([
      one.service.call('eraseCaller', { key: callerKey }) as Promise<{ erased: number }>,
      two.service.call('eraseCaller', { key: callerKey }) as Promise<{ erased: number }>,
      one.engine.retention.runNow(),
      two.engine.retention.runNow(),
    ]);
    await Promise.all([one.engine.eraser.scrubbed(), two.engine.eraser.scrubbed()]);
    const [c1, c2, r1, r2] = results as [{ erased: number }, { erased: number }, { erased: number }, { erased: number }];
    // Every session erased is counted by exactly one hub.
    expect(c1.erased + c2.erased + r1.erased + r2.erased).toBe(erasedByCallerAlone + retentionAlone.erased);
    expect(await snapshot(url)).toEqual(reference);

    const erasures = await sql<{ kind: string; sessions: number; finished: boolean }>(url, 'SELECT kind, sessions, finished_at IS NOT NULL AS finished FROM erasures');
    expect(erasures.reduce((sum, row) => sum + row.sessions, 0)).toBe(90);
    expect(erasures.every((row) => row.sessions > 0 && row.finished)).toBe(true);
    const audit = await sql<{ action: string; detail: string }>(url, "SELECT action, detail FROM audit_log WHERE action = 'erase' ORDER BY id");
    expect(audit).toHaveLength(2);
    const auditSum = audit.reduce((sum, row) => sum + Number(/^(\d+) sessions? of one caller$/.exec(row.detail)?.[1] ?? NaN), 0);
    expect(auditSum).toBe(c1.erased + c2.erased);
    for (const { engine } of [one, two]) expect((await engine.archive.retention({ now: Date.now(), limit: 0 })).preview.sessions).toBe(0);
  });

  it('two serve processes starting together on an empty database: one migrates, both receive', { timeout: 120_000 }, async () => {
    const url = await cluster().createDatabase();
    const ports = [await freePort(), await freePort()];
    const hubs = await Promise.all(ports.map((port) => startServe(['--database', url, '--data-dir', tempDir(), '--port', String(port), '--secret', SECRET, '--no-ui'], { timeoutMs: 60_000 })));
    const versions = await sql<{ version: number }>(url, 'SELECT version FROM archive_schema ORDER BY version');
    expect(versions.map((row) => row.version)).toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
    const [started, ended] = calls(1, 78) as [SessionStartedPayload, SessionEndedPayload];
    const post = async (port: number, payload: Payload) => {
      const request = signedRequest(payload);
      const response = await fetch(`http://127.0.0.1:${port}/webhook`, { method: 'POST', headers: request.headers, body: request.payload, signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      return response.status;
    };
    expect(await post(ports[0]!, started)).toBe(200);
    expect(await post(ports[1]!, ended)).toBe(200);
    expect(await sql(url, 'SELECT event FROM events WHERE session_id = $1 ORDER BY event', [started.sessionId])).toEqual([{ event: 'session.ended' }, { event: 'session.started' }]);
    for (const hub of hubs) {
      expect(hub.child.exitCode).toBeNull();
      expect(hub.stderr()).not.toMatch(/error|already exists/i);
    }
  });

  it('owner edits and triage re-runs of one session on two hubs at once: no error reaches a caller, the last write wins', { timeout: 180_000 }, async () => {
    const url = await cluster().createDatabase();
    const [a, b] = await Promise.all([openStore(url), openStore(url)]);
    const payloads = calls(40, 90);
    await ingestAll(a, payloads);
    const sessionIds = [...new Set(payloads.map((payload) => payload.sessionId))];
    const target = sessionIds[0]!;
    const tags = await Promise.all([a.saveTag({ name: 'urgent', color: 'red' }), b.saveTag({ name: 'billing', color: 'blue' })]);
    const now = Date.now();
    const retriageAll = async (store: ArchiveStore) => {
      let after: number | null = null;
      do {
        const page = await store.retriage({ after: after ?? undefined, budgetMs: 5, now, staleBefore: now - 3_600_000 });
        after = page.nextAfter;
      } while (after !== null);
    };

    const failures: unknown[] = [];
    const noted = { a: 0, b: 0 };
    const ROUNDS = 8;
    for (let round = 0; round < ROUNDS; round += 1) {
      const work: Array<Promise<unknown>> = [];
      for (const [name, store, state] of [['a', a, 'done'], ['b', b, 'follow-up']] as const) {
        // Both hubs change the same sessions (and, in the re-run, every session), in opposite orders:
        // each hub's edits share one transaction, so their row locks are taken crosswise (deadlocks).
        const edits = [
          () => store.setFollowUp({ sessionId: target, state, snoozedUntil: null, actor: name, at: Date.now() }),
          () => store.addNote({ sessionId: target, text: `${name} ${round}`, author: name, at: Date.now() }).then(() => (noted[name] += 1)),
          () => store.tagSession({ sessionId: target, tagId: tags[name === 'a' ? 0 : 1]!.id, on: round % 2 === 0, actor: name, at: Date.now() }),
          ...sessionIds.slice(1, 12).map((other) => () => store.setFollowUp({ sessionId: other, state, snoozedUntil: null, actor: name, at: Date.now() })),
          () => (round % 4 === 0 ? retriageAll(store) : store.triageStale({ staleBefore: now - 3_600_000, now })),
        ];
        for (const edit of name === 'a' ? edits : edits.reverse()) work.push(edit());
      }
      for (const result of await Promise.allSettled(work)) if (result.status === 'rejected') failures.push(result.reason);
    }
    expect(failures.map((error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)))).toEqual([]);
    expect(noted).toEqual({ a: ROUNDS, b: ROUNDS });
    // The server did detect deadlocks between the hubs (each costs its deadlock_timeout, 1 s): the store ran those batches again.
    const { deadlocks } = (await sql<{ deadlocks: number }>(url, 'SELECT deadlocks::int FROM pg_stat_database WHERE datname = current_database()'))[0]!;
    expect(deadlocks).toBeGreaterThan(0);

    // The last write wins: one more edit from each hub in turn, and both read what was written last.
    await a.setFollowUp({ sessionId: target, state: 'done', snoozedUntil: null, actor: 'a', at: Date.now() });
    await b.setFollowUp({ sessionId: target, state: 'follow-up', snoozedUntil: null, actor: 'b', at: Date.now() });
    for (const store of [a, b]) {
      const view = await store.getFollowUp(target);
      expect(view?.state).toBe('follow-up');
      expect(view?.notes).toHaveLength(2 * ROUNDS);
    }
    const at = Date.now();
    expect(await a.followUpCounts(at)).toEqual(await b.followUpCounts(at));
  });
});
