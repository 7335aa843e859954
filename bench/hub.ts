/**
 * Office hub benchmark (a measurement, not a test): the targets of issue 12 over real HTTP, with
 * the real CLI (`callaider-archive serve`) as the receivers, on a throwaway PostgreSQL cluster with
 * fsync on, everything on loopback.
 *
 * 1. Ingest throughput, closed loop: BENCH_CONCURRENCY requests in flight, each call a signed
 *    session.started and its session.ended (40 messages), every body sent once. Targets, alternating
 *    within each round so a slow spell of the shared machine hits them alike: bare Fastify and the
 *    receiver alone (bench/ingest.ts's two baselines, in a process of their own), `serve` on a
 *    SQLite archive, one `serve --database` and two `serve --database` on one database with the
 *    events sent round-robin over both. The CPU time of every process involved is read from /proc
 *    (receivers, the load generator, the PostgreSQL cluster's processes), per acknowledged event.
 *    Afterwards every archive is counted: stored events = acknowledged events.
 * 2. Acknowledgement latency at a steady BENCH_RATE events per second (open loop): SQLite serve,
 *    one PostgreSQL receiver, two receivers alternating.
 * 3. The window's API on a 100k-session archive (BENCH_SESSIONS), PostgreSQL beside SQLite in the
 *    same run, the calls and searches of bench/store.ts: the PostgreSQL archive restored with
 *    pg_restore from a cached dump (bench/support/pg-archive.ts; built once, 10–30 minutes), the
 *    SQLite one copied from bench/store.ts's cached archive (bench/harness.ts).
 *
 *   npm run bench:hub                                  # builds the project (the receivers are the built CLI), then this
 *   BENCH_PARTS=ingest,steady,reads                    # which parts (default all three)
 *   BENCH_ROUNDS=3 BENCH_SECONDS=5 BENCH_CONCURRENCY=20
 *   BENCH_RATE=50 BENCH_STEADY_SECONDS=20
 *   BENCH_SESSIONS=100000 BENCH_READ_ROUNDS=15         # BENCH_PG_REBUILD=1 rebuilds the cached dump
 *   BENCH_TMPDIR=/some/disk                            # the run's files (default: the OS temp dir)
 *   BENCH_SERVE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'   # node options for the serve processes
 *
 * The Markdown report is printed and written to bench/results/hub-latest.md. Exit code 0 when
 * targets are missed, non-zero when the benchmark breaks (a non-2xx reply, an archive whose count
 * differs from the acknowledgements, a receiver that does not stop cleanly).
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ArchiveStatus, SessionPage } from '../shared/api.js';
import { openArchive } from '../electron/core/archive/open-store.js';
import { POSTGRES_SCHEMA_VERSION } from '../electron/core/archive/postgres/postgres-store.js';
import { archivePath } from '../electron/core/paths.js';
import { postgresBinDir, startPostgresCluster, type PostgresCluster } from '../tests/support/postgres.js';
import { freePort } from '../tests/support/ports.js';
import { SECRET } from './ingest.js';
import { CLI, ROOT, ask, bounded, cleanUp, copyArchive, createRunDir, ensureArchive, fmt, ms1, publishReport, sqliteVersion, stopProcess, summarize, watch, type Watched } from './harness.js';
import { codeVersion, filesystemOf, percentile, readSetting } from './report.js';
import { api } from './store-clients.js';
import type { BaselineReady } from './support/baseline-server.js';
import type { LoadReply, LoadResult, LoadRun } from './support/hub-load.js';
import { MESSAGES_PER_CALL } from './support/hub-load.js';
import { ensurePostgresDump, restoreDump } from './support/pg-archive.js';
import { clusterCpuMs, findPostmaster, machineBusyMs, processCpuMs } from './support/proc-cpu.js';

const ROUNDS = readSetting('BENCH_ROUNDS', 3, 1, 20);
const SECONDS = readSetting('BENCH_SECONDS', 5, 1, 120);
const CONCURRENCY = readSetting('BENCH_CONCURRENCY', 20, 1, 500);
const RATE = readSetting('BENCH_RATE', 50, 1, 1000);
const STEADY_SECONDS = readSetting('BENCH_STEADY_SECONDS', 20, 2, 600);
const SESSIONS = readSetting('BENCH_SESSIONS', 100_000, 100, 1_000_000);
const READ_ROUNDS = readSetting('BENCH_READ_ROUNDS', 15, 3, 200);
/** Node options for every serve process, e.g. \`--cpu-prof --cpu-prof-dir=/tmp/prof\` to see where a receiver's time goes. */
const SERVE_NODE_ARGS = (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'ingest,steady,reads').split(',').map((part) => part.trim()));
const WARMUP_SECONDS = 2;
const UI_TOKEN = 'bench-hub-token';
const TARGETS = { ackP99Ms: 20, readP95Ms: 100, statusP95Ms: 5 } as const;
const LOAD_SCRIPT = fileURLToPath(new URL('./support/hub-load.ts', import.meta.url));
const BASELINE_SCRIPT = fileURLToPath(new URL('./support/baseline-server.ts', import.meta.url));
/** The searches of bench/store.ts's API part (its target 2), in its order. */
const SEARCHES = ['scarf', 'the', 'a', 's', 'e', 'th', 'ma'];

