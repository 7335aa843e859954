/**
 * PostgreSQL store benchmark (a measurement, not a test), at the store level: `serve --database`
 * is not wired yet, so this measures what the store adds, beside the SQLite store in the same run.
 *
 * 1. Ingest throughput, closed loop (BENCH_CONCURRENCY ingests in flight), signed-size session.ended
 *    events with 40 messages: the SQLite store as the engine runs it (threads, deferred indexing:
 *    the same-run baseline), one PostgresStore (one hub), and two PostgresStores on one database
 *    (two hubs, half the load each; both in this process, so they share its CPU).
 * 2. Acknowledgement latency on PostgreSQL at a steady BENCH_RATE per second (open loop).
 * 3. List and search p95 on an archive of BENCH_SESSIONS sessions, PostgreSQL beside SQLite.
 * 4. Migration 5 (search documents rebuilt) on an archive of BENCH_SESSIONS sessions of schema 4.
 *    BENCH_ONLY=migration measures only this (on 20,000 sessions: BENCH_SESSIONS=20000).
 *
 * BENCH_ONLY=statements: the server's work that migration 5 removed, statement by statement, the
 * old and the new form taking turns on one cluster (a batch of 20 sessions of 40 messages: the
 * messages INSERT with and without the foreign key, the documents' to_tsvector with archive_search
 * and with simple), BENCH_ROUNDS × 20 times each: less noisy than end-to-end ingest on a busy machine.
 *
 * Before and after a change, in one run: BENCH_BASELINE=<a checkout of the earlier commit, built
 * like this one> measures only ingest, its PostgresStore and this one's taking turns round by
 * round (in ABBA order, so a machine that slows down or speeds up during the run favours neither),
 * each on a database it created and migrated itself, beside the SQLite store once per round.
 *
 *   npm run bench:postgres
 *   BENCH_ROUNDS=3 BENCH_SECONDS=5 BENCH_CONCURRENCY=20 BENCH_RATE=50 BENCH_STEADY_SECONDS=10 BENCH_SESSIONS=20000
 *
 * The cluster is a throwaway one (tests/support/postgres.ts) with fsync ON, on this machine's temp
 * disk, on loopback: a hub on another machine adds a network round trip per batch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { PostgresStore } from '../electron/core/archive/postgres/postgres-store.js';
import { searchIndex } from '../electron/core/archive/postgres/search.js';
import { SqliteStore } from '../electron/core/archive/sqlite/sqlite-store.js';
import type { ArchiveStore } from '../electron/core/archive/store.js';
import { seededRandom, simulateSession, simulateSessions } from '../electron/core/simulator.js';
import type { SessionEndedPayload, SessionStartedPayload } from '../shared/payload.js';
import { startPostgresCluster, type PostgresCluster } from '../tests/support/postgres.js';
import { codeVersion, filesystemOf, percentile, readSetting } from './report.js';

const ROUNDS = readSetting('BENCH_ROUNDS', 3, 1, 20);
const SECONDS = readSetting('BENCH_SECONDS', 5, 1, 120);
const CONCURRENCY = readSetting('BENCH_CONCURRENCY', 20, 2, 500);
const RATE = readSetting('BENCH_RATE', 50, 1, 1000);
const STEADY_SECONDS = readSetting('BENCH_STEADY_SECONDS', 10, 1, 600);
const SESSIONS = readSetting('BENCH_SESSIONS', 20_000, 100, 1_000_000);
const READ_REPEATS = 40;
const ONLY_MIGRATION = process.env.BENCH_ONLY === 'migration';
const BASELINE = process.env.BENCH_BASELINE;
const ONLY_STATEMENTS = process.env.BENCH_ONLY === 'statements';

type Payload = SessionStartedPayload | SessionEndedPayload;
const tmp = mkdtempSync(join(os.tmpdir(), 'bench-postgres-'));
const random = seededRandom(7);
let endsAt = Date.parse('2026-06-01T00:00:00Z');
const nextEnded = (): SessionEndedPayload => simulateSession(random, { endsAt: (endsAt += 1000), messages: 40 }).ended;
const ingestOne = (store: ArchiveStore, payload: Payload) => store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() });

/** Closed loop: `stores` share `CONCURRENCY` workers for SECONDS; ingests resolved per second. */
async function throughput(stores: ArchiveStore[]): Promise<number> {
  for (const store of stores) await Promise.all(Array.from({ length: 50 }, () => ingestOne(store, nextEnded()))); // warm-up
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      const store = stores[worker % stores.length]!;
      while (performance.now() < deadline) {
        const result = await ingestOne(store, nextEnded());
        if (result.duplicate) throw new Error('a fresh event was reported as a duplicate');
        done += 1;
      }
    }),
  );
  return done / SECONDS;
}

