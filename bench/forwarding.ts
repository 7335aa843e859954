/**
 * Forwarding benchmark (a measurement, not a test), issue 13 section 2: "nothing slows
 * acknowledgements". Signed session.ended deliveries (40 messages) at a steady 50 per second, open
 * loop, from a separate process, to the engine (bench/store-server.ts: Engine + the window's API):
 *
 *   (a) alone: no forwarding target;
 *   (b) with 5 targets that hang (accept the connection, never answer): every stored event is
 *       enqueued for all 5 in its own transaction, and the forwarder keeps its sends in flight
 *       until they time out (10 s), retrying with backoff;
 *   (c) with 5 targets that answer 200 at once: every event is claimed, sent and recorded 5 times.
 *
 * The two alternate for BENCH_ROUNDS rounds (targets added through the API before each (b),
 * deleted after it), so drift on a shared machine hits both alike; the ratio of the p99s is the
 * result. The listener's event loop is watched too (its longest stall shows work done on it).
 *
 *   npm run bench:forwarding
 *   BENCH_RATE=50 BENCH_SECONDS=20 BENCH_ROUNDS=2
 *
 * Loopback only; a fresh archive in a temp dir removed afterwards; a watchdog ends a hung run.
 * The report is printed and written to bench/results/forwarding-latest.md.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ArchiveResults } from '../shared/api.js';
import { api, type ClientReply, type LoadResult } from './store-clients.js';
import type { LoopStats, ServerMessage } from './store-server.js';
import { codeVersion, filesystemOf, readSetting } from './report.js';
import {
  ask,
  cleanUp,
  cpuSnapshot,
  createRunDir,
  fmt,
  forkClient,
  forkServer,
  mergeLoads,
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

const SECRET = 'bench-forwarding-secret';
const UI_TOKEN = 'bench-forwarding-token';
const TARGET_SECRET = 'bench-forwarding-target-secret-0123';
const HANGING_TARGETS = 5;
const WARMUP_SECONDS = 3;
/** "Acknowledgements do not get slower": p99 with hanging targets within this factor of p99 alone (noise on a shared 2-core machine). */
const RATIO_TARGET = 1.25;

const call = async <M extends keyof ArchiveResults>(baseUrl: string, method: M, args: unknown): Promise<ArchiveResults[M]> => (await api<ArchiveResults[M]>(baseUrl, UI_TOKEN, method, args)).body;

