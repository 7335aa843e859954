/**
 * Backup benchmark (a measurement, not a test), issue 11's targets on the 100,000-session archive of
 * the store benchmark:
 *
 * 1. Acknowledgements of signed session.ended deliveries (40 messages) at a steady 50 per second,
 *    open loop, from a separate process: (a) alone, (b) while a backup of the whole archive is taken
 *    through the window's API (`backupNow`: the copy on the reader thread, then its verification),
 *    sending until the backup has finished and at least as long as (a). The store issue's target
 *    holds during a backup: ack p99 < 30 ms (busy), given as a ratio to (a) from the same run. The
 *    event loop that answers webhooks is watched too (its longest stall shows any work done on it).
 * 2. How long the backup takes (the copy, then the verification), and its size.
 * 3. With the server stopped: `callaider-archive verify FILE` and `callaider-archive restore FILE`
 *    into a new data folder, through the CLI as an owner would run them.
 *
 *   npm run bench:backup                    # about 5–10 minutes with the archive built
 *   BENCH_RATE=50 BENCH_BASELINE_SECONDS=20 # deliveries per second; length of 1(a) and the least of 1(b)
 *   BENCH_BACKUP_MAX_SECONDS=300            # 1(b) gives up on the backup after this long
 *   BENCH_SESSIONS=100000 BENCH_TMPDIR=/some/disk
 *
 * It works on a copy of the cached archive (bench/.cache/store-<n>), in a temp dir removed afterwards.
 * Loopback only; a watchdog ends a hung run. The report is printed and written to
 * bench/results/backup-latest.md. Exit code non-zero when the benchmark itself breaks.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { ArchiveResults, ArchiveStatus, BackupRecord } from '../shared/api.js';
import { api, type ClientReply, type LoadResult } from './store-clients.js';
import type { LoopStats, ServerMessage } from './store-server.js';
import { codeVersion, filesystemOf, readSetting } from './report.js';
import {
  CLI,
  ROOT,
  ask,
  cleanUp,
  mergeLoads,
  copyArchive,
  cpuSnapshot,
  createRunDir,
  ensureArchive,
  fmt,
  forkClient,
  forkServer,
  ms1,
  otherLoad,
  publishReport,
  sendSteadily,
  settleIndexing,
  sqliteVersion,
  stopProcess,
  summarize,
  verdict,
  type Watched,
} from './harness.js';

const SECRET = 'bench-backup-secret';
const UI_TOKEN = 'bench-backup-token';
const WARMUP_SECONDS = 3;
const CHUNK_SECONDS = 5;
const TARGETS = { ackAloneP99: 20, ackBusyP99: 30 } as const;
const FIRST_PASS_LIMIT_MS = 420_000;

const call = async <M extends keyof ArchiveResults>(baseUrl: string, method: M, args: unknown): Promise<ArchiveResults[M]> => (await api<ArchiveResults[M]>(baseUrl, UI_TOKEN, method, args)).body;

interface Phase {
  label: string;
  load: LoadResult;
  loop: LoopStats;
  others: string;
}

/** An archive upgraded from before the follow-up rules gets a first pass over every session: wait it out, it is not what is measured. */
async function waitForTriage(baseUrl: string): Promise<number> {
  const started = performance.now();
  let sawIt = false;
  let quietSince = performance.now();
  for (;;) {
    const status: ArchiveStatus = await call(baseUrl, 'status', {});
    if (status.triage?.running) {
      sawIt = true;
      quietSince = performance.now();
    }
    if (status.triage && !status.triage.running && sawIt) break;
    // No pass at all (an archive already triaged): 10 s without one is enough.
    if (!sawIt && performance.now() - quietSince > 10_000) break;
    if (performance.now() - started > FIRST_PASS_LIMIT_MS) throw new Error(`the rules' first pass had not finished after ${FIRST_PASS_LIMIT_MS / 1000} s`);
    await delay(1000);
  }
  return performance.now() - started;
}