async function steady(store: ArchiveStore): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < RATE * STEADY_SECONDS; i += 1) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await delay(wait);
    const payload = nextEnded();
    const sent = performance.now();
    pending.push(ingestOne(store, payload).then(() => void latencies.push(performance.now() - sent)));
  }
  await Promise.all(pending);
  return latencies;
}

/**
 * What migration 5 undid, done again: the archive as a hub of schema 4 left it (the text of
 * overlong documents was not kept then). Its search documents are rebuilt by the upgrade anyway.
 */
const BACK_TO_SCHEMA_4 = `
  ALTER TABLE messages ADD CONSTRAINT messages_session_id_fkey FOREIGN KEY (session_id) REFERENCES sessions (session_id) ON DELETE CASCADE;
  ALTER TABLE files ADD CONSTRAINT files_session_id_fkey FOREIGN KEY (session_id) REFERENCES sessions (session_id) ON DELETE CASCADE;
  ALTER TABLE follow_ups ADD CONSTRAINT follow_ups_session_id_fkey FOREIGN KEY (session_id) REFERENCES sessions (session_id) ON DELETE CASCADE;
  ALTER TABLE forward_outbox ADD CONSTRAINT forward_outbox_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;
  DROP TABLE session_search_texts;
  DELETE FROM archive_schema WHERE version >= 5;`;

/** Seconds the upgrade from schema 4 takes (every search document rebuilt) on `sessions` sessions. */
async function migrationSeconds(url: string, sessions: number): Promise<number> {
  const store = await PostgresStore.open(url);
  await load(store, sessions);
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(BACK_TO_SCHEMA_4);
  await client.end();
  const started = performance.now();
  const upgraded = await PostgresStore.open(url);
  const seconds = (performance.now() - started) / 1000;
  await upgraded.close();
  return seconds;
}

async function load(store: ArchiveStore, sessions: number): Promise<number> {
  const started = performance.now();
  const all = [...simulateSessions(sessions, { seed: 11, now: Date.parse('2026-06-01T00:00:00Z'), spreadDays: 365 })];
  for (let i = 0; i < all.length; i += 200) {
    await Promise.all(all.slice(i, i + 200).flatMap((s) => [ingestOne(store, s.started), ingestOne(store, s.ended)]));
  }
  await store.settled();
  return (performance.now() - started) / 1000;
}

const READS: Array<{ name: string; run: (store: ArchiveStore) => Promise<unknown> }> = [
  { name: 'first page', run: (s) => s.listSessions({ filters: {}, limit: 100, staleAfterMs: 7_200_000 }) },
  {
    name: 'page 10 (cursor)',
    run: async (s) => {
      let cursor: string | undefined;
      for (let i = 0; i < 10; i += 1) cursor = (await s.listSessions({ filters: {}, limit: 100, cursor, staleAfterMs: 7_200_000 })).nextCursor ?? undefined;
    },
  },
  { name: 'filtered (voice, tool errors)', run: (s) => s.listSessions({ filters: { mode: 'voice', hasToolErrors: true }, limit: 100, staleAfterMs: 7_200_000 }) },
  { name: 'search "the"', run: (s) => s.listSessions({ query: 'the', filters: {}, limit: 100, staleAfterMs: 7_200_000 }) },
  { name: 'search "gluten"', run: (s) => s.listSessions({ query: 'gluten', filters: {}, limit: 100, staleAfterMs: 7_200_000 }) },
  { name: 'search prefix "reserv"', run: (s) => s.listSessions({ query: 'reserv', filters: {}, limit: 100, staleAfterMs: 7_200_000 }) },
  { name: 'search "phone assistant"', run: (s) => s.listSessions({ query: 'phone assistant', filters: {}, limit: 100, staleAfterMs: 7_200_000 }) },
];