/** A target that takes the request and never answers (until the benchmark ends), or (healthy) answers 200 at once. */
async function startTarget(healthy = false): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  const held = new Set<ServerResponse>();
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    if (healthy) {
      req.on('end', () => res.writeHead(200).end('ok')).resume();
      return;
    }
    req.resume();
    held.add(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Phase {
  loads: LoadResult[];
  loops: LoopStats[];
  others: string[];
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  const rate = readSetting('BENCH_RATE', 50, 1, 1000);
  const seconds = readSetting('BENCH_SECONDS', 20, 5, 600);
  const rounds = readSetting('BENCH_ROUNDS', 2, 1, 10);
  const watchdogSeconds = rounds * seconds * 2 + 300;
  const watchdog = setTimeout(() => {
    console.error(`bench: watchdog: no result after ${watchdogSeconds} s`);
    cleanUp();
    process.exit(2);
  }, watchdogSeconds * 1000);
  watchdog.unref();
  const problems: string[] = [];
  const tmpRoot = process.env.BENCH_TMPDIR ?? os.tmpdir();
  const runDir = createRunDir(tmpRoot, 'callaider-forwarding-bench-');
  const dataDir = join(runDir, 'data');
  const filesystem = filesystemOf(runDir);
  const targets = await Promise.all(Array.from({ length: HANGING_TARGETS }, () => startTarget()));
  const healthyTargets = await Promise.all(Array.from({ length: HANGING_TARGETS }, () => startTarget(true)));

  const server = forkServer({ dataDir, secret: SECRET, uiToken: UI_TOKEN, maxSeconds: watchdogSeconds + 60, backupSchedule: 'off' });
  let load: Watched | null = null;
  try {
    const { uiBaseUrl, webhookUrl } = await ask<Extract<ServerMessage, { type: 'ready' }>>(server, null, 'ready', 120_000);
    load = forkClient('load', watchdogSeconds + 60);
    const bodies = Math.round(rate * (WARMUP_SECONDS + rounds * 3 * seconds)) + 50;
    await ask<Extract<ClientReply, { type: 'ready' }>>(load, { type: 'init', secret: SECRET, count: bodies, seed: 20_261_127 }, 'ready', 300_000);
    const loopStats = async () => (await ask<Extract<ServerMessage, { type: 'loop' }>>(server, { type: 'loop' }, 'loop', 30_000)).stats;
    await sendSteadily(load, { url: webhookUrl, label: 'warm-up', rate, seconds: WARMUP_SECONDS }, problems);
    await settleIndexing(uiBaseUrl, UI_TOKEN, 'after the warm-up');

    const alone: Phase = { loads: [], loops: [], others: [] };
    const hanging: Phase = { loads: [], loops: [], others: [] };
    const healthy: Phase = { loads: [], loops: [], others: [] };
    let healthySent = 0;
    let queuedAtEnd = 0;
    let timedOut = 0;
    for (let round = 1; round <= rounds; round += 1) {
      await loopStats();
      let cpu = cpuSnapshot();
      alone.loads.push(await sendSteadily(load, { url: webhookUrl, label: `alone ${round}`, rate, seconds }, problems));
      alone.loops.push(await loopStats());
      alone.others.push(otherLoad(cpu, cpuSnapshot()));
      console.log(`bench: round ${round} alone: p99 ${ms1(summarize(alone.loads.at(-1)!.fromSendMs).p99)} ms`);
      await settleIndexing(uiBaseUrl, UI_TOKEN, `after alone ${round}`);

      const ids: number[] = [];
      for (const target of targets) {
        const saved = await call(uiBaseUrl, 'saveForwardTarget', { url: target.url, events: ['session.started', 'session.ended'], secret: TARGET_SECRET });
        ids.push(saved.target.id);
      }
      await loopStats();
      cpu = cpuSnapshot();
      hanging.loads.push(await sendSteadily(load, { url: webhookUrl, label: `5 hanging targets ${round}`, rate, seconds }, problems));
      hanging.loops.push(await loopStats());
      hanging.others.push(otherLoad(cpu, cpuSnapshot()));
      const list = await call(uiBaseUrl, 'listForwardTargets', {});
      queuedAtEnd = list.counts.queued;
      const attempts = await call(uiBaseUrl, 'listForwardAttempts', { limit: 500 });
      timedOut += attempts.attempts.filter((a) => a.error?.startsWith('no answer within')).length;
      console.log(`bench: round ${round} with 5 hanging targets: p99 ${ms1(summarize(hanging.loads.at(-1)!.fromSendMs).p99)} ms; ${fmt(queuedAtEnd)} forwards queued`);
      await settleIndexing(uiBaseUrl, UI_TOKEN, `after hanging ${round}`);
      for (const id of ids) await call(uiBaseUrl, 'deleteForwardTarget', { id });

      // (c) the same 5 targets answering 200 at once: every event is sent, claimed and recorded 5 times.
      const healthyIds: number[] = [];
      for (const target of healthyTargets) {
        const saved = await call(uiBaseUrl, 'saveForwardTarget', { url: target.url, events: ['session.started', 'session.ended'], secret: TARGET_SECRET });
        healthyIds.push(saved.target.id);
      }
      await loopStats();
      cpu = cpuSnapshot();
      healthy.loads.push(await sendSteadily(load, { url: webhookUrl, label: `5 healthy targets ${round}`, rate, seconds }, problems));
      healthy.loops.push(await loopStats());
      healthy.others.push(otherLoad(cpu, cpuSnapshot()));
      console.log(`bench: round ${round} with 5 healthy targets: p99 ${ms1(summarize(healthy.loads.at(-1)!.fromSendMs).p99)} ms`);
      await settleIndexing(uiBaseUrl, UI_TOKEN, `after healthy ${round}`);
      for (const id of healthyIds) await call(uiBaseUrl, 'deleteForwardTarget', { id });
    }
    healthySent = healthyTargets.reduce((sum, target) => sum + target.requests(), 0);
    load.child.disconnect();
    await load.exited;
    load = null;
    const stopProblem = await stopProcess(server);
    if (stopProblem) problems.push(stopProblem);
    const requestsSeen = targets.reduce((sum, target) => sum + target.requests(), 0);
    if (requestsSeen === 0) problems.push('the hanging targets received no request: forwarding did not run');

    const a = summarize(mergeLoads('alone', alone.loads).fromSendMs);
    const b = summarize(mergeLoads('hanging', hanging.loads).fromSendMs);
    const loopRow = (loops: LoopStats[]) => `${ms1(Math.max(...loops.map((l) => l.p99)))} / ${ms1(Math.max(...loops.map((l) => l.max)))}`;
    const row = (label: string, phase: Phase, s: ReturnType<typeof summarize>) =>
      `| ${label} | ${fmt(phase.loads.reduce((n, l) => n + l.sent, 0))} | ${fmt(phase.loads.reduce((n, l) => n + l.twoXx, 0))} | ${ms1(s.p50)} | ${ms1(s.p95)} | ${ms1(s.p99)} | ${ms1(s.max)} | ${loopRow(phase.loops)} | ${phase.others.join('; ')} |`;
    const c = summarize(mergeLoads('healthy', healthy.loads).fromSendMs);
    const ratio = b.p99 / a.p99;
    const perRound = alone.loads.map((l, i) => `${ms1(summarize(l.fromSendMs).p99)} / ${ms1(summarize(hanging.loads[i]!.fromSendMs).p99)}`).join(', ');
    const markdown = [
      '# Forwarding benchmark (issue 13)',
      '',
      `${startedAt.toISOString()} · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), ${fmt(os.totalmem() / 2 ** 30)} GiB · Node ${process.version} · SQLite ${sqliteVersion()} · ${codeVersion()} · ${filesystem} · run ${fmt((performance.now() - t0) / 1000)} s`,
      '',
      `Load: signed session.ended (40 messages) at ${rate}/s, open loop, from another process; ${rounds} rounds of ${seconds} s alone, then ${seconds} s with ${HANGING_TARGETS} hanging targets (fresh archive).`,
      '',
      '| phase | sent | 2xx | p50 ms | p95 ms | p99 ms | max ms | listener loop delay p99 / max ms | other load |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      row('(a) alone', alone, a),
      row(`(b) ${HANGING_TARGETS} targets that hang`, hanging, b),
      row(`(c) ${HANGING_TARGETS} targets that answer 200`, healthy, c),
      '',
      `- Ack p99 with ${HANGING_TARGETS} hanging targets: ${ms1(b.p99)} ms, ${fmt(ratio, 2)} × the same run's p99 alone (${ms1(a.p99)} ms); target ≤ ${RATIO_TARGET}: ${verdict(ratio <= RATIO_TARGET)}.`,
      `- p99 per round, alone / hanging: ${perRound} ms.`,
      `- Ack p99 with ${HANGING_TARGETS} healthy targets (every event sent ${HANGING_TARGETS} times): ${ms1(c.p99)} ms, ${fmt(c.p99 / a.p99, 2)} × alone; per round ${healthy.loads.map((l) => ms1(summarize(l.fromSendMs).p99)).join(', ')} ms; the targets received ${fmt(healthySent)} requests.`,
      `- The targets received ${fmt(requestsSeen)} requests (held until the sender's 10 s timeout); ${fmt(timedOut)} timed-out attempts among the last 500 listed; ${fmt(queuedAtEnd)} forwards queued at the end of the last (b) phase.`,
      '',
      problems.length ? `Problems:\n${problems.map((p) => `- ${p}`).join('\n')}\n` : 'No problems: every delivery was acknowledged with a 2xx.\n',
    ].join('\n');
    publishReport(markdown, 'forwarding-latest.md', problems);
  } finally {
    if (load && load.child.exitCode === null) load.child.kill('SIGKILL');
    if (server.child.exitCode === null && server.child.signalCode === null) await stopProcess(server);
    await Promise.all([...targets, ...healthyTargets].map((target) => target.close()));
    cleanUp();
  }
}

await main();
