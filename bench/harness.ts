/**
 * What the benchmarks on the 100,000-session archive share (bench/store.ts, bench/follow-ups.ts):
 * the cached archive (built once with the CLI, copied for each run), the child processes they fork
 * (every one tracked and killed when the benchmark ends, however it ends, and the run's temp folder
 * removed), talking to them over IPC with time limits, and the numbers' formatting.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { ArchiveStatus } from '../shared/api.js';
import { archivePath } from '../electron/core/paths.js';
import { api, type LoadResult } from './store-clients.js';
import { percentile } from './report.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'bin', 'callaider-archive');
export const SERVER_SCRIPT = fileURLToPath(new URL('./store-server.ts', import.meta.url));
const CLIENTS_SCRIPT = fileURLToPath(new URL('./store-clients.ts', import.meta.url));
/** bench/store-server.ts prints its timing markers with this prefix; keep them in step. */
const MARKER_PREFIX = 'bench-marker ';
/** The cached archive's demo seed. */
export const SEED = 4242;
/** Every n-th demo session is long (300–600 messages): 17 gives ~40 messages per session, ~4,000,000 in all. */
export const LONG_EVERY = 17;

// ---------------------------------------------------------------------------------------------
// Numbers

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  return { n: values.length, p50: percentile(values, 50), p90: percentile(values, 90), p95: percentile(values, 95), p99: percentile(values, 99), max: values.length ? Math.max(...values) : Number.NaN };
}

export const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
export const ms1 = (value: number) => fmt(value, 1);
export const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : '**missed**');

