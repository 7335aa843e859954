/**
 * Ingest benchmark (a measurement, not a test): how many signed session.ended webhooks per second
 * the engine acknowledges durably (WAL + synchronous=FULL + group commit), next to a bare Fastify
 * server measured on the same machine in the same run, plus the ack time of very long transcripts.
 *
 *   npm run bench                    # 10 s per target
 *   BENCH_SECONDS=3 npm run bench    # quicker, noisier
 *   BENCH_POOL=20000                 # fewer pre-generated bodies (faster start; bodies past it are derived)
 *   BENCH_TMPDIR=/some/disk          # where the archive's temp dir goes (default: the OS temp dir)
 *
 * The load generator (autocannon) runs in a worker thread of this same file, so that the server
 * under test has the main thread's event loop to itself: with the client on the same thread every
 * fsync would also stall the client, and the two would share one core's worth of JavaScript.
 * Results are printed as Markdown and written to bench/results/latest.md. The exit code is 0 when
 * targets are missed (it is a measurement) and non-zero on errors, including any non-2xx reply
 * from the engine or an acknowledged event that is not in the archive afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import type { SessionEndedPayload } from '../shared/payload.js';
import { defaultConfig } from '../electron/core/config.js';
import { Engine } from '../electron/core/engine.js';
import { archivePath } from '../electron/core/paths.js';
import { WEBHOOK_PATH } from '../electron/core/receiver.js';
import { EVENT_HEADER, SIGNATURE_HEADER, sign } from '../electron/core/signature.js';
import { seededRandom, simulateSession } from '../electron/core/simulator.js';

const SECRET = 'bench-secret';
const CONNECTIONS = 20;
const PIPELINING = 1;
const WARMUP_SECONDS = 2;
const MESSAGES_PER_EVENT = 40;
const LARGE_MESSAGES = 12_000;
const LARGE_TARGET_BYTES = 5 * 1024 * 1024;
const LARGE_SENDS = 5;
const TARGETS = { ratio: 0.3, p99Ms: 20, largeAckMs: 1000 } as const;

// ---------------------------------------------------------------------------------------------
// Messages between the main thread (servers) and the worker (load generator)

interface LoadWorkerData {
  role: 'load-generator';
  poolSize: number;
  secret: string;
}

interface PoolReady {
  type: 'ready';
  size: number;
  meanBytes: number;
  minBytes: number;
  maxBytes: number;
  generationMs: number;
  /** The load generator thread's kernel thread id (Linux), to split CPU time by thread. */
  tid: number | null;
}

interface RunRequest {
  type: 'run';
  url: string;
  seconds: number;
  /** 'unique': never send a body twice (bodies past the pool get a derived sessionId); 'cycle': reuse the pool. */
  bodies: 'unique' | 'cycle';
  /** Start again at the first body of the pool (a new target). */
  resetCursor: boolean;
  /** Collect the sessionIds sent and acknowledged (for the durability check). */
  track: boolean;
}

interface RunSummary {
  type: 'result';
  durationSeconds: number;
  twoXx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  sent: number;
  statusCodes: Record<string, number>;
  latency: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number };
  /** Bodies past the pool, made unique by rewriting the sessionId (and re-signed) while running. */
  derived: number;
  sentIds: string[];
  ackedIds: string[];
}

type WorkerReply = PoolReady | RunSummary | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------
// Load generator (worker thread)

interface PoolItem {
  sessionId: string;
  body: Buffer;
  signature: string;
}

