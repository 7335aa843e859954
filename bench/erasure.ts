/**
 * Retention and erasure benchmark (a measurement, not a test), issue 11:
 *
 * 1. secure_delete's cost on ingest: the same 4,000 events (2,000 sessions) stored through the store
 *    of this build (secure_delete on) and through the one in /work/main's dist (BENCH_BASELINE_STORE;
 *    the same store before this change), each into a fresh archive, deferred indexing as in the engine.
 * 2. On a copy of the cached 100,000-session archive: a retention run erasing the oldest ~20,000
 *    sessions in 4 ms pages on the writer thread, then the scrub (the search index rewritten by
 *    incremental merges, then a TRUNCATE checkpoint), while events are stored at a steady 50 per
 *    second: their commit latency (what an acknowledgement waits for) during the run, against the
 *    same load alone.
 *
 *   node --import tsx bench/erasure.ts      # BENCH_TMPDIR=/some/disk BENCH_ERASE=20000
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { SqliteStore } from '../electron/core/archive/sqlite/sqlite-store.js';
import { Eraser } from '../electron/core/erasure/eraser.js';
import { silentLogger } from '../electron/core/log.js';
import { seededRandom, simulateSession } from '../electron/core/simulator.js';
import { ROOT, summarize } from './harness.js';

const CACHE = join(ROOT, '..', 'main', 'bench', '.cache', 'store-100000', 'archive.sqlite');
const BASELINE_STORE = process.env.BENCH_BASELINE_STORE ?? '/work/main/dist/electron/core/archive/sqlite/sqlite-store.js';
const ERASE = Number(process.env.BENCH_ERASE ?? 20_000);
const work = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'callaider-erasure-bench-'));

type Store = Pick<SqliteStore, 'ingest' | 'settled' | 'close'>;
const pairs = (n: number, seed: number) => Array.from({ length: n }, (_, i) => simulateSession(seededRandom(seed + i), { endsAt: Date.now() - i * 1000, messages: 20 }));
const ingestOne = (store: Store, payload: object & { sessionId: string }) =>
  store.ingest({ payload: payload as never, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() });

async function ingestRun(open: (file: string) => Promise<Store>, label: string): Promise<string> {
  const store = await open(join(work, `${label}.sqlite`));
  const items = pairs(2000, 77).flatMap((p) => [p.started, p.ended]);
  const started = performance.now();
  for (let i = 0; i < items.length; i += 8) await Promise.all(items.slice(i, i + 8).map((p) => ingestOne(store, p)));
  const ackMs = performance.now() - started;
  await store.settled();
  const allMs = performance.now() - started;
  await store.close();
  return `| ${label} | ${(items.length / (ackMs / 1000)).toFixed(0)} events/s acknowledged | ${(items.length / (allMs / 1000)).toFixed(0)} events/s indexed |`;
}

/** Stores events at `rate` per second until `until` resolves; returns each commit's latency (ms). */
async function steadyLoad(store: Store, rate: number, until: Promise<unknown>, seed: number, sentAt: number[] = []): Promise<number[]> {
  let done = false;
  void until.then(() => (done = true));
  const latencies: number[] = [];
  const inflight: Array<Promise<void>> = [];
  let n = 0;
  const start = performance.now();
  while (!done) {
    const p = simulateSession(seededRandom(seed + n), { endsAt: Date.now(), messages: 40 }).ended;
    const t = performance.now();
    inflight.push(
      ingestOne(store, p).then(() => {
        latencies.push(performance.now() - t);
        sentAt.push(t);
      }),
    );
    n += 1;
    const next = start + (n * 1000) / rate;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  await Promise.all(inflight);
  return latencies;
}

const line = (label: string, values: number[]) => {
  const s = summarize(values);
  return `| ${label} | ${s.n} | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.max.toFixed(1)} |`;
};

try {
  const report: string[] = ['## Retention and erasure (issue 11)', '', `${new Date().toISOString()}, ${process.platform}, Node ${process.version}`, ''];

  // 1. secure_delete on ingest.
  const { SqliteStore: Baseline } = (await import(BASELINE_STORE)) as { SqliteStore: typeof SqliteStore };
  const opts = { threads: true, deferProjection: true } as const;
  report.push('### secure_delete and ingest (2,000 sessions, 4,000 events, 8 at a time)', '', '| store | acknowledged | indexed |', '|---|---|---|');
  for (let round = 0; round < 2; round += 1) {
    report.push(await ingestRun((f) => Baseline.open(f, opts), `without secure_delete (main), round ${round + 1}`));
    report.push(await ingestRun((f) => SqliteStore.open(f, opts), `with secure_delete (this build), round ${round + 1}`));
  }

  // 2. A retention run on a copy of the 100k archive.
  const file = join(work, 'archive.sqlite');
  const t0 = performance.now();
  copyFileSync(CACHE, file);
  const copyMs = performance.now() - t0;
  const raw = new Database(file, { readonly: true });
  const cutoff = (raw.prepare('SELECT sort_at_ms AS v FROM sessions ORDER BY sort_at_ms LIMIT 1 OFFSET ?').get(ERASE) as { v: number }).v;
  const ftsBytes = (raw.prepare('SELECT sum(length(block)) AS v FROM session_search_data').get() as { v: number }).v;
  raw.close();
  const store = await SqliteStore.open(file, opts);
  const eraser = new Eraser({ store, log: silentLogger });
  const baseline = await steadyLoad(store, 50, new Promise((resolve) => setTimeout(resolve, 15_000)), 1);
  const runStart = performance.now();
  let erasedAt = 0;
  const run = eraser.eraseBefore(cutoff).then((n) => {
    erasedAt = performance.now();
    return n;
  });
  const scrubbed = run.then(() => eraser.scrubbed());
  const sentAt: number[] = [];
  const during = await steadyLoad(store, 50, scrubbed, 2, sentAt);
  const erased = await run;
  const finished = await scrubbed;
  const scrubMs = performance.now() - erasedAt;
  await store.close();
  const after = new Database(file, { readonly: true });
  const ftsAfter = (after.prepare('SELECT sum(length(block)) AS v FROM session_search_data').get() as { v: number }).v;
  after.close();
  report.push(
    '',
    `### A retention run on the 100,000-session archive (${(statSync(file).size / 1e9).toFixed(2)} GB after, copied in ${(copyMs / 1000).toFixed(1)} s)`,
    '',
    `- erased ${erased} sessions in ${((erasedAt - runStart) / 1000).toFixed(1)} s (${(erased / ((erasedAt - runStart) / 1000)).toFixed(0)} sessions/s) in 4 ms pages`,
    `- then the scrub: search index (${(ftsBytes / 1e6).toFixed(0)} MB before, ${(ftsAfter / 1e6).toFixed(0)} MB after) rewritten by incremental merges and the WAL truncated in ${(scrubMs / 1000).toFixed(1)} s (finished: ${finished})`,
    '',
    '| events stored at 50/s, commit latency (ms) | n | p50 | p95 | p99 | max |',
    '|---|---|---|---|---|---|',
    line('alone (15 s)', baseline),
    line('during the erasure and scrub', during),
    line('… while erasing', during.filter((_, i) => sentAt[i]! < erasedAt)),
    line('… while scrubbing', during.filter((_, i) => sentAt[i]! >= erasedAt)),
  );
  console.log(report.join('\n'));
} finally {
  rmSync(work, { recursive: true, force: true });
}