interface DuringBackup {
  load: LoadResult;
  record: BackupRecord | null;
  /** The backupNow call from the client: copy, verification, rename and record. */
  callMs: number | null;
  chunks: Array<{ p99: number; backingUp: boolean }>;
}

async function sendWhileBackingUp(options: { load: Watched; baseUrl: string; url: string; rate: number; minSeconds: number; maxSeconds: number; problems: string[] }): Promise<DuringBackup> {
  const { load, baseUrl, url, rate, problems } = options;
  const parts: LoadResult[] = [];
  const chunks: DuringBackup['chunks'] = [];
  const started = performance.now();
  let backup: Promise<void> | null = null;
  let record: BackupRecord | null = null;
  let callMs: number | null = null;
  let finished = false;
  for (let chunk = 0; ; chunk += 1) {
    const sending = sendSteadily(load, { url, label: 'during the backup', rate, seconds: CHUNK_SECONDS }, problems);
    if (chunk === 0) {
      // Deliveries are already flowing when the backup starts.
      await delay(500);
      const calledAt = performance.now();
      console.log('bench: 1(b): backupNow called');
      backup = call(baseUrl, 'backupNow', {}).then(
        (result) => {
          record = result;
          callMs = performance.now() - calledAt;
          finished = true;
        },
        (error: unknown) => {
          problems.push(`1(b): backupNow failed: ${error instanceof Error ? error.message : String(error)}`);
          finished = true;
        },
      );
    }
    parts.push(await sending);
    chunks.push({ p99: summarize(parts[parts.length - 1]!.fromSendMs).p99, backingUp: !finished });
    const elapsed = performance.now() - started;
    console.log(`bench: 1(b): ${fmt(elapsed / 1000)} s${finished ? ', backup finished' : ', backup running'}`);
    if (finished && elapsed >= options.minSeconds * 1000) break;
    if (elapsed + CHUNK_SECONDS * 1000 > options.maxSeconds * 1000) {
      problems.push(`1(b): the backup had not finished after ${fmt(elapsed / 1000)} s (BENCH_BACKUP_MAX_SECONDS)`);
      break;
    }
  }
  await backup;
  return { load: mergeLoads('during the backup', parts), record, callMs, chunks };
}