function generatePool(size: number, secret: string): { pool: PoolItem[]; ready: PoolReady } {
  const started = performance.now();
  const random = seededRandom(20_260_601);
  const seen = new Set<string>();
  const pool: PoolItem[] = [];
  let total = 0;
  let minBytes = Number.POSITIVE_INFINITY;
  let maxBytes = 0;
  const endsAt = Date.parse('2026-06-01T12:00:00Z');
  while (pool.length < size) {
    const { ended } = simulateSession(random, { endsAt: endsAt + pool.length * 1000, messages: MESSAGES_PER_EVENT });
    if (seen.has(ended.sessionId)) continue;
    seen.add(ended.sessionId);
    const body = Buffer.from(JSON.stringify(ended));
    pool.push({ sessionId: ended.sessionId, body, signature: sign(secret, body) });
    total += body.length;
    minBytes = Math.min(minBytes, body.length);
    maxBytes = Math.max(maxBytes, body.length);
  }
  return {
    pool,
    ready: { type: 'ready', size, meanBytes: total / size, minBytes, maxBytes, generationMs: performance.now() - started, tid: currentTid() },
  };
}

type AggregateResult = (results: unknown[], options: autocannon.Options) => autocannon.Result;

async function loadGenerator(data: LoadWorkerData): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('the load generator must run in a worker thread');
  const { pool, ready } = generatePool(data.poolSize, data.secret);
  let cursor = 0;

  const bodyAt = (index: number, bodies: RunRequest['bodies']): PoolItem & { derived: boolean } => {
    const base = pool[index % pool.length]!;
    if (index < pool.length || bodies === 'cycle') return { ...base, derived: false };
    // Past the pool: the same transcript under a new sessionId, so the engine still sees a new event.
    const sessionId = `${base.sessionId}-r${Math.floor(index / pool.length)}`;
    const json = base.body.toString('utf8').replace(`"sessionId":"${base.sessionId}"`, `"sessionId":"${sessionId}"`);
    const body = Buffer.from(json);
    return { sessionId, body, signature: sign(data.secret, body), derived: true };
  };

  const run = (request: RunRequest): Promise<RunSummary> => {
    if (request.resetCursor) cursor = 0;
    const sentIds: string[] = [];
    const ackedIds: string[] = [];
    let derived = 0;
    const options: autocannon.Options = {
      url: request.url,
      connections: CONNECTIONS,
      pipelining: PIPELINING,
      duration: request.seconds,
      requests: [
        {
          method: 'POST',
          path: new URL(request.url).pathname,
          // With one request in the list, autocannon calls this before every request of a
          // connection, with a fresh context each time; the context comes back in onResponse.
          setupRequest: (req, context) => {
            const item = bodyAt(cursor, request.bodies);
            cursor += 1;
            if (item.derived) derived += 1;
            (context as { sessionId?: string }).sessionId = item.sessionId;
            if (request.track) sentIds.push(item.sessionId);
            req.headers = {
              'content-type': 'application/json',
              [EVENT_HEADER]: 'session.ended',
              [SIGNATURE_HEADER]: item.signature,
            };
            req.body = item.body;
            return req;
          },
          onResponse: (status, _body, context) => {
            const sessionId = (context as { sessionId?: string }).sessionId;
            if (request.track && status >= 200 && status < 300 && sessionId !== undefined) ackedIds.push(sessionId);
          },
        },
      ],
    };
    return new Promise((resolve, reject) => {
      autocannon(options, (error, raw) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        // Outside the main thread autocannon hands back encoded histograms; aggregate them here.
        const aggregate = (autocannon as unknown as { aggregateResult: AggregateResult }).aggregateResult;
        const result = 'latencies' in (raw as object) ? aggregate([raw], options) : raw;
        const statusCodes: Record<string, number> = {};
        for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count ?? 0;
        resolve({
          type: 'result',
          durationSeconds: result.duration,
          twoXx: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          sent: result.requests.sent,
          statusCodes,
          latency: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            p99_9: result.latency.p99_9,
            max: result.latency.max,
            mean: result.latency.mean,
          },
          derived,
          sentIds,
          ackedIds,
        });
      });
    });
  };

  port.on('message', (message: RunRequest) => {
    run(message).then(
      (summary) => port.postMessage(summary satisfies WorkerReply),
      (error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies WorkerReply),
    );
  });
  port.postMessage(ready satisfies WorkerReply);
}