async function readTimes(store: ArchiveStore): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const read of READS) {
    await read.run(store);
    const times: number[] = [];
    for (let i = 0; i < READ_REPEATS; i += 1) {
      const t = performance.now();
      await read.run(store);
      times.push(performance.now() - t);
    }
    out.set(read.name, percentile(times, 95));
  }
  return out;
}

/** Milliseconds per batch (median, p90) of the old and new forms of the two statements migration 5 changed. */
async function statementCosts(cluster: PostgresCluster): Promise<string[]> {
  const [url4, url5] = [await cluster.createDatabase('stmt4'), await cluster.createDatabase('stmt5')];
  await (await PostgresStore.open(url4, { migrateTo: 4 })).close();
  await (await PostgresStore.open(url5)).close();
  const connect = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return client;
  };
  const [v4, v5] = [await connect(url4), await connect(url5)];
  const times: Record<'fk' | 'nofk' | 'unaccent' | 'simple', number[]> = { fk: [], nofk: [], unaccent: [], simple: [] };
  const timed = async (into: number[], run: () => Promise<unknown>) => {
    const t = performance.now();
    await run();
    into.push(performance.now() - t);
  };
  try {
    for (let i = 0; i < ROUNDS * 20; i += 1) {
      const batch = Array.from({ length: 20 }, () => nextEnded());
      const ids = batch.map((e) => e.sessionId);
      const messages = batch.flatMap((e) => e.data.transcript!.map((item, seq) => ({ id: e.sessionId, seq, item })));
      const documents = batch.map((e) => {
        const index = searchIndex([e.sessionId, e.data.reason ?? null, ...e.data.transcript!.map((m) => m.content)]);
        return index.positioned ? index.document : index.text;
      });
      for (const client of [v4, v5]) {
        await client.query(
          "INSERT INTO sessions (session_id, status, sort_at_ms, first_seen_at, updated_at) SELECT id, 'ended', 0, 0, 0 FROM unnest($1::text[]) AS id",
          [ids],
        );
      }
      const insertMessages = (client: pg.Client) =>
        client.query('INSERT INTO messages (session_id, seq, role, content) SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[])', [
          messages.map((m) => m.id),
          messages.map((m) => m.seq),
          messages.map((m) => m.item.role),
          messages.map((m) => m.item.content),
        ]);
      const vectors = (config: string) => v5.query(`SELECT sum(length(to_tsvector('${config}', d))) FROM unnest($1::text[]) AS d`, [documents]);
      // Alternate which goes first, so a machine that slows down favours neither.
      const pairs: Array<Array<[number[], () => Promise<unknown>]>> = [
        [[times.fk, () => insertMessages(v4)], [times.nofk, () => insertMessages(v5)]],
        [[times.unaccent, () => vectors('archive_search')], [times.simple, () => vectors('simple')]],
      ];
      for (const pair of pairs) for (const [into, run] of i % 2 === 0 ? pair : [...pair].reverse()) await timed(into, run);
    }
  } finally {
    await Promise.all([v4.end(), v5.end()]);
  }
  const cell = (values: number[]) => `${f1(percentile(values, 50))} ms (p90 ${f1(percentile(values, 90))})`;
  return [
    `Statements migration 5 changed, per batch of 20 sessions × 40 messages, ${times.fk.length} batches each, old and new taking turns ` +
      `(${new Date().toISOString()}, load ${os.loadavg().map(f1).join(' ')}, code ${codeVersion()}):`,
    '',
    '| statement | schema 4 | schema 5 | 5 / 4 |',
    '| --- | --- | --- | --- |',
    `| INSERT 800 messages | ${cell(times.fk)} (foreign key) | ${cell(times.nofk)} (none) | ${(percentile(times.nofk, 50) / percentile(times.fk, 50)).toFixed(2)} |`,
    `| to_tsvector of 20 documents | ${cell(times.unaccent)} (archive_search) | ${cell(times.simple)} (simple) | ${(percentile(times.simple, 50) / percentile(times.unaccent, 50)).toFixed(2)} |`,
  ];
}

type StoreClass = typeof PostgresStore;