for (const part of PARTS) if (!['ingest', 'steady', 'reads'].includes(part)) throw new Error(`BENCH_PARTS: unknown part "${part}" (ingest, steady, reads)`);

// ---------------------------------------------------------------------------------------------
// Processes

interface Receiver {
  name: string;
  proc: Watched;
  pid: number;
  webhookUrl: string;
  uiBaseUrl: string | null;
}

/** `callaider-archive serve` with `args`, on free loopback ports; resolves when its banner is out. */
async function startServe(name: string, args: string[], withWindow: boolean): Promise<Receiver> {
  const port = await freePort();
  const uiPort = withWindow ? await freePort() : 0;
  const windowArgs = withWindow ? ['--ui-port', String(uiPort), '--ui-token', UI_TOKEN] : ['--no-ui'];
  const child = spawn(
    process.execPath,
    [...SERVE_NODE_ARGS, CLI, 'serve', ...args, '--port', String(port), '--secret', SECRET, ...windowArgs, '--backup-schedule', 'off', '--daily-summary', 'off', '--no-quiet-alerts'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const proc = watch(child, name);
  await bounded(proc, proc.waitForLine('Stop with Ctrl+C'), 300_000, 'its banner');
  return { name, proc, pid: child.pid!, webhookUrl: `http://127.0.0.1:${port}/webhook`, uiBaseUrl: withWindow ? `http://127.0.0.1:${uiPort}` : null };
}

async function startBaselines(maxSeconds: number): Promise<{ proc: Watched; ready: BaselineReady }> {
  const child = fork(BASELINE_SCRIPT, [String(maxSeconds)], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const proc = watch(child, 'baseline server');
  return { proc, ready: await ask<BaselineReady>(proc, null, 'ready', 120_000) };
}

async function startLoad(maxSeconds: number): Promise<{ proc: Watched; pid: number }> {
  const child = fork(LOAD_SCRIPT, [String(maxSeconds)], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const proc = watch(child, 'load generator');
  const calls = 2000;
  const ready = await ask<Extract<LoadReply, { type: 'ready' }>>(proc, { type: 'init', secret: SECRET, calls }, 'ready', 300_000);
  console.log(`bench: load generator: ${fmt(calls)} calls generated in ${fmt(ready.prepareMs)} ms`);
  return { proc, pid: ready.pid };
}

/** Events acknowledged by each webhook URL over the whole run (warm-ups included), to check the archives against. */
const ackedByUrl = new Map<string, number>();

function runLoad(load: Watched, run: Omit<LoadRun, 'type'>, problems: string[], label: string): Promise<LoadResult> {
  return ask<LoadResult>(load, { type: 'run', ...run }, 'result', run.seconds * 1000 + 180_000).then((result) => {
    run.urls.forEach((url, index) => ackedByUrl.set(url, (ackedByUrl.get(url) ?? 0) + result.ackedByUrl[index]!));
    const failures = Object.entries(result.failures);
    if (failures.length > 0) problems.push(`${label}: ${result.sent - result.acked} of ${result.sent} events not acknowledged: ${failures.map(([kind, n]) => `${n} × ${kind}`).join(', ')}`);
    return result;
  });
}

// ---------------------------------------------------------------------------------------------
// CPU time by process group

interface CpuReading {
  at: number;
  load: number;
  hubs: number;
  postgres: number;
  machine: number;
}

interface CpuUse {
  wallMs: number;
  loadMs: number;
  hubsMs: number;
  postgresMs: number;
  /** Everything else on the machine (other people's work on this shared machine included). */
  othersMs: number;
}

function readCpu(loadPid: number, hubPids: number[], postmaster: number | null): CpuReading {
  return {
    at: performance.now(),
    load: processCpuMs(loadPid) ?? Number.NaN,
    hubs: hubPids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? Number.NaN), 0),
    postgres: postmaster === null ? Number.NaN : (clusterCpuMs(postmaster) ?? Number.NaN),
    machine: machineBusyMs() ?? Number.NaN,
  };
}

function cpuBetween(before: CpuReading, after: CpuReading): CpuUse {
  const loadMs = after.load - before.load;
  const hubsMs = after.hubs - before.hubs;
  const postgresMs = after.postgres - before.postgres;
  const ours = loadMs + hubsMs + (Number.isFinite(postgresMs) ? postgresMs : 0);
  return { wallMs: after.at - before.at, loadMs, hubsMs, postgresMs, othersMs: Math.max(0, after.machine - before.machine - ours) };
}

/**
 * Waits until the receivers and PostgreSQL are idle (under 0.05 cores over half a second), so one
 * target's after-work (indexing, autovacuum, checkpoints) does not land in the next one's run.
 */
async function waitQuiet(pids: number[], postmaster: number | null, limitMs = 60_000): Promise<number> {
  const started = performance.now();
  const busy = () => pids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0) + (postmaster === null ? 0 : (clusterCpuMs(postmaster) ?? 0));
  let last = busy();
  for (;;) {
    await delay(500);
    const now = busy();
    if (now - last <= 25 || performance.now() - started > limitMs) return performance.now() - started;
    last = now;
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Ingest throughput

interface IngestTarget {
  label: string;
  urls: string[];
  pids: number[];
  /** The PostgreSQL cluster's CPU counts for this target (it is idle for the others). */
  postgres: boolean;
  /** Requests in flight, when not BENCH_CONCURRENCY. */
  concurrency?: number;
}

interface IngestRun {
  result: LoadResult;
  rate: number;
  cpu: CpuUse;
}

async function measureIngest(load: { proc: Watched; pid: number }, targets: IngestTarget[], postmaster: number | null, problems: string[]): Promise<IngestRun[][]> {
  const allPids = targets.flatMap((target) => target.pids);
  for (const target of targets) await runLoad(load.proc, { mode: 'closed', urls: target.urls, seconds: WARMUP_SECONDS, concurrency: target.concurrency ?? CONCURRENCY }, problems, `${target.label}, warm-up`);
  const rounds: IngestRun[][] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const runs: IngestRun[] = [];
    for (const target of targets) {
      const waited = await waitQuiet(allPids, postmaster);
      if (waited > 59_000) console.log(`bench: ${target.label}: the receivers or PostgreSQL were still busy after a minute; measuring anyway`);
      const before = readCpu(load.pid, target.pids, target.postgres ? postmaster : null);
      const result = await runLoad(load.proc, { mode: 'closed', urls: target.urls, seconds: SECONDS, concurrency: target.concurrency ?? CONCURRENCY }, problems, `${target.label}, round ${round}`);
      const cpu = cpuBetween(before, readCpu(load.pid, target.pids, target.postgres ? postmaster : null));
      const rate = result.acked / (result.durationMs / 1000);
      runs.push({ result, rate, cpu });
      console.log(`bench: round ${round}/${ROUNDS}: ${target.label}: ${fmt(rate)} events/s, p99 ${ms1(percentile(result.latencyMs, 99))} ms`);
    }
    rounds.push(runs);
  }
  return rounds;
}

/** Stored events in an archive, through the store interface. */
async function storedEvents(location: Parameters<typeof openArchive>[0]): Promise<number> {
  const store = await openArchive(location, { readonly: location.kind === 'sqlite' });
  try {
    return (await store.counts({ staleBefore: 0 })).events;
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Reads

interface ReadMeasure {
  label: string;
  method: string;
  args: unknown;
  perRound: number;
  target: number | null;
  samples: { postgres: number[]; sqlite: number[] };
}

/** bench/store.ts's API calls (its target 2), on both archives, rounds interleaving the calls and the two archives. */
async function measureReads(postgresUrl: string, sqliteUrl: string): Promise<ReadMeasure[]> {
  const pick = async (baseUrl: string) => {
    const first = await api<SessionPage>(baseUrl, UI_TOKEN, 'listSessions', { limit: 100 });
    const sessionId = first.body.items[Math.floor(first.body.items.length / 2)]?.sessionId;
    if (!sessionId) throw new Error(`${baseUrl}: the archive lists no sessions`);
    return sessionId;
  };
  const sessionIds = { postgres: await pick(postgresUrl), sqlite: await pick(sqliteUrl) };
  const measures: ReadMeasure[] = [
    { label: 'baseline: revealSecret (cheapest call)', method: 'revealSecret', args: {}, perRound: 5, target: null, samples: { postgres: [], sqlite: [] } },
    { label: 'status', method: 'status', args: {}, perRound: 5, target: TARGETS.statusP95Ms, samples: { postgres: [], sqlite: [] } },
    { label: 'list: first page (100, newest first)', method: 'listSessions', args: { limit: 100 }, perRound: 2, target: TARGETS.readP95Ms, samples: { postgres: [], sqlite: [] } },
    { label: 'list: filtered (tool errors + voice)', method: 'listSessions', args: { limit: 100, filters: { hasToolErrors: true, mode: 'voice' } }, perRound: 1, target: TARGETS.readP95Ms, samples: { postgres: [], sqlite: [] } },
    ...SEARCHES.map((query) => ({ label: `search "${query}"`, method: 'listSessions', args: { query, limit: 100 }, perRound: 1, target: TARGETS.readP95Ms, samples: { postgres: [] as number[], sqlite: [] as number[] } })),
    { label: 'getSession (a listed session)', method: 'getSession', args: 'session', perRound: 1, target: null, samples: { postgres: [], sqlite: [] } },
    { label: 'getMessages (same session)', method: 'getMessages', args: 'session', perRound: 1, target: null, samples: { postgres: [], sqlite: [] } },
  ];
  const servers = [
    { kind: 'postgres' as const, baseUrl: postgresUrl },
    { kind: 'sqlite' as const, baseUrl: sqliteUrl },
  ];
  const argsFor = (measure: ReadMeasure, kind: 'postgres' | 'sqlite') => (measure.args === 'session' ? { sessionId: sessionIds[kind] } : measure.args);
  // One unmeasured call of each first (statement caches, JIT, the first touch of the pages).
  for (const server of servers) for (const measure of measures) await api(server.baseUrl, UI_TOKEN, measure.method, argsFor(measure, server.kind));
  for (let round = 0; round < READ_ROUNDS; round += 1) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const measure of measures) {
      for (const server of order) {
        for (let i = 0; i < measure.perRound; i += 1) measure.samples[server.kind].push((await api(server.baseUrl, UI_TOKEN, measure.method, argsFor(measure, server.kind))).ms);
      }
    }
  }
  return measures;
}

// ---------------------------------------------------------------------------------------------

const median = (values: number[]) => percentile(values, 50);
const perEventUs = (ms: number, events: number) => fmt((ms * 1000) / Math.max(events, 1));

function postgresVersion(): string {
  const bin = postgresBinDir();
  try {
    return bin ? execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).trim().replace(/^postgres \(PostgreSQL\) /, '') : 'not installed';
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  const watchdogSeconds = 1800 + (PARTS.has('ingest') ? 6 * ROUNDS * (SECONDS + 70) : 0) + (PARTS.has('steady') ? 3 * (STEADY_SECONDS + 70) : 0) + (PARTS.has('reads') ? 3600 : 0);
  setTimeout(() => {
    console.error(`bench: still running after ${watchdogSeconds} s; stopping everything and giving up`);
    cleanUp();
    process.exit(2);
  }, watchdogSeconds * 1000).unref();
  const problems: string[] = [];
  const tmpRoot = process.env.BENCH_TMPDIR ?? os.tmpdir();
  const runDir = createRunDir(tmpRoot, 'callaider-hub-bench-');
  const dir = (name: string) => {
    const path = join(runDir, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const report: string[] = [];
  const cpus = os.cpus();

  // The cached dump first: when it has to be built, that happens before any cluster of this run exists.
  const cachedDump = PARTS.has('reads') ? await ensurePostgresDump(SESSIONS) : null;
  const cluster: PostgresCluster = await startPostgresCluster({ durable: true });
  const postmaster = findPostmaster(cluster.port);
  if (postmaster === null) console.log('bench: the PostgreSQL postmaster was not found in /proc: its CPU time is left out');
  report.push(
    `- Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores (shared with other work), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${os.type()} ${os.release()}; load average at start ${os.loadavg().map((n) => n.toFixed(1)).join(' ')}`,
    `- Software: Node ${process.version}, PostgreSQL ${postgresVersion()} (throwaway cluster, fsync on, synchronous_commit on, on ${filesystemOf(runDir)}), SQLite ${sqliteVersion()}; schema ${POSTGRES_SCHEMA_VERSION}; code ${codeVersion()}`,
    `- Receivers: the real CLI, \`callaider-archive serve\` (\`--no-ui --backup-schedule off\`), each a process of its own; the load generator (bench/support/hub-load.ts) and the baselines (bench/ingest.ts's, in bench/support/baseline-server.ts) too. Everything on 127.0.0.1.`,
    '',
  );

  const receivers: Receiver[] = [];
  let load: { proc: Watched; pid: number } | null = null;
  let baselines: Watched | null = null;
  try {
    if (PARTS.has('ingest') || PARTS.has('steady')) {
      load = await startLoad(watchdogSeconds + 60);
      const base = await startBaselines(watchdogSeconds + 60);
      baselines = base.proc;
      const sqliteDir = dir('sqlite-ingest');
      const sqlite = await startServe('serve (SQLite)', ['--data-dir', sqliteDir], false);
      const oneUrl = await cluster.createDatabase('one');
      const one = await startServe('serve --database (one)', ['--database', oneUrl, '--data-dir', dir('pg-one')], false);
      const twoUrl = await cluster.createDatabase('two');
      const twoA = await startServe('serve --database (two, A)', ['--database', twoUrl, '--data-dir', dir('pg-two-a')], false);
      const twoB = await startServe('serve --database (two, B)', ['--database', twoUrl, '--data-dir', dir('pg-two-b')], false);
      // Two receivers that share nothing but the machine and the cluster: tells what two writers on one database cost from what two of everything cost on this machine.
      const apartUrls = [await cluster.createDatabase('apart_a'), await cluster.createDatabase('apart_b')] as const;
      const apartA = await startServe('serve --database (apart, A)', ['--database', apartUrls[0], '--data-dir', dir('pg-apart-a')], false);
      const apartB = await startServe('serve --database (apart, B)', ['--database', apartUrls[1], '--data-dir', dir('pg-apart-b')], false);
      receivers.push(sqlite, one, twoA, twoB, apartA, apartB);
      console.log('bench: receivers up: SQLite serve, one PostgreSQL receiver, two PostgreSQL receivers on another database, two on a database each');

      if (PARTS.has('ingest')) {
        const targets: IngestTarget[] = [
          { label: 'bare Fastify', urls: [base.ready.bareUrl], pids: [base.proc.child.pid!], postgres: false },
          { label: 'receiver alone (stores nothing)', urls: [base.ready.receiverUrl], pids: [base.proc.child.pid!], postgres: false },
          { label: 'SQLite serve', urls: [sqlite.webhookUrl], pids: [sqlite.pid], postgres: false },
          { label: 'PostgreSQL, one receiver', urls: [one.webhookUrl], pids: [one.pid], postgres: true },
          { label: 'PostgreSQL, two receivers', urls: [twoA.webhookUrl, twoB.webhookUrl], pids: [twoA.pid, twoB.pid], postgres: true },
          // What each of the two receivers gets: tells the cost of smaller batches from the cost of two writers on one database.
          { label: `PostgreSQL, one receiver, ${Math.max(1, Math.floor(CONCURRENCY / 2))} in flight`, urls: [one.webhookUrl], pids: [one.pid], postgres: true, concurrency: Math.max(1, Math.floor(CONCURRENCY / 2)) },
          { label: 'PostgreSQL, two receivers, a database each', urls: [apartA.webhookUrl, apartB.webhookUrl], pids: [apartA.pid, apartB.pid], postgres: true },
        ];
        const rounds = await measureIngest(load, targets, postmaster, problems);
        report.push(...ingestReport(targets, rounds));
      }

      if (PARTS.has('steady')) {
        const steadyResults: Array<{ label: string; result: LoadResult }> = [];
        const phases = [
          { label: 'SQLite serve', urls: [sqlite.webhookUrl] },
          { label: 'PostgreSQL, one receiver', urls: [one.webhookUrl] },
          { label: 'PostgreSQL, two receivers (alternating)', urls: [twoA.webhookUrl, twoB.webhookUrl] },
        ];
        for (const phase of phases) {
          await waitQuiet(receivers.map((receiver) => receiver.pid), postmaster);
          const result = await runLoad(load.proc, { mode: 'steady', urls: phase.urls, seconds: STEADY_SECONDS, rate: RATE }, problems, `steady, ${phase.label}`);
          steadyResults.push({ label: phase.label, result });
          console.log(`bench: steady ${RATE}/s, ${phase.label}: p99 ${ms1(percentile(result.latencyMs, 99))} ms`);
        }
        report.push(...steadyReport(steadyResults));
      }

      // Every acknowledged event is in its archive, once: stop the receivers, then count.
      for (const receiver of receivers.splice(0)) {
        const problem = await stopProcess(receiver.proc);
        if (problem) problems.push(problem);
      }
      // Closed and open loop alike wait for every reply: an archive holds exactly the events its receivers acknowledged.
      const archives = [
        { label: 'SQLite serve', location: { kind: 'sqlite' as const, file: archivePath(sqliteDir) }, urls: [sqlite.webhookUrl] },
        { label: 'PostgreSQL, one receiver', location: { kind: 'postgres' as const, url: oneUrl }, urls: [one.webhookUrl] },
        { label: 'PostgreSQL, two receivers', location: { kind: 'postgres' as const, url: twoUrl }, urls: [twoA.webhookUrl, twoB.webhookUrl] },
        { label: 'PostgreSQL apart, A', location: { kind: 'postgres' as const, url: apartUrls[0] }, urls: [apartA.webhookUrl] },
        { label: 'PostgreSQL apart, B', location: { kind: 'postgres' as const, url: apartUrls[1] }, urls: [apartB.webhookUrl] },
      ];
      const checked: string[] = [];
      for (const archive of archives) {
        const stored = await storedEvents(archive.location);
        const acknowledged = archive.urls.reduce((sum, url) => sum + (ackedByUrl.get(url) ?? 0), 0);
        checked.push(`${archive.label} ${fmt(stored)} stored / ${fmt(acknowledged)} acknowledged`);
        if (stored !== acknowledged) problems.push(`${archive.label}: ${stored} events stored, ${acknowledged} acknowledged`);
      }
      report.push(`Every archive counted after its receivers stopped (warm-ups included): ${checked.join('; ')}.`, '');
    }

    if (PARTS.has('reads') && cachedDump) {
      report.push(...(await readsPart(cluster, cachedDump, dir, problems)));
    }
  } finally {
    for (const receiver of receivers) await stopProcess(receiver.proc).catch(() => null);
    if (load) load.proc.child.kill('SIGKILL');
    if (baselines) baselines.child.kill('SIGKILL');
    await cluster.stop().catch((error: unknown) => console.error(`bench: stopping the cluster: ${String(error)}`));
  }

  const lines = [`### Office hub over HTTP (\`bench/hub.ts\`), ${startedAt.toISOString()}`, '', ...report, '', `Run time: ${fmt((performance.now() - t0) / 1000)} s.`];
  if (problems.length > 0) lines.push('', '**Not a clean run (exit code 1):**', '', ...problems.map((problem) => `- ${problem.split('\n')[0]}`));
  publishReport(`${lines.join('\n')}\n`, 'hub-latest.md', problems);
}

function ingestReport(targets: IngestTarget[], rounds: IngestRun[][]): string[] {
  const rates = (index: number) => rounds.map((runs) => runs[index]!.rate);
  const ratioTo = (index: number, baseIndex: number) => rounds.map((runs) => runs[index]!.rate / runs[baseIndex]!.rate);
  const sum = (index: number, pick: (cpu: CpuUse) => number) => rounds.reduce((total, runs) => total + pick(runs[index]!.cpu), 0);
  const events = (index: number) => rounds.reduce((total, runs) => total + runs[index]!.result.acked, 0);
  const wall = (index: number) => rounds.reduce((total, runs) => total + runs[index]!.cpu.wallMs, 0);
  const latency = (index: number) => rounds.flatMap((runs) => runs[index]!.result.latencyMs);
  const body = rounds[0]![3]!.result.bodyBytes;
  const row = (label: string, cell: (index: number) => string) => `| ${label} | ${targets.map((_, index) => cell(index)).join(' | ')} |`;
  const one = 3;
  const two = 4;
  const half = 5;
  const apart = 6;
  const pgPerEvent = (index: number) => sum(index, (cpu) => cpu.postgresMs) / Math.max(events(index), 1);
  const hubPerEvent = (index: number) => sum(index, (cpu) => cpu.hubsMs) / Math.max(events(index), 1);
  return [
    `#### 1. Ingest over HTTP, closed loop (${CONCURRENCY} requests in flight unless said otherwise)`,
    '',
    `Each call a signed \`session.started\` and then its \`session.ended\` (${MESSAGES_PER_CALL} messages; bodies ${fmt(body.min)}–${fmt(body.max)} B, mean ${fmt(body.mean)} B), every body sent once; ${ROUNDS} rounds of ${SECONDS} s per target, the targets alternating within each round, after a ${WARMUP_SECONDS} s warm-up each and a wait for the receivers and PostgreSQL to be idle. Two receivers: the events round-robin over both, as a load balancer would send them. The fifth column sends one receiver what each of the two gets (half the requests in flight), to tell the cost of smaller group commits from the cost of two writers on one database; the last sends the same round-robin load to two receivers that each write a database of their own in the same cluster, to tell the cost of two writers on one database from the cost of running two of everything on this machine. Medians of the rounds; CPU per event summed over all rounds.`,
    '',
    row('', (index) => targets[index]!.label).replace('|  |', '| |'),
    `| --- |${targets.map(() => ' ---: |').join('')}`,
    row('events acknowledged per second (median)', (index) => `**${fmt(median(rates(index)))}**`),
    row('every round', (index) => rates(index).map((rate) => fmt(rate)).join(' / ')),
    row('ratio to bare Fastify (median of the rounds)', (index) => fmt(median(ratioTo(index, 0)), 3)),
    row('ratio to SQLite serve', (index) => fmt(median(ratioTo(index, 2)), 2)),
    row('latency p50 / p99 (ms)', (index) => `${ms1(percentile(latency(index), 50))} / ${ms1(percentile(latency(index), 99))}`),
    row('CPU per event (µs): the receiver process(es)', (index) => perEventUs(sum(index, (cpu) => cpu.hubsMs), events(index))),
    row('CPU per event (µs): PostgreSQL (all its processes)', (index) => (targets[index]!.postgres ? perEventUs(sum(index, (cpu) => cpu.postgresMs), events(index)) : '–')),
    row('CPU per event (µs): load generator', (index) => perEventUs(sum(index, (cpu) => cpu.loadMs), events(index))),
    row(`cores in use: receivers + PostgreSQL + load generator (of ${os.cpus().length})`, (index) => fmt((sum(index, (cpu) => cpu.hubsMs + (Number.isFinite(cpu.postgresMs) ? cpu.postgresMs : 0) + cpu.loadMs)) / wall(index), 2)),
    row('cores used by other processes meanwhile', (index) => fmt(sum(index, (cpu) => cpu.othersMs) / wall(index), 2)),
    '',
    `- Two receivers / one receiver: median of the rounds **${fmt(median(rounds.map((runs) => runs[two]!.rate / runs[one]!.rate)), 2)}** (${rounds.map((runs) => fmt(runs[two]!.rate / runs[one]!.rate, 2)).join(', ')}).`,
    `- Two receivers on a database each / one receiver: **${fmt(median(rounds.map((runs) => runs[apart]!.rate / runs[one]!.rate)), 2)}** (${rounds.map((runs) => fmt(runs[apart]!.rate / runs[one]!.rate, 2)).join(', ')}).`,
    `- Where an event's CPU goes on PostgreSQL (one receiver / two / one at half the requests in flight / two on a database each): receivers ${[one, two, half, apart].map((index) => fmt(hubPerEvent(index) * 1000)).join(' / ')} µs, PostgreSQL ${[one, two, half, apart].map((index) => fmt(pgPerEvent(index) * 1000)).join(' / ')} µs. ` +
      `One core's worth of receiver CPU takes ${fmt(1000 / hubPerEvent(one))} events/s and one core's worth of PostgreSQL ${fmt(1000 / pgPerEvent(one))} events/s: ` +
      `with receivers on machines of their own, the database's share is what bounds the sum.`,
    '',
  ];
}

function steadyReport(results: Array<{ label: string; result: LoadResult }>): string[] {
  return [
    `#### 2. Acknowledgements at a steady ${RATE} events per second (open loop, ${STEADY_SECONDS} s each; ms from writing the request to the last byte of its reply)`,
    '',
    '| receivers | acked / sent | p50 | p90 | p99 | max | sender late, max | target p99 < 20 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...results.map(({ label, result }) => {
      const s = summarize(result.latencyMs);
      return `| ${label} | ${fmt(result.acked)} / ${fmt(result.sent)} | ${ms1(s.p50)} | ${ms1(s.p90)} | **${ms1(s.p99)}** | ${ms1(s.max)} | ${ms1(Math.max(...result.sendLagMs))} | ${s.p99 < TARGETS.ackP99Ms ? 'met' : '**missed**'} |`;
    }),
    '',
  ];
}

async function readsPart(cluster: PostgresCluster, cached: Awaited<ReturnType<typeof ensurePostgresDump>>, dir: (name: string) => string, problems: string[]): Promise<string[]> {
  console.log(`bench: restoring ${cached.file} into the run's cluster`);
  const restored = await restoreDump(cluster, cached.file);
  console.log(`bench: restored in ${fmt(restored.restoreMs / 1000, 1)} s, analyzed in ${fmt(restored.analyzeMs / 1000, 1)} s`);
  const { dir: sqliteCache, info: sqliteInfo } = await ensureArchive(SESSIONS);
  const sqliteDir = dir('sqlite-reads');
  const copy = copyArchive(sqliteCache, sqliteDir);
  const postgres = await startServe('serve --database (100k)', ['--database', restored.url, '--data-dir', dir('pg-reads')], true);
  const sqlite = await startServe('serve (SQLite 100k)', ['--data-dir', sqliteDir], true);
  try {
    const statusOf = async (receiver: Receiver) => (await api<ArchiveStatus>(receiver.uiBaseUrl!, UI_TOKEN, 'status', {})).body;
    const [pgStatus, sqliteStatus] = [await statusOf(postgres), await statusOf(sqlite)];
    const postmaster = findPostmaster(cluster.port);
    await waitQuiet([postgres.pid, sqlite.pid], postmaster, 180_000);
    const cpuBefore = machineBusyMs();
    const wallBefore = performance.now();
    const measures = await measureReads(postgres.uiBaseUrl!, sqlite.uiBaseUrl!);
    const othersCores = cpuBefore === null ? Number.NaN : ((machineBusyMs() ?? 0) - cpuBefore) / (performance.now() - wallBefore);
    const p95 = (samples: number[]) => percentile(samples, 95);
    const targeted = measures.filter((measure) => measure.target !== null);
    const met = targeted.filter((measure) => p95(measure.samples.postgres) < measure.target!).length;
    return [
      `#### 3. The window's API on a ${fmt(SESSIONS)}-session archive: PostgreSQL beside SQLite (ms, HTTP on loopback, ${READ_ROUNDS} rounds interleaving the calls and the two archives)`,
      '',
      `- PostgreSQL: ${fmt(pgStatus.counts.sessions)} sessions, ${fmt(pgStatus.counts.messages)} messages; cached dump ${cached.file.split('/').pop()} (${fmt(cached.info.dumpBytes / 2 ** 20)} MiB, ${cached.made === 'cached' ? `made ${cached.info.madeAt}` : `${cached.made} in this run`}, ${cached.info.origin.kind === 'built' ? `built with \`demo --database\` in ${fmt(cached.info.origin.seconds)} s` : `migrated from schema ${cached.info.origin.fromVersion} in ${fmt(cached.info.origin.seconds)} s`}); ` +
        `**pg_restore into the run's fresh cluster ${fmt(restored.restoreMs / 1000, 1)} s**, then VACUUM ANALYZE ${fmt(restored.analyzeMs / 1000, 1)} s (a dump carries no planner statistics).`,
      `- SQLite: ${fmt(sqliteStatus.counts.sessions)} sessions, ${fmt(sqliteStatus.counts.messages)} messages: bench/store.ts's cached archive (the same \`demo\` seed; ${sqliteInfo ? `built ${sqliteInfo.builtAt}` : 'build time unknown'}), copied for this run (${fmt(copy.bytes / 2 ** 20)} MiB in ${fmt(copy.ms / 1000, 1)} s).`,
      `- Both served by \`callaider-archive serve\` with the window on; the machine's busy cores during the timings (both servers, PostgreSQL, this process and everyone else): ${fmt(othersCores, 2)}.`,
      '',
      `**PostgreSQL: ${met} of ${targeted.length} read targets met** (p95 < ${TARGETS.readP95Ms} ms for pages and searches, < ${TARGETS.statusP95Ms} ms for status, as bench/store.ts sets them for SQLite).`,
      '',
      '| call | PostgreSQL p50 | PostgreSQL p95 | PostgreSQL max | SQLite p50 | SQLite p95 | SQLite max | p95 PostgreSQL / SQLite | PostgreSQL target |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...measures.map((measure) => {
        const pg = summarize(measure.samples.postgres);
        const lite = summarize(measure.samples.sqlite);
        const target = measure.target === null ? '' : `p95 < ${measure.target}: ${pg.p95 < measure.target ? 'met' : '**missed**'}`;
        return `| ${measure.label} | ${ms1(pg.p50)} | **${ms1(pg.p95)}** | ${ms1(pg.max)} | ${ms1(lite.p50)} | ${ms1(lite.p95)} | ${ms1(lite.max)} | ${fmt(pg.p95 / lite.p95, 2)} | ${target} |`;
      }),
      '',
    ];
  } finally {
    for (const receiver of [postgres, sqlite]) {
      const problem = await stopProcess(receiver.proc);
      if (problem) problems.push(problem);
    }
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  cleanUp();
  process.exitCode = 1;
});