// ---------------------------------------------------------------------------------------------
// Main thread: servers under test, orchestration, report

class LoadGenerator {
  private constructor(private readonly worker: Worker) {}

  static async start(poolSize: number): Promise<{ generator: LoadGenerator; ready: PoolReady }> {
    // tsx's loader hooks do not reach worker threads on Node 20, so the worker loads this file through tsx's API.
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const source = `import(${JSON.stringify(tsxApi)}).then((api) => api.tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}));`;
    const worker = new Worker(source, {
      eval: true,
      workerData: { role: 'load-generator', poolSize, secret: SECRET } satisfies LoadWorkerData,
    });
    const generator = new LoadGenerator(worker);
    const reply = await generator.next();
    if (reply.type !== 'ready') throw new Error(`load generator: expected "ready", got "${reply.type}"`);
    return { generator, ready: reply };
  }

  async run(request: Omit<RunRequest, 'type'>): Promise<RunSummary> {
    const pending = this.next();
    this.worker.postMessage({ type: 'run', ...request } satisfies RunRequest);
    const reply = await pending;
    if (reply.type !== 'result') throw new Error(`load generator: expected "result", got "${reply.type}"`);
    return reply;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }

  private next(): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.worker.off('message', onMessage);
        this.worker.off('error', onError);
        this.worker.off('exit', onExit);
      };
      const onMessage = (reply: WorkerReply) => {
        cleanup();
        if (reply.type === 'error') reject(new Error(`load generator failed: ${reply.message}`));
        else resolve(reply);
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`load generator exited with code ${code}`));
      };
      this.worker.on('message', onMessage);
      this.worker.on('error', onError);
      this.worker.on('exit', onExit);
    });
  }
}

/** The baseline: Fastify 5 with one POST route that reads the body as a Buffer and answers {"ok":true}. */
async function startBaseline(): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post(WEBHOOK_PATH, async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('baseline server has no TCP address');
  return { app, url: `http://127.0.0.1:${address.port}${WEBHOOK_PATH}` };
}

/** Waits until the group committer has been idle for a moment (requests cut off by autocannon's stop still commit). */
async function settle(engine: Engine): Promise<void> {
  let last = -1;
  for (;;) {
    const jobs = engine.archive.commitStats.jobs;
    if (jobs === last) return;
    last = jobs;
    await delay(250);
  }
}

function assertClean(label: string, run: RunSummary): void {
  if (run.non2xx > 0 || run.errors > 0 || run.twoXx === 0) {
    throw new Error(
      `${label}: ${run.twoXx} 2xx, ${run.non2xx} non-2xx, ${run.errors} errors (${run.timeouts} timeouts); status codes ${JSON.stringify(run.statusCodes)}`,
    );
  }
}

/** The cost of one durable commit on this disk: single-row autocommit transactions, WAL + synchronous=FULL. */
function probeCommit(dir: string, count = 200): { medianMs: number; p99Ms: number } {
  const db = new Database(join(dir, 'commit-probe.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (body BLOB)');
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    const body = Buffer.alloc(5_000, 7);
    const times: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const started = performance.now();
      insert.run(body);
      times.push(performance.now() - started);
    }
    return { medianMs: percentile(times, 50), p99Ms: percentile(times, 99) };
  } finally {
    db.close();
  }
}

interface LargeResult {
  messages: number;
  bytes: number;
  timesMs: number[];
  medianMs: number;
  maxMs: number;
}

function largeSession(messages: number, seed: number): SessionEndedPayload {
  return simulateSession(seededRandom(seed), { endsAt: Date.parse('2026-06-01T18:00:00Z'), messages }).ended;
}

