/**
 * Overview benchmark (a measurement, not a test), issue 13's target on the 100,000-session archive
 * of the store benchmark: the whole Overview page's data (store.overview: every chart, the previous
 * period, one snapshot) for 12 months in p95 < 150 ms, and for 30 days. Baseline in the same rounds:
 * the Sessions list's first page (listSessions, 100 rows, no filter), the read every window makes.
 *
 *   npm run bench:overview                  # builds first (the reader thread runs from dist/)
 *   BENCH_ROUNDS=30 BENCH_SESSIONS=100000 BENCH_TMPDIR=/some/disk
 *
 * It works on a copy of the cached archive (bench/.cache/store-<n>, built by the CLI when missing)
 * in a temp dir removed afterwards. Opening the copy applies the migrations (timed: the overview's
 * indexes and tool rollup are built then), and the first pass of the triage rules runs as the
 * engine would run it on an upgraded archive, so follow-ups and callers exist. Reads go through the
 * store on its reader thread, as the window's do. Report: bench/results/overview-latest.md.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { SqliteStore } from '../electron/core/archive/sqlite/sqlite-store.js';
import { DAY_MS, offsetSegments } from '../shared/overview.js';
import { cleanUp, copyArchive, cpuSnapshot, createRunDir, ensureArchive, fmt, ms1, otherLoad, publishReport, sqliteVersion, summarize, verdict } from './harness.js';
import { archivePath } from '../electron/core/paths.js';
import { openDatabase } from '../electron/core/archive/sqlite/database.js';
import { MIGRATIONS } from '../electron/core/archive/sqlite/migrations.js';
import { codeVersion, readSetting } from './report.js';

const TARGET_P95_MS = 150;
const sessions = readSetting('BENCH_SESSIONS', 100_000, 1_000, 1_000_000);
const rounds = readSetting('BENCH_ROUNDS', 30, 5, 500);
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
  started = performance.now();
  const now = Date.now();
  for (let after: number | undefined; ; ) {
    const page = await store.retriage({ after, budgetMs: 200, now, staleBefore: now - 2 * 3_600_000 });
    if (page.nextAfter === null) break;
    after = page.nextAfter;
  }
  const triageMs = performance.now() - started;

  const facets = await store.facets();
  const to = (facets.newestSortAt ?? now) + 1;
  const periods = [
    { label: 'overview, 12 months', from: to - 365 * DAY_MS },
    { label: 'overview, 30 days', from: to - 30 * DAY_MS },
  ].map((period) => ({ ...period, utcOffsets: offsetSegments(period.from, to, berlin) }));
  const samples = new Map<string, number[]>([[ 'listSessions, first page (baseline)', [] ], ...periods.map((p) => [p.label, []] as [string, number[]])]);
  let calls12 = 0;
  const cpuBefore = cpuSnapshot();
  for (let round = 0; round < rounds; round += 1) {
    let t = performance.now();
    await store.listSessions({ filters: {}, limit: 100, staleAfterMs: 2 * 3_600_000 });
    samples.get('listSessions, first page (baseline)')!.push(performance.now() - t);
    for (const period of periods) {
      t = performance.now();
      const result = await store.overview({ from: period.from, to, utcOffsets: period.utcOffsets, now });
      samples.get(period.label)!.push(performance.now() - t);
      if (period === periods[0]) calls12 = result.totals.calls;
    }
  }
  const cpuAfter = cpuSnapshot();
  await store.close();

  const baseline = summarize(samples.get('listSessions, first page (baseline)')!);
  const year = summarize(samples.get(periods[0]!.label)!);
  const lines = [
    `## Overview (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, SQLite ${sqliteVersion()}, ${codeVersion()})`,
    '',
    `${fmt(sessions)}-session archive (the store benchmark's): earlier migrations ${fmt(earlierMs)} ms, then the overview's migration (${overviewVersion}: indexes, tool rollup and hourly rollups filled from the archive) and opening ${fmt(openMs)} ms; first triage pass ${fmt(triageMs / 1000, 1)} s; ` +
      `the 12-month period holds ${fmt(calls12)} sessions. ${rounds} interleaved rounds on the reader thread, Europe/Berlin offsets (two DST changes in 12 months). ` +
      `Other load on the machine: ${otherLoad(cpuBefore, cpuAfter)}.`,
    '',
    '| read | p50 ms | p95 ms | max ms | p95 vs baseline |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...[...samples].map(([label, values]) => {
      const s = summarize(values);
      return `| ${label} | ${ms1(s.p50)} | ${ms1(s.p95)} | ${ms1(s.max)} | ${fmt(s.p95 / baseline.p95, 1)}× |`;
    }),
    '',
    `Target: the whole page's data for 12 months in p95 < ${TARGET_P95_MS} ms: ${verdict(year.p95 < TARGET_P95_MS)} (${ms1(year.p95)} ms).`,
    '',
  ];
  publishReport(lines.join('\n'), 'overview-latest.md', problems);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  })
  .finally(cleanUp);
