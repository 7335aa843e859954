/**
 * Archive-store benchmark (a measurement, not a test): on a 100,000-session / ~4,000,000-message
 * archive, does reading the archive ever hold up the webhooks? The targets of issue 14 ("The archive
 * store"):
 *
 * 1. Acknowledgement latency of signed session.ended deliveries (40 messages each) at a steady
 *    50 per second, open loop, from a separate process: (a) alone, (b) while an archive window in
 *    another process calls the window's HTTP API without pause. p99 < 20 ms (a), < 30 ms (b).
 * 2. The window's API on that archive with nothing else running: status p95 < 5 ms; first page,
 *    filtered page and each search (rare word, "the", "a", "s", "e", "th", "ma") p95 < 100 ms.
 *    Baseline: the cheapest API call (revealSecret) in the same run.
 * 3. Engine start on that archive, from spawning the process to /healthz answering 200 and to the
 *    banner line being printed, warm and cold (page cache dropped): < 1 s. Measured on the real CLI
 *    (`bin/callaider-archive serve`) and on this benchmark's server (bench/store-server.ts).
 * 4. The event-loop delay of the thread that answers webhooks, during 1(a) and 1(b): never blocked
 *    for more than 5 ms.
 *
 *   npm run bench:store                      # builds the project, then this benchmark
 *   BENCH_STEADY_SECONDS=60 ...              # each steady phase (default 30 s)
 *   BENCH_RATE=50                            # deliveries per second (default 50)
 *   BENCH_SESSIONS=100000 BENCH_REBUILD=1    # archive size; rebuild the cached archive
 *   BENCH_TMPDIR=/some/disk                  # where each run's copy of the archive goes (default: the OS temp dir)
 *
 * The archive is built once with the CLI (`callaider-archive demo`) into bench/.cache/store-<n>
 * (a few minutes); each run works on a copy of it in a temp dir, removed afterwards, because the run
 * adds sessions. Processes: this one (orchestration, the API timings of 2), the server
 * (bench/store-server.ts), the load sender and the window client (bench/store-clients.ts), and for
 * 3 the real CLI. Everything listens on 127.0.0.1 and stops by itself; a watchdog ends a hung run.
 * The Markdown report is printed and written to bench/results/store-latest.md. The exit code is 0
 * when targets are missed and non-zero when the benchmark itself breaks (a non-2xx acknowledgement,
 * a failed API call, a crash, an engine that does not stop cleanly).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ArchiveStatus, SessionPage } from '../shared/api.js';
import { archivePath } from '../electron/core/paths.js';
import { MESSAGES_PER_EVENT, WINDOW_SEARCHES, api, type ClientReply, type LoadResult, type WindowResult } from './store-clients.js';
import type { LoopStats, ServerMessage } from './store-server.js';
import { codeVersion, filesystemOf, percentile, readSetting } from './report.js';
import {
  CLI,
  LONG_EVERY,
  ROOT,
  SEED,
  SERVER_SCRIPT,
  ask,
  bounded,
  cleanUp,
  copyArchive,
  cpuSnapshot,
  createRunDir,
  ensureArchive,
  sendSteadily,
  settleIndexing,
  timeInterleaved,
  fmt,
  forkClient,
  forkServer,
  ms1,
  otherLoad,
  publishReport,
  sqliteVersion,
  stopProcess,
  summarize,
  verdict,
  watch,
  type ApiMeasure,
  type Watched,
} from './harness.js';

const SECRET = 'bench-store-secret';
const UI_TOKEN = 'bench-store-token';
const BANNER_LINE = 'CallAIder Archive is receiving webhooks.';
const WARMUP_SECONDS = 3;
const TARGETS = { ackAloneP99: 20, ackWithWindowP99: 30, statusP95: 5, pageP95: 100, startMs: 1000, loopStallMs: 5 } as const;
/** monitorEventLoopDelay's timer interval: every sample includes it. */
const LOOP_RESOLUTION_MS = 1;
/** Searches of target 2. */
const API_SEARCHES = ['scarf', 'the', 'a', 's', 'e', 'th', 'ma'];