/** Sends the same long transcript `LARGE_SENDS` times (a fresh sessionId each time) and times each ack. */
async function sendLarge(url: string, session: SessionEndedPayload, label: string): Promise<LargeResult> {
  const bodies = Array.from({ length: LARGE_SENDS }, (_, i) => {
    const body = Buffer.from(JSON.stringify({ ...session, sessionId: `${session.sessionId}-${label}-${i}` }));
    return { body, signature: sign(SECRET, body) };
  });
  const timesMs: number[] = [];
  for (const { body, signature } of bodies) {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [EVENT_HEADER]: 'session.ended', [SIGNATURE_HEADER]: signature },
      body,
    });
    const text = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`${label} transcript: HTTP ${response.status} ${text.slice(0, 300)}`);
    timesMs.push(elapsed);
  }
  const session0 = bodies[0]!.body.length;
  return {
    messages: session.data.transcript?.length ?? 0,
    bytes: session0,
    timesMs,
    medianMs: percentile(timesMs, 50),
    maxMs: Math.max(...timesMs),
  };
}

/** CPU time (user + system, ms) of every thread of this process, from /proc (Linux only; empty elsewhere). */
function threadCpuMs(): Map<number, number> {
  const result = new Map<number, number>();
  try {
    const ticksPerMs = 100 / 1000; // USER_HZ is 100 on every Linux this runs on
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / ticksPerMs);
    }
  } catch {
    // Not Linux: the report leaves the CPU split out.
  }
  return result;
}

/** This thread's id as the kernel knows it (Linux), so its CPU time can be told apart from the others'. */
function currentTid(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}

interface CpuSplit {
  server: number;
  loadGenerator: number;
  others: number;
  wallMs: number;
}

function cpuSplit(before: Map<number, number>, after: Map<number, number>, wallMs: number, loadTid: number | null): CpuSplit {
  const split: CpuSplit = { server: 0, loadGenerator: 0, others: 0, wallMs };
  for (const [tid, ms] of after) {
    const used = ms - (before.get(tid) ?? 0);
    if (tid === process.pid) split.server += used;
    else if (tid === loadTid) split.loadGenerator += used;
    else split.others += used;
  }
  return split;
}

