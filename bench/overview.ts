/**
 * Overview benchmark (a measurement, not a test), issue 13's target on the 100,000-session archive
 * of the store benchmark: the whole Overview page's data (store.overview: every chart, the previous
 * period, one snapshot) for 12 months in p95 < 150 ms, and for 30 days. Baseline in the same rounds:
 * the Sessions list's first page (listSessions, 100 rows, no filter), the read every window makes.
 *
 *   npm run bench:overview                  # builds first (the reader thread runs from dist/)
 *   BENCH_ROUNDS=30 BENCH_SESSIONS=100000 BENCH_TMPDIR=/some/disk
 *   BENCH_DATABASE=postgres npm run bench:overview   # also PostgreSQL, same archive, same rounds
 *
 * It works on a copy of the cached archive (bench/.cache/store-<n>, built by the CLI when missing)
 * in a temp dir removed afterwards. Opening the copy applies the migrations (timed: the overview's
 * indexes and tool rollup are built then), and the first pass of the triage rules runs as the
 * engine would run it on an upgraded archive, so follow-ups and callers exist. Reads go through the
 * store on its reader thread, as the window's do. Report: bench/results/overview-latest.md.
 *
 * With BENCH_DATABASE=postgres the same archive is also copied into a throwaway PostgreSQL cluster
 * (overview-postgres.ts: export pages imported at schema 4, then migration 6 timed as it fills the
 * rollups), triaged the same way, and measured in the same interleaved rounds: each read on
 * PostgreSQL beside SQLite. Report: bench/results/overview-postgres-latest.md.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { SqliteStore } from '../electron/core/archive/sqlite/sqlite-store.js';
import { DAY_MS, offsetSegments } from '../shared/overview.js';
import { cleanUp, copyArchive, cpuSnapshot, createRunDir, ensureArchive, fmt, ms1, otherLoad, publishReport, sqliteVersion, summarize, verdict } from './harness.js';
import { archivePath } from '../electron/core/paths.js';
import { openDatabase } from '../electron/core/archive/sqlite/database.js';
import { MIGRATIONS } from '../electron/core/archive/sqlite/migrations.js';
import { codeVersion, filesystemOf, readSetting } from './report.js';
import { postgresCopyOf, type PostgresSide } from './overview-postgres.js';
import type { ArchiveStore } from '../electron/core/archive/store.js';

const TARGET_P95_MS = 150;
const sessions = readSetting('BENCH_SESSIONS', 100_000, 1_000, 1_000_000);
const rounds = readSetting('BENCH_ROUNDS', 30, 5, 500);
const database = process.env.BENCH_DATABASE ?? 'sqlite';
if (database !== 'sqlite' && database !== 'postgres') throw new Error(`BENCH_DATABASE is sqlite or postgres, not "${database}"`);
/** Europe/Berlin's offsets, by rule: a 12-month period crosses two DST changes, as it would for most viewers. */
const berlin = (ms: number) => {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  const lastSunday = (month: number) => {
    const last = new Date(Date.UTC(year, month + 1, 0, 1));
    return last.getTime() - last.getUTCDay() * DAY_MS;
  };
  return ms >= lastSunday(2) && ms < lastSunday(9) ? 120 : 60;
};