/** Ingest per second, one hub and two, of `Store` on fresh databases (migrated by that code). */
async function hubRates(cluster: PostgresCluster, Store: StoreClass, name: string): Promise<{ one: number; two: number }> {
  const one = await Store.open(await cluster.createDatabase(`${name}1`));
  const oneRate = await throughput([one]);
  await one.close();
  const url = await cluster.createDatabase(`${name}2`);
  const hubs = [await Store.open(url), await Store.open(url)];
  const twoRate = await throughput(hubs);
  await Promise.all(hubs.map((h) => h.close()));
  return { one: oneRate, two: twoRate };
}

async function beforeAndAfter(cluster: PostgresCluster, baselineDir: string): Promise<string[]> {
  const module = (await import(pathToFileURL(join(baselineDir, 'electron/core/archive/postgres/postgres-store.ts')).href)) as { PostgresStore: StoreClass };
  const rows: Array<{ sqlite: number; before: { one: number; two: number }; after: { one: number; two: number } }> = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const sqlite = await SqliteStore.open(join(tmp, `ab-${round}.sqlite`), { threads: true, deferProjection: true });
    const sqliteRate = await throughput([sqlite]);
    await sqlite.close();
    const order = round % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    const rates: Partial<Record<'before' | 'after', { one: number; two: number }>> = {};
    for (const side of order) rates[side] = await hubRates(cluster, side === 'before' ? module.PostgresStore : PostgresStore, `${side}${round}`);
    rows.push({ sqlite: sqliteRate, before: rates.before!, after: rates.after! });
    console.error(`round ${round + 1}: sqlite ${f0(sqliteRate)}/s; before 1 hub ${f0(rates.before!.one)}/s, 2 hubs ${f0(rates.before!.two)}/s; after 1 hub ${f0(rates.after!.one)}/s, 2 hubs ${f0(rates.after!.two)}/s`);
  }
  const range = (values: number[]) => `${f0(Math.min(...values))}–${f0(Math.max(...values))}/s`;
  return [
    `### Before and after: \`BENCH_BASELINE\``,
    '',
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, load ${os.loadavg().map(f1).join(' ')}; ` +
      `fsync on; after: code ${codeVersion()}; before: ${baselineDir}. ${CONCURRENCY} ingests in flight, ${SECONDS} s per target, ${ROUNDS} rounds (ABBA); session.ended events with 40 messages.`,
    '',
    '| round | SQLite store | before, 1 hub | after, 1 hub | after / before | before, 2 hubs | after, 2 hubs | after / before |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r, i) =>
        `| ${i + 1} | ${f0(r.sqlite)}/s | ${f0(r.before.one)}/s | ${f0(r.after.one)}/s | ${(r.after.one / r.before.one).toFixed(2)} | ${f0(r.before.two)}/s | ${f0(r.after.two)}/s | ${(r.after.two / r.before.two).toFixed(2)} |`,
    ),
    `| range | ${range(rows.map((r) => r.sqlite))} | ${range(rows.map((r) => r.before.one))} | ${range(rows.map((r) => r.after.one))} | ${median(rows.map((r) => r.after.one / r.before.one)).toFixed(2)} (median) | ` +
      `${range(rows.map((r) => r.before.two))} | ${range(rows.map((r) => r.after.two))} | ${median(rows.map((r) => r.after.two / r.before.two)).toFixed(2)} (median) |`,
  ];
}

const f1 = (n: number) => n.toFixed(1);
const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (values: number[]) => percentile(values, 50);

async function main(): Promise<void> {
  const cluster = await startPostgresCluster({ durable: true });
  try {
    if (ONLY_STATEMENTS) {
      console.log((await statementCosts(cluster)).join('\n'));
      return;
    }
    if (BASELINE) {
      console.log((await beforeAndAfter(cluster, BASELINE)).join('\n'));
      return;
    }
    if (ONLY_MIGRATION) {
      const seconds = await migrationSeconds(await cluster.createDatabase('upgrade'), SESSIONS);
      console.log(`Migration 5 on ${f0(SESSIONS)} sessions of schema 4 (every search document rebuilt): ${seconds.toFixed(1)} s; code ${codeVersion()}, load ${os.loadavg().map(f1).join(' ')}.`);
      return;
    }
    const rows: Array<{ sqlite: number; one: number; two: number; perCommit: number }> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const sqlite = await SqliteStore.open(join(tmp, `ingest-${round}.sqlite`), { threads: true, deferProjection: true });
      const sqliteRate = await throughput([sqlite]);
      await sqlite.close();
      const one = await PostgresStore.open(await cluster.createDatabase('ingest1'));
      const oneRate = await throughput([one]);
      const stats = await one.commitStats();
      await one.close();
      const url = await cluster.createDatabase('ingest2');
      const hubs = [await PostgresStore.open(url), await PostgresStore.open(url)];
      const twoRate = await throughput(hubs);
      await Promise.all(hubs.map((h) => h.close()));
      rows.push({ sqlite: sqliteRate, one: oneRate, two: twoRate, perCommit: stats.jobs / stats.transactions });
      console.error(`round ${round + 1}: sqlite ${f0(sqliteRate)}/s, pg 1 hub ${f0(oneRate)}/s, pg 2 hubs ${f0(twoRate)}/s`);
    }

    const steadyStore = await PostgresStore.open(await cluster.createDatabase('steady'));
    const latencies = await steady(steadyStore);
    await steadyStore.close();

    const pg = await PostgresStore.open(await cluster.createDatabase('reads'));
    const pgLoad = await load(pg, SESSIONS);
    const sqliteReads = await SqliteStore.open(join(tmp, 'reads.sqlite'), { threads: true });
    const sqliteLoad = await load(sqliteReads, SESSIONS);
    const pgTimes = await readTimes(pg);
    const sqliteTimes = await readTimes(sqliteReads);
    await pg.close();
    await sqliteReads.close();
    const upgrade = await migrationSeconds(await cluster.createDatabase('upgrade'), SESSIONS);

    const lines = [
      `## PostgreSQL store (issue 12): \`bench/postgres.ts\``,
      '',
      `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, load ${os.loadavg().map(f1).join(' ')}; ` +
        `PostgreSQL cluster on ${filesystemOf(tmp)} with fsync on; code ${codeVersion()}. Store level (no HTTP): ${CONCURRENCY} ingests in flight, ` +
        `${SECONDS} s per target per round, ${ROUNDS} rounds; session.ended events with 40 messages.`,
      '',
      '| round | SQLite store (engine setup) | PostgreSQL, 1 hub | PostgreSQL, 2 hubs | 1 hub / SQLite | 2 hubs / 1 hub | 1 hub: ingests per commit |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows.map((r, i) => `| ${i + 1} | ${f0(r.sqlite)}/s | ${f0(r.one)}/s | ${f0(r.two)}/s | ${(r.one / r.sqlite).toFixed(2)} | ${(r.two / r.one).toFixed(2)} | ${f1(r.perCommit)} |`),
      `| median | ${f0(median(rows.map((r) => r.sqlite)))}/s | ${f0(median(rows.map((r) => r.one)))}/s | ${f0(median(rows.map((r) => r.two)))}/s | ${median(rows.map((r) => r.one / r.sqlite)).toFixed(2)} | ${median(rows.map((r) => r.two / r.one)).toFixed(2)} | ${f1(median(rows.map((r) => r.perCommit)))} |`,
      '',
      `Acknowledgement latency on PostgreSQL at a steady ${RATE}/s for ${STEADY_SECONDS} s (${latencies.length} ingests): ` +
        `p50 ${f1(percentile(latencies, 50))} ms, p99 ${f1(percentile(latencies, 99))} ms, max ${f1(Math.max(...latencies))} ms.`,
      '',
      `Reads on ${f0(SESSIONS)} sessions (loaded in ${f0(pgLoad)} s on PostgreSQL, ${f0(sqliteLoad)} s on SQLite), p95 of ${READ_REPEATS} after one warm-up:`,
      '',
      '| read | PostgreSQL p95 | SQLite p95 |',
      '| --- | --- | --- |',
      ...READS.map((r) => `| ${r.name} | ${f1(pgTimes.get(r.name)!)} ms | ${f1(sqliteTimes.get(r.name)!)} ms |`),
      '',
      `Migration 5 on ${f0(SESSIONS)} sessions of schema 4 (every search document rebuilt): ${upgrade.toFixed(1)} s.`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await cluster.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