/** Runs the CLI (as an owner would) and times it. */
async function timeCli(args: string[], limitMs: number): Promise<{ ms: number; code: number | null; output: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { ms: performance.now() - started, code, output: output.trim() };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  const sessions = readSetting('BENCH_SESSIONS', 100_000, 100, 10_000_000);
  const rate = readSetting('BENCH_RATE', 50, 1, 2000);
  const baselineSeconds = readSetting('BENCH_BASELINE_SECONDS', 20, 5, 600);
  const backupMaxSeconds = readSetting('BENCH_BACKUP_MAX_SECONDS', 300, baselineSeconds, 3600);
  const watchdogSeconds = 600 + FIRST_PASS_LIMIT_MS / 1000 + backupMaxSeconds + baselineSeconds;
  setTimeout(() => {
    console.error(`bench: still running after ${watchdogSeconds} s; killing everything and giving up`);
    process.exit(2);
  }, watchdogSeconds * 1000).unref();
  const childSeconds = watchdogSeconds + 60;
  const problems: string[] = [];

  const { dir: cacheDir } = await ensureArchive(sessions);
  const tmpRoot = process.env.BENCH_TMPDIR ?? os.tmpdir();
  const runDir = createRunDir(tmpRoot, 'callaider-backup-bench-');
  const dataDir = join(runDir, 'data');
  const copy = copyArchive(cacheDir, dataDir);
  const filesystem = filesystemOf(runDir);
  console.log(`bench: archive copied to ${dataDir} (${fmt(copy.bytes / 2 ** 20)} MiB, ${filesystem})`);

  const server = forkServer({ dataDir, secret: SECRET, uiToken: UI_TOKEN, maxSeconds: childSeconds, backupSchedule: 'off' });
  let load: Watched | null = null;
  try {
    const ready = await ask<Extract<ServerMessage, { type: 'ready' }>>(server, null, 'ready', 300_000);
    const { uiBaseUrl, webhookUrl } = ready;
    console.log('bench: server ready; waiting for the rules to pass over the archive (not measured)');
    const triageMs = await waitForTriage(uiBaseUrl);
    const atStart = await call(uiBaseUrl, 'status', {});
    console.log(`bench: ${fmt(atStart.counts.sessions)} sessions, rules settled after ${fmt(triageMs / 1000)} s`);

    load = forkClient('load', childSeconds);
    const bodies = Math.round(rate * (WARMUP_SECONDS + baselineSeconds + backupMaxSeconds + CHUNK_SECONDS)) + 10;
    await ask<Extract<ClientReply, { type: 'ready' }>>(load, { type: 'init', secret: SECRET, count: bodies, seed: 20_261_128 }, 'ready', 300_000);
    const loopStats = async () => (await ask<Extract<ServerMessage, { type: 'loop' }>>(server, { type: 'loop' }, 'loop', 30_000)).stats;
    await sendSteadily(load, { url: webhookUrl, label: 'warm-up', rate, seconds: WARMUP_SECONDS }, problems);
    await settleIndexing(uiBaseUrl, UI_TOKEN, 'after the warm-up');

    await loopStats();
    let cpu = cpuSnapshot();
    const alone = await sendSteadily(load, { url: webhookUrl, label: 'alone', rate, seconds: baselineSeconds }, problems);
    const phaseA: Phase = { label: '(a) deliveries alone', load: alone, loop: await loopStats(), others: otherLoad(cpu, cpuSnapshot()) };
    console.log(`bench: 1(a): p99 ${ms1(summarize(alone.fromSendMs).p99)} ms`);
    await settleIndexing(uiBaseUrl, UI_TOKEN, 'after 1(a)');

    cpu = cpuSnapshot();
    const during = await sendWhileBackingUp({ load, baseUrl: uiBaseUrl, url: webhookUrl, rate, minSeconds: baselineSeconds, maxSeconds: backupMaxSeconds, problems });
    const phaseB: Phase = { label: '(b) deliveries while a backup is taken', load: during.load, loop: await loopStats(), others: otherLoad(cpu, cpuSnapshot()) };
    console.log(`bench: 1(b): p99 ${ms1(summarize(during.load.fromSendMs).p99)} ms`);
    load.child.disconnect();
    await load.exited;
    load = null;
    await settleIndexing(uiBaseUrl, UI_TOKEN, 'after 1(b)');
    const listed = await call(uiBaseUrl, 'listBackups', {});
    const stopProblem = await stopProcess(server);
    if (stopProblem) problems.push(stopProblem);

    // 3. The CLI on the backup just taken, with the server stopped.
    const record = during.record as BackupRecord | null;
    let verify: Awaited<ReturnType<typeof timeCli>> | null = null;
    let restore: Awaited<ReturnType<typeof timeCli>> | null = null;
    if (record?.ok) {
      const file = join(listed.folder, record.file);
      verify = await timeCli(['verify', file], 600_000);
      if (verify.code !== 0) problems.push(`3: verify exited ${verify.code}: ${verify.output.slice(0, 300)}`);
      restore = await timeCli(['restore', file, '--data-dir', join(runDir, 'restored')], 600_000);
      if (restore.code !== 0) problems.push(`3: restore exited ${restore.code}: ${restore.output.slice(0, 300)}`);
    } else if (record) {
      problems.push(`1(b): the backup failed: ${record.error}`);
    }

    publishReport(
      report({ startedAt, runSeconds: (performance.now() - t0) / 1000, filesystem, tmpRoot, copyBytes: copy.bytes, sessions: atStart.counts.sessions, rate, phaseA, phaseB, during, verify, restore, problems }),
      'backup-latest.md',
      problems,
    );
  } finally {
    if (load && load.child.exitCode === null) load.child.kill('SIGKILL');
    if (server.child.exitCode === null && server.child.signalCode === null) await stopProcess(server);
    cleanUp();
  }
}

