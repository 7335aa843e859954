/**
 * Ingest benchmark (a measurement, not a test): how many signed session.ended webhooks per second
 * the engine acknowledges durably (WAL + synchronous=FULL + group commit), next to a bare Fastify
 * server measured on the same machine in the same run, plus the ack time of very long transcripts.
 * A third server, the engine's receiver in front of an archive that stores nothing, bounds what
 * any storage could reach on this machine.
 *
 *   npm run bench:ingest                       # 3 rounds of 5 s per target, targets alternating
 *   BENCH_ROUNDS=5 BENCH_SECONDS=10 ...        # longer, steadier
 *   BENCH_POOL=20000                           # fewer pre-generated bodies (faster start; bodies past it are derived)
 *   BENCH_TMPDIR=/some/disk                    # where the archive's temp dir goes (default: the OS temp dir)
 *
 * The load generator (autocannon) runs in a worker thread of this same file, so that the server
 * under test has the main thread's event loop to itself: with the client on the same thread every
 * fsync would also stall the client, and the two would share one core's worth of JavaScript.
 * Results are printed as Markdown and written to bench/results/latest.md. The exit code is 0 when
 * targets are missed (it is a measurement) and non-zero on errors, including any non-2xx reply
 * from the engine or an acknowledged event that is not in the archive afterwards.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
import { WEBHOOK_PATH, createReceiver } from '../electron/core/receiver.js';
import type { ArchiveStore } from '../electron/core/archive/store.js';
import { EVENT_HEADER, SIGNATURE_HEADER, sign } from '../electron/core/signature.js';
import { seededRandom, simulateSession } from '../electron/core/simulator.js';
import { codeVersion, filesystemOf, percentile, readSetting } from './report.js';

export const SECRET = 'bench-secret';
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
  /**
   * 'unique': never send a body twice (bodies past the pool get a derived sessionId); 'cycle': reuse
   * the pool. Each has its own cursor, so runs against other targets never use up unique bodies.
   */
  bodies: 'unique' | 'cycle';
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
  const cursors = { unique: 0, cycle: 0 };

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
            const item = bodyAt(cursors[request.bodies], request.bodies);
            cursors[request.bodies] += 1;
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
export async function startBaseline(): Promise<{ app: FastifyInstance; url: string }> {
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
    const { jobs } = await engine.archive.commitStats();
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

/** Report rows: CPU time per acknowledged request, by thread, and how much of the machine's cores was used. */
function cpuRows(runs: Measured[]): string[] {
  if (runs.every((measured) => measured.cpu.server === 0)) return [];
  const per = (pick: (split: CpuSplit) => number) => runs.map((m) => fmt((pick(m.cpu) * 1000) / Math.max(m.run.twoXx, 1))).join(' | ');
  const cores = runs.map((m) => fmt((m.cpu.server + m.cpu.loadGenerator + m.cpu.others) / m.cpu.wallMs, 2)).join(' | ');
  return [
    `| CPU per acknowledged request (µs): server listener thread | ${per((split) => split.server)} |`,
    `| CPU per acknowledged request (µs): other server threads (writer, GC, libuv) | ${per((split) => split.others)} |`,
    `| CPU per acknowledged request (µs): load generator | ${per((split) => split.loadGenerator)} |`,
    `| cores in use (of ${os.cpus().length}) | ${cores} |`,
  ];
}

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');

interface Measured {
  run: RunSummary;
  rate: number;
  busy: number;
  cpu: CpuSplit;
}

/** One measured run against one target, with the server thread's busy share and the CPU split by thread. */
async function measure(generator: LoadGenerator, request: Omit<RunRequest, 'type'>, loadTid: number | null): Promise<Measured> {
  const loop = performance.eventLoopUtilization();
  const cpuBefore = threadCpuMs();
  const wallBefore = performance.now();
  const run = await generator.run(request);
  const cpu = cpuSplit(cpuBefore, threadCpuMs(), performance.now() - wallBefore, loadTid);
  return { run, rate: run.twoXx / run.durationSeconds, busy: performance.eventLoopUtilization(loop).utilization, cpu };
}

/**
 * The receiver alone: the engine's real webhook route (signature, JSON, schema, delivery record)
 * in front of an archive that stores nothing and answers at once. Not a target, a bound: it shows
 * how much of the gap to the bare server is the receiver's own work, and how much is storage.
 */
export async function startReceiverOnly(): Promise<{ app: FastifyInstance; url: string }> {
  const nothingStored = {
    ingest: () => Promise.resolve({ duplicate: false }),
    logDelivery: () => Promise.resolve(),
  } as unknown as ArchiveStore;
  const app = createReceiver({ archive: nothingStored, secret: SECRET, bodyLimit: 20 * 1024 * 1024, requestTimeoutMs: 30_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver-only server has no TCP address');
  return { app, url: `http://127.0.0.1:${address.port}${WEBHOOK_PATH}` };
}

interface RoundResult {
  baseline: Measured;
  receiverOnly: Measured;
  engine: Measured;
  warmup: RunSummary;
  transactions: number;
  jobs: number;
  largestBatch: number;
  durability: { summary: string };
}

/** Both large transcripts, five sends each. */
async function sendLargeTranscripts(url: string): Promise<{ a: LargeResult; b: LargeResult }> {
  // The specified 12,000 messages, and one sized to the 5 MB the target names.
  const large12k = largeSession(LARGE_MESSAGES, 12_000);
  const size12k = Buffer.byteLength(JSON.stringify(large12k));
  let messages5mb = Math.ceil((LARGE_MESSAGES * LARGE_TARGET_BYTES) / size12k);
  let large5mb = largeSession(messages5mb, 5_000);
  while (Buffer.byteLength(JSON.stringify(large5mb)) < LARGE_TARGET_BYTES) {
    messages5mb = Math.ceil(messages5mb * 1.02);
    large5mb = largeSession(messages5mb, 5_000);
  }
  const a = await sendLarge(url, large12k, 'large12k');
  console.log(`bench: ${fmt(a.messages)} messages (${fmt(a.bytes)} B): median ${fmt(a.medianMs, 1)} ms, max ${fmt(a.maxMs, 1)} ms`);
  const b = await sendLarge(url, large5mb, 'large5mb');
  console.log(`bench: ${fmt(b.messages)} messages (${fmt(b.bytes)} B): median ${fmt(b.medianMs, 1)} ms, max ${fmt(b.maxMs, 1)} ms`);
  return { a, b };
}

/**
 * Reopens a stopped engine's archive and checks that every acknowledged sessionId is in it, and
 * that its rows equal the engine's own count of stored events and the 2xx replies plus the
 * requests autocannon cut off at its deadline (stored, reply never read). Throws otherwise.
 */
function checkDurability(file: string, runs: RunSummary[], largeAcked: number, acks: { stored: number; duplicates: number }): { summary: string } {
  const archive = new Database(file, { readonly: true, fileMustExist: true });
  let rows: number;
  let stored: Set<string>;
  try {
    rows = (archive.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    stored = new Set(archive.prepare('SELECT session_id FROM events').pluck().all() as string[]);
  } finally {
    archive.close();
  }
  const runAcked = runs.reduce((sum, run) => sum + run.twoXx, 0);
  const ackedIds = runs.flatMap((run) => run.ackedIds);
  const missing = ackedIds.filter((id) => !stored.has(id));
  const ackedSet = new Set(ackedIds);
  const cutOff = runs.flatMap((run) => run.sentIds).filter((id) => stored.has(id) && !ackedSet.has(id)).length;
  const clientAcked = runAcked + largeAcked;
  const ok = missing.length === 0 && ackedIds.length === runAcked && rows === acks.stored && rows === clientAcked + cutOff && acks.duplicates === 0;
  if (!ok) {
    throw new Error(
      `durability check failed: ${JSON.stringify({ rows, clientAcked, serverStored: acks.stored, cutOff, missing: missing.length, ackedTracked: ackedIds.length, duplicates: acks.duplicates, firstMissing: missing.slice(0, 5) })}`,
    );
  }
  return { summary: `${fmt(rows)} rows = ${fmt(clientAcked)} acknowledged + ${cutOff} cut off by autocannon's stop, 0 missing` };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const seconds = readSetting('BENCH_SECONDS', 5, 1, 600);
  const rounds = readSetting('BENCH_ROUNDS', 3, 1, 20);
  const poolSize = readSetting('BENCH_POOL', 100_000, 100, 10_000_000);
  // If anything hangs, stop by ourselves instead of holding the machine.
  const watchdogSeconds = 300 + 4 * rounds * (3 * seconds + WARMUP_SECONDS + 10) + poolSize / 1000;
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
  let receiverOnly: FastifyInstance | null = null;
  let engine: Engine | null = null;
  let dataDir: string | null = null;
  try {
    console.log(`bench: generating ${fmt(poolSize)} signed session.ended bodies (${MESSAGES_PER_EVENT} messages each) in the load-generator thread…`);
    const started = await LoadGenerator.start(poolSize);
    generator = started.generator;
    const pool = started.ready;
    console.log(`bench: pool ready in ${fmt(pool.generationMs / 1000, 1)} s; body ${fmt(pool.minBytes)}–${fmt(pool.maxBytes)} B, mean ${fmt(pool.meanBytes)} B`);

    // The bare baseline and the receiver alone (storage answered at once) stay up, idle while
    // another target is measured. The engine is started fresh for each round and stopped after
    // it: it indexes acknowledged events when webhooks pause, and that work must not land in the
    // other targets' runs.
    const base = await startBaseline();
    baseline = base.app;
    const bound = await startReceiverOnly();
    receiverOnly = bound.app;
    console.log(`bench: baseline ${base.url}, receiver alone ${bound.url}`);
    assertClean('baseline warm-up', await generator.run({ url: base.url, seconds: WARMUP_SECONDS, bodies: 'cycle', track: false }));
    assertClean('receiver-only warm-up', await generator.run({ url: bound.url, seconds: WARMUP_SECONDS, bodies: 'cycle', track: false }));
    const tmpRoot = process.env.BENCH_TMPDIR ?? os.tmpdir();
    const probeDir = mkdtempSync(join(tmpRoot, 'callaider-bench-probe-'));
    const filesystem = filesystemOf(probeDir);
    const commitProbe = probeCommit(probeDir);
    rmSync(probeDir, { recursive: true, force: true });
    console.log(`bench: one durable single-row commit on ${filesystem}: median ${fmt(commitProbe.medianMs, 2)} ms, p99 ${fmt(commitProbe.p99Ms, 2)} ms`);

    // Rounds alternate the targets, so a slow or fast spell of this shared machine hits all three
    // alike; each round's ratio compares runs measured seconds apart.
    const results: RoundResult[] = [];
    let large: { a: LargeResult; b: LargeResult } | null = null;
    for (let round = 1; round <= rounds; round += 1) {
      const baseRun = await measure(generator, { url: base.url, seconds, bodies: 'cycle', track: false }, pool.tid);
      assertClean(`baseline, round ${round}`, baseRun.run);
      const boundRun = await measure(generator, { url: bound.url, seconds, bodies: 'cycle', track: false }, pool.tid);
      assertClean(`receiver alone, round ${round}`, boundRun.run);

      dataDir = mkdtempSync(join(tmpRoot, 'callaider-bench-'));
      const running = await Engine.start(defaultConfig({ dataDir, port: 0, secret: SECRET }));
      engine = running;
      const acks = { stored: 0, duplicates: 0 };
      running.on('ingested', ({ duplicate }) => {
        if (duplicate) acks.duplicates += 1;
        else acks.stored += 1;
      });
      const url = running.localWebhookUrl;
      const warmup = await generator.run({ url, seconds: WARMUP_SECONDS, bodies: 'unique', track: true });
      assertClean(`engine warm-up, round ${round}`, warmup);
      await settle(running);
      const statsBefore = await running.archive.commitStats();
      const engineRun = await measure(generator, { url, seconds, bodies: 'unique', track: true }, pool.tid);
      assertClean(`engine, round ${round}`, engineRun.run);
      await settle(running);
      const statsAfter = await running.archive.commitStats();
      if (round === rounds) large = await sendLargeTranscripts(url);
      const { largestBatch } = await running.archive.commitStats();
      await running.stop();
      engine = null;
      const durability = checkDurability(archivePath(dataDir), [warmup, engineRun.run], round === rounds ? 2 * LARGE_SENDS : 0, acks);
      rmSync(dataDir, { recursive: true, force: true });
      dataDir = null;
      results.push({
        baseline: baseRun,
        receiverOnly: boundRun,
        engine: engineRun,
        warmup,
        transactions: statsAfter.transactions - statsBefore.transactions,
        jobs: statsAfter.jobs - statsBefore.jobs,
        largestBatch,
        durability,
      });
      console.log(
        `bench: round ${round}/${rounds}: baseline ${fmt(baseRun.rate)} req/s; receiver alone ${fmt(boundRun.rate)} (${fmt(boundRun.rate / baseRun.rate, 3)}); ` +
          `engine ${fmt(engineRun.rate)} events/s (ratio ${fmt(engineRun.rate / baseRun.rate, 3)}), p50 ${engineRun.run.latency.p50} ms, p99 ${engineRun.run.latency.p99} ms; ` +
          `archive: ${durability.summary}`,
      );
    }
    await baseline.close();
    baseline = null;
    await receiverOnly.close();
    receiverOnly = null;
    if (!large) throw new Error('no large-transcript result');
    const { a: largeA, b: largeB } = large;

    // Report: the median round (by ratio) in detail, every round in one line each.
    const ratios = results.map((result) => result.engine.rate / result.baseline.rate);
    const ratio = median(ratios);
    const p99s = results.map((result) => result.engine.run.latency.p99);
    const p99 = median(p99s);
    const bounds = results.map((result) => result.receiverOnly.rate / result.baseline.rate);
    const byRatio = [...results].sort((a, b) => a.engine.rate / a.baseline.rate - b.engine.rate / b.baseline.rate);
    const typical = byRatio[Math.floor((byRatio.length - 1) / 2)]!;
    const targets = {
      ratio: ratio >= TARGETS.ratio,
      p99: p99 < TARGETS.p99Ms,
      large5mb: largeB.maxMs < TARGETS.largeAckMs,
      large12k: largeA.maxMs < TARGETS.largeAckMs,
    };
    const perAck = (measured: Measured) => fmt((measured.busy * measured.run.durationSeconds * 1e6) / measured.run.twoXx);
    const { baseline: b, receiverOnly: r, engine: e } = typical;
    const derived = results.reduce((sum, result) => sum + result.warmup.derived + result.engine.run.derived, 0);
    const range = (values: number[], digits: number) => `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}`;
    const lines = [
      `### Ingest benchmark, ${startedAt.toISOString()}`,
      '',
      `- Machine: ${machine.cpu}, ${machine.cores} cores, ${fmt(machine.memoryGiB, 1)} GiB RAM, ${machine.os}`,
      `- Software: Node ${machine.node}, SQLite ${machine.sqlite} (better-sqlite3), archive on ${filesystem}; code: ${codeVersion()}`,
      `- Load: autocannon, ${CONNECTIONS} connections, pipelining ${PIPELINING}, load generator in a worker thread; ` +
        `${rounds} rounds of ${seconds} s per target, targets alternating, after ${WARMUP_SECONDS} s warm-up each; ` +
        `every request a signed session.ended with ${MESSAGES_PER_EVENT} messages ` +
        `(${fmt(pool.minBytes)}–${fmt(pool.maxBytes)} B, mean ${fmt(pool.meanBytes)} B), new sessionId for every engine request ` +
        `(${fmt(derived)} derived past the pool of ${fmt(pool.size)})`,
      '',
      `Median round (by ratio):`,
      '',
      '| | baseline: bare Fastify | receiver alone: storage answered at once | engine: SQLite WAL, synchronous=FULL |',
      '| --- | ---: | ---: | ---: |',
      `| acknowledged per second | ${fmt(b.rate)} | ${fmt(r.rate)} | ${fmt(e.rate)} |`,
      `| ratio to the baseline | 1 | ${fmt(r.rate / b.rate, 3)} | **${fmt(e.rate / b.rate, 3)}** |`,
      `| latency p50 / p90 / p99 (ms) | ${b.run.latency.p50} / ${b.run.latency.p90} / ${b.run.latency.p99} | ${r.run.latency.p50} / ${r.run.latency.p90} / ${r.run.latency.p99} | ${e.run.latency.p50} / ${e.run.latency.p90} / ${e.run.latency.p99} |`,
      `| latency p99.9 / max (ms) | ${b.run.latency.p99_9} / ${b.run.latency.max} | ${r.run.latency.p99_9} / ${r.run.latency.max} | ${e.run.latency.p99_9} / ${e.run.latency.max} |`,
      `| non-2xx / errors | ${b.run.non2xx} / ${b.run.errors} | ${r.run.non2xx} / ${r.run.errors} | ${e.run.non2xx} / ${e.run.errors} |`,
      `| server event loop busy (utilization) | ${fmt(b.busy * 100)} % | ${fmt(r.busy * 100)} % | ${fmt(e.busy * 100)} % |`,
      `| server main-thread time per acknowledged request (µs) | ${perAck(b)} | ${perAck(r)} | ${perAck(e)} |`,
      ...cpuRows([b, r, e]),
      '',
      `- Every round: ${results
        .map((result, i) => `${i + 1}: ${fmt(result.baseline.rate)} / ${fmt(result.receiverOnly.rate)} / ${fmt(result.engine.rate)} per s, ratio ${fmt(ratios[i]!, 3)}, p99 ${result.engine.run.latency.p99} ms`)
        .join('; ')} (baseline / receiver alone / engine)`,
      `- Ratio engine / baseline: median **${fmt(ratio, 3)}** (${range(ratios, 3)}); receiver alone / baseline: median ${fmt(median(bounds), 3)} (${range(bounds, 3)})`,
      `- Group commit during the measured runs: ${results
        .map((result) => `${fmt(result.transactions)} transactions for ${fmt(result.jobs)} jobs (average ${fmt(result.jobs / Math.max(result.transactions, 1), 2)}, largest ${result.largestBatch})`)
        .join('; ')}`,
      `- One durable single-row commit on this disk (WAL, synchronous=FULL): median ${fmt(commitProbe.medianMs, 2)} ms, p99 ${fmt(commitProbe.p99Ms, 2)} ms`,
      `- Durability check, every round (a fresh archive each, reopened after engine.stop()): ${results.map((result, i) => `${i + 1}: ${result.durability.summary}`).join('; ')}`,
      `- Large transcript, ${fmt(largeA.messages)} messages, ${fmt(largeA.bytes)} bytes, ${LARGE_SENDS} sends: ` +
        `median ${fmt(largeA.medianMs, 1)} ms, max ${fmt(largeA.maxMs, 1)} ms (${largeA.timesMs.map((t) => fmt(t)).join(', ')})`,
      `- Large transcript, ${fmt(largeB.messages)} messages, ${fmt(largeB.bytes)} bytes, ${LARGE_SENDS} sends: ` +
        `median ${fmt(largeB.medianMs, 1)} ms, max ${fmt(largeB.maxMs, 1)} ms (${largeB.timesMs.map((t) => fmt(t)).join(', ')})`,
      '',
      '| target | measured | result |',
      '| --- | ---: | --- |',
      `| engine / baseline ratio >= ${TARGETS.ratio} (median of ${rounds} rounds) | ${fmt(ratio, 3)} | ${verdict(targets.ratio)} |`,
      `| engine p99 < ${TARGETS.p99Ms} ms (median of ${rounds} rounds; worst ${Math.max(...p99s)} ms) | ${p99} ms | ${verdict(targets.p99)} |`,
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
    await receiverOnly?.close().catch((error: unknown) => console.error(`bench: closing the receiver-only server: ${String(error)}`));
    await engine?.stop().catch((error: unknown) => console.error(`bench: stopping the engine: ${String(error)}`));
    await generator?.stop().catch((error: unknown) => console.error(`bench: stopping the load generator: ${String(error)}`));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

// Imported (bench/support/baseline-server.ts reuses the baselines above), it only lends its servers.
if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
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