/** Report rows: CPU time per acknowledged request, by thread, and how much of the 2 cores was used. */
function cpuRows(base: CpuSplit, baseAcks: number, engine: CpuSplit, engineAcks: number): string[] {
  if (base.server + engine.server === 0) return [];
  const per = (ms: number, acks: number) => fmt((ms * 1000) / Math.max(acks, 1));
  const cores = (split: CpuSplit) => fmt((split.server + split.loadGenerator + split.others) / split.wallMs, 2);
  return [
    `| CPU per acknowledged request (µs): server listener thread | ${per(base.server, baseAcks)} | ${per(engine.server, engineAcks)} |`,
    `| CPU per acknowledged request (µs): other server threads (writer, GC, libuv) | ${per(base.others, baseAcks)} | ${per(engine.others, engineAcks)} |`,
    `| CPU per acknowledged request (µs): load generator | ${per(base.loadGenerator, baseAcks)} | ${per(engine.loadGenerator, engineAcks)} |`,
    `| cores in use (of ${os.cpus().length}) | ${cores(base)} | ${cores(engine)} |`,
  ];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const FS_TYPES: Record<number, string> = {
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs (fsync is free: numbers are NOT durable-disk numbers)',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x6a656a63: 'virtiofs',
};

function filesystemOf(dir: string): string {
  try {
    const type = statfsSync(dir).type;
    return FS_TYPES[type] ?? `fs type 0x${type.toString(16)}`;
  } catch {
    return 'unknown fs';
  }
}

/** Which code was measured: the commit, and whether the working tree had uncommitted changes. */
function codeVersion(): string {
  try {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '').length;
    return changed === 0 ? `commit ${commit}` : `commit ${commit} + uncommitted changes in ${changed} tracked file(s)`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');

function readSeconds(): number {
  const text = process.env.BENCH_SECONDS;
  if (text === undefined || text === '') return 10;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) throw new Error(`BENCH_SECONDS="${text}" is not a whole number of seconds (1-600)`);
  return seconds;
}

function readPoolSize(): number {
  const text = process.env.BENCH_POOL;
  if (text === undefined || text === '') return 60_000;
  const size = Number(text);
  if (!Number.isInteger(size) || size < 100) throw new Error(`BENCH_POOL="${text}" is not a whole number >= 100`);
  return size;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const seconds = readSeconds();
  const poolSize = readPoolSize();
  // If anything hangs, stop by ourselves instead of holding the machine.
  const watchdogSeconds = 300 + 4 * (seconds + WARMUP_SECONDS) + poolSize / 1000;
  setTimeout(() => {
    console.error(`bench: still running after ${Math.round(watchdogSeconds)} s; giving up`);
    process.exit(2);
  }, watchdogSeconds * 1000).unref();

  const probeDb = new Database(':memory:');
  const sqliteVersion = (probeDb.prepare('select sqlite_version() as v').get() as { v: string }).v;
  probeDb.close();
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    sqlite: sqliteVersion,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };

  let generator: LoadGenerator | null = null;
  let baseline: FastifyInstance | null = null;
  let engine: Engine | null = null;
  let dataDir: string | null = null;
  try {
    console.log(`bench: generating ${fmt(poolSize)} signed session.ended bodies (${MESSAGES_PER_EVENT} messages each) in the load-generator thread…`);
    const started = await LoadGenerator.start(poolSize);
    generator = started.generator;
    const pool = started.ready;
    console.log(`bench: pool ready in ${fmt(pool.generationMs / 1000, 1)} s; body ${fmt(pool.minBytes)}–${fmt(pool.maxBytes)} B, mean ${fmt(pool.meanBytes)} B`);

    // 1. Baseline: bare Fastify, same machine, same run.
    const base = await startBaseline();
    baseline = base.app;
    console.log(`bench: baseline ${base.url}: ${WARMUP_SECONDS} s warm-up, then ${seconds} s measured`);
    assertClean('baseline warm-up', await generator.run({ url: base.url, seconds: WARMUP_SECONDS, bodies: 'cycle', resetCursor: true, track: false }));
    const baseLoop = performance.eventLoopUtilization();
    const baseCpu = threadCpuMs();
    const baseWall = performance.now();
    const baseRun = await generator.run({ url: base.url, seconds, bodies: 'cycle', resetCursor: false, track: false });
    const baseSplit = cpuSplit(baseCpu, threadCpuMs(), performance.now() - baseWall, pool.tid);
    const baseBusy = performance.eventLoopUtilization(baseLoop).utilization;
    assertClean('baseline', baseRun);
    await baseline.close();
    baseline = null;
    const baseRate = baseRun.twoXx / baseRun.durationSeconds;
    console.log(`bench: baseline ${fmt(baseRate)} req/s, p50 ${baseRun.latency.p50} ms, p99 ${baseRun.latency.p99} ms`);

    // 2. The engine: real SQLite file in a fresh temp dir, WAL + synchronous=FULL, group commit.
    dataDir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? os.tmpdir(), 'callaider-bench-'));
    const filesystem = filesystemOf(dataDir);
    const commitProbe = probeCommit(dataDir);
    console.log(`bench: one durable single-row commit on ${filesystem}: median ${fmt(commitProbe.medianMs, 2)} ms, p99 ${fmt(commitProbe.p99Ms, 2)} ms`);
    const running = await Engine.start(defaultConfig({ dataDir, port: 0, secret: SECRET }));
    engine = running;
    let serverStored = 0;
    let serverDuplicates = 0;
    running.on('ingested', ({ duplicate }) => {
      if (duplicate) serverDuplicates += 1;
      else serverStored += 1;
    });
    const url = running.localWebhookUrl;
    console.log(`bench: engine ${url} (archive ${archivePath(dataDir)}): ${WARMUP_SECONDS} s warm-up, then ${seconds} s measured`);
    const engineWarmup = await generator.run({ url, seconds: WARMUP_SECONDS, bodies: 'unique', resetCursor: true, track: true });
    assertClean('engine warm-up', engineWarmup);
    await settle(running);
    const statsBefore = { ...running.archive.commitStats };
    const engineLoop = performance.eventLoopUtilization();
    const engineCpu = threadCpuMs();
    const engineWall = performance.now();
    const engineRun = await generator.run({ url, seconds, bodies: 'unique', resetCursor: false, track: true });
    const engineSplit = cpuSplit(engineCpu, threadCpuMs(), performance.now() - engineWall, pool.tid);
    const engineBusy = performance.eventLoopUtilization(engineLoop).utilization;
    assertClean('engine', engineRun);
    await settle(running);
    const statsAfter = { ...running.archive.commitStats };
    const engineRate = engineRun.twoXx / engineRun.durationSeconds;
    const ratio = engineRate / baseRate;
    const transactions = statsAfter.transactions - statsBefore.transactions;
    const jobs = statsAfter.jobs - statsBefore.jobs;
    console.log(`bench: engine ${fmt(engineRate)} events/s (ratio ${fmt(ratio, 3)}), p50 ${engineRun.latency.p50} ms, p99 ${engineRun.latency.p99} ms`);

    // 3. Large transcripts: the specified 12,000 messages, and one sized to the 5 MB the target names.
    const large12k = largeSession(LARGE_MESSAGES, 12_000);
    const size12k = Buffer.byteLength(JSON.stringify(large12k));
    let messages5mb = Math.ceil((LARGE_MESSAGES * LARGE_TARGET_BYTES) / size12k);
    let large5mb = largeSession(messages5mb, 5_000);
    while (Buffer.byteLength(JSON.stringify(large5mb)) < LARGE_TARGET_BYTES) {
      messages5mb = Math.ceil(messages5mb * 1.02);
      large5mb = largeSession(messages5mb, 5_000);
    }
    const largeA = await sendLarge(url, large12k, 'large12k');
    console.log(`bench: ${fmt(largeA.messages)} messages (${fmt(largeA.bytes)} B): median ${fmt(largeA.medianMs, 1)} ms, max ${fmt(largeA.maxMs, 1)} ms`);
    const largeB = await sendLarge(url, large5mb, 'large5mb');
    console.log(`bench: ${fmt(largeB.messages)} messages (${fmt(largeB.bytes)} B): median ${fmt(largeB.medianMs, 1)} ms, max ${fmt(largeB.maxMs, 1)} ms`);
    const largestBatch = running.archive.commitStats.largestBatch;

    // Durability: stop the engine (in-flight work commits, WAL checkpointed), reopen the file, count.
    await running.stop();
    engine = null;
    const archive = new Database(archivePath(dataDir), { readonly: true, fileMustExist: true });
    let rows: number;
    let stored: Set<string>;
    try {
      rows = (archive.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
      stored = new Set(archive.prepare('SELECT session_id FROM events').pluck().all() as string[]);
    } finally {
      archive.close();
    }
    const largeAcked = 2 * LARGE_SENDS;
    const clientAcked = engineWarmup.twoXx + engineRun.twoXx + largeAcked;
    const ackedIds = [...engineWarmup.ackedIds, ...engineRun.ackedIds];
    const missing = ackedIds.filter((id) => !stored.has(id));
    const ackedSet = new Set(ackedIds);
    const cutOff = [...engineWarmup.sentIds, ...engineRun.sentIds].filter((id) => stored.has(id) && !ackedSet.has(id)).length;
    const measuredRows = engineRun.sentIds.filter((id) => stored.has(id)).length;
    const durability = {
      rows,
      clientAcked,
      serverStored,
      cutOff,
      missing: missing.length,
      measuredRows,
      ok:
        missing.length === 0 &&
        ackedIds.length === engineWarmup.twoXx + engineRun.twoXx &&
        rows === serverStored &&
        rows === clientAcked + cutOff &&
        serverDuplicates === 0,
    };
    console.log(
      `bench: events rows ${fmt(rows)} = ${fmt(clientAcked)} acknowledged (2xx) + ${cutOff} stored whose reply autocannon cut off at its stop; ` +
        `${missing.length} acknowledged events missing; server-side acks ${fmt(serverStored)}`,
    );
    if (!durability.ok) {
      throw new Error(
        `durability check failed: ${JSON.stringify({ ...durability, ackedTracked: ackedIds.length, serverDuplicates, firstMissing: missing.slice(0, 5) })}`,
      );
    }

    // 4. Report.
    const targets = {
      ratio: ratio >= TARGETS.ratio,
      p99: engineRun.latency.p99 < TARGETS.p99Ms,
      large5mb: largeB.maxMs < TARGETS.largeAckMs,
      large12k: largeA.maxMs < TARGETS.largeAckMs,
    };
    const lines = [
      `### Ingest benchmark, ${startedAt.toISOString()}`,
      '',
      `- Machine: ${machine.cpu}, ${machine.cores} cores, ${fmt(machine.memoryGiB, 1)} GiB RAM, ${machine.os}`,
      `- Software: Node ${machine.node}, SQLite ${machine.sqlite} (better-sqlite3), archive on ${filesystem}; code: ${codeVersion()}`,
      `- Load: autocannon, ${CONNECTIONS} connections, pipelining ${PIPELINING}, ${seconds} s measured after ${WARMUP_SECONDS} s warm-up per target, ` +
        `load generator in a worker thread; every request a signed session.ended with ${MESSAGES_PER_EVENT} messages ` +
        `(${fmt(pool.minBytes)}–${fmt(pool.maxBytes)} B, mean ${fmt(pool.meanBytes)} B), new sessionId for every engine request ` +
        `(${fmt(engineRun.derived + engineWarmup.derived)} derived past the pool of ${fmt(pool.size)})`,
      '',
      '| | baseline: bare Fastify | engine: SQLite WAL, synchronous=FULL |',
      '| --- | ---: | ---: |',
      `| acknowledged (2xx) in ${seconds} s | ${fmt(baseRun.twoXx)} | ${fmt(engineRun.twoXx)} |`,
      `| acknowledged per second | ${fmt(baseRate)} | ${fmt(engineRate)} |`,
      `| latency p50 / p90 / p99 (ms) | ${baseRun.latency.p50} / ${baseRun.latency.p90} / ${baseRun.latency.p99} | ${engineRun.latency.p50} / ${engineRun.latency.p90} / ${engineRun.latency.p99} |`,
      `| latency p99.9 / max (ms) | ${baseRun.latency.p99_9} / ${baseRun.latency.max} | ${engineRun.latency.p99_9} / ${engineRun.latency.max} |`,
      `| non-2xx / errors | ${baseRun.non2xx} / ${baseRun.errors} | ${engineRun.non2xx} / ${engineRun.errors} |`,
      `| server event loop busy (utilization) | ${fmt(baseBusy * 100)} % | ${fmt(engineBusy * 100)} % |`,
      `| server main-thread time per acknowledged request (µs) | ${fmt((baseBusy * baseRun.durationSeconds * 1e6) / baseRun.twoXx)} | ${fmt((engineBusy * engineRun.durationSeconds * 1e6) / engineRun.twoXx)} |`,
      ...cpuRows(baseSplit, baseRun.twoXx, engineSplit, engineRun.twoXx),
      '',
      `- Ratio engine / baseline: **${fmt(ratio, 3)}**`,
      `- Group commit during the measured run: ${fmt(transactions)} transactions, ${fmt(jobs)} jobs, ` +
        `average batch **${fmt(jobs / Math.max(transactions, 1), 2)}**, largest batch ${largestBatch} (whole engine run)`,
      `- One durable single-row commit on this disk (WAL, synchronous=FULL): median ${fmt(commitProbe.medianMs, 2)} ms, p99 ${fmt(commitProbe.p99Ms, 2)} ms`,
      `- Durability check (archive reopened after engine.stop()): events rows ${fmt(rows)} = ${fmt(clientAcked)} acknowledged (2xx: ` +
        `${fmt(engineWarmup.twoXx)} warm-up + ${fmt(engineRun.twoXx)} measured + ${largeAcked} large) + ${cutOff} in flight when autocannon stopped ` +
        `(stored, reply cut off); every acknowledged sessionId present: ${missing.length === 0 ? 'yes' : `NO, ${missing.length} missing`}; ` +
        `rows = server-side acks (${fmt(serverStored)}): ${rows === serverStored ? 'yes' : 'NO'}; measured run: ${fmt(measuredRows)} rows for ${fmt(engineRun.twoXx)} 2xx`,
      `- Large transcript, ${fmt(largeA.messages)} messages, ${fmt(largeA.bytes)} bytes, ${LARGE_SENDS} sends: ` +
        `median ${fmt(largeA.medianMs, 1)} ms, max ${fmt(largeA.maxMs, 1)} ms (${largeA.timesMs.map((t) => fmt(t)).join(', ')})`,
      `- Large transcript, ${fmt(largeB.messages)} messages, ${fmt(largeB.bytes)} bytes, ${LARGE_SENDS} sends: ` +
        `median ${fmt(largeB.medianMs, 1)} ms, max ${fmt(largeB.maxMs, 1)} ms (${largeB.timesMs.map((t) => fmt(t)).join(', ')})`,
      '',
      '| target | measured | result |',
      '| --- | ---: | --- |',
      `| engine / baseline ratio >= ${TARGETS.ratio} | ${fmt(ratio, 3)} | ${verdict(targets.ratio)} |`,
      `| engine p99 < ${TARGETS.p99Ms} ms | ${engineRun.latency.p99} ms | ${verdict(targets.p99)} |`,
      `| 5 MB transcript acked < ${fmt(TARGETS.largeAckMs)} ms (max of ${LARGE_SENDS}; ${fmt(largeB.messages)} messages, ${fmt(largeB.bytes)} B) | ${fmt(largeB.maxMs)} ms | ${verdict(targets.large5mb)} |`,
      `| 12,000-message transcript acked < ${fmt(TARGETS.largeAckMs)} ms (max of ${LARGE_SENDS}; ${fmt(largeA.bytes)} B) | ${fmt(largeA.maxMs)} ms | ${verdict(targets.large12k)} |`,
      '',
    ];
    const markdown = lines.join('\n');
    console.log(`\n${markdown}`);
    const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(resultsDir, { recursive: true });
    const latest = join(resultsDir, 'latest.md');
    writeFileSync(`${latest}.tmp`, markdown);
    renameSync(`${latest}.tmp`, latest);
    console.log(`bench: written to ${latest}`);
  } finally {
    await baseline?.close().catch((error: unknown) => console.error(`bench: closing the baseline: ${String(error)}`));
    await engine?.stop().catch((error: unknown) => console.error(`bench: stopping the engine: ${String(error)}`));
    await generator?.stop().catch((error: unknown) => console.error(`bench: stopping the load generator: ${String(error)}`));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().then(
    () => {
      process.exitCode = 0;
    },
    (error: unknown) => {
      console.error(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
} else if ((workerData as Partial<LoadWorkerData> | null)?.role === 'load-generator') {
  await loadGenerator(workerData as LoadWorkerData);
}