interface ReportInput {
  startedAt: Date;
  runSeconds: number;
  filesystem: string;
  tmpRoot: string;
  copyBytes: number;
  sessions: number;
  rate: number;
  phaseA: Phase;
  phaseB: Phase;
  during: DuringBackup;
  verify: { ms: number; code: number | null } | null;
  restore: { ms: number; code: number | null } | null;
  problems: string[];
}

function report(input: ReportInput): string {
  const a = summarize(input.phaseA.load.fromSendMs);
  const b = summarize(input.phaseB.load.fromSendMs);
  const record = input.during.record;
  const mib = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : `${fmt(n / 2 ** 20)} MiB`);
  const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : `${fmt(ms / 1000, 1)} s`);
  const row = (phase: Phase, s: ReturnType<typeof summarize>) =>
    `| ${phase.label} | ${fmt(phase.load.sent)} | ${fmt(phase.load.twoXx)} | ${ms1(s.p50)} | ${ms1(s.p95)} | ${ms1(s.p99)} | ${ms1(s.max)} | ${ms1(phase.loop.p99)} / ${ms1(phase.loop.max)} | ${phase.others} |`;
  return [
    `# Backup benchmark (issue 11)`,
    '',
    `${input.startedAt.toISOString()} · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), ${fmt(os.totalmem() / 2 ** 30)} GiB · Node ${process.version} · SQLite ${sqliteVersion()} · ${codeVersion()} · ${input.filesystem} (${input.tmpRoot}) · run ${fmt(input.runSeconds)} s`,
    '',
    `Archive: ${fmt(input.sessions)} sessions, ${mib(input.copyBytes)} file. Load: signed session.ended (40 messages) at ${input.rate}/s, open loop, from another process.`,
    '',
    '## 1. Acknowledgements, alone and during a backup',
    '',
    '| phase | sent | 2xx | p50 ms | p95 ms | p99 ms | max ms | listener loop delay p99 / max ms | other load |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    row(input.phaseA, a),
    row(input.phaseB, b),
    '',
    `- Alone: p99 ${ms1(a.p99)} ms (target < ${TARGETS.ackAloneP99} ms): ${verdict(a.p99 < TARGETS.ackAloneP99)}.`,
    `- During the backup: p99 ${ms1(b.p99)} ms (target < ${TARGETS.ackBusyP99} ms): ${verdict(b.p99 < TARGETS.ackBusyP99)}; ${fmt(b.p99 / a.p99, 2)} × the same run's p99 alone.`,
    `- Per ${CHUNK_SECONDS}-second chunk (p99 ms, * = backup running): ${input.during.chunks.map((chunk) => `${ms1(chunk.p99)}${chunk.backingUp ? '*' : ''}`).join(', ')}.`,
    '',
    '## 2. The backup',
    '',
    record
      ? `- ${record.ok ? 'Verified' : `Failed (${record.error})`}: ${mib(record.bytes)}; the copy took ${seconds(record.ms)}; the whole call (copy, verification, rename, record) ${seconds(input.during.callMs)}, so verification about ${seconds(input.during.callMs !== null && record.ms !== null ? input.during.callMs - record.ms : null)}.`
      : '- No backup record (see problems).',
    '',
    '## 3. The CLI, server stopped',
    '',
    `- \`callaider-archive verify FILE\`: ${input.verify ? `${seconds(input.verify.ms)} (exit ${input.verify.code})` : 'not run'}.`,
    `- \`callaider-archive restore FILE\` into a new data folder: ${input.restore ? `${seconds(input.restore.ms)} (exit ${input.restore.code})` : 'not run'}.`,
    '',
    input.problems.length ? `Problems:\n${input.problems.map((p) => `- ${p}`).join('\n')}\n` : 'No problems: every delivery was acknowledged with a 2xx.\n',
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  cleanUp();
  process.exit(1);
});