/** The SQLite version better-sqlite3 brings, for the report. */
export function sqliteVersion(): string {
  const probe = new Database(':memory:');
  try {
    return (probe.prepare('select sqlite_version() as v').get() as { v: string }).v;
  } finally {
    probe.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked and killed when this process ends, however it ends.

const children = new Set<ChildProcess>();
let runDir: string | null = null;

export function cleanUp(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  if (runDir) rmSync(runDir, { recursive: true, force: true });
  runDir = null;
}

/** The run's temp folder (removed by cleanUp, however the run ends). */
export function createRunDir(root: string, prefix: string): string {
  runDir = mkdtempSync(join(root, prefix));
  return runDir;
}

process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}; stopping`);
    cleanUp();
    process.exit(130);
  });
}

export interface Watched {
  child: ChildProcess;
  name: string;
  /** Resolves with performance.now() when a stdout line containing `text` arrives. */
  waitForLine(text: string): Promise<number>;
  /** Lines of stdout that start with the marker prefix: name -> ms since the child started. */
  markers: Record<string, number>;
  tail(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function watch(child: ChildProcess, name: string): Watched {
  children.add(child);
  const lines: string[] = [];
  const waiters: Array<{ text: string; resolve: (at: number) => void }> = [];
  const markers: Record<string, number> = {};
  const remember = (line: string) => {
    lines.push(line);
    if (lines.length > 60) lines.shift();
  };
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const at = performance.now();
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      remember(line);
      if (line.startsWith(MARKER_PREFIX)) {
        const [marker, value] = line.slice(MARKER_PREFIX.length).split(' ');
        if (marker) markers[marker] = Number(value);
      }
      for (const waiter of [...waiters]) {
        if (line.includes(waiter.text)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(at);
        }
      }
    }
  });
  // Always drained: a full pipe would block the child's writes (stderr to a pipe is synchronous).
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) remember(`[stderr] ${line}`);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child,
    name,
    markers,
    waitForLine: (text) =>
      new Promise((resolve) => {
        waiters.push({ text, resolve });
      }),
    tail: () => lines.slice(-15).join('\n'),
    exited,
  };
}

/** Rejects after `ms`, or when the child exits first, with the child's last lines. */
export function bounded<T>(proc: Watched, promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${proc.name}: ${what}: nothing after ${ms / 1000} s\n${proc.tail()}`)), ms);
    }),
    proc.exited.then(({ code, signal }) => {
      throw new Error(`${proc.name} exited (${code ?? signal}) before ${what}\n${proc.tail()}`);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Sends `message` over IPC and waits for the child's next message of type `type`. */
export function ask<T extends { type: string }>(proc: Watched, message: object | null, type: T['type'], ms: number): Promise<T> {
  const reply = new Promise<T>((resolve, reject) => {
    const onMessage = (received: { type?: string; message?: string }) => {
      if (received.type === type) {
        proc.child.off('message', onMessage);
        resolve(received as T);
      } else if (received.type === 'error') {
        proc.child.off('message', onMessage);
        reject(new Error(`${proc.name}: ${received.message ?? 'error'}`));
      }
    };
    proc.child.on('message', onMessage);
  });
  if (message) proc.child.send(message);
  return bounded(proc, reply, ms, `a "${type}" reply`);
}

/** SIGTERM, then up to 30 s for a clean exit (SIGKILL after that). Returns a problem, or null. */
export async function stopProcess(proc: Watched): Promise<string | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return `${proc.name} had already exited (${proc.child.exitCode ?? proc.child.signalCode})`;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
  const { code, signal } = await proc.exited;
  clearTimeout(timer);
  return code === 0 ? null : `${proc.name} did not stop cleanly (exit ${code ?? signal})\n${proc.tail()}`;
}

export function forkClient(role: 'load' | 'window', maxSeconds: number): Watched {
  const child = fork(CLIENTS_SCRIPT, [role, String(maxSeconds)], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return watch(child, `${role} client`);
}

/** bench/store-server.ts on `dataDir` (the engine and the window's HTTP API, random loopback ports); it reports 'ready' over IPC. */
export function forkServer(options: { dataDir: string; secret: string; uiToken: string; maxSeconds: number; backupSchedule?: 'default' | 'off' }): Watched {
  const args = ['--data-dir', options.dataDir, '--port', '0', '--ui-port', '0', '--secret', options.secret, '--ui-token', options.uiToken, '--max-seconds', String(options.maxSeconds)];
  if (options.backupSchedule === 'off') args.push('--no-backup-schedule');
  const child = fork(SERVER_SCRIPT, args, { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return watch(child, 'store-server');
}

/** Polls `status` until no stored event waits for indexing (or `limitMs` passed). */
export async function waitForIndexing(baseUrl: string, token: string, limitMs: number): Promise<{ ms: number; left: number }> {
  const started = performance.now();
  for (;;) {
    const { body } = await api<ArchiveStatus>(baseUrl, token, 'status', {});
    if (body.indexing === 0 || performance.now() - started > limitMs) return { ms: performance.now() - started, left: body.indexing };
    await delay(250);
  }
}

/** Polls `status` until no stored event waits for indexing (at most 2 minutes), then gives the engine a second of quiet. */
export async function settleIndexing(baseUrl: string, token: string, label: string): Promise<{ ms: number; left: number }> {
  const waited = await waitForIndexing(baseUrl, token, 120_000);
  console.log(`bench: ${label}: indexing caught up in ${fmt(waited.ms)} ms${waited.left ? ` (${waited.left} still waiting)` : ''}`);
  await delay(1000);
  return waited;
}

/** One steady phase of the load client (bench/store-clients.ts); deliveries not acknowledged are added to `problems`. */
export async function sendSteadily(load: Watched, run: { url: string; label: string; rate: number; seconds: number }, problems: string[]): Promise<LoadResult> {
  const result = await ask<LoadResult>(load, { type: 'run', url: run.url, label: run.label, ratePerSecond: run.rate, seconds: run.seconds }, 'result', run.seconds * 1000 + 180_000);
  const non2xx = Object.entries(result.failures);
  if (non2xx.length > 0) problems.push(`${run.label}: ${result.sent - result.twoXx} of ${result.sent} deliveries not acknowledged: ${non2xx.map(([kind, n]) => `${n} × ${kind}`).join(', ')}`);
  return result;
}

/** One phase's deliveries as one result (a phase sent in chunks, checking something between them). */
export function mergeLoads(label: string, parts: LoadResult[]): LoadResult {
  const failures: Record<string, number> = {};
  for (const part of parts) for (const [kind, n] of Object.entries(part.failures)) failures[kind] = (failures[kind] ?? 0) + n;
  const sent = parts.reduce((sum, part) => sum + part.sent, 0);
  return {
    type: 'result',
    label,
    sent,
    twoXx: parts.reduce((sum, part) => sum + part.twoXx, 0),
    failures,
    fromSendMs: parts.flatMap((part) => part.fromSendMs),
    fromScheduleMs: parts.flatMap((part) => part.fromScheduleMs),
    sendLagMs: parts.flatMap((part) => part.sendLagMs),
    durationMs: parts.reduce((sum, part) => sum + part.durationMs, 0),
    bodyBytes: {
      min: Math.min(...parts.map((part) => part.bodyBytes.min)),
      max: Math.max(...parts.map((part) => part.bodyBytes.max)),
      mean: parts.reduce((sum, part) => sum + part.bodyBytes.mean * part.sent, 0) / Math.max(sent, 1),
    },
  };
}

export interface ApiMeasure {
  label: string;
  method: string;
  args: unknown;
  /** Calls per round (the cheap calls get more samples). */
  perRound: number;
  /** p95 target, ms; null when only reported. */
  target: number | null;
  samples: number[];
}

/**
 * Times the window's API calls into each measure's samples: one unmeasured call each (statement
 * caches, JIT), then rounds that interleave the measures, so a slow spell of this shared machine
 * hits them all alike. At least 5 rounds, then up to `rounds` while within `budgetMs`. Returns the rounds run.
 */
export async function timeInterleaved(baseUrl: string, token: string, measures: ApiMeasure[], rounds: number, budgetMs: number): Promise<number> {
  for (const measure of measures) await api(baseUrl, token, measure.method, measure.args);
  const started = performance.now();
  let done = 0;
  while (done < rounds && (done < 5 || performance.now() - started < budgetMs)) {
    for (const measure of measures) {
      for (let i = 0; i < measure.perRound; i += 1) measure.samples.push((await api(baseUrl, token, measure.method, measure.args)).ms);
    }
    done += 1;
  }
  return done;
}

/**
 * Prints the report and writes it to bench/results/<fileName> (whole or not at all); the problems
 * that make the run unclean go to stderr and set a non-zero exit code.
 */
export function publishReport(markdown: string, fileName: string, problems: string[]): void {
  console.log(`\n${markdown}`);
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  const latest = join(resultsDir, fileName);
  writeFileSync(`${latest}.tmp`, markdown);
  renameSync(`${latest}.tmp`, latest);
  console.log(`bench: written to ${latest}`);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`bench: ${problem}`);
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Other load on the machine: these machines are shared, so each phase says how much CPU went to
// processes that are not this benchmark's (from /proc; Linux only, left out elsewhere).

export interface CpuSnapshot {
  /** /proc/vmstat drop_pagecache: how often anyone wrote to drop_caches (this benchmark does only before its cold starts). */
  drops: number;
  busyTicks: number;
  stealTicks: number;
  mineTicks: number;
  at: number;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime (children that have exited and been waited for, such as the CLI's)
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0;
  }
}

export function cpuSnapshot(): CpuSnapshot | null {
  try {
    const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
    const ticks = cpu!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
    const pids = [process.pid, ...[...children].map((child) => child.pid ?? 0).filter((pid) => pid > 0)];
    const drops = Number(/^drop_pagecache (\d+)$/m.exec(readFileSync('/proc/vmstat', 'utf8'))?.[1] ?? 0);
    return { drops, busyTicks: user + nice + system + irq + softirq, stealTicks: steal, mineTicks: pids.reduce((sum, pid) => sum + processTicks(pid), 0), at: performance.now() };
  } catch {
    return null;
  }
}

/**
 * Cores used by other processes, and stolen by the hypervisor, between two snapshots (USER_HZ = 100),
 * and whether another process dropped the page cache meanwhile (the archive's next reads are then cold).
 */
export function otherLoad(before: CpuSnapshot | null, after: CpuSnapshot | null): string {
  if (!before || !after) return 'n/a';
  const seconds = (after.at - before.at) / 1000;
  const others = Math.max(0, after.busyTicks - before.busyTicks - (after.mineTicks - before.mineTicks)) / 100 / seconds;
  const steal = (after.stealTicks - before.stealTicks) / 100 / seconds;
  const drops = after.drops - before.drops;
  return `${fmt(others, 2)} cores${steal >= 0.01 ? ` (+ ${fmt(steal, 2)} stolen)` : ''}${drops > 0 ? `; **page cache dropped ${drops}× by another process**` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// The archive: built once with the CLI, copied for each run

export interface BuildInfo {
  sessions: number;
  seed: number;
  longEvery: number;
  seconds: number;
  builtAt: string;
}

export async function ensureArchive(sessions: number): Promise<{ dir: string; info: BuildInfo | null; builtNow: boolean }> {
  const dir = fileURLToPath(new URL(`./.cache/store-${sessions}`, import.meta.url));
  const infoFile = join(dir, 'build-info.json');
  const readInfo = () => (existsSync(infoFile) ? (JSON.parse(readFileSync(infoFile, 'utf8')) as BuildInfo) : null);
  if (existsSync(archivePath(dir)) && !process.env.BENCH_REBUILD) return { dir, info: readInfo(), builtNow: false };
  // Built beside its place and renamed when complete: an interrupted build is never taken for an archive.
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  console.log(`bench: building the archive (${fmt(sessions)} sessions, seed ${SEED}) with the CLI into ${dir}; this takes a few minutes`);
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'demo', '--data-dir', building, '--sessions', String(sessions), '--seed', String(SEED), '--long-every', String(LONG_EVERY)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.add(child);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  children.delete(child);
  if (code !== 0) throw new Error(`building the archive failed (exit ${code})`);
  const info: BuildInfo = { sessions, seed: SEED, longEvery: LONG_EVERY, seconds: (performance.now() - started) / 1000, builtAt: new Date().toISOString() };
  writeFileSync(join(building, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return { dir, info, builtNow: true };
}

/** Copies the archive file (a reflink where the filesystem can) after folding any WAL left behind into it. */
export function copyArchive(fromDir: string, toDir: string): { bytes: number; ms: number } {
  const source = archivePath(fromDir);
  const wal = `${source}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    console.log('bench: the cached archive has a WAL; checkpointing it first');
    const db = new Database(source);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  }
  if (existsSync(wal) && statSync(wal).size > 0) throw new Error(`${wal} is not empty after a checkpoint: is something else using the cached archive?`);
  const started = performance.now();
  mkdirSync(toDir, { recursive: true });
  copyFileSync(source, archivePath(toDir), constants.COPYFILE_FICLONE);
  return { bytes: statSync(source).size, ms: performance.now() - started };
}