async function main(): Promise<void> {
  const problems: string[] = [];
  const { dir: cached } = await ensureArchive(sessions);
  const runDir = createRunDir(process.env.BENCH_TMPDIR ?? os.tmpdir(), 'bench-overview-');
  const copy = copyArchive(cached, runDir);
  console.log(`bench: copied the ${fmt(sessions)}-session archive (${fmt(copy.bytes / 1e6)} MB) in ${fmt(copy.ms)} ms`);

  // The archive as the previous version left it, then the overview's migration alone (timed):
  // the upgrade a 100,000-session archive goes through once, at its first start.
  const overviewVersion = MIGRATIONS.find((m) => m.sql.includes('CREATE TABLE overview_hours'))!.version;
  let started = performance.now();
  openDatabase(archivePath(runDir), { migrateTo: overviewVersion - 1 }).close();
  const earlierMs = performance.now() - started;
  started = performance.now();
  const store = await SqliteStore.open(archivePath(runDir), { threads: true, onFallback: (reason) => problems.push(`reader thread fell back: ${reason}`) });
  const openMs = performance.now() - started;
  const now = Date.now();
  const triageMs = await triageAll(store, now);
  const postgres = database === 'postgres' ? await postgresCopyOf(store, runDir, sessions) : null;
  const postgresTriageMs = postgres ? await triageAll(postgres.store, now) : 0;

  // Each archive's periods end at its newest session: bench:hub's PostgreSQL dump of the same demo
  // archive was built at another time, and demo dates every session from the time it runs.
  const periodsOf = async (target: ArchiveStore) => {
    const to = ((await target.facets()).newestSortAt ?? now) + 1;
    return [
      { label: 'overview, 12 months', from: to - 365 * DAY_MS },
      { label: 'overview, 30 days', from: to - 30 * DAY_MS },
    ].map((period) => ({ ...period, to, utcOffsets: offsetSegments(period.from, to, berlin) }));
  };
  const BASELINE = 'listSessions, first page (baseline)';
  const stores: Array<{ name: string; store: ArchiveStore; periods: Awaited<ReturnType<typeof periodsOf>> }> = [
    { name: 'SQLite', store, periods: await periodsOf(store) },
    ...(postgres ? [{ name: 'PostgreSQL', store: postgres.store, periods: await periodsOf(postgres.store) }] : []),
  ];
  const periods = stores[0]!.periods;
  /** Samples per store and read. */
  const samples = new Map(stores.map((s) => [s.name, new Map<string, number[]>([BASELINE, ...periods.map((p) => p.label)].map((label) => [label, []]))]));
  const calls12 = new Map<string, number>();
  const cpuBefore = cpuSnapshot();
  for (let round = 0; round < rounds; round += 1) {
    for (const { name, store: target, periods: own } of stores) {
      const mine = samples.get(name)!;
      let t = performance.now();
      await target.listSessions({ filters: {}, limit: 100, staleAfterMs: 2 * 3_600_000 });
      mine.get(BASELINE)!.push(performance.now() - t);
      for (const period of own) {
        t = performance.now();
        const result = await target.overview({ from: period.from, to: period.to, utcOffsets: period.utcOffsets, now });
        mine.get(period.label)!.push(performance.now() - t);
        if (period === own[0]) calls12.set(name, result.totals.calls);
      }
    }
  }
  const cpuAfter = cpuSnapshot();
  if (postgres && calls12.get('PostgreSQL') !== calls12.get('SQLite')) problems.push(`the 12-month period holds ${calls12.get('PostgreSQL')} sessions on PostgreSQL, ${calls12.get('SQLite')} on SQLite`);
  await store.close();
  if (postgres) {
    await postgres.store.close();
    await postgres.cluster.stop();
  }

  const table = (name: string) => {
    const mine = samples.get(name)!;
    const baseline = summarize(mine.get(BASELINE)!);
    return [
      '| read | p50 ms | p95 ms | max ms | p95 vs baseline |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...[...mine].map(([label, values]) => {
        const s = summarize(values);
        return `| ${label} | ${ms1(s.p50)} | ${ms1(s.p95)} | ${ms1(s.max)} | ${fmt(s.p95 / baseline.p95, 1)}× |`;
      }),
    ];
  };
  const year = (name: string) => summarize(samples.get(name)!.get(periods[0]!.label)!);
  const lines = postgres ? postgresReport(postgres, { sessions, rounds, triageMs, postgresTriageMs, calls12: calls12.get('SQLite')!, load: otherLoad(cpuBefore, cpuAfter), runDir }) : [
    `## Overview (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, SQLite ${sqliteVersion()}, ${codeVersion()})`,
    '',
    `${fmt(sessions)}-session archive (the store benchmark's): earlier migrations ${fmt(earlierMs)} ms, then the overview's migration (${overviewVersion}: indexes, tool rollup and hourly rollups filled from the archive) and opening ${fmt(openMs)} ms; first triage pass ${fmt(triageMs / 1000, 1)} s; ` +
      `the 12-month period holds ${fmt(calls12.get('SQLite')!)} sessions. ${rounds} interleaved rounds on the reader thread, Europe/Berlin offsets (two DST changes in 12 months). ` +
      `Other load on the machine: ${otherLoad(cpuBefore, cpuAfter)}.`,
    '',
    ...table('SQLite'),
    '',
    `Target: the whole page's data for 12 months in p95 < ${TARGET_P95_MS} ms: ${verdict(year('SQLite').p95 < TARGET_P95_MS)} (${ms1(year('SQLite').p95)} ms).`,
    '',
  ];
  publishReport(lines.join('\n'), postgres ? 'overview-postgres-latest.md' : 'overview-latest.md', problems);

  function postgresReport(pgSide: PostgresSide, run: { sessions: number; rounds: number; triageMs: number; postgresTriageMs: number; calls12: number; load: string; runDir: string }): string[] {
    const [pgYear, sqliteYear] = [year('PostgreSQL'), year('SQLite')];
    return [
      `### PostgreSQL overview (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, SQLite ${sqliteVersion()}, ${codeVersion()})`,
      '',
      (pgSide.filled.kind === 'migrated'
        ? `The ${fmt(run.sessions)}-session archive of the store benchmark, copied into a throwaway PostgreSQL cluster on ${filesystemOf(run.runDir)} (export pages imported at schema 4: ${fmt(pgSide.loadSeconds)} s), ` +
          `then opened at the latest schema: migration 6 filled the rollups in ${fmt(pgSide.filled.migrationMs)} ms. `
        : `The ${fmt(run.sessions)}-session archive of the store benchmark, in a throwaway PostgreSQL cluster on ${filesystemOf(run.runDir)}: bench:hub's dump of the same \`demo\` archive (${pgSide.filled.dump}: built at another time, so every session is dated later by the same amount; each archive's periods end at its own newest session) restored and analyzed in ${fmt(pgSide.loadSeconds)} s, sessions and events counted equal to the SQLite archive's. `) +
        `First triage pass: PostgreSQL ${fmt(run.postgresTriageMs / 1000, 1)} s, SQLite ${fmt(run.triageMs / 1000, 1)} s. ` +
        `The 12-month period holds ${fmt(run.calls12)} sessions on both. ${run.rounds} interleaved rounds (each round reads SQLite, then PostgreSQL), Europe/Berlin offsets. Other load on the machine: ${run.load}.`,
      '',
      'PostgreSQL (the store in this process, one pooled connection per read):',
      '',
      ...table('PostgreSQL'),
      '',
      'SQLite, same run (reader thread):',
      '',
      ...table('SQLite'),
      '',
      `Target: the whole page's data for 12 months in p95 < ${TARGET_P95_MS} ms: PostgreSQL ${verdict(pgYear.p95 < TARGET_P95_MS)} (${ms1(pgYear.p95)} ms; SQLite ${ms1(sqliteYear.p95)} ms, ${fmt(pgYear.p95 / sqliteYear.p95, 1)}×).`,
      '',
    ];
  }
}

/** The first pass of the triage rules, as the engine runs it on an upgraded archive (follow-ups and callers then exist). */
async function triageAll(target: ArchiveStore, now: number): Promise<number> {
  const started = performance.now();
  for (let after: number | undefined; ; ) {
    const page = await target.retriage({ after, budgetMs: 200, now, staleBefore: now - 2 * 3_600_000 });
    if (page.nextAfter === null) break;
    after = page.nextAfter;
  }
  return performance.now() - started;
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  })
  .finally(cleanUp);