// ---------------------------------------------------------------------------------------------
// Helpers

/** A free TCP port on loopback (closed again at once; the race with another program is accepted). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Start time

interface StartResult {
  entry: 'cli' | 'server';
  cold: boolean;
  healthzMs: number;
  bannerMs: number;
  /** bench/store-server.ts only: its markers, ms since its process started. */
  markers: Record<string, number>;
}

/** 200 from GET /healthz, polled every 5 ms; resolves with performance.now() at the answer. */
async function pollHealth(port: number, give: () => boolean): Promise<number> {
  while (!give()) {
    const ok = await new Promise<boolean>((resolve) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 2000 }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode === 200));
      });
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(false));
    });
    if (ok) return performance.now();
    await delay(5);
  }
  return Number.NaN;
}

function dropCaches(): string | null {
  try {
    execFileSync('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0]! : String(error);
  }
}

async function measureStart(entry: 'cli' | 'server', dataDir: string, cold: boolean): Promise<StartResult> {
  const port = await freePort();
  const uiPort = await freePort();
  const args = ['--data-dir', dataDir, '--port', String(port), '--ui-port', String(uiPort), '--secret', SECRET, '--ui-token', UI_TOKEN];
  const started = performance.now();
  const child =
    entry === 'cli'
      ? spawn(process.execPath, [CLI, 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, ['--import', 'tsx', SERVER_SCRIPT, ...args, '--max-seconds', '120'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = watch(child, entry === 'cli' ? 'callaider-archive serve' : 'store-server');
  let gaveUp = false;
  try {
    const [healthAt, bannerAt] = await bounded(
      proc,
      Promise.all([pollHealth(port, () => gaveUp), proc.waitForLine(BANNER_LINE)]),
      60_000,
      '/healthz and the banner',
    );
    // Let it finish whatever it does right after the banner before stopping it.
    await delay(300);
    const problem = await stopProcess(proc);
    if (problem) throw new Error(problem);
    return { entry, cold, healthzMs: healthAt - started, bannerMs: bannerAt - started, markers: { ...proc.markers } };
  } finally {
    gaveUp = true;
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// 2. The window's API with nothing else running

async function measureApi(baseUrl: string, rounds: number, budgetMs: number): Promise<{ measures: ApiMeasure[]; rounds: number }> {
  const first = await api<SessionPage>(baseUrl, UI_TOKEN, 'listSessions', { limit: 100 });
  const sessionId = first.body.items[Math.floor(first.body.items.length / 2)]?.sessionId;
  if (!sessionId) throw new Error('the archive lists no sessions');
  const measures: ApiMeasure[] = [
    { label: 'baseline: revealSecret (cheapest call)', method: 'revealSecret', args: {}, perRound: 5, target: null, samples: [] },
    { label: 'status', method: 'status', args: {}, perRound: 5, target: TARGETS.statusP95, samples: [] },
    { label: 'list: first page (100, newest first)', method: 'listSessions', args: { limit: 100 }, perRound: 2, target: TARGETS.pageP95, samples: [] },
    { label: 'list: filtered (tool errors + voice)', method: 'listSessions', args: { limit: 100, filters: { hasToolErrors: true, mode: 'voice' } }, perRound: 1, target: TARGETS.pageP95, samples: [] },
    ...API_SEARCHES.map((query) => ({ label: `search "${query}"`, method: 'listSessions', args: { query, limit: 100 }, perRound: 1, target: TARGETS.pageP95, samples: [] as number[] })),
    { label: 'getSession (a listed session)', method: 'getSession', args: { sessionId }, perRound: 1, target: null, samples: [] },
    { label: 'getMessages (same session)', method: 'getMessages', args: { sessionId }, perRound: 1, target: null, samples: [] },
  ];
  return { measures, rounds: await timeInterleaved(baseUrl, UI_TOKEN, measures, rounds, budgetMs) };
}

// ---------------------------------------------------------------------------------------------
// 1 and 4. Steady deliveries, alone and with a busy window

interface Phase {
  label: string;
  /** CPU that other processes on the machine used meanwhile. */
  others: string;
  load: LoadResult;
  loop: LoopStats;
  window: WindowResult | null;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  const sessions = readSetting('BENCH_SESSIONS', 100_000, 100, 10_000_000);
  const steadySeconds = readSetting('BENCH_STEADY_SECONDS', 30, 5, 600);
  const rate = readSetting('BENCH_RATE', 50, 1, 2000);
  const cachedArchive = existsSync(archivePath(fileURLToPath(new URL(`./.cache/store-${sessions}`, import.meta.url))));
  // If anything hangs, stop by ourselves instead of holding the machine: 15 minutes for a default run,
  // plus the time a first build needs.
  const buildAllowance = cachedArchive && !process.env.BENCH_REBUILD ? 0 : Math.ceil(sessions / 100_000) * 1200;
  const watchdogSeconds = Math.max(900, 600 + 8 * steadySeconds) + buildAllowance;
  setTimeout(() => {
    console.error(`bench: still running after ${watchdogSeconds} s; killing everything and giving up`);
    process.exit(2);
  }, watchdogSeconds * 1000).unref();
  const childSeconds = watchdogSeconds + 60;

  const sqlite = sqliteVersion();
  const cpus = os.cpus();
  const problems: string[] = [];

  const { dir: cacheDir, info: buildInfo, builtNow } = await ensureArchive(sessions);
  const tmpRoot = process.env.BENCH_TMPDIR ?? os.tmpdir();
  const runDir = createRunDir(tmpRoot, 'callaider-store-bench-');
  const dataDir = join(runDir, 'data');
  const copy = copyArchive(cacheDir, dataDir);
  const filesystem = filesystemOf(runDir);
  console.log(`bench: archive copied to ${dataDir} (${fmt(copy.bytes / 2 ** 20)} MiB in ${fmt(copy.ms)} ms, ${filesystem})`);

  // 3. Start time: the real CLI and this benchmark's server, warm twice (the second counts), then cold.
  const starts: StartResult[] = [];
  let coldProblem: string | null = null;
  for (const entry of ['cli', 'server'] as const) {
    for (let i = 0; i < 2; i += 1) {
      const result = await measureStart(entry, dataDir, false);
      starts.push(result);
      console.log(`bench: start (${entry}, warm ${i + 1}/2): /healthz ${fmt(result.healthzMs)} ms, banner ${fmt(result.bannerMs)} ms`);
    }
  }
  for (const entry of ['cli', 'server'] as const) {
    coldProblem = dropCaches();
    if (coldProblem) break;
    const result = await measureStart(entry, dataDir, true);
    starts.push(result);
    console.log(`bench: start (${entry}, cold): /healthz ${fmt(result.healthzMs)} ms, banner ${fmt(result.bannerMs)} ms`);
  }
  if (coldProblem) console.log(`bench: cold start not measurable: ${coldProblem}`);

  // The server for 1, 2 and 4.
  const server = forkServer({ dataDir, secret: SECRET, uiToken: UI_TOKEN, maxSeconds: childSeconds });
  let load: Watched | null = null;
  let windowClient: Watched | null = null;
  try {
    const ready = await ask<Extract<ServerMessage, { type: 'ready' }>>(server, null, 'ready', 120_000);
    const { uiBaseUrl, webhookUrl } = ready;
    const status = (await api<ArchiveStatus>(uiBaseUrl, UI_TOKEN, 'status', {})).body;
    console.log(`bench: server up: ${fmt(status.counts.sessions)} sessions, ${fmt(status.counts.messages)} messages; webhooks ${webhookUrl}, window ${uiBaseUrl}`);

    // 2. The window's API, nothing else running.
    const apiCpu = cpuSnapshot();
    const apiResult = await measureApi(uiBaseUrl, 20, 180_000);
    const apiOthers = otherLoad(apiCpu, cpuSnapshot());
    console.log(`bench: API timings done (${apiResult.rounds} rounds)`);

    // 1. Steady deliveries. The sender prepares every body first (outside any measurement).
    load = forkClient('load', childSeconds);
    const bodies = Math.round(rate * (WARMUP_SECONDS + 2 * steadySeconds)) + 10;
    const prepared = await ask<Extract<ClientReply, { type: 'ready' }>>(load, { type: 'init', secret: SECRET, count: bodies, seed: 20_261_127 }, 'ready', 300_000);
    console.log(`bench: ${fmt(bodies)} signed bodies prepared in ${fmt(prepared.prepareMs)} ms`);
    const runLoad = (label: string, seconds: number) => sendSteadily(load!, { url: webhookUrl, label, rate, seconds }, problems);
    const loopStats = async () => (await ask<Extract<ServerMessage, { type: 'loop' }>>(server, { type: 'loop' }, 'loop', 30_000)).stats;
    const settle = (label: string) => settleIndexing(uiBaseUrl, UI_TOKEN, label);

    await runLoad('warm-up', WARMUP_SECONDS);
    await settle('after the warm-up');
    const phases: Phase[] = [];

    // 1(a): nothing but deliveries.
    await loopStats();
    const aloneCpu = cpuSnapshot();
    const alone = await runLoad('alone', steadySeconds);
    const aloneOthers = otherLoad(aloneCpu, cpuSnapshot());
    phases.push({ label: '(a) deliveries alone', others: aloneOthers, load: alone, loop: await loopStats(), window: null });
    console.log(`bench: 1(a): p99 ${ms1(percentile(alone.fromSendMs, 99))} ms, max ${ms1(Math.max(...alone.fromSendMs))} ms`);
    const indexedA = await settle('after 1(a)');

    // 1(b): the same, while a window calls the API without pause.
    windowClient = forkClient('window', childSeconds);
    await ask(windowClient, null, 'ready', 60_000);
    const windowDone = ask<WindowResult>(windowClient, { type: 'run', baseUrl: uiBaseUrl, token: UI_TOKEN }, 'result', steadySeconds * 1000 + 300_000);
    await delay(1000);
    await loopStats();
    const busyCpu = cpuSnapshot();
    const busy = await runLoad('with a busy window', steadySeconds);
    const busyOthers = otherLoad(busyCpu, cpuSnapshot());
    const busyLoop = await loopStats();
    windowClient.child.send({ type: 'stop' });
    const windowResult = await windowDone;
    if (windowResult.failures.length > 0) problems.push(`window client: ${windowResult.failures.length} failed API calls, first: ${windowResult.failures[0]}`);
    phases.push({ label: '(b) deliveries + a window calling the API without pause', others: busyOthers, load: busy, loop: busyLoop, window: windowResult });
    console.log(`bench: 1(b): p99 ${ms1(percentile(busy.fromSendMs, 99))} ms, max ${ms1(Math.max(...busy.fromSendMs))} ms`);
    const indexedB = await settle('after 1(b)');
    const finalStatus = (await api<ArchiveStatus>(uiBaseUrl, UI_TOKEN, 'status', {})).body;

    for (const client of [load, windowClient]) client.child.disconnect();
    await Promise.all([load.exited, windowClient.exited]);
    load = null;
    windowClient = null;
    const stopProblem = await stopProcess(server);
    if (stopProblem) problems.push(stopProblem);

    // -------------------------------------------------------------------------------------------
    // Report
    const [phaseA, phaseB] = phases as [Phase, Phase];
    const ackA = summarize(phaseA.load.fromSendMs);
    const ackB = summarize(phaseB.load.fromSendMs);
    const stall = (loop: LoopStats) => loop.max - LOOP_RESOLUTION_MS;
    const byLabel = new Map(apiResult.measures.map((measure) => [measure.label, { ...measure, summary: summarize(measure.samples) }]));
    const baseline = byLabel.get('baseline: revealSecret (cheapest call)')!.summary;
    const startOf = (entry: 'cli' | 'server', cold: boolean) => {
      const list = starts.filter((start) => start.entry === entry && start.cold === cold);
      return list[list.length - 1] ?? null;
    };
    const cliWarm = startOf('cli', false);
    const cliCold = startOf('cli', true);
    const serverWarm = startOf('server', false);
    const serverCold = startOf('server', true);
    const firstWarm = (entry: 'cli' | 'server') => starts.find((start) => start.entry === entry && !start.cold);

    const targetRows: Array<[string, string, boolean | null]> = [
      [`1(a) ack p99, deliveries alone < ${TARGETS.ackAloneP99} ms`, `${ms1(ackA.p99)} ms`, ackA.p99 < TARGETS.ackAloneP99],
      [`1(b) ack p99, with a busy window < ${TARGETS.ackWithWindowP99} ms`, `${ms1(ackB.p99)} ms`, ackB.p99 < TARGETS.ackWithWindowP99],
      ...apiResult.measures
        .filter((measure) => measure.target !== null)
        .map((measure): [string, string, boolean] => {
          const p95 = percentile(measure.samples, 95);
          return [`2. ${measure.label} p95 < ${measure.target} ms`, `${ms1(p95)} ms`, p95 < measure.target!];
        }),
      ...(
        [
          ['warm', cliWarm],
          ['cold', cliCold],
        ] as const
      ).flatMap(([kind, start]): Array<[string, string, boolean | null]> => [
        [`3. start, ${kind}: spawn to /healthz 200 < ${fmt(TARGETS.startMs)} ms (real CLI)`, start ? `${fmt(start.healthzMs)} ms` : `not measurable${coldProblem ? ` (${coldProblem})` : ''}`, start ? start.healthzMs < TARGETS.startMs : null],
        [`3. start, ${kind}: spawn to banner < ${fmt(TARGETS.startMs)} ms (real CLI)`, start ? `${fmt(start.bannerMs)} ms` : 'not measurable', start ? start.bannerMs < TARGETS.startMs : null],
      ]),
      [`4. longest event-loop stall during 1(a) < ${TARGETS.loopStallMs} ms`, `${ms1(stall(phaseA.loop))} ms`, stall(phaseA.loop) < TARGETS.loopStallMs],
      [`4. longest event-loop stall during 1(b) < ${TARGETS.loopStallMs} ms`, `${ms1(stall(phaseB.loop))} ms`, stall(phaseB.loop) < TARGETS.loopStallMs],
    ];
    const met = targetRows.filter(([, , ok]) => ok === true).length;
    const judged = targetRows.filter(([, , ok]) => ok !== null).length;

    const phaseRow = (phase: Phase) => {
      const ack = summarize(phase.load.fromSendMs);
      const scheduled = summarize(phase.load.fromScheduleMs);
      return `| ${phase.label} | ${fmt(phase.load.twoXx)} / ${fmt(phase.load.sent)} | ${ms1(ack.p50)} | ${ms1(ack.p90)} | **${ms1(ack.p99)}** | ${ms1(ack.max)} | ${ms1(scheduled.p99)} / ${ms1(scheduled.max)} | ${ms1(Math.max(...phase.load.sendLagMs))} | ${phase.others} |`;
    };
    const loopRow = (phase: Phase) =>
      `| ${phase.label} | ${ms1(phase.loop.p50)} | ${ms1(phase.loop.p99)} | ${ms1(phase.loop.p999)} | **${ms1(phase.loop.max)}** | ${fmt(phase.loop.utilization * 100)} % | ${fmt(phase.loop.cpuMs / phase.loop.wallMs, 2)} | ${fmt(phase.loop.gc.count)} / ${ms1(phase.loop.gc.totalMs)} / ${ms1(phase.loop.gc.maxMs)} |`;
    const startRow = (label: string, start: StartResult | null | undefined) =>
      start
        ? `| ${label} | ${fmt(start.healthzMs)} | ${fmt(start.bannerMs)} | ${
            Object.keys(start.markers).length ? `main ${fmt(start.markers.main ?? Number.NaN)}, engine ${fmt(start.markers['engine-started'] ?? Number.NaN)}, window ${fmt(start.markers['ui-started'] ?? Number.NaN)}, counts ${fmt(start.markers['counts-read'] ?? Number.NaN)}, banner ${fmt(start.markers.banner ?? Number.NaN)}` : ''
          } |`
        : `| ${label} | not measurable${coldProblem ? ` (${coldProblem})` : ''} | | |`;
    const windowCalls = phaseB.window ? Object.entries(phaseB.window.calls) : [];
    const windowTotal = windowCalls.reduce((sum, [, samples]) => sum + samples.length, 0);
    const memGiB = os.totalmem() / 2 ** 30;
    const body = phaseA.load.bodyBytes;

    const lines = [
      `### Archive store benchmark, ${startedAt.toISOString()}`,
      '',
      `- Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${fmt(memGiB, 1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`,
      `- Software: Node ${process.version}, SQLite ${sqlite} (better-sqlite3); run's archive copy on ${filesystem} (${tmpRoot}); code: ${codeVersion()}`,
      `- Archive: ${fmt(status.counts.sessions)} sessions, ${fmt(status.counts.messages)} messages, ${fmt(copy.bytes / 2 ** 20)} MiB ` +
        `(\`callaider-archive demo --sessions ${fmt(sessions)} --seed ${SEED} --long-every ${LONG_EVERY}\`, ` +
        `${buildInfo ? `built ${builtNow ? 'in this run' : buildInfo.builtAt} in ${fmt(buildInfo.seconds)} s` : 'build time unknown'}; a copy per run, ${fmt(copy.ms)} ms); ` +
        `after the run ${fmt(finalStatus.counts.sessions)} sessions`,
      `- Deliveries: signed \`session.ended\`, ${MESSAGES_PER_EVENT} messages (${fmt(body.min)}–${fmt(body.max)} B, mean ${fmt(body.mean)} B), ` +
        `${rate} per second on a fixed schedule (open loop, a new connection whenever the open ones are busy) from a separate process, ` +
        `${steadySeconds} s per phase after a ${WARMUP_SECONDS} s warm-up; indexing caught up before each phase ` +
        `(after 1(a): ${fmt(indexedA.ms / 1000, 1)} s, after 1(b): ${fmt(indexedB.ms / 1000, 1)} s)`,
      `- Window client (1(b)): another process calling the API one call after another: status, first page, a listed session and its messages, ` +
        `two filtered pages, searches ${WINDOW_SEARCHES.map((query) => `"${query}"`).join(', ')}; ${fmt(windowTotal)} calls in ${fmt((phaseB.window?.durationMs ?? 0) / 1000, 1)} s`,
      '',
      `**Targets: ${met} of ${judged} met.**`,
      '',
      '| target | measured | result |',
      '| --- | ---: | --- |',
      ...targetRows.map(([label, measured, ok]) => `| ${label} | ${measured} | ${verdict(ok)} |`),
      '',
      '#### 1. Acknowledgements at a steady rate (ms, request written to last byte of the reply)',
      '',
      '| phase | acked / sent | p50 | p90 | p99 | max | from schedule p99 / max | sender late, max | other processes on the machine |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      phaseRow(phaseA),
      phaseRow(phaseB),
      '',
      '#### 4. Event-loop delay of the server thread that answers webhooks and the window (ms)',
      '',
      `\`monitorEventLoopDelay({ resolution: ${LOOP_RESOLUTION_MS} })\` in the server process: every sample includes the ${LOOP_RESOLUTION_MS} ms timer interval (an idle loop reads about 1.1 ms), so the longest stall is the max minus ${LOOP_RESOLUTION_MS} ms. It counts everything on that thread (webhook parsing, API handlers, GC), so it bounds what one archive read can block.`,
      '',
      '| phase | p50 | p99 | p99.9 | max | loop busy | server cores in use | GC pauses: count / total / longest |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      loopRow(phaseA),
      loopRow(phaseB),
      '',
      ...(phaseB.window
        ? [
            '1(b) window client, latency under load (ms):',
            '',
            '| call | calls | p50 | p95 | max |',
            '| --- | ---: | ---: | ---: | ---: |',
            ...windowCalls.map(([kind, samples]) => {
              const s = summarize(samples);
              return `| ${kind} | ${fmt(s.n)} | ${ms1(s.p50)} | ${ms1(s.p95)} | ${ms1(s.max)} |`;
            }),
            '',
          ]
        : []),
      `#### 2. The window's API, nothing else running (ms, HTTP on loopback; ${apiResult.rounds} interleaved rounds; other processes on the machine meanwhile: ${apiOthers})`,
      '',
      '| call | calls | p50 | p95 | max | p50 / baseline p50 | target |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
      ...[...byLabel.values()].map(
        (measure) =>
          `| ${measure.label} | ${fmt(measure.summary.n)} | ${ms1(measure.summary.p50)} | ${ms1(measure.summary.p95)} | ${ms1(measure.summary.max)} | ${fmt(measure.summary.p50 / baseline.p50, 1)} | ${
            measure.target === null ? '' : `p95 < ${measure.target}: ${verdict(measure.summary.p95 < measure.target)}`
          } |`,
      ),
      '',
      '#### 3. Engine start on this archive (ms from spawning the process)',
      '',
      `Warm: the second of two starts in a row. Cold: \`sync; echo 3 > /proc/sys/vm/drop_caches\` just before spawning. The benchmark's server (bench/store-server.ts, through tsx) also prints when each step ended, in ms since its process started.`,
      '',
      '| entry, cache | /healthz 200 | banner printed | inside the process |',
      '| --- | ---: | ---: | --- |',
      startRow('`callaider-archive serve`, warm', cliWarm),
      startRow('`callaider-archive serve`, cold', cliCold),
      startRow('bench/store-server.ts, warm', serverWarm),
      startRow('bench/store-server.ts, cold', serverCold),
      '',
      `First warm starts (not counted): CLI ${fmt(firstWarm('cli')?.healthzMs ?? Number.NaN)} / ${fmt(firstWarm('cli')?.bannerMs ?? Number.NaN)} ms, server ${fmt(firstWarm('server')?.healthzMs ?? Number.NaN)} / ${fmt(firstWarm('server')?.bannerMs ?? Number.NaN)} ms (/healthz / banner).`,
      '',
      `Run time: ${fmt((performance.now() - t0) / 1000)} s.`,
      ...(problems.length > 0 ? ['', '**Not a clean run (exit code 1):**', '', ...problems.map((problem) => `- ${problem.split('\n')[0]}`)] : []),
      '',
    ];
    const markdown = lines.join('\n');
    publishReport(markdown, 'store-latest.md', problems);
  } finally {
    for (const client of [load, windowClient]) if (client && client.child.exitCode === null) client.child.kill('SIGKILL');
    if (server.child.exitCode === null && server.child.signalCode === null) await stopProcess(server);
    cleanUp();
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  cleanUp();
  process.exitCode = 1;
});
